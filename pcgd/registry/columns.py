"""The columns of each registry import file, with the Vietnamese headers sector exports use.

Headers are matched without case or diacritics (as in the roll format); unknown columns are an
error, not silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcgd.common.text import key


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


SCHOOL_CODE = Column("school_code", "Mã trường", True, ("mã đơn vị", "mã cơ sở"))

KINDS: dict[str, tuple[Column, ...]] = {
    "schools": (
        SCHOOL_CODE,
        Column("name", "Tên trường", True, ("tên đơn vị", "tên cơ sở")),
        Column("levels", "Cấp học", True, ("cấp", "bậc học")),
        Column("public", "Loại hình", False, ("công lập", "loại trường")),
        Column("commune_code", "Mã xã", False, ("mã xã/phường", "mã phường/xã")),
        Column("address", "Địa chỉ"),
        Column("satellite_sites", "Số điểm lẻ", False, ("điểm lẻ", "số điểm trường lẻ")),
        Column("two_sessions", "Dạy 2 buổi/ngày", False, ("2 buổi/ngày", "hai buổi")),
    ),
    "classes": (
        SCHOOL_CODE,
        Column("class_name", "Tên lớp", True, ("lớp", "tên nhóm lớp")),
        Column("level", "Cấp học", False, ("cấp",)),
        Column("grade", "Khối", True, ("khối lớp", "độ tuổi", "nhóm tuổi")),
        Column("combined", "Lớp ghép", False, ("ghép",)),
        Column("room", "Phòng học", False, ("phòng",)),
        Column("two_sessions", "Học 2 buổi/ngày", False, ("2 buổi/ngày", "bán trú")),
        Column("min_equipment", "Đủ thiết bị tối thiểu", False,
               ("thiết bị tối thiểu", "đủ đồ dùng đồ chơi thiết bị tối thiểu")),
        Column("pupils", "Sĩ số", False, ("số học sinh",)),
    ),
    "teachers": (
        SCHOOL_CODE,
        Column("full_name", "Họ và tên", True, ("họ tên",)),
        Column("staff_code", "Mã cán bộ", False, ("mã giáo viên", "mã CBGVNV")),
        Column("personal_id", "Số định danh", False, ("số CCCD", "CCCD")),
        Column("birth_date", "Ngày sinh"),
        Column("sex", "Giới tính"),
        Column("role", "Vị trí việc làm", True, ("chức vụ", "vị trí", "nhóm chức vụ")),
        Column("level", "Cấp dạy", False, ("cấp học",)),
        Column("employment", "Hình thức hợp đồng", False, ("hình thức", "loại hợp đồng")),
        Column("qualification", "Trình độ đào tạo", False, ("trình độ chuyên môn", "trình độ")),
        Column("meets_standard", "Đạt chuẩn trình độ đào tạo", False, ("đạt chuẩn",)),
        Column("rating", "Xếp loại chuẩn nghề nghiệp", False,
               ("chuẩn nghề nghiệp", "đánh giá chuẩn nghề nghiệp")),
        Column("subjects", "Môn dạy", False, ("môn", "môn giảng dạy")),
        Column("class_name", "Lớp phụ trách", False, ("lớp chủ nhiệm", "lớp")),
    ),
    "facilities": (
        SCHOOL_CODE,
        Column("room_type", "Loại phòng", True, ("loại",)),
        Column("count", "Số lượng", True, ("SL",)),
        Column("area", "Diện tích", False, ("DT", "diện tích (m2)")),
        Column("level", "Cấp học", False, ("cấp",)),
    ),
    "learners": (
        SCHOOL_CODE,
        Column("full_name", "Họ và tên", True, ("họ tên", "họ tên học sinh")),
        Column("birth_date", "Ngày sinh", True, ("ngày tháng năm sinh",)),
        Column("sex", "Giới tính"),
        Column("personal_id", "Số định danh", False, ("mã định danh", "số định danh cá nhân")),
        Column("class_name", "Lớp", False, ("tên lớp",)),
        Column("level", "Cấp học", False, ("cấp",)),
        Column("grade", "Khối", False, ("khối lớp", "độ tuổi", "nhóm tuổi")),
        Column("completed", "Hoàn thành/Tốt nghiệp", False,
               ("hoàn thành chương trình", "tốt nghiệp", "kết quả")),
        Column("home_commune", "Mã xã cư trú", False, ("xã cư trú", "mã xã thường trú")),
    ),
}


def header_map(kind: str) -> dict[str, str]:
    """Folded header text → canonical column name for one kind of file."""
    out: dict[str, str] = {}
    for col in KINDS[kind]:
        for text in (col.name, col.label, *col.aliases):
            out.setdefault(key(text), col.name)
    return out


def labels(kind: str) -> dict[str, str]:
    return {c.name: c.label for c in KINDS[kind]}
