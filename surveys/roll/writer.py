"""Write households in the roll interchange format (CSV or XLSX), the inverse of `parse_roll`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

import xlsxwriter

from pcgd.common.csvcells import neutralise
from surveys.roll.fields import COLUMN_NAMES
from surveys.roll.model import RollHousehold, RollPerson
from surveys.roll.values import format_date

__all__ = ["person_cells", "roll_rows", "write_roll"]


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
            out.append("" if value is None else value)
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
