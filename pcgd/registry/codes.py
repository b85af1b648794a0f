"""Code lists of the registry with the Vietnamese words schools' exports use for them.

Imports accept a code or any label/alias (matched without case or diacritics); the tables store
the code. Labels are what the pages show.
"""

from __future__ import annotations

from pcgd.common.text import key

LEVELS: tuple[str, ...] = ("MN", "TH", "THCS", "THPT", "GDTX", "GDNN")
LEVEL_LABELS: dict[str, str] = {
    "MN": "Mầm non",
    "TH": "Tiểu học",
    "THCS": "Trung học cơ sở",
    "THPT": "Trung học phổ thông",
    "GDTX": "Giáo dục thường xuyên",
    "GDNN": "Giáo dục nghề nghiệp",
}
GRADES: dict[str, tuple[str, ...]] = {
    "MN": ("NT", "3", "4", "5"),
    "TH": ("1", "2", "3", "4", "5"),
    "THCS": ("6", "7", "8", "9"),
    "THPT": ("10", "11", "12"),
    "GDTX": ("6", "7", "8", "9", "10", "11", "12"),
    "GDNN": ("",),
}
#: last grade of a level: finishing it with `completed` is a completion or a graduation
FINAL_GRADES: dict[tuple[str, str], str] = {
    ("MN", "5"): "mn_completed_year",
    ("TH", "5"): "th_completed_year",
    ("THCS", "9"): "thcs_graduated_year",
    ("GDTX", "9"): "thcs_graduated_year",
    ("THPT", "12"): "thpt_graduated_year",
    ("GDTX", "12"): "thpt_graduated_year",
}

ROLES: dict[str, str] = {
    "teacher": "Giáo viên",
    "principal": "Hiệu trưởng",
    "vice_principal": "Phó hiệu trưởng",
    "staff": "Nhân viên",
}
EMPLOYMENTS: dict[str, str] = {"permanent": "Biên chế", "contract": "Hợp đồng"}
QUALIFICATIONS: dict[str, str] = {
    "postgrad": "Trên đại học",
    "university": "Đại học",
    "college": "Cao đẳng",
    "intermediate": "Trung cấp",
    "other": "Khác",
}
RATINGS: dict[str, str] = {"excellent": "Tốt", "good": "Khá", "pass": "Đạt", "fail": "Chưa đạt"}
ROOM_TYPES: dict[str, str] = {
    "classroom_solid": "Phòng học kiên cố",
    "classroom_semi": "Phòng học bán kiên cố",
    "classroom_temporary": "Phòng học tạm",
    "classroom_borrowed": "Phòng học thuê, mượn",
    "library": "Thư viện",
    "equipment": "Phòng thiết bị",
    "medical": "Phòng y tế",
    "toilet": "Nhà vệ sinh",
    "playground": "Sân chơi",
    "office": "Phòng hành chính",
    "sports": "Sân tập thể dục",
}
#: classrooms counted in "rooms per class" (a temporary room is not a standard classroom)
COUNTED_CLASSROOMS: tuple[str, ...] = ("classroom_solid", "classroom_semi", "classroom_borrowed")
CLASSROOM_TYPES: tuple[str, ...] = (*COUNTED_CLASSROOMS, "classroom_temporary")


def _lookup(codes: dict[str, str], *extra: tuple[str, str]) -> dict[str, str]:
    out = {key(c): c for c in codes}
    out.update({key(label): c for c, label in codes.items()})
    out.update({key(alias): c for alias, c in extra})
    return out


LEVEL_LOOKUP = _lookup(
    LEVEL_LABELS,
    ("mầm non", "MN"), ("mẫu giáo", "MN"), ("nhà trẻ", "MN"), ("tiểu học", "TH"),
    ("trung học cơ sở", "THCS"), ("trung học phổ thông", "THPT"), ("GDTX_THCS", "GDTX"),
    ("GDTX_THPT", "GDTX"), ("trung tâm GDNN-GDTX", "GDTX"), ("BTVH", "GDTX"),
)
ROLE_LOOKUP = _lookup(
    ROLES, ("GV", "teacher"), ("giáo viên", "teacher"), ("HT", "principal"),
    ("PHT", "vice_principal"), ("NV", "staff"), ("nhân viên", "staff"),
    ("cán bộ quản lý", "principal"), ("tổng phụ trách đội", "staff"),
)
EMPLOYMENT_LOOKUP = _lookup(
    EMPLOYMENTS, ("biên chế", "permanent"), ("viên chức", "permanent"),
    ("hợp đồng", "contract"), ("HĐ", "contract"), ("BC", "permanent"),
)
QUALIFICATION_LOOKUP = _lookup(
    QUALIFICATIONS, ("thạc sĩ", "postgrad"), ("tiến sĩ", "postgrad"), ("ThS", "postgrad"),
    ("TS", "postgrad"), ("ĐH", "university"), ("cử nhân", "university"),
    ("CĐ", "college"), ("TC", "intermediate"), ("THSP", "intermediate"),
    ("trung học sư phạm", "intermediate"), ("trung cấp sư phạm", "intermediate"),
)
RATING_LOOKUP = _lookup(RATINGS, ("xuất sắc", "excellent"), ("trung bình", "pass"),
                        ("kém", "fail"), ("chưa đạt chuẩn", "fail"))
ROOM_LOOKUP = _lookup(
    ROOM_TYPES, ("kiên cố", "classroom_solid"), ("bán kiên cố", "classroom_semi"),
    ("phòng tạm", "classroom_temporary"), ("tạm", "classroom_temporary"),
    ("thuê mượn", "classroom_borrowed"), ("nhờ, mượn", "classroom_borrowed"),
    ("phòng mượn", "classroom_borrowed"), ("phòng đọc", "library"),
    ("phòng y tế học đường", "medical"), ("y tế", "medical"), ("vệ sinh", "toilet"),
    ("khu vệ sinh", "toilet"), ("sân chơi", "playground"), ("sân trường", "playground"),
    ("phòng thiết bị dạy học", "equipment"), ("kho thiết bị", "equipment"),
)
GRADE_WORDS: dict[str, str] = {
    key("nhà trẻ"): "NT", key("nha tre"): "NT", key("NT"): "NT",
    key("mẫu giáo 3 tuổi"): "3", key("3 tuổi"): "3", key("MG3"): "3",
    key("mẫu giáo 4 tuổi"): "4", key("4 tuổi"): "4", key("MG4"): "4",
    key("mẫu giáo 5 tuổi"): "5", key("5 tuổi"): "5", key("MG5"): "5",
}
TRUE_WORDS = frozenset(
    key(w)
    for w in ("x", "1", "có", "true", "yes", "đạt", "y", "hoàn thành", "tốt nghiệp",
              "hoàn thành chương trình", "HTCT", "TN")
)
FALSE_WORDS = frozenset(
    key(w)
    for w in ("", "0", "không", "false", "no", "chưa đạt", "n", "chưa hoàn thành",
              "không tốt nghiệp", "lên lớp", "lưu ban", "ở lại lớp", "chưa")
)
PUBLIC_WORDS = {
    **{key(w): True for w in ("công lập", "public", "CL", "1", "x", "có", "true")},
    **{key(w): False for w in ("tư thục", "dân lập", "ngoài công lập", "private", "TT", "0",
                               "không", "false")},
}


def roll_level(level: str, grade: str) -> str:
    """The roll's `enrolled_level` for a registry level and grade (GDTX splits by grade)."""
    if level == "GDTX":
        return "GDTX_THCS" if grade.isdigit() and int(grade) <= 9 else "GDTX_THPT"
    return level


def meets_training_standard(qualification: str, level: str, year: int) -> bool:
    """Standard training level by law: Luật GD 2019 Đ72 from school year 2020, else 2005 Đ77.

    2019 law: preschool teachers need a college (CĐ) pedagogy degree, general-education
    teachers a bachelor's degree. 2005 law: preschool and primary an intermediate (trung cấp)
    pedagogy diploma, lower secondary a college degree, upper secondary a bachelor's degree.
    """
    rank = {"postgrad": 4, "university": 3, "college": 2, "intermediate": 1}.get(qualification, 0)
    if year >= 2020:
        needed = 2 if level == "MN" else 3
    else:
        needed = {"MN": 1, "TH": 1, "THCS": 2}.get(level, 3)
    return rank >= needed
