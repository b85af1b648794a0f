"""A downloadable copy of an uploaded table with every problem marked where it is.

Users fix their own spreadsheet faster when the bad cell is red in front of them than from a
list of row numbers, so the copy keeps the upload's layout cell for cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import xlsxwriter

from pcgd.common.text import squash
from surveys.roll.fields import match_header
from surveys.roll.model import Issue

__all__ = ["ERROR_FILL", "WARNING_FILL", "annotate", "write_annotated"]

ERROR_FILL = "#FFC7CE"
WARNING_FILL = "#FFEB9C"


def header_index(header: Sequence[object]) -> dict[str, int]:
    """Where each issue column lives: canonical names and the header texts as typed."""
    out: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = squash(str(cell or ""))
        if not text:
            continue
        out.setdefault(text, i)
        name = match_header(text)
        if name is not None:
            out.setdefault(name, i)
    return out


def write_annotated(
    table: Sequence[Sequence[object]],
    issues: Iterable[Issue],
    path: str | Path,
    *,
    column_index: Mapping[str, int] | None = None,
    sheet_name: str = "DuLieu",
) -> None:
    """Copy `table` (every row of the upload, header included) to an .xlsx with marked cells.

    `Issue.row` is the 1-based row of `table`; `column_index` maps issue columns to 0-based
    column indices (default: read from the first row as a roll header). Errors are filled red,
    warnings yellow, each with a comment; a row-level issue marks the row's first cell. A second
    sheet lists every issue.
    """
    issues = list(issues)
    index = (
        dict(column_index) if column_index is not None else header_index(table[0] if table else [])
    )
    cells: dict[tuple[int, int], list[Issue]] = {}
    for issue in issues:
        if 1 <= issue.row <= len(table):
            cells.setdefault((issue.row - 1, index.get(issue.column, 0)), []).append(issue)

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        ws = wb.add_worksheet(sheet_name)
        fills = {
            "error": wb.add_format({"bg_color": ERROR_FILL, "font_color": "#9C0006"}),
            "warning": wb.add_format({"bg_color": WARNING_FILL, "font_color": "#9C5700"}),
        }
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                if value is not None and value != "" and (r, c) not in cells:
                    ws.write_string(r, c, str(value))
        for (r, c), found in cells.items():
            severity = "error" if any(i.severity == "error" for i in found) else "warning"
            row = table[r]
            value = str(row[c]) if c < len(row) and row[c] is not None else ""
            if value:
                ws.write_string(r, c, value, fills[severity])
            else:
                ws.write_blank(r, c, None, fills[severity])
            text = "\n".join(
                ("Lỗi: " if i.severity == "error" else "Cảnh báo: ") + i.message for i in found
            )
            ws.write_comment(r, c, text, {"x_scale": 2.5, "y_scale": 1 + 0.6 * len(found)})
        ws.freeze_panes(1, 0)
        _write_issue_list(wb, issues)
    finally:
        wb.close()


def _write_issue_list(wb: xlsxwriter.Workbook, issues: list[Issue]) -> None:
    ws = wb.add_worksheet("Loi")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Dòng", "Cột", "Mức", "Nội dung"], bold)
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 3, 90)
    order = sorted(issues, key=lambda i: (i.severity != "error", i.row))
    for r, i in enumerate(order, start=1):
        ws.write_number(r, 0, i.row)
        ws.write_string(r, 1, i.column)
        ws.write_string(r, 2, "Lỗi" if i.severity == "error" else "Cảnh báo")
        ws.write_string(r, 3, i.message)


def annotate(
    header: Sequence[str], rows: Sequence[Sequence[str]], issues: Iterable[Issue], path: str | Path
) -> None:
    """`write_annotated` for a roll table as returned by `read_table`."""
    write_annotated([header, *rows], issues, path)
