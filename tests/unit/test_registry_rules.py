"""Registry rules that need no database: code lists, the training standard, row parsing."""

from __future__ import annotations

import pytest

from pcgd.registry import codes
from pcgd.registry.columns import header_map
from pcgd.registry.importer import SchoolRef, _Context, parse_file
from pcgd.units.service import Unit

COMMUNE = Unit(1, "04711", "Xã Thử", "commune", 2, "15")
SCHOOL = SchoolRef(10, "S1", 1, ("TH", "THCS"))
OTHER = SchoolRef(11, "S2", 99, ("TH",))


def ctx(kind: str) -> _Context:
    return _Context(
        kind=kind, year=2025, unit=COMMUNE, communes={"04711": 1},
        all_communes={"04711": 1, "04714": 2}, schools={"S1": SCHOOL, "S2": OTHER},
        classes={(10, "6A"): ("THCS", "6")},
    )


@pytest.mark.parametrize(
    ("qualification", "level", "year", "expected"),
    [
        ("college", "MN", 2025, True),  # Luật GD 2019 Đ72: preschool needs a college degree
        ("intermediate", "MN", 2025, False),
        ("college", "TH", 2025, False),  # primary needs a bachelor's degree since 2020
        ("university", "THCS", 2025, True),
        ("intermediate", "TH", 2019, True),  # Luật GD 2005 Đ77: intermediate pedagogy
        ("intermediate", "THCS", 2019, False),
        ("college", "THCS", 2019, True),
        ("postgrad", "THPT", 2015, True),
        ("other", "MN", 2025, False),
    ],
)
def test_training_standard_follows_the_law_of_the_year(
    qualification: str, level: str, year: int, expected: bool
) -> None:
    assert codes.meets_training_standard(qualification, level, year) is expected


def test_gdtx_maps_to_the_roll_levels() -> None:
    assert codes.roll_level("GDTX", "8") == "GDTX_THCS"
    assert codes.roll_level("GDTX", "11") == "GDTX_THPT"
    assert codes.roll_level("TH", "3") == "TH"


def test_headers_match_without_case_or_diacritics() -> None:
    learners = header_map("learners")
    assert learners["so dinh danh"] == "personal_id"
    assert learners["ho va ten"] == "full_name"
    assert header_map("teachers")["dat chuan trinh do dao tao"] == "meets_standard"


def test_learner_rows_default_from_their_class_and_check_each_cell() -> None:
    header = ["Mã trường", "Họ và tên", "Ngày sinh", "Lớp", "Khối", "Số định danh", "Giới tính"]
    rows = [
        ["S1", "Vừa Thị Mỷ", "2014-03-04", "6A", "", "015314000001", "nữ"],
        ["S1", "Giàng A Páo", "2014-03-04", "", "5", "", "nam"],  # TH inferred from grade 5
        ["S1", "Thào A Dế", "2014-02-30", "", "5", "", ""],  # no such day
        ["S1", "Lý A Sùng", "2014-03-04", "", "", "", "X"],  # no class or grade; bad sex
        ["S2", "Ở Xã Khác", "2014-03-04", "", "3", "", ""],  # school of another commune
    ]
    records, issues = parse_file("learners", header, rows, ctx("learners"))
    assert {(i.row, i.column) for i in issues.errors} == {
        (4, "birth_date"), (5, "grade"), (5, "sex"), (6, "school_code"),
    }
    by_name = {r[3]: r for r in records}
    assert by_name["Vừa Thị Mỷ"][8:10] == ("THCS", "6")
    assert by_name["Giàng A Páo"][8:10] == ("TH", "5")
    assert by_name["Vừa Thị Mỷ"][6] == "F"


def test_a_grade_that_fits_two_levels_of_the_school_needs_the_level() -> None:
    header = ["Mã trường", "Tên lớp", "Khối"]
    # S1 teaches TH and THCS: grade 6 is THCS only, but "lớp 12" belongs to neither.
    records, issues = parse_file("classes", header, [["S1", "6B", "6"], ["S1", "12A", "12"]],
                                 ctx("classes"))
    assert [r[3:5] for r in records] == [("THCS", "6")]
    assert [(i.row, i.column) for i in issues.errors] == [(3, "level")]


def test_unlabelled_cells_are_refused() -> None:
    header = ["Mã trường", "Loại phòng", "Số lượng", ""]
    _, issues = parse_file("facilities", header, [["S1", "Thư viện", "1", "ghi chú"]],
                           ctx("facilities"))
    assert [(i.row, i.column) for i in issues.errors] == [(2, "")]
