"""MN-01-TC, ĐK — Thống kê tiêu chuẩn, điều kiện PCGD mầm non cho trẻ em mẫu giáo (theo từng xã):
the recovered template, cell for cell.

A block of three rows per area: the unit's total first ("TOÀN TỈNH"/"TOÀN HUYỆN", or the
commune itself), then one block per lower unit. Each block: a name row (schools, independent
facilities, sites), then "3, 4 tuổi" and "5 tuổi" rows (classes, mobilisation, completion,
disabled children, conditions). Rates are formulas with cached values; the 5-year-old rates
equal the engine's mn5 criteria. Completion (columns 13–14) is measured the way the engine
measures it, on the cohort one year older (6-year-olds for the 5-year-old programme), whose PPC
sits in the helper column W the formula of column 14 divides by.
"""

from __future__ import annotations

from reports.data import Area, FormData
from reports.forms import common as c
from reports.model import Form, Page, Sheet, Style

CODE = "MN-01-TC, ĐK"
TITLE = ("THỐNG KÊ TIÊU CHUẨN, ĐIỀU KIỆN PHỔ CẬP GIÁO DỤC MẦM NON CHO TRẺ EM MẪU GIÁO "
         "(THEO TỪNG XÃ)")
WIDTHS = {0: 5.71, 1: 23.57, 2: 7.29, **{k: 6.57 for k in range(3, 9)}, 9: 8.14, 10: 7.14,
          11: 6.0, 12: 6.71, 13: 6.71, **{k: 5.86 for k in range(14, 18)},
          **{k: 8.0 for k in range(18, 21)}, 21: 10.14, 22: 9.0}
HEAD = Style(h="center", wrap=True, border=c.ALL)
COLNO8 = Style(size=8, h="center", border=c.ALL)
COLNO6 = COLNO8.but(size=6)
TNR = "Times New Roman"
NAME_TOTAL = Style(font=TNR, size=12, bold=True, h="center", wrap=True, border=c.ALL)
NAME_UNIT = Style(font=TNR, size=12, bold=True, italic=True, h="left", wrap=True, border=c.ALL)
SUBROW = Style(font=TNR, size=12, h="left", wrap=True, border=c.ALL)
X_TNR = Style(font=TNR, size=12, h="center", wrap=True, border=c.ALL)
X = Style(h="center", border=c.ALL)
NUM = Style(h="center", border=c.ALL, num="#,##0")
PCT = NUM.but(num="0.00%")
DEC = NUM.but(num="0.00")
TT = Style(h="center", border=c.ALL)
TXT = Style(h="center", border=c.ALL, wrap=True)
FIRST_DATA = 7  # row 8 of the template
HELPER = 22  # column W: PPC of the cohort whose completion columns 13–14 count


def build(data: FormData) -> Form:
    s = Sheet("MG", widths=dict(WIDTHS),
              heights={0: 19.5, 1: 18.0, 2: 18.0, 3: 37.5, 4: 20.25, 5: 47.25, 6: 23.25},
              page=Page(landscape=True, margins=(0.29, 0.17, 0.44, 0.45), repeat_rows=(3, 6)))
    _header(s, data)
    row = FIRST_DATA
    for i, area in enumerate(data.areas):
        _block(s, data, area, row, None if i == 0 else i)
        row += 3
    s.put(row, 0, "(Cột phụ W: số trẻ phải phổ cập của độ tuổi đo hoàn thành chương trình — "
          "trẻ 4, 5 tuổi cho dòng 3, 4 tuổi; trẻ 6 tuổi cho dòng 5 tuổi; cột 14 = 13/W.)",
          Style(size=8, italic=True))
    sign = row + 3
    s.merge(sign, 16, sign, 21, f"{c.place(data)}, ngày.... tháng.... năm {data.year}",
            Style(h="center"))
    s.put(sign + 1, 1, "NGƯỜI LẬP BIỂU", Style(bold=True))
    s.merge(sign + 1, 16, sign + 1, 21, "TM. BAN CHỈ ĐẠO PCGD-XMC", Style(bold=True,
                                                                           h="center"))
    s.merge(sign + 2, 17, sign + 2, 21, None, Style(bold=True, h="center"))
    s.merge(sign + 3, 16, sign + 3, 21, "(Kí, họ tên và đóng dấu UBND)", Style(h="center"))
    return Form(CODE, TITLE, [s])


def _header(s: Sheet, data: FormData) -> None:
    s.put(0, 0, c.unit_line(data), Style(bold=True))
    s.merge(0, 3, 0, 18, TITLE, Style(bold=True, h="center"))
    s.put(0, 21, f"Mẫu: {CODE}", Style(h="right"))
    s.put(1, 0, c.province_line(data) if data.unit_kind != "province" else "",
          Style(bold=True))
    s.merge(1, 3, 1, 18, c.when_text(data.year), Style(bold=True, italic=True, h="center"))
    word = "Huyện" if data.unit_kind == "province" and data.tier == 3 else "Xã"
    for col, text in ((0, "TT"), (1, word), (2, "Vùng KTXH ĐBKK (đánh dấu x)"),
                      (3, "Số trường"), (4, "Số cơ sở GDMN độc lập"), (5, "Số\nđiểm trường")):
        s.merge(3, col, 5, col, text, HEAD)
    s.merge(3, 6, 3, 8, "Lớp mẫu giáo", HEAD)
    s.merge(3, 9, 3, 11, "Tỉ lệ huy động trẻ MG", HEAD)
    s.merge(3, 12, 3, 13, "Tỉ lệ trẻ hoàn thành CTGDMN theo độ tuổi", HEAD.but(size=8))
    s.merge(3, 14, 3, 17, "Trẻ mẫu giáo khuyết tật", HEAD)
    s.merge(3, 18, 3, 20, "Điều kiện bảo đảm", HEAD)
    s.merge(3, 21, 5, 21, "Đạt chuẩn (Đạt/Không đạt)\n", HEAD)
    s.merge(4, 6, 5, 6, "Tổng", HEAD)
    s.merge(4, 7, 4, 8, "Chia ra", HEAD)
    s.put(5, 7, "Lớp đơn", HEAD)
    s.put(5, 8, "Lớp ghép", HEAD)
    for col, text in ((9, "Số trẻ cần huy động"), (10, "Số trẻ đến lớp"), (11, "Tỉ lệ"),
                      (12, "Số trẻ"), (13, "Tỉ lệ"), (14, "Tổng số"), (18, "Tỷ lệ GV/lớp"),
                      (19, "Tỷ lệ phòng học/lớp"), (20, "Lớp đủ TBDH")):
        s.merge(4, col, 5, col, text, HEAD)
    s.merge(4, 15, 4, 17, "Có khả năng HT", HEAD)
    s.put(5, 15, "Số lượng", HEAD)
    s.put(5, 16, "Tiếp cận\nGD", HEAD)
    s.put(5, 17, "Tỉ lệ", HEAD)
    s.merge(3, HELPER, 5, HELPER, "Cột phụ: trẻ PPC độ tuổi đo hoàn thành",
            HEAD.but(size=8, italic=True))
    numbers = ["1", "2", "3", "4", "5", "6", "7=8+9", "8", "9", "10", "11", "12=11/10", "13",
               "14=13/W", "15", "16", "17", "18=17/16", "19", "20", "21", "22", "W"]
    for col, text in enumerate(numbers):
        s.put(6, col, int(text) if text.isdigit() else text, COLNO6 if "/" in text else COLNO8)


def _block(s: Sheet, data: FormData, area: Area, row: int, number: int | None) -> None:
    for r in range(row, row + 3):
        s.heights[r] = 24.0
        s.style_range(r, 0, r, HELPER, NUM)
    if number is None:
        s.put(row, 1, area.label, NAME_TOTAL if area.kind != "commune" or data.parts
              else NAME_UNIT)
        s.put(row, 0, None, TT)
    else:
        s.put(row, 0, number, TT)
        s.put(row, 1, area.name, NAME_UNIT)
    schools = data.schools_of(area, "MN")
    dbkk = area.dbkk if area.kind == "commune" else None
    s.put(row, 2, "x" if dbkk else None, X_TNR)
    s.put(row, 3, len(schools), NUM)
    s.put(row, 4, data.missing("independent_facilities"), NUM)
    s.put(row, 5, sum(sch.sites for sch in schools), NUM)
    for offset, label, ages, completion, std in (
        (1, " - Độ tuổi 3, 4 tuổi", (3, 4), ((4, "mn_group_ge3"), (5, "mn_group_ge4")), "mn35"),
        (2, " - Độ tuổi 5 tuổi", (5, 5), ((6, "mn_completed"),), "mn5"),
    ):
        r = row + offset
        s.put(r, 1, label, SUBROW)
        s.put(r, 2, "x", X_TNR)
        for col in (3, 4, 5):
            s.put(r, col, "x", X)
        grades = ("3", "4") if ages == (3, 4) else ("5",)
        classes = sum(int(sch.get(f"classes_MN_{g}") or 0) for sch in schools for g in grades)
        combined = sum(int(sch.get(f"combined_MN_{g}") or 0) for sch in schools for g in grades)
        single = classes - combined
        s.put(r, 7, single, NUM)
        s.put(r, 8, combined, NUM)
        c.total(s, r, 6, [(r, 7), (r, 8)], [single, combined], NUM)
        lo, hi = ages
        must = data.p(area, "ppc", lo, hi)
        came = data.p(area, "mn_attending", lo, hi)
        s.put(r, 9, must, NUM)
        s.put(r, 10, came, NUM)
        c.rate(s, r, 11, (r, 10), (r, 9), came, must, PCT)
        done = sum(data.p(area, name, a) or 0 for a, name in completion)
        cohort = sum(data.p(area, "ppc", a) or 0 for a, _ in completion)
        if ages == (3, 4) and data.year < 2025:
            s.put(r, 12, None, NUM)
            s.put(r, 13, None, PCT)
            s.put(r, HELPER, None, NUM)
        else:
            s.put(r, 12, done, NUM)
            s.put(r, HELPER, cohort, NUM.but(italic=True))
            c.rate(s, r, 13, (r, 12), (r, HELPER), done, cohort, PCT)
        s.put(r, 14, data.n(area, "roll_disabled", lo, hi), NUM)
        able = data.n(area, "roll_disabled_able", lo, hi)
        access = data.n(area, "dis_able_enrolled", lo, hi)
        s.put(r, 15, able, NUM)
        s.put(r, 16, access, NUM)
        c.rate(s, r, 17, (r, 16), (r, 15), access, able, PCT)
        group = "MN5" if ages == (5, 5) else "MN34"
        teachers = sum(int(sch.get(f"{group}_teachers") or 0) for sch in schools)
        s.put(r, 18, teachers / classes if classes else "", DEC)
        if ages == (5, 5):
            rooms = sum(float(sch.get("MN_rooms_5") or 0) for sch in schools)
            s.put(r, 19, rooms / classes if classes else "", DEC)
        else:
            s.put(r, 19, data.missing("rooms_age34"), DEC)
        equipped = sum(int(sch.get(f"equipped_MN_{g}") or 0) for sch in schools for g in grades)
        s.put(r, 20, equipped, NUM)
        if ages == (3, 4) and data.year < 2025:
            s.put(r, 21, None, TXT)
        else:
            s.put(r, 21, c.passed_text(area, std), TXT)
