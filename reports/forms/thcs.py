"""Lower-secondary forms: THCS-M1 (youth 11–18 by age), THCS-M2 (results by unit with the
criteria block), THCS-TK (summary by unit), THCS-M5 (teachers), THCS-CSVC (facilities).

The rates of the 15–18 band are the engine's THCS criteria (graduated; studying in general
education, upper-secondary continuing education or vocational training).
"""

from __future__ import annotations

from reports.data import Area, FormData
from reports.forms import ages, grid, schools, units_table
from reports.forms import common as c
from reports.forms.ages import AgeRow
from reports.forms.th import _other_subjects, _room_pairs, staff_form
from reports.model import Form, Page, Sheet, Style, ref, sheet_name

M1_CODE, M1_TITLE = "THCS-M1", "THỐNG KÊ THANH, THIẾU NIÊN TỪ 11 ĐẾN 18 TUỔI PHỔ CẬP GIÁO DỤC THCS"
M2_CODE, M2_TITLE = "THCS-M2", "KẾT QUẢ PHỔ CẬP GIÁO DỤC TIỂU HỌC VÀ TRUNG HỌC CƠ SỞ"
TK_CODE, TK_TITLE = "THCS-TK", "TỔNG HỢP KẾT QUẢ PHỔ CẬP GIÁO DỤC TRUNG HỌC CƠ SỞ"
M5_CODE, M5_TITLE = "THCS-M5", "THỐNG KÊ ĐỘI NGŨ GIÁO VIÊN TRUNG HỌC CƠ SỞ"
CSVC_CODE, CSVC_TITLE = "THCS-CSVC", "THỐNG KÊ CƠ SỞ VẬT CHẤT TRUNG HỌC CƠ SỞ"


def _places(prefix: str, group: str, here: str, away: str, incoming: str) -> list[AgeRow]:
    return [
        AgeRow(f"{prefix}_here", "Tại chỗ", here, ppc=True, group=group),
        AgeRow(f"{prefix}_away", "Học nơi khác", away, ppc=True, group=group),
        AgeRow(f"{prefix}_in", "Nơi khác đến", incoming, group=group),
    ]


M1_ROWS: list[AgeRow] = [
    AgeRow("roll", "Tổng số", "roll"),
    AgeRow("female", "Nữ", "roll_female"),
    AgeRow("minority", "Dân tộc", "roll_minority"),
    AgeRow("disabled", "Khuyết tật", "roll_disabled"),
    AgeRow("able", "KT có khả năng học tập", "roll_disabled_able"),
    AgeRow("access", "KT được tiếp cận giáo dục", "dis_able_enrolled"),
    AgeRow("ppc", "Phải phổ cập", "ppc", ppc=True),
    *(r for g in range(6, 10) for r in _places(
        f"g{g}", f"Đang học lớp {g}", f"thcs{g}_here", f"thcs{g}_away", f"in_thcs{g}")),
    *_places("done", "Tốt nghiệp THCS", "thcs_done_here", "thcs_done_away", "in_thcs_done"),
    *_places("study", "Đã, đang học CT GDPT, GDTX cấp THPT hoặc GDNN", "studying_here",
             "studying_away", "in_studying"),
    AgeRow("drop_here", "Tại chỗ", "thcs_drop", ppc=True, group="Bỏ học"),
    AgeRow("drop_away", "Học nơi khác", group="Bỏ học", zero=True),
    AgeRow("drop_in", "Nơi khác đến", group="Bỏ học", zero=True),
]
M1_COLS = ages.age_cols(range(11, 19), ((14, 11), (18, 15)))


def build_m1(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_m1_sheet(data, area, sheet_name(area.label, taken)) for area in data.age_areas]
    return Form(M1_CODE, "Thống kê thanh, thiếu niên 11–18 tuổi (phổ cập giáo dục THCS)", sheets)


def _m1_sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, page=Page(landscape=False, repeat_rows=(3, 4)),
              widths={0: 12, 1: 6, 2: 6, 3: 12, 4: 5})
    last = 5 + len(M1_COLS) - 1
    s.put(0, 0, f"Tỉnh: {c._short(data.province_name)}", Style(bold=True))
    s.put(1, 0, area.label, Style(bold=True))
    s.merge(0, 5, 0, last - 3, M1_TITLE, c.TITLE.but(wrap=True))
    s.merge(0, last - 2, 0, last, f"Mẫu: {M1_CODE}", c.CODE)
    s.merge(1, 5, 1, last - 3, c.when_text(data.year), c.WHEN)
    s.heights[0] = 30
    where = ages.table(s, data, area, 3, 5, M1_ROWS, M1_COLS)
    col = {cl.label: 5 + i for i, cl in enumerate(M1_COLS)}
    r = max(where.values()) + 2
    s.merge(r, 0, r, 4, "Chỉ tiêu", c.HEAD9.but(bold=True))
    s.put(r, 5, "Số lượng", c.HEAD9.but(bold=True))
    s.put(r, 6, "Tỉ lệ", c.HEAD9.but(bold=True))
    band = (where["ppc"], col["15-18 tuổi"])
    ppc = s.value(*band)
    lines = [
        ("Thanh, thiếu niên 15–18 tuổi tốt nghiệp THCS", data.p(area, "thcs_graduated", 15, 18),
         band),
        ("Thanh, thiếu niên 15–18 tuổi đã, đang học CT GDPT, GDTX cấp THPT hoặc GDNN",
         data.p(area, "studying", 15, 18), band),
    ]
    for i, (label, n, den) in enumerate(lines, 1):
        s.merge(r + i, 0, r + i, 4, label, c.LABEL)
        s.put(r + i, 5, n, c.NUM)
        c.rate(s, r + i, 6, (r + i, 5), den, n, ppc if isinstance(ppc, int) else None)
    y = r + 3
    s.merge(y, 0, y, 4, "Người khuyết tật 11–18 tuổi được tiếp cận giáo dục", c.LABEL)
    cells = [(where["access"], col["11-14 tuổi"]), (where["access"], col["15-18 tuổi"])]
    dens = [(where["able"], col["11-14 tuổi"]), (where["able"], col["15-18 tuổi"])]
    n = sum(int(s.value(*x) or 0) for x in cells)
    d = sum(int(s.value(*x) or 0) for x in dens)
    s.put(y, 5, n, c.NUM, "=" + "+".join(ref(*x) for x in cells))
    c.rate(s, y, 6, (y, 5), dens, n, d)
    s.merge(y + 1, 0, y + 1, 4, "Học sinh THCS (cư trú trên địa bàn)", c.LABEL)
    s.put(y + 1, 5, data.n(area, "thcs_pupils", 0, 61), c.NUM)
    s.merge(y + 2, 0, y + 2, 6, f"Kết luận: PCGD THCS — {units_table.result(data, area, 'thcs')}"
            if area.evaluation else "", Style(bold=True, italic=True))
    s.merge(y + 3, 0, y + 3, 6,
            f"PCGD tiểu học — {units_table.result(data, area, 'th')}; XMC — "
            f"{units_table.result(data, area, 'xmc')}" if area.evaluation else "",
            Style(italic=True))
    c.signature(s, data, y + 5, 0, (9, last), left_width=5)
    return s


# --- THCS-M2, THCS-TK ------------------------------------------------------------------------


def build_m2(data: FormData) -> Form:
    s = Sheet("THCS-M2", page=Page(landscape=True, repeat_rows=(3, 6)))
    p = data.p
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("unit", ("Đơn vị",), 18, lambda a: a.label, style=c.LABEL),
        grid.Col("ppc6", ("Trẻ 6 tuổi", "Số phải PC"), 7, lambda a: p(a, "ppc", 6)),
        grid.Col("g1", ("Trẻ 6 tuổi", "Vào lớp 1"), 7, lambda a: p(a, "grade1_plus", 6)),
        grid.Col("g1_rate", ("Trẻ 6 tuổi", "Tỉ lệ"), 7, rate=("g1", "ppc6")),
        grid.Col("ppc11", ("Trẻ 11 tuổi", "Số phải PC"), 7, lambda a: p(a, "ppc", 11)),
        grid.Col("done11", ("Trẻ 11 tuổi", "HTCT tiểu học"), 7,
                 lambda a: p(a, "th_completed", 11)),
        grid.Col("done11_rate", ("Trẻ 11 tuổi", "Tỉ lệ"), 7, rate=("done11", "ppc11")),
        grid.Col("in_th11", ("Trẻ 11 tuổi", "Còn học tiểu học"), 7,
                 lambda a: p(a, "th_in_primary", 11)),
        grid.Col("left11", ("Trẻ 11 tuổi", "HTCTTH hoặc còn học"), 7,
                 total=("done11", "in_th11")),
        grid.Col("ppc1114", ("Trẻ 11–14 tuổi", "Số phải PC"), 7, lambda a: p(a, "ppc", 11, 14)),
        grid.Col("done1114", ("Trẻ 11–14 tuổi", "HTCT tiểu học"), 7,
                 lambda a: p(a, "th_completed", 11, 14)),
        grid.Col("done1114_rate", ("Trẻ 11–14 tuổi", "Tỉ lệ"), 7,
                 rate=("done1114", "ppc1114")),
        grid.Col("ppc14", ("Trẻ 14 tuổi", "Số phải PC"), 7, lambda a: p(a, "ppc", 14)),
        grid.Col("done14", ("Trẻ 14 tuổi", "HTCT tiểu học"), 7,
                 lambda a: p(a, "th_completed", 14)),
        grid.Col("done14_rate", ("Trẻ 14 tuổi", "Tỉ lệ"), 7, rate=("done14", "ppc14")),
        grid.Col("th_level", ("Mức đạt chuẩn PCGD tiểu học",), 10,
                 lambda a: units_table.result(data, a, "th"), style=c.TEXT),
        grid.Col("ppc1518", ("Thanh, thiếu niên 15–18 tuổi", "Số phải PC"), 7,
                 lambda a: p(a, "ppc", 15, 18)),
        grid.Col("grad", ("Thanh, thiếu niên 15–18 tuổi", "Tốt nghiệp THCS"), 7,
                 lambda a: p(a, "thcs_graduated", 15, 18)),
        grid.Col("study", ("Thanh, thiếu niên 15–18 tuổi", "Đã, đang học THPT, GDTX, GDNN"), 9,
                 lambda a: p(a, "studying", 15, 18)),
        grid.Col("study_rate", ("Thanh, thiếu niên 15–18 tuổi", "Tỉ lệ đang học"), 7,
                 rate=("study", "ppc1518")),
        grid.Col("grad_rate", ("Thanh, thiếu niên 15–18 tuổi", "Tỉ lệ tốt nghiệp"), 7,
                 rate=("grad", "ppc1518")),
        grid.Col("thcs_level", ("Kết luận (mức đạt chuẩn PCGD THCS)",), 11,
                 lambda a: units_table.result(data, a, "thcs"), style=c.TEXT),
    ]
    c.header(s, data, M2_CODE, M2_TITLE, len(cols) - 1, when_prefix="Thời điểm điều tra")
    first = grid.header(s, 3, cols)
    end = grid.rows(s, first, cols, units_table.items(data))
    idx = {col.key: i for i, col in enumerate(cols)}
    # The evaluation block: the unit's five criteria, read from its total row.
    block = end + 1
    s.merge(block, 1, block, 9, "Đánh giá các tiêu chuẩn (đơn vị: toàn đơn vị)",
            c.LABEL_B.but(h="center"))
    s.put(block, 10, "Tỉ lệ", c.HEAD9.but(bold=True))
    for i, (label, key) in enumerate((
        ("Tỉ lệ trẻ 6 tuổi vào lớp 1", "g1_rate"),
        ("Tỉ lệ trẻ 11 tuổi hoàn thành chương trình tiểu học", "done11_rate"),
        ("Tỉ lệ trẻ 14 tuổi hoàn thành chương trình tiểu học", "done14_rate"),
        ("Tỉ lệ thanh, thiếu niên 15–18 tuổi tốt nghiệp THCS", "grad_rate"),
        ("Tỉ lệ thanh, thiếu niên 15–18 tuổi đã, đang học THPT, GDTX, GDNN", "study_rate"),
    ), 1):
        y = block + i
        s.merge(y, 1, y, 9, label, c.LABEL)
        cell = (first, idx[key])
        s.put(y, 10, s.value(*cell), c.PCT, f"={ref(*cell)}")
    c.signature(s, data, block + 7, 1, (len(cols) - 8, len(cols) - 1))
    return Form(M2_CODE, "Kết quả phổ cập giáo dục tiểu học và THCS", [s])


def build_tk(data: FormData) -> Form:
    s = Sheet("THCS-TK", page=Page(landscape=True, repeat_rows=(3, 6)))
    p = data.p
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("unit", ("Đơn vị",), 20, lambda a: a.label, style=c.LABEL),
        grid.Col("schools", ("Số trường THCS",), 7,
                 lambda a: len(data.schools_of(a, "THCS"))),
        grid.Col("youth", ("Thanh, thiếu niên 11–18 tuổi",), 9,
                 lambda a: data.n(a, "roll", 11, 18)),
        grid.Col("ppc1518", ("Số phải phổ cập 15–18 tuổi",), 9,
                 lambda a: p(a, "ppc", 15, 18)),
        grid.Col("th", ("Đạt chuẩn PCGD tiểu học",), 10,
                 lambda a: units_table.result(data, a, "th"), style=c.TEXT),
        grid.Col("xmc", ("Đạt chuẩn XMC",), 10,
                 lambda a: units_table.result(data, a, "xmc"), style=c.TEXT),
        grid.Col("grad", ("15–18 tuổi tốt nghiệp THCS", "Số lượng"), 8,
                 lambda a: p(a, "thcs_graduated", 15, 18)),
        grid.Col("grad_rate", ("15–18 tuổi tốt nghiệp THCS", "Tỉ lệ"), 7,
                 rate=("grad", "ppc1518")),
        grid.Col("study", ("15–18 tuổi đã, đang học THPT, GDTX, GDNN", "Số lượng"), 8,
                 lambda a: p(a, "studying", 15, 18)),
        grid.Col("study_rate", ("15–18 tuổi đã, đang học THPT, GDTX, GDNN", "Tỉ lệ"), 7,
                 rate=("study", "ppc1518")),
        grid.Col("dis", ("Người khuyết tật 11–18 tuổi", "Tổng số"), 7,
                 lambda a: data.n(a, "roll_disabled", 11, 18)),
        grid.Col("able", ("Người khuyết tật 11–18 tuổi", "Có khả năng học tập"), 8,
                 lambda a: data.n(a, "roll_disabled_able", 11, 18)),
        grid.Col("access", ("Người khuyết tật 11–18 tuổi", "Được tiếp cận GD"), 8,
                 lambda a: data.n(a, "dis_able_enrolled", 11, 18)),
        grid.Col("access_rate", ("Người khuyết tật 11–18 tuổi", "Tỉ lệ"), 7,
                 rate=("access", "able")),
        grid.Col("level", ("Đạt chuẩn PCGD THCS",), 11,
                 lambda a: units_table.result(data, a, "thcs"), style=c.TEXT),
    ]
    return units_table.build(data, s, TK_CODE, TK_TITLE, cols,
                             "Tổng hợp kết quả phổ cập giáo dục THCS")


# --- THCS-M5, THCS-CSVC -------------------------------------------------------------------------

SUBJECTS = (("math", "Toán"), ("literature", "Ngữ văn"), ("physics", "KHTN-Vật lí"),
            ("chemistry", "KHTN-Hóa"), ("biology", "KHTN-Sinh"), ("history", "KHXH-Lịch sử"),
            ("geography", "KHXH-Địa lí"), ("music", "HĐGD-Âm nhạc"),
            ("art", "HĐGD-Mỹ thuật"), ("pe", "HĐGD-Thể dục"), ("civics", "GDCD"),
            ("technology", "Công nghệ"), ("it", "Tin học"), ("english", "Tiếng Anh"),
            ("russian", "Tiếng Nga"), ("french", "Tiếng Pháp"))


def build_m5(data: FormData) -> Form:
    s = Sheet("THCS-M5", page=Page(landscape=True, repeat_rows=(3, 6)))
    f = schools.fact
    cols = [
        grid.Col("tt", ("STT",), 4.5),
        grid.Col("name", ("Trường",), 20, schools.name, style=c.LABEL),
        grid.Col("rank1", ("Hạng trường", "1"), 4, schools.missing(data, "school_rank_1")),
        grid.Col("rank2", ("Hạng trường", "2"), 4, schools.missing(data, "school_rank_2")),
        grid.Col("rank3", ("Hạng trường", "3"), 4, schools.missing(data, "school_rank_3")),
        grid.Col("principal", ("Hiệu trưởng",), 5, f("THCS_principal")),
        grid.Col("vice", ("Phó HT",), 5, f("THCS_vice")),
        grid.Col("teachers", ("Giáo viên", "Tổng số"), 6, f("THCS_teachers")),
        grid.Col("permanent", ("Giáo viên", "Biên chế"), 6, f("THCS_permanent")),
        grid.Col("contract", ("Giáo viên", "Hợp đồng"), 6, f("THCS_contract")),
        grid.Col("female", ("Giáo viên", "Nữ"), 5, f("THCS_female")),
        grid.Col("minority", ("Giáo viên", "Dân tộc"), 5,
                 schools.missing(data, "teachers_minority")),
        grid.Col("classes", ("Giáo viên", "Số lớp"), 5, f("classes_THCS")),
        grid.Col("per_class", ("Giáo viên", "Tỉ lệ GV/lớp"), 6, rate=("teachers", "classes"),
                 ratio=True),
        grid.Col("q_post", ("Trình độ", "Trên ĐH"), 5, f("THCS_q_postgrad")),
        grid.Col("q_uni", ("Trình độ", "ĐH"), 5, f("THCS_q_university")),
        grid.Col("q_col", ("Trình độ", "CĐ"), 5, f("THCS_q_college")),
        grid.Col("q_int", ("Trình độ", "THSP"), 5, f("THCS_q_intermediate")),
        *(grid.Col(f"s_{k}", ("Chuyên ngành đào tạo", label), 5, f(f"THCS_subject_{k}"))
          for k, label in SUBJECTS),
        grid.Col("s_other", ("Chuyên ngành đào tạo", "Chuyên ngành khác"), 6,
                 _other_subjects("THCS", tuple(k for k, _ in SUBJECTS))),
        grid.Col("leader", ("Tổng phụ trách Đội",), 6, schools.missing(data, "team_leader")),
        grid.Col("r_ex", ("Chuẩn nghề nghiệp", "Xuất sắc"), 5, f("THCS_rating_excellent")),
        grid.Col("r_good", ("Chuẩn nghề nghiệp", "Khá"), 5, f("THCS_rating_good")),
        grid.Col("r_pass", ("Chuẩn nghề nghiệp", "TB-Đạt"), 5, f("THCS_rating_pass")),
        grid.Col("r_fail", ("Chuẩn nghề nghiệp", "Kém-Chưa đạt"), 6, f("THCS_rating_fail")),
        grid.Col("library", ("Nhân viên", "Thư viện"), 5, schools.missing(data, "staff_library")),
        grid.Col("lab", ("Nhân viên", "Thiết bị–thí nghiệm"), 6,
                 schools.missing(data, "staff_library")),
        grid.Col("office", ("Nhân viên", "Văn phòng"), 5, schools.missing(data, "staff_office")),
        grid.Col("medical", ("Nhân viên", "Y tế"), 5, schools.missing(data, "staff_medical")),
    ]
    return staff_form(data, s, "THCS", M5_CODE, M5_TITLE, cols,
                      "Thống kê đội ngũ giáo viên THCS", when_prefix="Tính đến thời điểm")


def build_csvc(data: FormData) -> Form:
    s = Sheet("THCS-CSVC", page=Page(landscape=True, repeat_rows=(3, 6)))
    f = schools.fact
    cols = [
        grid.Col("tt", ("STT",), 4.5),
        grid.Col("name", ("Trường",), 22, schools.name, style=c.LABEL),
        grid.Col("sites", ("Số điểm trường",), 6, lambda x: x.sites),
        grid.Col("classes", ("Số lớp",), 6, f("classes_THCS")),
        grid.Col("solid", ("Phòng học", "Kiên cố"), 6, f("THCS_rooms_classroom_solid")),
        grid.Col("semi", ("Phòng học", "Bán kiên cố"), 6, f("THCS_rooms_classroom_semi")),
        grid.Col("temp", ("Phòng học", "Tạm"), 6, f("THCS_rooms_classroom_temporary")),
        grid.Col("rooms", ("Phòng học", "Cộng"), 6, total=("solid", "semi", "temp")),
        grid.Col("ratio", ("Tỉ lệ phòng/lớp",), 7, rate=("rooms", "classes"), ratio=True),
        *_room_pairs(data, (
            ("p_head", "P. Hiệu trưởng", None, "rooms_principal"),
            ("p_vice", "P. Phó HT", None, "rooms_vice"),
            ("office", "Văn phòng", "office", None),
            ("medical", "Y tế", "medical", None),
            ("meeting", "Phòng họp", None, "rooms_meeting"),
            ("library", "Thư viện", "library", None),
            ("lab", "Phòng thí nghiệm", None, "rooms_lab"),
            ("wc_teacher", "VS giáo viên", None, "toilets_teacher"),
            ("wc_pupil", "VS học sinh", "toilet", None),
            ("play", "Sân chơi", "playground", None),
            ("sports", "Bãi tập", "sports", None),
        )),
    ]
    c.header(s, data, CSVC_CODE, CSVC_TITLE, len(cols) - 1, when_prefix="Tính đến thời điểm")
    end = schools.write(s, data, "THCS", 3, cols)
    c.signature(s, data, end + 1, 1, (len(cols) - 8, len(cols) - 1))
    return Form(CSVC_CODE, "Thống kê cơ sở vật chất THCS", [s])
