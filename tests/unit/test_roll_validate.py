"""Every import rule of roll-format.md, one test each (errors and warnings)."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys.roll.fields import COLUMN_NAMES
from surveys.roll.model import Issue, ParseResult
from surveys.roll.validate import parse_roll

YEAR = 2025

HEAD = {
    "household_code": "H1",
    "hamlet": "Thôn 1",
    "residence_type": "thuong_tru",
    "full_name": "Nguyễn Văn An",
    "birth_date": "1980-05-02",
    "sex": "M",
    "relation": "chu_ho",
}
CHILD = {**HEAD, "full_name": "Nguyễn Thị Bình", "birth_date": "2016-03-02", "sex": "F"}
CHILD |= {"relation": "con", "enrolled_level": "TH", "enrolled_grade": "4"}


def table(*rows: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    header = list(COLUMN_NAMES)
    return header, [[r.get(c, "") for c in header] for r in rows]


def parse(*rows: dict[str, str], schools: set[str] | None = None) -> ParseResult:
    header, data = table(*rows)
    return parse_roll(header, data, year=YEAR, known_schools=schools)


def only(issues: list[Issue], column: str) -> list[Issue]:
    return [i for i in issues if i.column == column]


def test_clean_household_has_no_issue() -> None:
    result = parse(HEAD, CHILD)
    assert result.errors == [] and result.warnings == []
    [household] = result.households
    assert [p.full_name for p in household.members] == ["Nguyễn Văn An", "Nguyễn Thị Bình"]
    assert household.members[1].source_row == 3
    assert household.members[1].enrolled_grade == "4"


# -- header ----------------------------------------------------------------------------------------


def test_unknown_column_is_an_error() -> None:
    header, data = table(HEAD)
    result = parse_roll([*header, "ghi_chu"], [[*data[0], "x"]], year=YEAR, known_schools=None)
    [issue] = result.errors
    assert (issue.row, issue.column) == (1, "ghi_chu")
    assert "không có trong định dạng" in issue.message


def test_missing_required_column_is_reported_once() -> None:
    header, data = table(HEAD, CHILD)
    i = header.index("hamlet")
    result = parse_roll(header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in data], year=YEAR)
    assert [(e.row, e.column) for e in result.errors] == [(1, "hamlet")]


def test_duplicate_column_is_an_error() -> None:
    header, data = table(HEAD)
    result = parse_roll([*header, "Họ và tên"], [[*data[0], "X"]], year=YEAR)
    assert [e.column for e in result.errors] == ["Họ và tên"]


@pytest.mark.parametrize(
    "labels",
    [
        ["Số phiếu", "Thôn/tổ", "Diện cư trú", "Họ và tên", "Ngày sinh", "Giới tính",
         "Quan hệ với chủ hộ"],
        ["SO PHIEU", "thon/to", "dien cu tru", "ho va ten", "Ngay Sinh", "gioi tinh",
         "quan he voi chu ho"],
        ["Household Code", "HAMLET", "residence-type", "full_name", "birth date", "Sex",
         "relation"],
    ],
)  # fmt: skip
def test_alias_headers_with_and_without_diacritics(labels: list[str]) -> None:
    row = ["H1", "Thôn 1", "Thường trú", "Lê Văn C", "02/03/1990", "nam", "Chủ hộ"]
    result = parse_roll(labels, [row], year=YEAR)
    assert result.errors == []
    person = result.households[0].members[0]
    assert (person.residence_type, person.sex, person.relation) == ("thuong_tru", "M", "chu_ho")
    assert person.birth_date == dt.date(1990, 3, 2)


def test_data_under_a_blank_header_is_an_error_and_blank_rows_are_skipped() -> None:
    header, data = table(HEAD)
    result = parse_roll([*header, ""], [[*data[0], "lạc"], [""] * (len(header) + 1)], year=YEAR)
    assert [(e.row, e.column) for e in result.errors] == [(2, "")]
    assert result.persons == 1


# -- values --------------------------------------------------------------------------------------


def test_required_value_missing() -> None:
    result = parse({**HEAD, "full_name": ""})
    assert [(e.row, e.column) for e in result.errors] == [(2, "full_name")]


@pytest.mark.parametrize(
    ("text", "date", "year"),
    [("2016-03-02", dt.date(2016, 3, 2), 2016), ("2/3/2016", dt.date(2016, 3, 2), 2016),
     ("02/03/2016", dt.date(2016, 3, 2), 2016), ("2016", None, 2016)],
)  # fmt: skip
def test_birth_date_formats(text: str, date: dt.date | None, year: int) -> None:
    result = parse(HEAD, {**CHILD, "birth_date": text})
    assert result.errors == []
    child = result.households[0].members[1]
    assert (child.birth_date, child.birth_year) == (date, year)


@pytest.mark.parametrize("text", ["2016/03/02", "31/02/2016", "03-02-2016", "1850", "abc"])
def test_bad_birth_date_is_an_error(text: str) -> None:
    result = parse(HEAD, {**CHILD, "birth_date": text})
    assert [(e.row, e.column) for e in result.errors] == [(3, "birth_date")]
    assert result.errors[0].message.startswith("Ngày sinh: ")


def test_sex_values() -> None:
    result = parse(HEAD, {**CHILD, "sex": "Nữ"}, {**CHILD, "full_name": "B", "sex": "nu"})
    assert [p.sex for p in result.households[0].members] == ["M", "F", "F"]
    bad = parse({**HEAD, "sex": "x"})
    assert [e.column for e in bad.errors] == ["sex"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("residence_type", "tạm vắng"), ("disability", "có"), ("movement", "đi xa"),
     ("enrolled_level", "ĐH")],
)  # fmt: skip
def test_unknown_codes_are_errors(column: str, value: str) -> None:
    result = parse(HEAD, {**CHILD, column: value, "movement_date": "2025-01-01"})
    assert column in [e.column for e in result.errors]


def test_code_spellings_are_normalised() -> None:
    child = {**CHILD, "residence_type": "Tạm trú", "disability": "Able"}
    child |= {
        "movement": "Chuyển đến",
        "movement_date": "01/02/2025",
        "enrolled_level": "gdtx_thcs",
    }
    child |= {"enrolled_grade": "06", "birth_date": "2013"}
    result = parse(HEAD, child)
    assert result.errors == []
    p = result.households[0].members[1]
    assert (p.residence_type, p.disability, p.movement) == ("tam_tru", "able", "moved_in")
    assert (p.enrolled_level, p.enrolled_grade) == ("GDTX_THCS", "6")
    assert p.movement_date == dt.date(2025, 2, 1)


# -- errors of roll-format.md ---------------------------------------------------------------


def test_birth_date_in_the_future_is_an_error() -> None:
    ok = parse(
        HEAD, {**CHILD, "birth_date": "30/09/2025", "enrolled_level": "", "enrolled_grade": ""}
    )
    assert ok.errors == []
    result = parse(
        HEAD, {**CHILD, "birth_date": "2025-10-01", "enrolled_level": "", "enrolled_grade": ""}
    )
    [issue] = result.errors
    assert issue.column == "birth_date"
    assert issue.message == "Ngày sinh: ngày trong tương lai (01/10/2025)"


def test_year_in_the_future_is_an_error() -> None:
    result = parse({**HEAD, "thpt_graduated_year": "2026"})
    assert [e.column for e in result.errors] == ["thpt_graduated_year"]
    assert "tương lai" in result.errors[0].message


def test_completion_year_before_birth_plus_four_is_an_error() -> None:
    ok = parse({**HEAD, "mn_completed_year": "1984"})
    assert ok.errors == []
    result = parse({**HEAD, "mn_completed_year": "1983"})
    assert [e.column for e in result.errors] == ["mn_completed_year"]
    assert "năm sinh + 4" in result.errors[0].message


@pytest.mark.parametrize(
    ("level", "grade"),
    [("TH", "7"), ("THCS", "5"), ("THPT", "9"), ("MN", "2"), ("XMC", "3"), ("GDNN", "1"),
     ("TH", ""), ("", "4")],
)  # fmt: skip
def test_grade_not_existing_for_level_is_an_error(level: str, grade: str) -> None:
    result = parse(HEAD, {**CHILD, "enrolled_level": level, "enrolled_grade": grade})
    assert [e.column for e in result.errors] == ["enrolled_grade"]


def test_missing_head_is_an_error() -> None:
    result = parse({**HEAD, "relation": "vợ"}, CHILD)
    [issue] = result.errors
    assert (issue.row, issue.column) == (2, "relation")
    assert "không có chủ hộ" in issue.message


def test_two_heads_is_an_error() -> None:
    result = parse(HEAD, {**CHILD, "relation": "Chủ hộ"})
    [issue] = result.errors
    assert (issue.row, issue.column) == (3, "relation")
    assert "hai chủ hộ" in issue.message


def test_same_person_twice_in_a_household_is_an_error() -> None:
    result = parse(HEAD, CHILD, {**CHILD, "full_name": "nguyễn  thị bình"})
    [issue] = result.errors
    assert (issue.row, issue.column) == (4, "full_name")
    assert "dòng 3" in issue.message


def test_names_differing_only_by_diacritics_are_two_people() -> None:
    result = parse(
        HEAD, {**CHILD, "full_name": "Lê Văn Hùng"}, {**CHILD, "full_name": "Lê Văn Hưng"}
    )
    assert result.errors == []


def test_unknown_school_code_is_an_error_only_with_a_registry() -> None:
    child = {**CHILD, "school_code": "79000999"}
    assert parse(HEAD, child).errors == []
    assert parse(HEAD, child, schools={"79000999"}).errors == []
    result = parse(HEAD, child, schools={"79000701"})
    assert [(e.row, e.column) for e in result.errors] == [(3, "school_code")]


def test_movement_without_date_is_an_error() -> None:
    result = parse(HEAD, {**CHILD, "movement": "moved_out"})
    assert [(e.row, e.column) for e in result.errors] == [(3, "movement_date")]


def test_movement_date_after_the_data_period_is_an_error() -> None:
    result = parse(HEAD, {**CHILD, "movement": "moved_out", "movement_date": "2025-10-02"})
    assert [e.column for e in result.errors] == ["movement_date"]


def test_household_rows_must_agree_on_hamlet() -> None:
    result = parse(HEAD, {**CHILD, "hamlet": "Thôn 2"})
    assert [(e.row, e.column) for e in result.errors] == [(3, "hamlet")]
    same = parse(HEAD, {**CHILD, "hamlet": "thon  1"})
    assert same.errors == []


def test_personal_id_must_have_twelve_digits() -> None:
    result = parse({**HEAD, "personal_id": "01080012345"})
    [issue] = result.errors
    assert issue.column == "personal_id" and "12 chữ số" in issue.message


# -- warnings of roll-format.md -------------------------------------------------------------


def test_clean_file_values_give_no_warning_at_the_limits() -> None:
    late3 = {**CHILD, "birth_date": "2013-01-01"}  # age 12 in grade 4: 3 years late
    assert parse(HEAD, late3).warnings == []


def test_grade_more_than_three_years_late_is_a_warning() -> None:
    result = parse(HEAD, {**CHILD, "birth_date": "2012-01-01"})  # age 13 in grade 4
    [issue] = result.warnings
    assert issue.column == "enrolled_grade" and "muộn 4 năm" in issue.message
    assert result.errors == []


def test_grade_early_is_a_warning() -> None:
    result = parse(HEAD, {**CHILD, "birth_date": "2017-01-01"})  # age 8 in grade 4
    [issue] = result.warnings
    assert issue.column == "enrolled_grade" and "sớm 1 năm" in issue.message


def test_preschool_group_is_checked_against_age() -> None:
    child = {**CHILD, "enrolled_level": "MN", "enrolled_grade": "5", "birth_date": "2021"}
    result = parse(HEAD, child)  # age 4 in the 5-year-old group
    assert [w.column for w in result.warnings] == ["enrolled_grade"]
    assert parse(HEAD, {**child, "birth_date": "2020"}).warnings == []


def test_enrolment_with_dropout_in_the_same_year_is_a_warning() -> None:
    child = {**CHILD, "dropout_grade": "3", "dropout_year": "2025"}
    result = parse(HEAD, child)
    assert [w.column for w in result.warnings] == ["dropout_year"]
    assert parse(HEAD, {**child, "dropout_year": "2024"}).warnings == []


def test_movement_date_before_the_data_period_is_a_warning() -> None:
    child = {**CHILD, "movement": "moved_in", "movement_date": "2024-09-30"}
    result = parse(HEAD, child)
    [issue] = result.warnings
    assert issue.column == "movement_date" and "ngoài kỳ số liệu" in issue.message
    assert parse(HEAD, {**child, "movement_date": "2024-10-01"}).warnings == []


def test_ethnicity_outside_the_54_groups_is_a_warning() -> None:
    result = parse(
        HEAD, {**CHILD, "ethnicity": "Tay"}, {**CHILD, "full_name": "C", "ethnicity": "Kinh"}
    )
    assert result.warnings == []
    assert [p.ethnicity for p in result.households[0].members] == ["", "Tày", ""]
    bad = parse(HEAD, {**CHILD, "ethnicity": "Việt kiều"})
    assert [w.column for w in bad.warnings] == ["ethnicity"]


@pytest.mark.parametrize(
    ("pid", "sex", "birth", "warnings"),
    [("001080012345", "M", "1980-05-02", 0), ("001180012345", "F", "1980-05-02", 0),
     ("001216012345", "M", "2016", 0), ("001316012345", "F", "2016", 0),
     ("001180012345", "M", "1980-05-02", 1), ("001081012345", "M", "1980-05-02", 1),
     ("001280012345", "M", "1980-05-02", 1), ("001216012345", "F", "2016", 1)],
)  # fmt: skip
def test_personal_id_disagreeing_with_sex_or_birth_year_is_a_warning(
    pid: str, sex: str, birth: str, warnings: int
) -> None:
    result = parse({**HEAD, "personal_id": pid, "sex": sex, "birth_date": birth})
    assert result.errors == []
    assert len(only(result.warnings, "personal_id")) == warnings


def test_same_personal_id_in_two_households_is_a_warning() -> None:
    other = {**HEAD, "household_code": "H2", "full_name": "Trần Văn D"}
    result = parse(
        {**HEAD, "personal_id": "001080012345"}, {**other, "personal_id": "001080012345"}
    )
    [issue] = result.warnings
    assert (issue.row, issue.column) == (3, "personal_id") and "hộ H1" in issue.message


def test_different_address_in_a_household_is_a_warning() -> None:
    result = parse({**HEAD, "address": "Số 1"}, {**CHILD, "address": "Số 2"})
    assert [(w.row, w.column) for w in result.warnings] == [(3, "address")]
    assert parse({**HEAD, "address": "Số 1"}, CHILD).warnings == []


# -- grouping and output -------------------------------------------------------------------------


def test_households_keep_file_order_when_rows_interleave() -> None:
    h2 = {**HEAD, "household_code": "H2", "full_name": "Trần Văn D"}
    result = parse(HEAD, h2, CHILD)
    assert [h.household_code for h in result.households] == ["H1", "H2"]
    assert [p.source_row for p in result.households[0].members] == [2, 4]


def test_issue_json_shape_and_result_summary() -> None:
    result = parse({**HEAD, "sex": "?"})
    assert result.errors[0].to_json() == {
        "row": 2,
        "column": "sex",
        "message": "Giới tính: giá trị không hợp lệ “?” (cho phép: M, F, nam, nữ)",
    }
    summary = result.to_json()
    assert (summary["households"], summary["persons"], len(summary["errors"])) == (1, 1, 1)


def test_extra_consistency_warnings() -> None:
    result = parse(
        {**HEAD, "movement_date": "2025-01-01"},
        {**CHILD, "dropout_grade": "2", "enrolled_level": "", "enrolled_grade": ""},
        {**CHILD, "full_name": "C", "mn_completed_year": "2022", "mn_group_completed": "4"},
    )
    assert result.errors == []
    assert [(w.row, w.column) for w in result.warnings] == [
        (2, "movement_date"),
        (3, "dropout_year"),
        (4, "mn_group_completed"),
    ]


def test_short_rows_are_padded() -> None:
    header, data = table(HEAD)
    cut = header.index("relation") + 1
    result = parse_roll(header, [data[0][:cut]], year=YEAR)
    assert result.errors == [] and result.households[0].members[0].relation == "chu_ho"


@pytest.mark.parametrize(
    ("other", "flagged"),
    [
        ({"birth_date": "2016"}, True),  # the year only: compatible with the dated row
        ({"full_name": "nguyen thi binh"}, True),  # typed without diacritics
        ({"full_name": "Nguyễn Thị Bính"}, False),  # a tone mark makes another name
        ({"birth_date": "2016-03-03"}, False),  # another birth date
    ],
)
def test_same_person_twice_in_a_household(other: dict[str, str], flagged: bool) -> None:
    """The upload check uses the one same-person rule (surveys.roll.identity)."""
    result = parse(HEAD, CHILD, {**CHILD, **other})
    issues = [i for i in only(result.errors, "full_name") if "trùng người" in i.message]
    assert bool(issues) is flagged
    if flagged:
        assert issues[0].row == 4 and "dòng 3" in issues[0].message
