"""Columns and code lists of the household roll ("pcgd roll v1", roll-format.md).

Everything a reader, validator or writer needs to agree on lives here as data, so the CSV/XLSX
importer, the MauNhapLieu importer and the web form cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from pcgd.common.text import fold, key, name_key, unaccent

Kind = Literal[
    "text", "code", "date", "birth", "year", "sex", "grade", "int", "flag", "codes"
]


Table = Literal["household", "person", "person_year", ""]
SqlType = Literal["text", "int", "date", "boolean"]

#: the eight disability types of the official workbook (columns AJ..AQ), code → Vietnamese label
DISABILITY_TYPES: tuple[tuple[str, str], ...] = (
    ("mobility", "vận động"),
    ("hearing_speech", "nghe, nói"),
    ("vision", "nhìn"),
    ("neuro_mental", "thần kinh, tâm thần"),
    ("intellectual", "trí tuệ"),
    ("learning", "khó khăn về học"),
    ("autism", "tự kỷ"),
    ("other", "khác"),
)
DISABILITY_TYPE_NAMES: tuple[str, ...] = tuple(c for c, _ in DISABILITY_TYPES)


@dataclass(frozen=True, slots=True)
class Field:
    """One roll field: everything the readers, writers, API, save function, form and roll-forward
    need to agree on. Adding a plain field is one entry here plus a migration (and a column in
    surveys/tables.py)."""

    name: str  # canonical column name, as written in exported files and in the API
    label: str  # Vietnamese label used in messages (also an accepted alias)
    kind: Kind
    table: Table  # where it is stored ('' = provenance, not stored)
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: tuple[tuple[str, str], ...] = ()  # coded values with their Vietnamese labels
    carry: bool = True  # the roll-forward copies it unchanged (person_year fields)
    mnl: int | None = None  # MauNhapLieu column index (0-based, A = 0), where one holds it
    # The entry form: (group, kind, width in ch, short label); None: not on the form.
    form: tuple[str, str, int, str] | None = None

    @property
    def sql(self) -> SqlType:
        """Type of the value in the save function's JSON record and the bulk-update arrays."""
        if self.kind in ("year", "int"):
            return "int"
        if self.kind in ("date", "birth"):
            return "date"
        if self.kind == "flag":
            return "boolean"
        return "text"


#: in column order of roll-format.md; the new fields of the official workbook come last (before
#: the trailing household_version), so files written before them still read column for column.
FIELDS: tuple[Field, ...] = (
    Field("household_code", "Số phiếu", "text", "household", True, ("mã hộ", "số phiếu hộ"),
          mnl=14),
    Field("hamlet", "Thôn/tổ", "text", "household", True,
          ("thôn", "tổ", "thôn/xóm", "thôn, tổ"), mnl=13),
    Field("address", "Địa chỉ", "text", "household", mnl=13),
    Field("residence_type", "Diện cư trú", "code", "person_year", True, mnl=15,
          form=("Cư trú", "select", 9, "Diện cư trú")),
    Field("full_name", "Họ và tên", "text", "person", True, ("họ tên",), mnl=2,
          form=("Nhân khẩu", "text", 20, "Họ và tên")),
    Field("birth_date", "Ngày sinh", "birth", "person", True, ("ngày tháng năm sinh",), mnl=6,
          form=("Nhân khẩu", "date", 10, "Ngày sinh")),
    Field("sex", "Giới tính", "sex", "person", True, mnl=7,
          form=("Nhân khẩu", "select", 5, "Giới tính")),
    Field("ethnicity", "Dân tộc", "code", "person", mnl=8,
          form=("Nhân khẩu", "ethnicity", 8, "Dân tộc")),
    Field("personal_id", "Số định danh", "text", "person", aliases=("số định danh cá nhân",),
          mnl=51,
          form=("Nhân khẩu", "text", 12, "Số định danh")),
    Field("relation", "Quan hệ với chủ hộ", "text", "person_year", True, ("quan hệ",), mnl=47,
          form=("Nhân khẩu", "relation", 9, "Quan hệ với chủ hộ")),
    Field("father_name", "Họ tên cha", "text", "person", mnl=48,
          form=("Cha mẹ", "text", 14, "Họ tên cha")),
    Field("mother_name", "Họ tên mẹ", "text", "person", mnl=48,
          form=("Cha mẹ", "text", 14, "Họ tên mẹ")),
    Field("disability", "Khuyết tật", "code", "person_year", mnl=44,
          codes=(("able", "Có khả năng học tập"), ("unable", "Không có khả năng học")),
          form=("Cư trú", "select", 9, "Khuyết tật")),
    Field("movement", "Biến động", "code", "person_year", carry=False, mnl=45,
          codes=(("moved_in", "Chuyển đến"), ("moved_out", "Chuyển đi"), ("deceased", "Đã chết")),
          form=("Cư trú", "select", 9, "Biến động")),
    Field("movement_date", "Ngày biến động", "date", "person_year", carry=False, mnl=46,
          form=("Cư trú", "date", 10, "Ngày biến động")),
    Field("enrolled_level", "Đang học cấp", "code", "person_year", aliases=("cấp học",), mnl=17,
          carry=False, form=("Đang học", "select", 8, "Cấp học")),
    Field("enrolled_grade", "Lớp", "grade", "person_year", aliases=("đang học lớp",), mnl=17,
          carry=False, form=("Đang học", "grade", 5, "Lớp")),
    Field("school_code", "Mã trường", "text", "person_year", mnl=21, carry=False,
          form=("Đang học", "school", 10, "Mã trường")),
    Field("mn_completed_year", "Năm hoàn thành CT GDMN", "year", "person_year", mnl=24,
          carry=False, form=("Đã hoàn thành (năm)", "year", 5, "MN")),
    Field("mn_group_completed", "Nhóm tuổi MN đã hoàn thành", "int", "person_year", carry=False,
          codes=(("3", "3 tuổi"), ("4", "4 tuổi"), ("5", "5 tuổi")), mnl=17,
          form=("Đã hoàn thành (năm)", "select", 5, "Nhóm MN")),
    Field("th_completed_year", "Năm hoàn thành tiểu học", "year", "person_year", mnl=24,
          carry=False, form=("Đã hoàn thành (năm)", "year", 5, "TH")),
    Field("thcs_graduated_year", "Năm tốt nghiệp THCS", "year", "person_year", mnl=24,
          carry=False, form=("Đã hoàn thành (năm)", "year", 5, "TN THCS")),
    Field("thpt_graduated_year", "Năm tốt nghiệp THPT", "year", "person_year", mnl=24,
          carry=False, form=("Đã hoàn thành (năm)", "year", 5, "TN THPT")),
    Field("gdnn_completed_year", "Năm hoàn thành GDNN", "year", "person_year", mnl=27,
          form=("Đã hoàn thành (năm)", "year", 5, "GDNN")),
    Field("xmc_stage_completed", "Giai đoạn XMC đã hoàn thành", "int", "person_year", mnl=33,
          carry=False, codes=(("0", "0"), ("1", "GĐ 1"), ("2", "GĐ 2")),
          form=("Đã hoàn thành (năm)", "select", 5, "XMC")),
    Field("dropout_grade", "Bỏ học lớp", "int", "person_year", mnl=30,
          codes=tuple((str(g), str(g)) for g in range(1, 13)),
          form=("Bỏ học", "select", 4, "Lớp")),
    Field("dropout_year", "Năm bỏ học", "year", "person_year", mnl=31,
          form=("Bỏ học", "year", 5, "Năm")),
    # -- the official workbook's facts the forms count (issue 10) --------------------------------
    Field("disability_types", "Dạng khuyết tật", "codes", "person_year", mnl=35,
          aliases=("dạng tật", "loại khuyết tật"), codes=DISABILITY_TYPES,
          form=("Khuyết tật", "codes", 9, "Dạng")),
    Field("disability_certificate", "Có chứng nhận khuyết tật", "flag", "person_year", mnl=43,
          aliases=("chứng nhận khuyết tật", "giấy chứng nhận khuyết tật"),
          form=("Khuyết tật", "flag", 3, "GCN")),
    Field("repeating", "Lưu ban", "flag", "person_year", mnl=18, carry=False,
          aliases=("học lại", "ở lại lớp"), form=("Đang học", "flag", 3, "Lưu ban")),
    Field("two_sessions", "Học 2 buổi/ngày", "flag", "person_year", mnl=18,
          aliases=("2 buổi/ngày", "học 2 buổi", "9-10 buổi/tuần", "hai buổi"),
          form=("Đang học", "flag", 3, "2 buổi")),
    Field("vn_prep", "Được chuẩn bị tiếng Việt", "flag", "person_year",
          aliases=("chuẩn bị tiếng việt", "tăng cường tiếng việt"), mnl=53,
          form=("Đang học", "flag", 3, "TV")),
    Field("relapse_level", "Tái mù chữ mức", "int", "person_year", mnl=34,
          aliases=("tái mù chữ", "tái mù"), codes=(("1", "Mức 1"), ("2", "Mức 2")),
          form=("Xóa mù chữ", "select", 5, "Tái mù")),
    Field("religion", "Tôn giáo", "text", "person", mnl=9,
          form=("Thông tin thêm", "text", 8, "Tôn giáo")),
    Field("priority_group", "Diện ưu tiên", "text", "person_year", mnl=10,
          aliases=("diện chính sách",), form=("Thông tin thêm", "text", 8, "Diện ưu tiên")),
    Field("phone", "Điện thoại", "text", "person", mnl=49, aliases=("số điện thoại", "sđt"),
          form=("Thông tin thêm", "text", 10, "Điện thoại")),
    # Trailing, written by every export: the household's stored version when it was exported,
    # so an import can tell a household changed since (a conflict) from one the file changes.
    Field("household_version", "Phiên bản hộ", "int", "", aliases=("phiên bản",), mnl=52),
)


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str  # canonical column name, as written in exported files
    label: str  # Vietnamese label used in messages (also an accepted alias)
    required: bool
    kind: Kind
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ColumnSpec, ...] = tuple(
    ColumnSpec(f.name, f.label, f.required, f.kind, f.aliases) for f in FIELDS
)
FIELD: dict[str, Field] = {f.name: f for f in FIELDS}
#: the fields after dropout_year (before the trailing household_version): the official
#: workbook's facts added by issue 10 and after; files written before them still import.
NEW_FIELDS: tuple[str, ...] = tuple(
    f.name for f in FIELDS[[g.name for g in FIELDS].index("dropout_year") + 1 : -1]
)
#: new free-text fields: read, squashed and written with no rule of their own
NEW_TEXT_FIELDS: tuple[str, ...] = tuple(n for n in NEW_FIELDS if FIELD[n].kind == "text")
FLAG_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "flag")

# --- stored columns (the save function, the bulk load, the exporter and roll-forward) --------
#: person_year columns, in this order everywhere (save function, COPY, bulk update, export)
STATUS_COLUMNS: tuple[tuple[str, SqlType], ...] = tuple(
    (f.name, f.sql) for f in FIELDS if f.table == "person_year"
)
#: person columns: the roll's birth date is stored as date + year, and the name has a search key
PERSON_COLUMNS: tuple[tuple[str, SqlType], ...] = (
    ("full_name", "text"), ("name_key", "text"), ("birth_date", "date"), ("birth_year", "int"),
    *((f.name, f.sql) for f in FIELDS
      if f.table == "person" and f.name not in ("full_name", "birth_date")),
)
#: person columns kept verbatim from the roll (after the four above)
PERSON_PLAIN: tuple[str, ...] = tuple(n for n, _ in PERSON_COLUMNS[4:])

# Bulk-load (COPY) column lists, shared by the file import and the demo load.
HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "id", "commune", "year", "hamlet", "household_code", "address", "version", "updated_at",
)
PERSON_BULK_COLUMNS: tuple[str, ...] = ("id", *(n for n, _ in PERSON_COLUMNS))
PERSON_YEAR_BULK_COLUMNS: tuple[str, ...] = (
    "id", "person", "household", "commune", "year", "position", "confirmed",
    *(n for n, _ in STATUS_COLUMNS),
)


_plain_values = attrgetter(*PERSON_PLAIN)
_PID = PERSON_PLAIN.index("personal_id")


def person_values(p: object) -> tuple[object, ...]:
    """A RollPerson's person-table values in PERSON_COLUMNS order (personal_id '' → NULL)."""
    name = p.full_name  # type: ignore[attr-defined]
    plain = list(_plain_values(p))
    plain[_PID] = plain[_PID] or None
    return (name, name_key(name), p.birth_date, p.birth_year, *plain)  # type: ignore[attr-defined]


COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
LABELS: dict[str, str] = {c.name: c.label for c in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)


def _stored_lengths() -> dict[str, int]:
    """Free-text column → the characters its database column holds (read from the table
    definitions, so a migration that widens a column widens the check)."""
    from pcgd.units.tables import Hamlet
    from surveys.tables import Household, Person, PersonYear

    tables = {"household": Household, "person": Person, "person_year": PersonYear}
    out: dict[str, int] = {}
    for f in FIELDS:
        if f.kind != "text" and f.name != "ethnicity":
            continue
        column = Hamlet.name if f.name == "hamlet" else getattr(tables[f.table], f.name)
        out[f.name] = int(column._meta.params["length"])
    return out


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
