"""The one xlsx writer of the cell model (xlsxwriter).

Formulas are written with their cached value, so a file shows the right numbers in any reader
(even one that does not recompute) and recomputes when a user edits it. Sheets with a streamed
`Body` are written in constant-memory mode: fixed cells above the body first, row by row.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

from reports.model import Cell, Form, Sheet, Style


class _Sheet(Worksheet):
    """A worksheet whose formulas skip xlsxwriter's future-function rewriting (about 30
    regular expressions per formula): the forms use SUM, IF and arithmetic only; and whose
    innermost loop (one `<c>` element per cell) writes the usual cells (formatted number,
    string, blank) in one step, the same XML as xlsxwriter's general path, which stays for
    every other case."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula[1:] if formula.startswith("=") else formula

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        fmt = cell.format
        kind = cell.__class__
        if not fmt or kind not in _FAST:
            super()._write_cell(row, col, cell)
            return
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"'
        if kind is _NUMBER:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")
        elif kind is _BLANK:
            self.fh.write(f"{head}/>")
        elif not self.constant_memory:
            self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
        else:
            string = self._escape_control_characters(cell.string)
            if string.startswith("<r>") and string.endswith("</r>"):
                super()._write_cell(row, col, cell)
                return
            space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
            self.fh.write(f'{head} t="inlineStr"><is><t{space}>{self._escape_data(string)}'
                          "</t></is></c>")


_NUMBER, _BLANK = CellNumberTuple, CellBlankTuple
_FAST = (CellNumberTuple, CellBlankTuple, CellStringTuple)


class _Formats:
    """One xlsxwriter Format per distinct Style (formats are per workbook)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._cache: dict[Style, Format] = {}
        # By identity first: a form reuses a handful of Style objects over thousands of
        # cells, and hashing a frozen dataclass (ten fields) per cell costs more than a lookup.
        self._seen: dict[int, tuple[Style, Format]] = {}

    def __call__(self, style: Style) -> Format:
        seen = self._seen.get(id(style))
        if seen is not None and seen[0] is style:
            return seen[1]
        found = self._cache.get(style)
        if found is None:
            props: dict[str, Any] = {"font_name": style.font, "font_size": style.size}
            if style.bold:
                props["bold"] = True
            if style.italic:
                props["italic"] = True
            if style.h:
                props["align"] = style.h
            if style.v:
                props["valign"] = style.v
            if style.wrap:
                props["text_wrap"] = True
            for side, key in (("L", "left"), ("R", "right"), ("T", "top"), ("B", "bottom")):
                if side in style.border:
                    props[key] = 1
            if style.num:
                props["num_format"] = style.num
            if style.fill:
                props["bg_color"] = style.fill
                props["pattern"] = 1
            found = self._cache[style] = self._book.add_format(props)
        self._seen[id(style)] = (style, found)
        return found


def write_form(form: Form, target: str | Path | io.BytesIO) -> None:
    """Write one form as an .xlsx file (path or in-memory buffer)."""
    streaming = any(s.body is not None for s in form.sheets)
    # Small forms are assembled in memory (no temporary files); long streamed lists go
    # through constant-memory temporary files, row by row.
    options: dict[str, Any] = {"constant_memory": True} if streaming else {"in_memory": True}
    book = xlsxwriter.Workbook(target, options)
    book.set_properties({"title": f"{form.code} – {form.title}", "author": "PCGD-XMC",
                         "comments": "Lập bằng hệ thống PCGD-XMC"})
    formats = _Formats(book)
    try:
        for sheet in form.sheets:
            _write_sheet(book.add_worksheet(sheet.name, worksheet_class=_Sheet), sheet, formats)
    finally:
        book.close()


def form_bytes(form: Form) -> bytes:
    buffer = io.BytesIO()
    write_form(form, buffer)
    return buffer.getvalue()


def _write_cell(ws: Worksheet, row: int, col: int, cell: Cell, fmt: Format) -> None:
    # xlsxwriter's undecorated writers: the public ones first try to parse "A1" notation.
    value = cell.value
    if cell.formula:
        ws._write_formula(row, col, cell.formula, fmt, "" if value is None else value)
    elif value is None:
        ws._write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws._write_string(row, col, value, fmt)
    else:
        ws._write_number(row, col, value, fmt)


def _write_sheet(ws: Worksheet, sheet: Sheet, formats: _Formats) -> None:
    _setup(ws, sheet)
    merged_first = {(m[0], m[1]): m for m in sheet.merges}
    in_merge = {
        (r, c) for (r1, c1, r2, c2) in sheet.merges
        for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }
    body = sheet.body
    cells = sheet.cells
    # Fixed cells above a streamed body come first (constant-memory mode writes row by row);
    # in order also elsewhere, so the formats are numbered the same from one run to the next.
    for row, col in sorted(cells):
        if body is not None and row >= body.first_row:
            break
        cell = cells[(row, col)]
        fmt = formats(cell.style)
        merge = merged_first.get((row, col))
        if merge is not None:
            r1, c1, r2, c2 = merge
            if cell.formula or not isinstance(cell.value, str | type(None)):
                ws.merge_range(r1, c1, r2, c2, "", fmt)
                _write_cell(ws, row, col, cell, fmt)
            else:
                ws.merge_range(r1, c1, r2, c2, cell.value or "", fmt)
        elif (row, col) not in in_merge:
            _write_cell(ws, row, col, cell, fmt)
    if body is not None:
        styles = [formats(s) for s in body.styles]
        row = body.first_row
        blank, string, number = ws._write_blank, ws._write_string, ws._write_number
        for values in body.rows:
            if body.height:
                ws.set_row(row, body.height)
            for col, value in enumerate(values):
                fmt = styles[col]
                if value is None or value == "":
                    blank(row, col, None, fmt)
                elif isinstance(value, str):
                    string(row, col, value, fmt)
                else:
                    number(row, col, value, fmt)
            row += 1


def _setup(ws: Worksheet, sheet: Sheet) -> None:
    for col, width in sheet.widths.items():
        # Widths are the stored widths (what Excel files hold and openpyxl reads); xlsxwriter
        # takes the width shown in Excel's dialog, 5/7 of a character less.
        ws.set_column(col, col, max(0.0, width - 5 / 7))
    for row, height in sheet.heights.items():
        ws.set_row(row, height)
    page = sheet.page
    ws.set_paper(page.paper)
    if page.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    left, right, top, bottom = page.margins
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    ws.set_header("", {"margin": page.header_margin})
    ws.set_footer("&C&8Trang &P/&N", {"margin": page.footer_margin})
    ws.fit_to_pages(1, 0)
    if page.center:
        ws.center_horizontally()
    if page.repeat_rows is not None:
        ws.repeat_rows(*page.repeat_rows)
    if not sheet.gridlines:
        ws.hide_gridlines(2)
    if sheet.zoom != 100:
        ws.set_zoom(sheet.zoom)
    if sheet.page_breaks:
        ws.set_h_pagebreaks(sheet.page_breaks)
    if sheet.freeze is not None:
        ws.freeze_panes(*sheet.freeze)
