"""MN-01-TE — Thống kê trẻ em mầm non theo độ tuổi: the recovered template, cell for cell.

One sheet: the commune, or for a district or province the sums of its communes ("TOÀN HUYỆN",
"TOÀN TỈNH"; the per-unit rows are in MN-01-TC, ĐK, and each commune's own MN-01-TE).
Columns F..L are ages 0..6, M the 0–5 total.
Every count is in the PPC sense of standards.md where the row says so (rows 13–19, 27–28), so
the rates of rows 17 and 28 are the rates the engine evaluates (mn5 attendance at 5, completion
at 6; the NĐ 277/2025 age-group completions at 4 and 5).
"""

from __future__ import annotations

from reports.data import Area, FormData
from reports.forms import common as c
from reports.model import Form, Page, Sheet, Style, sheet_name

CODE = "MN-01-TE"
TITLE = "THỐNG KÊ TRẺ EM MẦM NON THEO ĐỘ TUỔI"
FOOTNOTE = (
    "(*)Trẻ hoàn thành Chương trình giáo dục mầm non là trẻ được học 2 buổi/ngày trong thời "
    "gian một năm học theo Chương trình giáo dục mầm non dành cho mẫu giáo 3-4, 4-5, 5-6 tuổi "
    "do Bộ Giáo dục và Đào tạo ban hành, số ngày nghỉ học không quá 45 ngày."
)
WIDTHS = {0: 2.71, 1: 10.43, 2: 6.86, 3: 20.0, 4: 8.29, 5: 7.71, **{k: 7.29 for k in range(6, 12)},
          12: 8.57}
HEIGHTS = {0: 20.25, 1: 15.0, **{r: 17.25 for r in range(2, 26)}, 26: 26.25, 27: 17.25,
           28: 17.25, 29: 27.75, 30: 31.5, 31: 31.5, 32: 17.25, 33: 17.25, 34: 17.25, 35: 17.25,
           36: 28.5, 37: 17.25, 38: 30.75, 39: 21.0, 40: 12.75, 41: 12.75, 42: 12.75}
AGE_COL = 5  # F = age 0
TOTAL_COL = 12  # M

A9 = Style(size=9)
L9 = A9.but(border=c.ALL, h="left")
L9W = L9.but(wrap=True)
C9 = A9.but(border=c.ALL, h="center", wrap=True)
SUB = A9.but(border=c.ALL)
SUBW = SUB.but(wrap=True)
CODE8 = Style(size=8, h="center", wrap=True, border=c.ALL)
NUM_L = Style(size=8, h="left", border=c.ALL, num="#,##0")
NUM_C = NUM_L.but(h="center")
PCT_L = NUM_L.but(num="0.00%")
PCT_C = NUM_C.but(num="0.00%")
YEAR = Style(bold=True, h="center", border=c.ALL)
AGE8 = Style(size=8, h="center", border="LRB")
BOLD9 = Style(size=9, bold=True, h="center", wrap=True, border=c.ALL)
CRIT = Style(size=9, h="left", wrap=True, border=c.ALL)
CRIT_B = CRIT.but(bold=True)
CRIT_N = Style(size=9, italic=True, h="center", border=c.ALL, num="#,##0")
CRIT_P = Style(size=9, border=c.ALL, num="0.00%", h="center")

# (row, label cells, code) — label cells: ("B:D", text, style) merged, ("B", …) single cells.
# Rows are 1-based as in the template; the sheet is 0-based.
LABELS: list[tuple[int, list[tuple[str, str, Style]]]] = [
    (7, [("B", "Tổng số trẻ trong độ tuổi", L9)]),
    (8, [("B8:B9", "Trong đó", C9.but(wrap=False)), ("C:D", "Trẻ em gái", SUB)]),
    (9, [("C:D", "Trẻ dân tộc thiểu số", SUB)]),
    (10, [("B10:B12", "Trẻ khuyết tật trong độ tuổi", SUBW), ("C:D", "Tổng số", SUB)]),
    (11, [("C:D", "    Số trẻ có khả năng học tập", SUB)]),
    (12, [("C:D", "    Số trẻ được tiếp cận giáo dục", SUB)]),
    (13, [("B:D", "Số trẻ phải huy động ", L9W)]),
    (14, [("B:D", "Số trẻ đến trường, nhóm, lớp", L9)]),
    (15, [("B:D", "Trong đó: Trẻ ở tỉnh học tại địa bàn tỉnh", L9)]),
    (16, [("B:D", "Trẻ ở tỉnh học trái tuyến tại địa bàn khác", L9W)]),
    (17, [("B:D", "     Tỉ lệ huy động ", L9)]),
    (18, [("B18:B20", "Trong số trẻ đến trường, lớp", C9), ("C:D", "Trẻ em gái", SUB)]),
    (19, [("C:D", "Trẻ dân tộc thiểu số", SUB)]),
    (20, [("C:D", "Trẻ DTTS được chuẩn bị T. Việt", SUBW)]),
    (21, [("B", "Trẻ từ nơi khác đến học (trái tuyến)", L9)]),
    (22, [("B", "Số trẻ học 2 buổi/ngày", SUB)]),
    (23, [("B:D", "Tỉ lệ trẻ học 2 buổi ngày", L9)]),
    (24, [("B:D", "Số trẻ bị chết", L9)]),
    (25, [("B:D", "Số trẻ chuyển đi", L9)]),
    (26, [("B:D", "Số trẻ chuyển đến", L9)]),
    (27, [("B:D", "Số trẻ 3, 4, 5 tuổi hoàn thành chương trình GDMN(*)", L9W)]),
    (28, [("B:D", "Tỉ lệ hoàn thành chương trình GDMN", L9)]),
    (29, [("B:D", "Trẻ từ nơi khác đến học hoàn thành CT GDMN", L9W)]),
]
# Rows whose age cells the template centres (the others are left-aligned).
CENTRED = {11, 12, 13, 20, 22, 23, 24, 25, 26, 27, 28, 29}
# Count source per row: (name, PPC-group?) — rate rows are computed from other rows.
SOURCES: dict[int, tuple[str, bool]] = {
    7: ("roll", False), 8: ("roll_female", False), 9: ("roll_minority", False),
    10: ("roll_disabled", False), 11: ("roll_disabled_able", False),
    12: ("dis_able_enrolled", False), 13: ("ppc", True), 14: ("mn_attending", True),
    15: ("mn_att_here", True), 16: ("mn_att_away", True), 18: ("mn_att_female", True),
    19: ("mn_att_minority", True), 20: ("mn_vn_prep", False), 21: ("in_mn_att", False),
    22: ("mn_two_sessions", False), 24: ("deceased", False), 25: ("moved_out", False),
    26: ("moved_in", False), 29: ("in_mn_done", False),
}
# Row 27: completion of an age group's programme, counted in the column of the age at which
# it is measured (standards.md §4, §6): the 3-year-old programme at 4, 4 at 5, 5 at 6.
COMPLETION = {4: "mn_group_ge3", 5: "mn_group_ge4", 6: "mn_completed"}
CRITERIA = [
    (33, "Trẻ 5 tuổi đến trường"),
    (34, "Trẻ 6 tuổi hoàn thành chương trình GDMN"),
    (35, "Trẻ 5 tuổi khuyết tật được tiếp cận GD"),
    (36, "Trẻ học 2 buổi/ngày"),
    (38, "Trẻ 3, 4 tuổi đến trường"),
    (39, "Trẻ 3, 4 tuổi hoàn thành chương trình GDMN theo độ tuổi"),
    (40, "Trẻ 3, 4 tuổi học 2 buổi/ngày"),
]


def _col(letter: str) -> int:
    return ord(letter) - 65


def _place_label(sheet: Sheet, row: int, spec: str, text: str, style: Style) -> None:
    r = row - 1
    if ":" in spec:
        a, b = spec.split(":")
        ra = int(a[1:]) - 1 if a[1:] else r
        rb = int(b[1:]) - 1 if b[1:] else r
        sheet.merge(ra, _col(a[0]), rb, _col(b[0]), text, style)
    else:
        sheet.put(r, _col(spec), text, style)


def build(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_sheet(data, data.total, sheet_name(
        "Thống kê trẻ em từ 0 đến 5 tuổi" if data.unit_kind == "commune" else data.total.label,
        taken))]
    return Form(CODE, TITLE, sheets)


def _sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, widths=dict(WIDTHS), heights=dict(HEIGHTS), zoom=85,
              page=Page(landscape=False, margins=(0.27, 0.2, 0.52, 0.17), header_margin=0.2,
                        footer_margin=0.31, repeat_rows=(4, 5)))
    y = data.year
    word = {"commune": "Xã", "district": "Huyện", "province": "Tỉnh"}[area.kind]
    s.put(0, 1, f"{word}: {c._short(area.name)}", Style(bold=True))
    s.put(0, 5, TITLE, Style(bold=True, h="center"))
    s.put(0, 12, f"Mẫu: {CODE}", Style(h="right"))
    s.put(1, 1, f"Tỉnh: {c._short(data.province_name)}" if area.kind != "province" else "",
          Style(bold=True))
    s.merge(1, 3, 1, 9, c.when_text(y), Style(bold=True, italic=True, h="center"))
    # Rows 5–6: birth years and ages, the numbered code column E.
    s.merge(4, 1, 4, 3, "Năm sinh", Style(size=9, wrap=True, border=c.ALL))
    s.put(4, 4, 1, CODE8)
    s.merge(5, 1, 5, 3, "Độ tuổi", Style(size=9, wrap=True, border=c.ALL))
    s.put(5, 4, 2, CODE8)
    for age in range(7):
        s.put(4, AGE_COL + age, y - age, YEAR)
        s.put(5, AGE_COL + age, f"{age} tuổi", AGE8)
    s.put(4, TOTAL_COL, "Tổng cộng", Style(size=8, h="center", border="LRT"))
    s.put(5, TOTAL_COL, "0-5 tuổi", AGE8)
    for row, labels in LABELS:
        for spec, text, style in labels:
            _place_label(s, row, spec, text, style)
        s.style_range(row - 1, 1, row - 1, 3, SUB)
        s.put(row - 1, 4, row - 4, CODE8)
        _values(s, data, area, row)
    s.merge(29, 1, 29, 12, FOOTNOTE, Style(size=8, italic=True, h="left", wrap=True,
                                           border="T"))
    _criteria(s, data, area)
    # Signature block (template: J41, D42, J42, J43 — single cells, centred).
    s.put(40, 9, f"{c.place(data)}, ngày         tháng          năm {y}",
          Style(italic=True, h="center"))
    s.put(41, 3, "NGƯỜI LẬP BIỂU", Style(bold=True, h="center"))
    s.put(41, 9, "TM. BAN CHỈ ĐẠO PCGD-XMC", Style(bold=True, h="center"))
    s.put(42, 9, "(Kí, họ tên và đóng dấu UBND)", Style(italic=True, h="center"))
    return s


def _values(s: Sheet, data: FormData, area: Area, row: int) -> None:
    r = row - 1
    num = NUM_C if row in CENTRED else NUM_L
    pct = PCT_C if row in CENTRED else PCT_L
    cells = [(r, AGE_COL + a) for a in range(6)]
    if row in SOURCES:
        name, ppc = SOURCES[row]
        get = data.p if ppc else data.n
        values = [get(area, name, a) for a in range(7)]
        for a, v in enumerate(values):
            s.put(r, AGE_COL + a, v, num)
        c.total(s, r, TOTAL_COL, cells, values[:6], NUM_L)
    elif row == 27:
        values = [data.p(area, COMPLETION[a], a) if a in COMPLETION else None for a in range(7)]
        for a, v in enumerate(values):
            s.put(r, AGE_COL + a, v, num)
        c.total(s, r, TOTAL_COL, cells, [v or 0 for v in values[:6]], NUM_L)
    elif row in (17, 23, 28):
        top = {17: 14, 23: 22, 28: 27}[row]
        bottom = {17: 13, 23: 14, 28: 13}[row]
        for a in range(7):
            col = AGE_COL + a
            n = s.value(top - 1, col)
            d = s.value(bottom - 1, col)
            if row == 28 and a not in COMPLETION:
                s.put(r, col, None, pct)
                continue
            c.rate(s, r, col, (top - 1, col), (bottom - 1, col),
                   n if isinstance(n, int) else None, d if isinstance(d, int) else None, pct)
        if row == 28:
            n = sum(int(s.value(26, AGE_COL + a) or 0) for a in (4, 5))
            d = sum(int(s.value(12, AGE_COL + a) or 0) for a in (4, 5))
            c.rate(s, r, TOTAL_COL, [(26, AGE_COL + 4), (26, AGE_COL + 5)],
                   [(12, AGE_COL + 4), (12, AGE_COL + 5)], n, d, PCT_L)
        else:
            n = s.value(top - 1, TOTAL_COL)
            d = s.value(bottom - 1, TOTAL_COL)
            c.rate(s, r, TOTAL_COL, (top - 1, TOTAL_COL), (bottom - 1, TOTAL_COL),
                   n if isinstance(n, int) else None, d if isinstance(d, int) else None, PCT_L)


def _criteria(s: Sheet, data: FormData, area: Area) -> None:
    s.merge(30, 1, 30, 3, "Tiêu chí", BOLD9)
    s.put(30, 4, "Số lượng", BOLD9.but(border="LTB"))
    s.put(30, 5, "Tỉ lệ", BOLD9)
    s.merge(31, 1, 31, 3, "1. Phổ cập GDMN trẻ em từ 5 đến 6 tuổi (5 tuổi tính theo năm)",
            CRIT_B)
    s.put(31, 4, None, BOLD9.but(border="LTB"))
    s.put(31, 5, None, BOLD9)
    s.merge(36, 1, 36, 3, "2. Phổ cập GDMN trẻ em từ 3 đến 5 tuổi (3, 4 tuổi tính theo năm)",
            CRIT_B)
    s.put(36, 4, None, CRIT_N)
    s.put(36, 5, None, CRIT_P)
    age = {a: AGE_COL + a for a in range(7)}
    # (row, numerator cells, denominator cells): references into the table above.
    sources = {
        33: ([(13, age[5])], [(12, age[5])]),
        34: ([(26, age[6])], [(12, age[6])]),
        35: ([(11, age[5])], [(10, age[5])]),
        36: ([(21, age[5])], [(13, age[5])]),
        38: ([(13, age[3]), (13, age[4])], [(12, age[3]), (12, age[4])]),
        39: ([(26, age[4]), (26, age[5])], [(12, age[4]), (12, age[5])]),
        40: ([(21, age[3]), (21, age[4])], [(13, age[3]), (13, age[4])]),
    }
    for row, label in CRITERIA:
        r = row - 1
        s.merge(r, 1, r, 3, label, CRIT)
        if row >= 38 and data.year < 2025:  # NĐ 277/2025 applies from the 2025 survey
            s.put(r, 4, None, CRIT_N)
            s.put(r, 5, None, CRIT_P)
            continue
        nums, dens = sources[row]
        n_values = [s.value(*cell) for cell in nums]
        d_values = [s.value(*cell) for cell in dens]
        n = None if any(v is None or v == "" for v in n_values) else sum(
            int(v) for v in n_values)  # type: ignore[arg-type]
        d = None if any(v is None or v == "" for v in d_values) else sum(
            int(v) for v in d_values)  # type: ignore[arg-type]
        if n is None:
            s.put(r, 4, None, CRIT_N)
        else:
            s.put(r, 4, n, CRIT_N, "=" + "+".join(_a1(cell) for cell in nums))
        c.rate(s, r, 5, (r, 4), dens if len(dens) > 1 else dens[0], n, d, CRIT_P)


def _a1(cell: tuple[int, int]) -> str:
    from reports.model import ref

    return ref(*cell)
