"""The quick HTML preview of a form: the same cell model as the .xlsx, as a table.

Merged ranges become colspan/rowspan, styles become a few CSS classes (no inline styles: the
pages run under a strict Content-Security-Policy), numbers are written the Vietnamese way
(1.234 · 95,5%), formulas show their cached values. Long sheets are cut at `preview_rows`.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from pcgd.common.vn import fmt_int, fmt_num
from reports.model import Cell, Sheet, Style


def display(cell: Cell) -> str:
    """A cell's value as people read it."""
    value = cell.value
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    num = cell.style.num
    if "%" in num:
        decimals = num.split(".")[1].count("0") if "." in num else 0
        return fmt_num(value * 100, decimals, trim=False) + "%"
    if isinstance(value, float) and not value.is_integer():
        return fmt_num(value, 2)
    if "#,##0" in num:
        return fmt_int(int(value))
    return str(int(value))  # General format: years, row codes, column numbers


def _classes(style: Style) -> str:
    out = []
    if style.bold:
        out.append("b")
    if style.italic:
        out.append("i")
    if style.h in ("center", "right", "left"):
        out.append({"center": "ac", "right": "ar", "left": "al"}[style.h])
    elif style.num:
        out.append("ac")
    if style.wrap:
        out.append("wr")
    for side in style.border:
        out.append(f"b{side}")
    size = int(style.size)
    if size != 10:
        out.append(f"fs{min(max(size, 6), 14)}")
    return " ".join(out)


def render(sheet: Sheet, limit: int | None = None) -> Markup:
    """One sheet as an HTML table (with a note when rows were left out)."""
    last_row = sheet.last_row
    last_col = sheet.last_col
    shown = min(last_row, (limit or sheet.preview_rows) - 1)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in sheet.merges:
        spans[(r1, c1)] = (min(r2, shown) - r1 + 1, c2 - c1 + 1)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    covered.add((r, c))
    # Text that Excel lets run over empty neighbours (titles, unit lines, unmerged labels)
    # spans them here: to the right, or to the left for right-aligned text ("Mẫu: …").
    moved: dict[tuple[int, int], Cell] = {}
    first_number = {}
    for (r, c), cell in sheet.cells.items():
        if isinstance(cell.value, int | float) and c < first_number.get(r, last_col + 1):
            first_number[r] = c
    for (r, c), cell in sorted(sheet.cells.items()):
        if (r > shown or (r, c) in spans or (r, c) in covered or not isinstance(cell.value, str)
                or cell.style.wrap or not cell.value):
            continue
        limit = first_number.get(r, last_col + 1)

        def free(k: int, r: int = r, limit: int = limit) -> bool:
            if k < 0 or k > last_col or k >= limit or (r, k) in covered or (r, k) in spans:
                return False
            other = sheet.cells.get((r, k))
            return other is None or other.value in (None, "")

        if cell.style.h == "right":
            start = c
            while free(start - 1):
                start -= 1
            if start < c:
                spans[(r, start)] = (1, c - start + 1)
                covered.update((r, k) for k in range(start + 1, c + 1))
                covered.discard((r, start))
                moved[(r, start)] = cell
            continue
        end = c
        while free(end + 1):
            end += 1
        if end > c:
            spans[(r, c)] = (1, end - c + 1)
            covered.update((r, k) for k in range(c + 1, end + 1))
    parts = ['<div class="form-sheet"><table class="form-table"><colgroup>']
    for c in range(last_col + 1):
        width = round(sheet.widths.get(c, 8.43))
        parts.append(f'<col class="w{min(max(width, 2), 40)}">')
    parts.append("</colgroup><tbody>")
    for r in range(shown + 1):
        parts.append("<tr>")
        for c in range(last_col + 1):
            if (r, c) in covered:
                continue
            cell = moved.get((r, c)) or sheet.cells.get((r, c))
            attrs = ""
            if (r, c) in spans:
                rows, cols = spans[(r, c)]
                if rows > 1:
                    attrs += f' rowspan="{rows}"'
                if cols > 1:
                    attrs += f' colspan="{cols}"'
            if cell is None:
                parts.append(f"<td{attrs}></td>")
                continue
            cls = _classes(cell.style)
            if cls:
                attrs += f' class="{cls}"'
            text = escape(display(cell)).replace("\n", Markup("<br>"))
            parts.append(f"<td{attrs}>{text}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if shown < last_row:
        parts.append(f'<p class="form-more">… còn {fmt_int(last_row - shown)} dòng nữa trong '
                     "tệp Excel.</p>")
    parts.append("</div>")
    return Markup("".join(parts))
