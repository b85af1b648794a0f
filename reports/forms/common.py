"""Conventions shared by every form: styles, the header lines, the numbered column row, count
and rate cells (formula + cached value), and the signature block.

The two recovered templates (MN-01-TE, MN-01-TC/ĐK) set the conventions: Arial, thin borders,
"Mẫu: …" at the top right, the unit lines at the top left, a centred bold title, the
"Thời điểm: ngày 30 tháng 9 năm YYYY" line, a row of column numbers under the header, and the
signature block ("…, ngày … tháng … năm …", NGƯỜI LẬP BIỂU, the steering committee or the
confirming authority of the unit).
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.data import Area, FormData, total_of
from reports.model import COUNT, PERCENT, RATIO, Sheet, Style, ref

ALL = "LRTB"
TITLE = Style(bold=True, h="center")
UNIT = Style(bold=True)
CODE = Style(h="right")
WHEN = Style(bold=True, italic=True, h="center")
HEAD = Style(h="center", wrap=True, border=ALL)
HEAD9 = HEAD.but(size=9)
COLNO = Style(size=8, h="center", border=ALL)
LABEL = Style(size=9, border=ALL, wrap=True)
LABEL_B = LABEL.but(bold=True)
NUM = Style(size=9, h="center", border=ALL, num=COUNT)
NUM_B = NUM.but(bold=True)
PCT = Style(size=9, h="center", border=ALL, num=PERCENT)
PCT_B = PCT.but(bold=True)
DEC = Style(size=9, h="center", border=ALL, num=RATIO)
TEXT = Style(size=9, h="center", border=ALL, wrap=True)
BLANK = Style(size=9, border=ALL)
SIGN_DATE = Style(italic=True, h="center")
SIGN_TITLE = Style(bold=True, h="center")
SIGN_NOTE = Style(italic=True, h="center")
NOTE = Style(size=8, italic=True, h="left", wrap=True)


def when_text(year: int, prefix: str = "Thời điểm") -> str:
    return f"{prefix}: ngày 30 tháng 9 năm {year}"


def unit_line(data: FormData) -> str:
    """'Xã: …' / 'Huyện: …' / 'Tỉnh: …' for the unit the form is made for."""
    return f"{data.unit_word}: {_short(data.unit_name)}"


def province_line(data: FormData) -> str:
    return f"Tỉnh: {_short(data.province_name)}"


def _short(name: str) -> str:
    for prefix in ("Tỉnh ", "Thành phố ", "Huyện ", "Quận ", "Thị xã ", "Xã ", "Phường ",
                   "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def place(data: FormData) -> str:
    """The place name of the date line."""
    return _short(data.unit_name)


def header(sheet: Sheet, data: FormData, code: str, title: str, last_col: int, *,
           when_prefix: str = "Thời điểm", subtitle: str = "") -> None:
    """Rows 0–1 (and 2 with a subtitle): unit lines left, title centred, form code right."""
    sheet.put(0, 0, unit_line(data), UNIT)
    sheet.put(1, 0, province_line(data) if data.unit_kind != "province" else "", UNIT)
    first = 2 if last_col >= 6 else 1
    code_first = max(first + 2, last_col - 2)  # the code gets the last three columns
    sheet.merge(0, first, 0, code_first - 1, title, TITLE.but(wrap=True))
    sheet.merge(0, code_first, 0, last_col, f"Mẫu: {code}", CODE)
    sheet.merge(1, first, 1, code_first - 1, when_text(data.year, when_prefix), WHEN)
    if subtitle:
        sheet.merge(2, first, 2, code_first - 1, subtitle, Style(italic=True, h="center"))
    sheet.heights.setdefault(0, 30)


def column_numbers(sheet: Sheet, row: int, labels: Sequence[str], first_col: int = 0) -> None:
    for i, text in enumerate(labels):
        sheet.put(row, first_col + i, text, COLNO)


def confirm_title(data: FormData) -> tuple[str, str]:
    """The unit-dependent confirmation lines of the 2025 forms."""
    if data.unit_kind == "province":
        return "XÁC NHẬN CỦA SỞ GIÁO DỤC VÀ ĐÀO TẠO", "GIÁM ĐỐC"
    if data.unit_kind == "district":
        return "XÁC NHẬN CỦA PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "TRƯỞNG PHÒNG"
    return "XÁC NHẬN CỦA UBND XÃ/PHƯỜNG", "PHÓ CHỦ TỊCH"


def signature(sheet: Sheet, data: FormData, row: int, left: int, right: tuple[int, int], *,
              committee: bool = False, left_width: int = 3) -> int:
    """The signature block from `row`; returns the last row used.

    `committee` prints the preschool templates' lines (TM. BAN CHỈ ĐẠO PCGD-XMC, stamp of the
    People's Committee); otherwise the confirming authority of the unit.
    """
    r1, r2 = right
    l1, l2 = left, min(left + left_width - 1, r1 - 1)
    sheet.merge(row, r1, row, r2, f"{place(data)}, ngày ..... tháng ..... năm {data.year}",
                SIGN_DATE)
    sheet.merge(row + 1, l1, row + 1, l2, "NGƯỜI LẬP BIỂU", SIGN_TITLE)
    if committee:
        sheet.merge(row + 1, r1, row + 1, r2, "TM. BAN CHỈ ĐẠO PCGD-XMC", SIGN_TITLE)
        sheet.merge(row + 2, r1, row + 2, r2, "(Kí, họ tên và đóng dấu UBND)", SIGN_NOTE)
        return row + 2
    title, role = confirm_title(data)
    sheet.merge(row + 1, r1, row + 1, r2, title, SIGN_TITLE)
    sheet.merge(row + 2, r1, row + 2, r2, role, SIGN_TITLE)
    sheet.merge(row + 2, l1, row + 2, l2, "(Kí, ghi rõ họ tên)", SIGN_NOTE)
    sheet.merge(row + 3, r1, row + 3, r2, "(Kí, ghi rõ họ tên và đóng dấu)", SIGN_NOTE)
    return row + 3


# --- value cells ---------------------------------------------------------------------------


def count(sheet: Sheet, row: int, col: int, value: float | None, style: Style = NUM) -> None:
    """A count; None (a pending fact) stays an empty cell."""
    sheet.put(row, col, value, style)


def total(sheet: Sheet, row: int, col: int, cells: Sequence[tuple[int, int]],
          values: Sequence[int | None], style: Style = NUM) -> None:
    """A sum written as a formula with its cached value (empty if a part is pending)."""
    value = total_of(values)
    if value is None:
        sheet.put(row, col, None, style)
        return
    if _contiguous(cells):
        (ra, ca), (rb, cb) = cells[0], cells[-1]
        formula = f"=SUM({ref(ra, ca)}:{ref(rb, cb)})"
    else:
        formula = "=" + "+".join(ref(r, c) for r, c in cells)
    sheet.put(row, col, value, style, formula)


def _contiguous(cells: Sequence[tuple[int, int]]) -> bool:
    if len(cells) < 2:
        return True
    rows = {r for r, _ in cells}
    cols = [c for _, c in cells]
    return len(rows) == 1 and cols == list(range(cols[0], cols[0] + len(cols)))


def rate(sheet: Sheet, row: int, col: int, num_cell: tuple[int, int] | Sequence[tuple[int, int]],
         den_cell: tuple[int, int] | Sequence[tuple[int, int]], numerator: float | None,
         denominator: float | None, style: Style = PCT) -> None:
    """numerator/denominator as a percent-formatted fraction, written as the form's formula
    with its cached value; empty when a part is pending; "" when the denominator is 0."""
    if numerator is None or denominator is None:
        sheet.put(row, col, None, style)
        return
    num_ref = _expr(num_cell)
    den_ref = _expr(den_cell)
    value: float | str = "" if denominator == 0 else numerator / denominator
    sheet.put(row, col, value, style, f'=IF({den_ref}=0,"",{num_ref}/{den_ref})')


def _expr(cells: tuple[int, int] | Sequence[tuple[int, int]]) -> str:
    if isinstance(cells, tuple) and len(cells) == 2 and isinstance(cells[0], int):
        return ref(*cells)  # type: ignore[arg-type]
    parts = [ref(r, c) for r, c in cells]  # type: ignore[misc]
    return parts[0] if len(parts) == 1 else "(" + "+".join(parts) + ")"


def level_text(area: Area, std: str) -> str:
    """'Đạt mức độ 2' / 'Chưa đạt' from the evaluation's recognised level."""
    s = area.standard(std)
    if s is None:
        return ""
    level = int(s["recognized_level"])
    if not level:
        return "Chưa đạt"
    return "Đạt" if s["max_level"] == 1 else f"Đạt mức độ {level}"


def passed_text(area: Area, std: str) -> str:
    s = area.standard(std)
    if s is None:
        return ""
    return "Đạt" if s["recognized_level"] >= 1 else "Không đạt"


def ratio_cell(sheet: Sheet, row: int, col: int, num_cell: tuple[int, int] | Sequence[
        tuple[int, int]], den_cell: tuple[int, int] | Sequence[tuple[int, int]],
        numerator: float | None, denominator: float | None) -> None:
    """A ratio such as teachers per class (0,00), with its formula."""
    rate(sheet, row, col, num_cell, den_cell, numerator, denominator, DEC)
