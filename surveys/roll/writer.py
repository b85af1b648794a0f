"""Write households in the roll interchange format (CSV or XLSX), the inverse of `parse_roll`."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

from pcgd.common.csvcells import neutralise
from pcgd.common.values import format_date
from surveys.roll.fields import COLUMN_NAMES, DISABILITY_TYPES, HEAD_RELATION, LABELS
from surveys.roll.model import RollHousehold, RollPerson

__all__ = ["person_cells", "roll_rows", "write_roll", "write_roll_vi"]


def person_cells(p: RollPerson) -> list[str | int]:
    """One roll row in column order: ints stay ints (numbers in XLSX), everything else text."""
    out: list[str | int] = []
    for name in COLUMN_NAMES:
        if name == "birth_date":
            out.append(format_date(p.birth_date, p.birth_year or None))
        elif name == "movement_date":
            out.append(format_date(p.movement_date))
        else:
            value = getattr(p, name)
            if value is True:  # flags: "x" marks, as in the official workbook
                value = "x"
            out.append("" if value is None or value is False else value)
    return out


def roll_rows(households: Iterable[RollHousehold]) -> Iterator[list[str | int]]:
    """Rows in a stable order: households as given, members in household order."""
    for h in households:
        for p in h.members:
            yield person_cells(p)


def write_roll(households: Iterable[RollHousehold], path: str | Path) -> None:
    """Write `.csv` (UTF-8 with BOM, so Excel shows Vietnamese correctly) or `.xlsx`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMN_NAMES)
            w.writerows([neutralise(c) for c in row] for row in roll_rows(households))
    elif suffix == ".xlsx":
        _write_xlsx(households, path)
    else:
        raise ValueError(f"unsupported roll file type: {path.name} (.csv or .xlsx)")


def _write_xlsx(households: Iterable[RollHousehold], path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False})
    try:
        ws = wb.add_worksheet("roll")
        bold = wb.add_format({"bold": True})
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, COLUMN_NAMES, bold)
        for r, row in enumerate(roll_rows(households), start=1):
            for c, value in enumerate(row):
                if value == "":
                    continue
                if isinstance(value, int):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, value)
    finally:
        wb.close()


# --- the same roll for people: Vietnamese headers and values, real Excel dates -----------------

_VI_VALUES: dict[str, dict[str, str]] = {
    "residence_type": {"thuong_tru": "Thường trú", "tam_tru": "Tạm trú"},
    "sex": {"M": "Nam", "F": "Nữ"},
    "relation": {HEAD_RELATION: "Chủ hộ"},
    "disability": {"able": "Có khả năng học tập", "unable": "Không có khả năng học tập"},
    "movement": {"moved_in": "Chuyển đến", "moved_out": "Chuyển đi", "deceased": "Đã chết"},
    "ethnicity": {"": "Kinh"},
}
_TYPE_LABELS = dict(DISABILITY_TYPES)
_WIDTHS = {"household_code": 14, "hamlet": 16, "address": 24, "full_name": 24, "birth_date": 11,
           "father_name": 20, "mother_name": 20, "relation": 12, "residence_type": 11}


def write_roll_vi(households: Iterable[RollHousehold], path: str | Path) -> None:
    """The roll as people read it: the Vietnamese labels as headers ("Họ và tên", …), values in
    words ("Thường trú", "Nữ", "Chủ hộ"), dates as real Excel dates shown dd/mm/yyyy.

    Every header and value is one the reader accepts, so the file imports back unchanged.
    """
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
        ws = wb.add_worksheet("Danh sách hộ")
        head = wb.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEF2F6"}
        )
        day = wb.add_format({"num_format": "dd/mm/yyyy"})
        for c, name in enumerate(COLUMN_NAMES):
            ws.set_column(c, c, _WIDTHS.get(name, 10))
        ws.freeze_panes(1, 2)
        ws.write_row(0, 0, [LABELS[n] for n in COLUMN_NAMES], head)
        r = 0
        for h in households:
            for p in h.members:
                r += 1
                for c, name in enumerate(COLUMN_NAMES):
                    _write_vi(ws, r, c, name, p, day)
        if r:
            ws.autofilter(0, 0, r, len(COLUMN_NAMES) - 1)
    finally:
        wb.close()


def _write_vi(ws: Any, r: int, c: int, name: str, p: RollPerson, day: Any) -> None:
    if name in ("birth_date", "movement_date"):
        when = getattr(p, name)
        if when is not None:
            ws.write_datetime(r, c, dt.datetime(when.year, when.month, when.day), day)
        elif name == "birth_date" and p.birth_year:
            ws.write_number(r, c, p.birth_year)
        return
    value = getattr(p, name)
    if isinstance(value, bool):
        value = "x" if value else ""
    elif name == "disability_types" and value:
        value = "; ".join(_TYPE_LABELS[c] for c in value.split(","))
    if name in _VI_VALUES:
        value = _VI_VALUES[name].get(value, value)
    if value is None or value == "":
        return
    if isinstance(value, int):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, value)
