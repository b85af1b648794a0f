"""Text folding, header aliases, code lists and the 54 ethnic groups."""

from __future__ import annotations

import unicodedata

from pcgd.common.text import fold, key, name_key, squash, unaccent
from surveys.roll.fields import (
    COLUMN_NAMES,
    ETHNIC_NAMES,
    ETHNIC_NAMES_ASCII,
    GRADES,
    LEVELS,
    REQUIRED,
    ethnic_group,
    match_header,
)
from surveys.roll.model import RollPerson


def test_fold_strips_vietnamese_diacritics_and_case() -> None:
    assert fold("Đỗ Thị Ánh Tuyết") == "do thi anh tuyet"
    assert fold("ĐẶNG HỮU PHƯỚC") == "dang huu phuoc"
    assert fold("Nguyễn") == fold(unicodedata.normalize("NFD", "Nguyễn")) == "nguyen"
    assert fold("plain ascii") == "plain ascii"


def test_unaccent_keeps_case_and_name_key_collapses_spaces() -> None:
    assert unaccent("Đỗ Thị Ánh") == "Do Thi Anh"
    assert name_key("  Lê   Văn\u00a0Hùng ") == "le van hung"
    assert squash(" a  b\tc ") == "a b c" and squash("a b") == "a b"
    assert key("Thôn_Tổ-1") == "thon to 1"


def test_columns_follow_the_spec() -> None:
    assert COLUMN_NAMES[:5] == (
        "household_code",
        "hamlet",
        "address",
        "residence_type",
        "full_name",
    )
    assert len(COLUMN_NAMES) == 37 and COLUMN_NAMES[-1] == "household_version"
    assert set(REQUIRED) == {
        "household_code",
        "hamlet",
        "residence_type",
        "full_name",
        "birth_date",
        "sex",
        "relation",
    }
    # the model has one attribute per column in column order, plus birth_year and source_row
    fields = list(RollPerson.__struct_fields__)
    assert fields.pop(fields.index("birth_year")) == "birth_year"
    assert tuple(fields) == (*COLUMN_NAMES, "source_row")


def test_header_aliases_ignore_case_diacritics_and_separators() -> None:
    assert match_header("Số phiếu") == match_header("SO PHIEU") == "household_code"
    assert match_header("Thôn/Tổ") == match_header("thon/to") == "hamlet"
    assert match_header("Quan hệ với chủ hộ") == "relation"
    assert match_header("Đang học cấp") == match_header("enrolled level") == "enrolled_level"
    assert match_header("mã trường") == "school_code"
    assert match_header("tôn giáo") == "religion"  # issue 10: a roll field now
    assert match_header("nghề nghiệp") is None


def test_grades_per_level() -> None:
    assert set(GRADES) == set(LEVELS)
    assert GRADES["MN"] == ("NT", "3", "4", "5")
    assert GRADES["THCS"] == GRADES["GDTX_THCS"] == ("6", "7", "8", "9")
    assert GRADES["GDNN"] == () and GRADES["XMC"] == ("1", "2")


def test_the_54_ethnic_groups() -> None:
    assert len(ETHNIC_NAMES) == len(set(ETHNIC_NAMES)) == 54
    assert ETHNIC_NAMES[0] == "Kinh" and ETHNIC_NAMES_ASCII[0] == "Kinh"
    assert "Ê Đê" in ETHNIC_NAMES and "E De" in ETHNIC_NAMES_ASCII
    assert all(n.isascii() for n in ETHNIC_NAMES_ASCII)
    assert ethnic_group("H'Mông") == ethnic_group("hmong") == "Mông"
    assert ethnic_group("Bru - Vân Kiều") == ethnic_group("BRU_VAN_KIEU") == "Bru-Vân Kiều"
    assert ethnic_group("ede") == "Ê Đê"
    assert ethnic_group("Mạ") == "Mạ" and ethnic_group("Mường") == "Mường"
    assert ethnic_group("Pháp") is None
