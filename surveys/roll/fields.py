"""Columns and code lists of the household roll ("pcgd roll v1", roll-format.md).

Everything a reader, validator or writer needs to agree on lives here as data, so the CSV/XLSX
importer, the MauNhapLieu importer and the web form cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from surveys.roll.text import fold, key, unaccent

Kind = Literal["text", "code", "date", "birth", "year", "sex", "grade", "int"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str  # canonical column name, as written in exported files
    label: str  # Vietnamese label used in messages (also an accepted alias)
    required: bool
    kind: Kind
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("household_code", "Số phiếu", True, "text", ("mã hộ", "số phiếu hộ")),
    ColumnSpec("hamlet", "Thôn/tổ", True, "text", ("thôn", "tổ", "thôn/xóm", "thôn, tổ")),
    ColumnSpec("address", "Địa chỉ", False, "text"),
    ColumnSpec("residence_type", "Diện cư trú", True, "code"),
    ColumnSpec("full_name", "Họ và tên", True, "text", ("họ tên",)),
    ColumnSpec("birth_date", "Ngày sinh", True, "birth", ("ngày tháng năm sinh",)),
    ColumnSpec("sex", "Giới tính", True, "sex"),
    ColumnSpec("ethnicity", "Dân tộc", False, "code"),
    ColumnSpec("personal_id", "Số định danh", False, "text", ("số định danh cá nhân",)),
    ColumnSpec("relation", "Quan hệ với chủ hộ", True, "text", ("quan hệ",)),
    ColumnSpec("father_name", "Họ tên cha", False, "text"),
    ColumnSpec("mother_name", "Họ tên mẹ", False, "text"),
    ColumnSpec("disability", "Khuyết tật", False, "code"),
    ColumnSpec("movement", "Biến động", False, "code"),
    ColumnSpec("movement_date", "Ngày biến động", False, "date"),
    ColumnSpec("enrolled_level", "Đang học cấp", False, "code", ("cấp học",)),
    ColumnSpec("enrolled_grade", "Lớp", False, "grade", ("đang học lớp",)),
    ColumnSpec("school_code", "Mã trường", False, "text"),
    ColumnSpec("mn_completed_year", "Năm hoàn thành CT GDMN", False, "year"),
    ColumnSpec("mn_group_completed", "Nhóm tuổi MN đã hoàn thành", False, "int"),
    ColumnSpec("th_completed_year", "Năm hoàn thành tiểu học", False, "year"),
    ColumnSpec("thcs_graduated_year", "Năm tốt nghiệp THCS", False, "year"),
    ColumnSpec("thpt_graduated_year", "Năm tốt nghiệp THPT", False, "year"),
    ColumnSpec("gdnn_completed_year", "Năm hoàn thành GDNN", False, "year"),
    ColumnSpec("xmc_stage_completed", "Giai đoạn XMC đã hoàn thành", False, "int"),
    ColumnSpec("dropout_grade", "Bỏ học lớp", False, "int"),
    ColumnSpec("dropout_year", "Năm bỏ học", False, "year"),
    # Trailing, written by every export: the household's stored version when it was exported,
    # so an import can tell a household changed since (a conflict) from one the file changes.
    ColumnSpec("household_version", "Phiên bản hộ", False, "int", ("phiên bản",)),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
LABELS: dict[str, str] = {c.name: c.label for c in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)


def _stored_lengths() -> dict[str, int]:
    """Free-text column → the characters its database column holds (read from the table
    definitions, so a migration that widens a column widens the check)."""
    from pcgd.units.tables import Hamlet
    from surveys.tables import Household, Person, PersonYear

    columns = {
        "household_code": Household.household_code, "hamlet": Hamlet.name,
        "address": Household.address, "full_name": Person.full_name,
        "ethnicity": Person.ethnicity, "personal_id": Person.personal_id,
        "father_name": Person.father_name, "mother_name": Person.mother_name,
        "relation": PersonYear.relation, "school_code": PersonYear.school_code,
    }
    return {name: int(column._meta.params["length"]) for name, column in columns.items()}


#: free-text column → its stored length (longer text is an error, not a database failure)
MAX_LENGTHS: dict[str, int] = _stored_lengths()
YEAR_FIELDS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "year")
COMPLETION_YEAR_FIELDS: tuple[str, ...] = (
    "mn_completed_year",
    "th_completed_year",
    "thcs_graduated_year",
    "thpt_graduated_year",
    "gdnn_completed_year",
    "dropout_year",
)


def _header_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in COLUMNS:
        for text in (c.name, c.label, *c.aliases):
            k = key(text)
            if out.setdefault(k, c.name) != c.name:  # pragma: no cover - guards the table above
                raise ValueError(f"alias {text!r} names two columns")
    return out


HEADER_ALIASES: dict[str, str] = _header_map()


def match_header(text: str) -> str | None:
    """Canonical column for a header cell, ignoring case, diacritics, `_`/`-` and spacing."""
    return HEADER_ALIASES.get(key(text))


# --- code lists -------------------------------------------------------------------------------

SEX_CODES: dict[str, str] = {"m": "M", "nam": "M", "male": "M", "f": "F", "nu": "F", "female": "F"}
RESIDENCE_TYPES: tuple[str, ...] = ("thuong_tru", "tam_tru")
RESIDENCE_CODES: dict[str, str] = {"thuong tru": "thuong_tru", "tam tru": "tam_tru"}
DISABILITIES: tuple[str, ...] = ("able", "unable")
DISABILITY_CODES: dict[str, str] = {
    "able": "able",
    "unable": "unable",
    "co kha nang hoc tap": "able",
    "khong co kha nang hoc tap": "unable",
}
MOVEMENTS: tuple[str, ...] = ("moved_in", "moved_out", "deceased")
MOVEMENT_CODES: dict[str, str] = {
    "moved in": "moved_in",
    "moved out": "moved_out",
    "deceased": "deceased",
    "chuyen den": "moved_in",
    "chuyen di": "moved_out",
    "chet": "deceased",
    "da chet": "deceased",
    "tu vong": "deceased",
}
HEAD_RELATION = "chu_ho"
HEAD_KEYS: frozenset[str] = frozenset({"chu ho"})

LEVELS: tuple[str, ...] = ("MN", "TH", "THCS", "THPT", "GDTX_THCS", "GDTX_THPT", "GDNN", "XMC")
LEVEL_CODES: dict[str, str] = {key(v): v for v in LEVELS}
GRADES: dict[str, tuple[str, ...]] = {
    "MN": ("NT", "3", "4", "5"),
    "TH": ("1", "2", "3", "4", "5"),
    "THCS": ("6", "7", "8", "9"),
    "THPT": ("10", "11", "12"),
    "GDTX_THCS": ("6", "7", "8", "9"),
    "GDTX_THPT": ("10", "11", "12"),
    "GDNN": (),
    "XMC": ("1", "2"),
}
MN_GROUPS: tuple[int, ...] = (3, 4, 5)
XMC_STAGES: tuple[int, ...] = (0, 1, 2)
# Levels whose grades have a usual age (grade g at age g+5, MN group a at age a). GDTX and XMC
# exist for learners past school age, so an age check there would only produce noise.
AGE_CHECKED_LEVELS: frozenset[str] = frozenset({"MN", "TH", "THCS", "THPT"})


# --- the 54 ethnic groups (official list, Tổng cục Thống kê; order of the official codes) -------

ETHNIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kinh", ("Việt",)),
    ("Tày", ()),
    ("Thái", ()),
    ("Hoa", ("Hán",)),
    ("Khmer", ("Khơ-me", "Khơ Me")),
    ("Mường", ()),
    ("Nùng", ()),
    ("Mông", ("H'Mông", "Hmông", "Mèo")),
    ("Dao", ()),
    ("Gia Rai", ("Jrai",)),
    ("Ngái", ()),
    ("Ê Đê", ("Rađê",)),
    ("Ba Na", ("Bahnar",)),
    ("Xơ Đăng", ("Sedang",)),
    ("Sán Chay", ("Cao Lan", "Sán Chỉ")),
    ("Cơ Ho", ("Koho",)),
    ("Chăm", ("Chàm",)),
    ("Sán Dìu", ()),
    ("Hrê", ("H'rê",)),
    ("Mnông", ("M'Nông", "Mơ Nông")),
    ("Raglai", ("Ra Glai",)),
    ("Xtiêng", ("X'Tiêng", "Stiêng")),
    ("Bru-Vân Kiều", ("Vân Kiều", "Bru")),
    ("Thổ", ()),
    ("Giáy", ()),
    ("Cơ Tu", ("Katu",)),
    ("Giẻ Triêng", ("Gié Triêng",)),
    ("Mạ", ()),
    ("Khơ Mú", ("Khmu",)),
    ("Co", ()),
    ("Tà Ôi", ("Pa Cô",)),
    ("Chơ Ro", ()),
    ("Kháng", ()),
    ("Xinh Mun", ()),
    ("Hà Nhì", ()),
    ("Chu Ru", ()),
    ("Lào", ()),
    ("La Chí", ()),
    ("La Ha", ()),
    ("Phù Lá", ()),
    ("La Hủ", ()),
    ("Lự", ()),
    ("Lô Lô", ()),
    ("Chứt", ()),
    ("Mảng", ()),
    ("Pà Thẻn", ()),
    ("Cơ Lao", ()),
    ("Cống", ()),
    ("Bố Y", ()),
    ("Si La", ()),
    ("Pu Péo", ()),
    ("Brâu", ()),
    ("Ơ Đu", ()),
    ("Rơ Măm", ()),
)
ETHNIC_NAMES: tuple[str, ...] = tuple(name for name, _ in ETHNIC_GROUPS)
ETHNIC_NAMES_ASCII: tuple[str, ...] = tuple(unaccent(n) for n in ETHNIC_NAMES)
KINH = "Kinh"


def ethnic_key(text: str) -> str:
    """Compare ethnic names on letters only: 'Bru - Vân Kiều', "H'Mông", 'hmong' all match."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _ethnic_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, aliases in ETHNIC_GROUPS:
        for text in (name, *aliases):
            k = ethnic_key(text)
            if out.setdefault(k, name) != name:  # pragma: no cover - guards the table above
                raise ValueError(f"ethnic name {text!r} is ambiguous")
    return out


ETHNIC_LOOKUP: dict[str, str] = _ethnic_map()


def ethnic_group(text: str) -> str | None:
    """Official name of an ethnic group written any usual way, or None if it is not one of 54."""
    return ETHNIC_LOOKUP.get(ethnic_key(text))
