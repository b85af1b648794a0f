"""MN-01-GV (staff), MN-01-CSVC (facilities), MN-05-KT (disabled children): the cell maps of
forms-from-code.md, in the conventions of the recovered preschool templates.

GV and CSVC have one block per institution (a commune's preschools; for a district or province
the total, then each lower unit): the institution row, then the "3, 4 tuổi" and "5 tuổi" rows.
The 5-year-old rows' teacher and room ratios are what the TT 07 conditions measure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.data import Area, FormData, SchoolFacts
from reports.forms import common as c
from reports.forms import grid, schools
from reports.model import Form, Page, Sheet, Style, sheet_name

GV_CODE, GV_TITLE = "MN-01-GV", "THỐNG KÊ ĐỘI NGŨ CÁN BỘ QUẢN LÝ, GIÁO VIÊN, NHÂN VIÊN MẦM NON"
CSVC_CODE, CSVC_TITLE = "MN-01-CSVC", "THỐNG KÊ CƠ SỞ VẬT CHẤT, THIẾT BỊ DẠY HỌC LỚP MẪU GIÁO"
KT_CODE, KT_TITLE = "MN-05-KT", "THỐNG KÊ ĐỐI TƯỢNG TRẺ KHUYẾT TẬT MẦM NON"
GROUPS = (("34", "3, 4 tuổi", ("3", "4")), ("5", "5 tuổi", ("5",)))

Item = tuple[SchoolFacts, str]  # (institution figures, age group: "" | "34" | "5")


def _school(get: Callable[[SchoolFacts], Any]) -> Callable[[Item], Any]:
    """A column filled on the institution row only."""
    return lambda item: get(item[0]) if item[1] == "" else None


def _group(get: Callable[[SchoolFacts, str], Any]) -> Callable[[Item], Any]:
    """A column filled on the age-group rows only."""
    return lambda item: get(item[0], item[1]) if item[1] else None


def _classes(s: SchoolFacts, group: str) -> int:
    grades = dict((g, gr) for g, _, gr in GROUPS)[group]
    return sum(int(s.get(f"classes_MN_{g}") or 0) for g in grades)


def _teachers(key: str) -> Callable[[SchoolFacts, str], Any]:
    return lambda s, group: int(s.get(f"MN{group}_{key}") or 0)


def _blocks(data: FormData) -> tuple[list[grid.Row], bool]:
    rows, ends_with_sum = schools.school_rows(data, "MN")
    out: list[grid.Row] = []
    for n, row in enumerate(rows):
        number = n + 1 if ends_with_sum else (n or None)
        out.append(grid.Row((row.item, ""), bold=row.bold, label_style=c.LABEL_B,
                            cells={"tt": number}))
        for key, label, _ in GROUPS:
            out.append(grid.Row((row.item, key), bold=row.bold, cells={"tt": None,
                                                                      "age": label}))
    return out, ends_with_sum


def _sheet(name: str, landscape: bool = True) -> Sheet:
    return Sheet(name, page=Page(landscape=landscape, repeat_rows=(3, 6)))


def build_gv(data: FormData) -> Form:
    s = _sheet("MN-01-GV")
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("name", ("Tên trường (cơ sở GDMN)",), 24, _school(schools.name),
                 style=c.LABEL),
        grid.Col("all", ("Toàn trường", "Tổng số CBQL, GV, NV"), 8,
                 _school(schools.fact("MN_all"))),
        grid.Col("all_contract", ("Toàn trường", "Trong đó hợp đồng"), 8,
                 _school(schools.fact("MN_all_contract"))),
        grid.Col("cbql", ("Toàn trường", "CBQL"), 6,
                 _school(schools.facts("MN_principal", "MN_vice"))),
        grid.Col("gv", ("Toàn trường", "Giáo viên"), 7, _school(schools.fact("MN_teachers"))),
        grid.Col("gv_class", ("Toàn trường", "Giáo viên/lớp"), 7,
                 _school(lambda f: round(f.get("MN_teachers") / f.get("classes_MN"), 2)
                         if f.get("classes_MN") else ""), style=c.DEC),
        grid.Col("nv", ("Toàn trường", "Nhân viên"), 7, _school(schools.fact("MN_staff"))),
        grid.Col("age", ("Độ tuổi",), 9, style=c.TEXT),
        grid.Col("classes", ("Lớp mẫu giáo theo độ tuổi", "Số lớp"), 6, _group(_classes)),
        grid.Col("teachers", ("Lớp mẫu giáo theo độ tuổi", "Số GV"), 6,
                 _group(_teachers("teachers"))),
        grid.Col("contract", ("Lớp mẫu giáo theo độ tuổi", "GV hợp đồng"), 7,
                 _group(_teachers("contract"))),
        grid.Col("allowance", ("Lớp mẫu giáo theo độ tuổi", "GV hưởng chính sách"), 8,
                 _group(lambda s, g: data.missing("teachers_allowance"))),
        grid.Col("ratio", ("Lớp mẫu giáo theo độ tuổi", "Tỉ lệ GV/lớp"), 7,
                 rate=("teachers", "classes"), ratio=True),
        grid.Col("standard", ("Trình độ đào tạo", "Đạt chuẩn"), 7,
                 _group(lambda s, g: int(s.get(f"MN{g}_trained") or 0)
                        - int(s.get(f"MN{g}_above") or 0))),
        grid.Col("above", ("Trình độ đào tạo", "Trên chuẩn"), 7, _group(_teachers("above"))),
        grid.Col("trained", ("Trình độ đào tạo", "Đạt chuẩn trở lên"), 8,
                 total=("standard", "above")),
        grid.Col("trained_rate", ("Trình độ đào tạo", "Tỉ lệ"), 7, rate=("trained", "teachers")),
        grid.Col("rated", ("Chuẩn nghề nghiệp", "Đạt chuẩn"), 7, _group(_teachers("rated"))),
        grid.Col("rated_rate", ("Chuẩn nghề nghiệp", "Tỉ lệ"), 7, rate=("rated", "teachers")),
    ]
    c.header(s, data, GV_CODE, GV_TITLE, len(cols) - 1)
    first = grid.header(s, 3, cols)
    items, _ = _blocks(data)
    end = grid.rows(s, first, cols, items)
    c.signature(s, data, end + 2, 1, (len(cols) - 7, len(cols) - 1), committee=True)
    return Form(GV_CODE, "Đội ngũ cán bộ quản lý, giáo viên, nhân viên mầm non", [s])


def build_csvc(data: FormData) -> Form:
    s = _sheet("MN-01-CSVC")
    room = lambda key: _school(schools.fact(key))  # noqa: E731
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("name", ("Tên trường (cơ sở GDMN)",), 22, _school(schools.name),
                 style=c.LABEL),
        grid.Col("sites", ("Số điểm trường",), 6, _school(lambda f: f.sites)),
        grid.Col("branches", ("Số điểm lẻ",), 6, _school(lambda f: f.sites - f.schools)),
        grid.Col("groups", ("Tổng số nhóm, lớp",), 7, _school(schools.fact("classes_MN"))),
        grid.Col("nursery", ("Số nhóm trẻ",), 6, _school(schools.fact("classes_MN_NT"))),
        grid.Col("age", ("Độ tuổi",), 9, style=c.TEXT),
        grid.Col("classes", ("Số lớp",), 6, _group(_classes)),
        grid.Col("rooms", ("Phòng học", "Tổng số"), 7, room("MN_rooms_counted")),
        grid.Col("rooms_nt", ("Phòng học", "Phòng nhóm trẻ"), 7, _missing(data, "rooms_nursery")),
        grid.Col("rooms_age", ("Phòng học", "Phòng của độ tuổi"), 7,
                 _group(lambda f, g: round(float(f.get("MN_rooms_5") or 0), 2) if g == "5"
                        else data.missing("rooms_age34"))),
        grid.Col("rooms_ratio", ("Phòng học", "Tỉ lệ phòng/lớp"), 7,
                 rate=("rooms_age", "classes"), ratio=True),
        grid.Col("solid", ("Phòng học", "Kiên cố"), 6, room("MN_rooms_classroom_solid")),
        grid.Col("semi", ("Phòng học", "Bán kiên cố"), 6, room("MN_rooms_classroom_semi")),
        grid.Col("temp", ("Phòng học", "Tạm, mượn"), 6,
                 _school(schools.facts("MN_rooms_classroom_temporary",
                                       "MN_rooms_classroom_borrowed"))),
        grid.Col("equipped", ("Lớp đủ thiết bị dạy học tối thiểu",), 8,
                 _group(lambda f, g: sum(int(f.get(f"equipped_MN_{x}") or 0)
                                         for x in (("5",) if g == "5" else ("3", "4"))))),
        grid.Col("toilets", ("Nhà vệ sinh", "Số lượng"), 6, room("rooms_toilet")),
        grid.Col("toilets_ok", ("Nhà vệ sinh", "Đạt chuẩn"), 6, _missing(data, "toilets_standard")),
        grid.Col("water", ("Công trình nước sạch", "Số lượng"), 6, _missing(data, "water_works")),
        grid.Col("water_ok", ("Công trình nước sạch", "Đạt chuẩn"), 6,
                 _missing(data, "water_standard")),
        grid.Col("kitchens", ("Bếp ăn", "Số lượng"), 6, _missing(data, "kitchens")),
        grid.Col("kitchens_ok", ("Bếp ăn", "Đạt chuẩn"), 6, _missing(data, "kitchens_standard")),
        grid.Col("play", ("Sân chơi", "Số lượng"), 6, room("rooms_playground")),
        grid.Col("toys", ("Sân chơi", "Có đồ chơi ngoài trời"), 8,
                 _missing(data, "playground_toys")),
    ]
    c.header(s, data, CSVC_CODE, CSVC_TITLE, len(cols) - 1)
    first = grid.header(s, 3, cols)
    items, _ = _blocks(data)
    end = grid.rows(s, first, cols, items)
    c.signature(s, data, end + 2, 1, (len(cols) - 8, len(cols) - 1), committee=True)
    return Form(CSVC_CODE, "Cơ sở vật chất, thiết bị dạy học lớp mẫu giáo", [s])


def _missing(data: FormData, key: str) -> Callable[[Item], None]:
    data.missing(key)
    return lambda _item: None


# --- MN-05-KT ------------------------------------------------------------------------------

TYPES = (("mobility", "Vận động"), ("hearing_speech", "Nghe, nói"), ("vision", "Nhìn"),
         ("neuro_mental", "Thần kinh, tâm thần"), ("intellectual", "Trí tuệ"),
         ("autism", "Tự kỉ"), ("learning", "Khó khăn về học"), ("other", "Khác"))


def build_kt(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_kt_sheet(data, area, sheet_name(area.label, taken)) for area in data.age_areas]
    return Form(KT_CODE, "Thống kê đối tượng trẻ khuyết tật mầm non", sheets)


def _kt_sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, page=Page(landscape=True, repeat_rows=(4, 6)))
    last = 12
    word = {"commune": "UBND XÃ", "district": "UBND HUYỆN", "province": "UBND TỈNH"}[area.kind]
    s.put(0, 0, f"{word}: {c._short(area.name)}", Style(bold=True))
    s.merge(0, 2, 0, last - 3, KT_TITLE, c.TITLE)
    s.merge(0, last - 2, 0, last, f"Mẫu: {KT_CODE}", c.CODE)
    s.merge(1, 2, 1, last - 3, c.when_text(data.year), c.WHEN)
    s.merge(2, 5, 2, 7, f"Năm: {data.year}", Style(bold=True, h="center"))
    cols = [
        grid.Col("year", ("Năm sinh",), 7),
        grid.Col("age", ("Độ tuổi",), 7),
        grid.Col("total", ("Tổng số trẻ khuyết tật",), 9),
        *(grid.Col(k, ("Chia theo dạng khuyết tật", label), 8) for k, label in TYPES),
        grid.Col("access", ("Trẻ khuyết tật được tiếp cận giáo dục",), 10),
        grid.Col("rate", ("Tỉ lệ tiếp cận giáo dục",), 9, rate=("access", "total")),
    ]
    first = grid.header(s, 4, cols)
    items = []
    for age in range(6):
        cells: dict[str, Any] = {"year": data.year - age, "age": f"{age} tuổi",
                                 "total": data.n(area, "roll_disabled", age),
                                 "access": data.n(area, "roll_disabled_enrolled", age)}
        for key, _ in TYPES:
            cells[key] = data.n(area, f"disabled_type_{key}", age)
        items.append(grid.Row(None, cells=cells))
    end = grid.rows(s, first, cols, items)
    grid.sum_rows(s, end, cols, first, end - 1, "Tổng")
    s.put(end, 0, "Tổng", c.LABEL_B)
    s.put(end, 1, "0-5 tuổi", c.TEXT.but(bold=True))
    c.signature(s, data, end + 2, 1, (8, last))
    return s
