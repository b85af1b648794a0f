"""Primary forms: TH-M1 (children 6–14 by age), TH-02 (results by unit), TH-01-GV (teachers),
TH-01-CSVC (facilities). Cell maps of forms-2025-more.md §3.1 and forms-from-code.md.

TH-M1's summary rates are the engine's primary criteria: 6-year-olds in grade 1 or above,
11-year-olds who completed primary (and those still in primary), 14-year-olds who completed it.
School place rows: tại chỗ / học nơi khác / nơi khác đến as `reports.counts` defines them.
"""

from __future__ import annotations

from reports.data import Area, FormData
from reports.forms import ages, grid, schools, units_table
from reports.forms import common as c
from reports.forms.ages import AgeRow
from reports.model import Form, Page, Sheet, Style, sheet_name

M1_CODE, M1_TITLE = "TH-M1", "THỐNG KÊ TRẺ EM TỪ 6 ĐẾN 14 TUỔI PHỔ CẬP GIÁO DỤC TIỂU HỌC"
R2_CODE, R2_TITLE = "TH-02", "KẾT QUẢ PHỔ CẬP GIÁO DỤC TIỂU HỌC"
GV_CODE, GV_TITLE = "TH-01-GV", "THỐNG KÊ ĐỘI NGŨ GIÁO VIÊN TIỂU HỌC"
CSVC_CODE, CSVC_TITLE = "TH-01-CSVC", "THỐNG KÊ CƠ SỞ VẬT CHẤT TIỂU HỌC"
PLACES = (("here", "Tại chỗ"), ("away", "Học nơi khác"), ("in", "Nơi khác đến"))


def _place_rows(prefix: str, group: str, here: str, away: str, incoming: str,
                zero_away: bool = False) -> list[AgeRow]:
    return [
        AgeRow(f"{prefix}_here", "Tại chỗ", here, ppc=True, group=group),
        AgeRow(f"{prefix}_away", "Học nơi khác", away, ppc=True, group=group, zero=zero_away),
        AgeRow(f"{prefix}_in", "Nơi khác đến", incoming, group=group,
               zero=incoming == ""),
    ]


def _not_in_ppc(data: FormData, area: Area, lo: int, hi: int) -> int | None:
    """Completed primary but not in the PPC: out of the roll's PPC (moved, died, disabled
    unable to learn), plus the disabled able to learn unless the policy counts them in."""
    out = data.n(area, "th_done_out", lo, hi) or 0
    if data.policy == "unable_only":
        return out
    return out + (data.n(area, "th_completed_d", lo, hi) or 0)


M1_ROWS: list[AgeRow] = [
    AgeRow("roll", "Tổng số", "roll"),
    AgeRow("female", "Nữ", "roll_female"),
    AgeRow("minority", "Dân tộc", "roll_minority"),
    AgeRow("disabled", "Khuyết tật", "roll_disabled"),
    AgeRow("able", "KT có khả năng học tập", "roll_disabled_able"),
    AgeRow("access", "KT được tiếp cận giáo dục", "dis_able_enrolled"),
    AgeRow("ppc", "Phải phổ cập", "ppc", ppc=True),
    *(r for g in range(1, 6) for r in _place_rows(
        f"g{g}", f"Đang học lớp {g}", f"th{g}_here", f"th{g}_away", f"in_th{g}")),
    *_place_rows("done", "Hoàn thành CT tiểu học", "th_done_here", "th_done_away",
                 "in_th_done"),
    AgeRow("done_out", "HTCTTH không thuộc diện phải phổ cập", custom=_not_in_ppc),
    AgeRow("repeat_here", "Tại chỗ", "th_repeat_here", group="Lưu ban"),
    AgeRow("repeat_away", "Học nơi khác", "th_repeat_away", group="Lưu ban"),
    AgeRow("repeat_in", "Nơi khác đến", "in_th_repeat", group="Lưu ban"),
    AgeRow("drop_here", "Tại chỗ", "th_drop", ppc=True, group="Bỏ học"),
    AgeRow("drop_away", "Học nơi khác", group="Bỏ học", zero=True),
    AgeRow("drop_in", "Nơi khác đến", group="Bỏ học", zero=True),
    AgeRow("never", "Chưa đi học", "never_school", ppc=True),
]
M1_COLS = ages.age_cols(range(6, 15), ((10, 6), (14, 11)))
# Summary block: (label, numerator count, ages, denominator: (row key, column labels)).
SUMMARY = [
    ("Trẻ 6 tuổi vào học lớp 1", "grade1_plus", (6, 6), ("ppc", "6 tuổi")),
    ("Trẻ 11 tuổi hoàn thành CT tiểu học", "th_completed", (11, 11), ("ppc", "11 tuổi")),
    ("Trẻ 11 tuổi còn học tiểu học", "th_in_primary", (11, 11), ("ppc", "11 tuổi")),
    ("Trẻ 11–14 tuổi hoàn thành CT tiểu học", "th_completed", (11, 14), ("ppc", "11-14 tuổi")),
    ("Trẻ 14 tuổi hoàn thành CT tiểu học", "th_completed", (14, 14), ("ppc", "14 tuổi")),
]


def build_m1(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_m1_sheet(data, area, sheet_name(area.label, taken)) for area in data.age_areas]
    return Form(M1_CODE, "Thống kê trẻ em 6–14 tuổi (phổ cập giáo dục tiểu học)", sheets)


def _m1_sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, page=Page(landscape=False, repeat_rows=(3, 4)),
              widths={0: 9, 1: 6, 2: 6, 3: 12, 4: 5})
    last = 5 + len(M1_COLS) - 1
    s.put(0, 0, province_of(data), Style(bold=True))
    s.put(1, 0, area.label if area.kind != "province" else "Toàn tỉnh", Style(bold=True))
    s.merge(0, 5, 0, last - 3, M1_TITLE, c.TITLE.but(wrap=True))
    s.merge(0, last - 2, 0, last, f"Mẫu: {M1_CODE}", c.CODE)
    s.merge(1, 5, 1, last - 3, c.when_text(data.year), c.WHEN)
    s.heights[0] = 30
    where = ages.table(s, data, area, 3, 5, M1_ROWS, M1_COLS)
    col = {col.label: 5 + i for i, col in enumerate(M1_COLS)}
    r = max(where.values()) + 2
    s.merge(r, 0, r, 4, "Chỉ tiêu", c.HEAD9.but(bold=True))
    s.put(r, 5, "Số lượng", c.HEAD9.but(bold=True))
    s.put(r, 6, "Tỉ lệ", c.HEAD9.but(bold=True))
    for i, (label, metric, (lo, hi), (den_row, den_col)) in enumerate(SUMMARY, 1):
        y = r + i
        s.merge(y, 0, y, 4, label, c.LABEL)
        n = data.p(area, metric, lo, hi)
        s.put(y, 5, n, c.NUM)
        den_cell = (where[den_row], col[den_col])
        den = s.value(*den_cell)
        c.rate(s, y, 6, (y, 5), den_cell, n, den if isinstance(den, int) else None)
    y = r + len(SUMMARY) + 1
    s.merge(y, 0, y, 4, "Trẻ khuyết tật 6–14 tuổi được tiếp cận giáo dục", c.LABEL)
    cells = [(where["access"], col["6-10 tuổi"]), (where["access"], col["11-14 tuổi"])]
    dens = [(where["able"], col["6-10 tuổi"]), (where["able"], col["11-14 tuổi"])]
    n = sum(int(s.value(*x) or 0) for x in cells)
    d = sum(int(s.value(*x) or 0) for x in dens)
    s.put(y, 5, n, c.NUM, "=" + "+".join(_a1(x) for x in cells))
    c.rate(s, y, 6, (y, 5), dens, n, d)
    c.signature(s, data, y + 2, 0, (9, last), left_width=5)
    return s


def _a1(cell: tuple[int, int]) -> str:
    from reports.model import ref

    return ref(*cell)


def province_of(data: FormData) -> str:
    return f"Tỉnh: {c._short(data.province_name)}"


# --- TH-02 -----------------------------------------------------------------------------------


def build_02(data: FormData) -> Form:
    s = Sheet("TH-02", page=Page(landscape=True, repeat_rows=(3, 6)))
    p = data.p
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("unit", ("Đơn vị",), 20, lambda a: a.label, style=c.LABEL),
        grid.Col("communes", ("Số xã",), 6, lambda a: len(a.commune_ids)),
        grid.Col("schools", ("Số trường tiểu học",), 7,
                 lambda a: len(data.schools_of(a, "TH"))),
        grid.Col("classes", ("Số lớp",), 6,
                 lambda a: sum(int(x.get("classes_TH") or 0) for x in data.schools_of(a, "TH"))),
        grid.Col("pupils", ("Học sinh tiểu học", "Tổng số"), 8,
                 lambda a: data.n(a, "th_pupils", 0, 61)),
        grid.Col("pupils_dis", ("Học sinh tiểu học", "Khuyết tật"), 8,
                 lambda a: data.n(a, "th_pupils_disabled", 0, 61)),
        grid.Col("ppc6", ("Trẻ 6 tuổi", "Phải phổ cập"), 8, lambda a: p(a, "ppc", 6)),
        grid.Col("g1", ("Trẻ 6 tuổi", "Vào lớp 1"), 8, lambda a: p(a, "grade1_plus", 6)),
        grid.Col("g1_rate", ("Trẻ 6 tuổi", "Tỉ lệ"), 7, rate=("g1", "ppc6")),
        grid.Col("ppc11", ("Trẻ 11 tuổi", "Phải phổ cập"), 8, lambda a: p(a, "ppc", 11)),
        grid.Col("done11", ("Trẻ 11 tuổi", "HTCT tiểu học"), 8,
                 lambda a: p(a, "th_completed", 11)),
        grid.Col("done11_rate", ("Trẻ 11 tuổi", "Tỉ lệ"), 7, rate=("done11", "ppc11")),
        grid.Col("ppc1114", ("Trẻ 11–14 tuổi", "Phải phổ cập"), 8,
                 lambda a: p(a, "ppc", 11, 14)),
        grid.Col("done1114", ("Trẻ 11–14 tuổi", "HTCT tiểu học"), 8,
                 lambda a: p(a, "th_completed", 11, 14)),
        grid.Col("done1114_rate", ("Trẻ 11–14 tuổi", "Tỉ lệ"), 7,
                 rate=("done1114", "ppc1114")),
        grid.Col("ppc14", ("Trẻ 14 tuổi", "Phải phổ cập"), 8, lambda a: p(a, "ppc", 14)),
        grid.Col("done14", ("Trẻ 14 tuổi", "HTCT tiểu học"), 8,
                 lambda a: p(a, "th_completed", 14)),
        grid.Col("done14_rate", ("Trẻ 14 tuổi", "Tỉ lệ"), 7, rate=("done14", "ppc14")),
        grid.Col("dis", ("Trẻ khuyết tật 6–14 tuổi", "Tổng số"), 7,
                 lambda a: data.n(a, "roll_disabled", 6, 14)),
        grid.Col("dis_able", ("Trẻ khuyết tật 6–14 tuổi", "Có khả năng học tập"), 8,
                 lambda a: data.n(a, "roll_disabled_able", 6, 14)),
        grid.Col("dis_access", ("Trẻ khuyết tật 6–14 tuổi", "Được tiếp cận GD"), 8,
                 lambda a: data.n(a, "dis_able_enrolled", 6, 14)),
        grid.Col("dis_rate", ("Trẻ khuyết tật 6–14 tuổi", "Tỉ lệ"), 7,
                 rate=("dis_access", "dis_able")),
        grid.Col("level", ("Kết quả (mức độ đạt chuẩn PCGD tiểu học)",), 12,
                 lambda a: units_table.result(data, a, "th"), style=c.TEXT),
    ]
    return units_table.build(data, s, R2_CODE, R2_TITLE, cols,
                             "Kết quả phổ cập giáo dục tiểu học")


# --- TH-01-GV, TH-01-CSVC ----------------------------------------------------------------------


def build_gv(data: FormData) -> Form:
    s = Sheet("TH-01-GV", page=Page(landscape=True, repeat_rows=(3, 6)))
    f = schools.fact
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("name", ("Trường",), 22, schools.name, style=c.LABEL),
        grid.Col("rank1", ("Hạng trường", "I"), 4, schools.missing(data, "school_rank_1")),
        grid.Col("rank2", ("Hạng trường", "II"), 4, schools.missing(data, "school_rank_2")),
        grid.Col("rank3", ("Hạng trường", "III"), 4, schools.missing(data, "school_rank_3")),
        grid.Col("two", ("Số lớp học 2 buổi/ngày",), 7, f("two_sessions_TH")),
        grid.Col("principal", ("Hiệu trưởng",), 6, f("TH_principal")),
        grid.Col("vice", ("Phó hiệu trưởng",), 6, f("TH_vice")),
        grid.Col("teachers", ("Giáo viên", "Tổng số"), 6, f("TH_teachers")),
        grid.Col("permanent", ("Giáo viên", "Biên chế"), 6, f("TH_permanent")),
        grid.Col("contract", ("Giáo viên", "Hợp đồng"), 6, f("TH_contract")),
        grid.Col("female", ("Giáo viên", "Nữ"), 5, f("TH_female")),
        grid.Col("minority", ("Giáo viên", "Dân tộc"), 6,
                 schools.missing(data, "teachers_minority")),
        grid.Col("classes", ("Giáo viên", "Số lớp"), 5, f("classes_TH")),
        grid.Col("per_class", ("Giáo viên", "GV/lớp"), 6, rate=("teachers", "classes"),
                 ratio=True),
        grid.Col("q_post", ("Trình độ đào tạo", "Trên ĐH"), 5, f("TH_q_postgrad")),
        grid.Col("q_uni", ("Trình độ đào tạo", "ĐH"), 5, f("TH_q_university")),
        grid.Col("q_col", ("Trình độ đào tạo", "CĐ"), 5, f("TH_q_college")),
        grid.Col("q_int", ("Trình độ đào tạo", "THSP"), 5, f("TH_q_intermediate")),
        grid.Col("s_class", ("Chuyên môn đào tạo", "Tiểu học"), 6, f("TH_subject_class")),
        grid.Col("s_music", ("Chuyên môn đào tạo", "Âm nhạc"), 6, f("TH_subject_music")),
        grid.Col("s_art", ("Chuyên môn đào tạo", "Mĩ thuật"), 6, f("TH_subject_art")),
        grid.Col("s_pe", ("Chuyên môn đào tạo", "Thể dục"), 6, f("TH_subject_pe")),
        grid.Col("s_it", ("Chuyên môn đào tạo", "Tin học"), 6, f("TH_subject_it")),
        grid.Col("s_lang", ("Chuyên môn đào tạo", "Ngoại ngữ"), 6,
                 schools.facts("TH_subject_english", "TH_subject_french",
                               "TH_subject_russian")),
        grid.Col("s_other", ("Chuyên môn đào tạo", "Khác"), 6, _other_subjects("TH", (
            "class", "music", "art", "pe", "it", "english", "french", "russian"))),
        grid.Col("r_good", ("Chuẩn nghề nghiệp", "Tốt"), 5, f("TH_rating_excellent")),
        grid.Col("r_fair", ("Chuẩn nghề nghiệp", "Khá"), 5, f("TH_rating_good")),
        grid.Col("r_pass", ("Chuẩn nghề nghiệp", "Đạt"), 5, f("TH_rating_pass")),
        grid.Col("r_fail", ("Chuẩn nghề nghiệp", "Chưa đạt"), 6, f("TH_rating_fail")),
        grid.Col("leader", ("Tổng phụ trách Đội",), 7, schools.missing(data, "team_leader")),
        grid.Col("office", ("Nhân viên", "Văn phòng"), 7, schools.missing(data, "staff_office")),
        grid.Col("library", ("Nhân viên", "Thư viện, thiết bị"), 8,
                 schools.missing(data, "staff_library")),
    ]
    return staff_form(data, s, "TH", GV_CODE, GV_TITLE, cols, "Đội ngũ giáo viên tiểu học")


def _other_subjects(level: str, known: tuple[str, ...]):
    def get(sch):
        total = int(sch.get(f"{level}_teachers") or 0)
        return total - sum(int(sch.get(f"{level}_subject_{k}") or 0) for k in known)
    return get


def staff_form(data: FormData, s: Sheet, level: str, code: str, title: str,
               cols: list[grid.Col], form_title: str, *, when_prefix: str = "Thời điểm"
               ) -> Form:
    """Header, school rows, three rates under the table (female, trained to standard, rated to
    the professional standard; the second is the TT 07 teacher condition), signature."""
    c.header(s, data, code, title, len(cols) - 1, when_prefix=when_prefix)
    end = schools.write(s, data, level, 3, cols)
    total_row = end - 1 if data.unit_kind == "commune" else grid_first_row(cols)
    idx = {col.key: i for i, col in enumerate(cols)}
    teachers = s.value(total_row, idx["teachers"])
    teachers = teachers if isinstance(teachers, int) else None
    school_list = data.schools_of(data.total, level)
    lines = (
        ("Tỉ lệ giáo viên nữ", "female"),
        ("Tỉ lệ giáo viên đạt chuẩn trình độ đào tạo trở lên", "trained"),
        ("Tỉ lệ giáo viên đạt chuẩn nghề nghiệp (từ mức đạt trở lên)", "rated"),
    )
    for i, (label, fact) in enumerate(lines):
        y = end + 1 + i
        s.merge(y, 1, y, 5, label, c.LABEL)
        if fact in idx:
            n = s.value(total_row, idx[fact])
            s.put(y, 6, n, c.NUM, f"={_a1((total_row, idx[fact]))}")
        else:
            n = sum(int(x.get(f"{level}_{fact}") or 0) for x in school_list)
            s.put(y, 6, n, c.NUM)
        c.rate(s, y, 7, (y, 6), (total_row, idx["teachers"]),
               n if isinstance(n, int) else None, teachers)
    c.signature(s, data, end + 5, 2, (len(cols) - 8, len(cols) - 1))
    return Form(code, form_title, [s])


def grid_first_row(cols: list[grid.Col]) -> int:
    """The first data row (an aggregated table's total) under the header and numbers."""
    return 3 + max(len(col.head) for col in cols) + 1


def build_csvc(data: FormData) -> Form:
    s = Sheet("TH-01-CSVC", page=Page(landscape=True, repeat_rows=(3, 6)))
    f = schools.fact
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("name", ("Trường",), 22, schools.name, style=c.LABEL),
        grid.Col("sites", ("Số điểm trường",), 6, lambda x: x.sites),
        grid.Col("classes", ("Số lớp",), 6, f("classes_TH")),
        grid.Col("combined", ("Số lớp ghép",), 6, f("combined_TH")),
        grid.Col("solid", ("Phòng học", "Kiên cố"), 6, f("TH_rooms_classroom_solid")),
        grid.Col("semi", ("Phòng học", "Bán kiên cố"), 6, f("TH_rooms_classroom_semi")),
        grid.Col("temp", ("Phòng học", "Tạm"), 6, f("TH_rooms_classroom_temporary")),
        grid.Col("borrowed", ("Phòng học", "Thuê, mượn"), 6, f("TH_rooms_classroom_borrowed")),
        grid.Col("rooms", ("Phòng học", "Cộng"), 6,
                 total=("solid", "semi", "temp", "borrowed")),
        grid.Col("ratio", ("Tỉ lệ phòng học/lớp",), 7, rate=("rooms", "classes"), ratio=True),
        *_room_pairs(data, (
            ("p_head", "Phòng hiệu trưởng", None, "rooms_principal"),
            ("p_vice", "Phòng phó hiệu trưởng", None, "rooms_vice"),
            ("office", "Văn phòng", "office", None),
            ("medical", "Phòng y tế", "medical", None),
            ("pioneer", "Phòng Đội", None, "rooms_pioneer"),
            ("meeting", "Phòng họp", None, "rooms_meeting"),
            ("library", "Thư viện", "library", None),
            ("equipment", "Phòng thiết bị", "equipment", None),
            ("wc_teacher", "Vệ sinh giáo viên", None, "toilets_teacher"),
            ("wc_pupil", "Vệ sinh học sinh", "toilet", None),
            ("play", "Sân chơi", "playground", None),
            ("sports", "Bãi tập", "sports", None),
        )),
    ]
    c.header(s, data, CSVC_CODE, CSVC_TITLE, len(cols) - 1)
    end = schools.write(s, data, "TH", 3, cols)
    c.signature(s, data, end + 1, 2, (len(cols) - 8, len(cols) - 1))
    return Form(CSVC_CODE, "Cơ sở vật chất tiểu học", [s])


def _room_pairs(data: FormData, specs) -> list[grid.Col]:
    """Count (SL) and area (DT, m²) columns per room type; pending types stay empty."""
    out = []
    for key, label, room, pending_name in specs:
        if room is None:
            out.append(grid.Col(f"{key}_n", (label, "SL"), 5, schools.missing(data, pending_name)))
            out.append(grid.Col(f"{key}_a", (label, "DT"), 6, schools.missing(data, pending_name)))
        else:
            out.append(grid.Col(f"{key}_n", (label, "SL"), 5, schools.fact(f"rooms_{room}")))
            out.append(grid.Col(f"{key}_a", (label, "DT"), 6, schools.fact(f"area_{room}")))
    return out

