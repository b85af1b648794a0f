"""The web form's household check: the file rules, keyed by (member index, field)."""

from __future__ import annotations

import datetime as dt

import msgspec

from surveys.roll.validate import parse_roll_rows

HOUSEHOLD = {"household_code": "H1", "hamlet": "Thôn 1", "address": "Số 5"}
HEAD = {
    "full_name": "Nguyễn Văn An",
    "birth_date": dt.date(1980, 5, 2),
    "sex": "M",
    "relation": "chu_ho",
    "residence_type": "thuong_tru",
}
CHILD = {**HEAD, "full_name": "Nguyễn Thị Bình", "birth_date": "2016", "sex": "F"}
CHILD |= {"relation": "con", "enrolled_level": "TH", "enrolled_grade": 4}


def test_valid_household_from_member_dicts() -> None:
    check = parse_roll_rows([HEAD, CHILD], year=2025, household=HOUSEHOLD)
    assert check.ok and check.errors == {} and check.warnings == {}
    assert check.household is not None
    assert check.household.address == "Số 5"
    assert [p.birth_year for p in check.household.members] == [1980, 2016]
    assert check.household.members[1].enrolled_grade == "4"


def test_field_errors_are_keyed_by_member_index_and_field() -> None:
    bad = {**CHILD, "birth_date": "2030-01-01", "enrolled_grade": 9}
    check = parse_roll_rows([HEAD, bad], year=2025, household=HOUSEHOLD)
    assert not check.ok
    assert set(check.errors) == {(1, "birth_date"), (1, "enrolled_grade")}
    assert check.errors[(1, "birth_date")] == ["Ngày sinh: ngày trong tương lai (01/01/2030)"]


def test_household_rules_apply_to_the_form() -> None:
    check = parse_roll_rows([{**HEAD, "relation": "vợ"}, CHILD], year=2025, household=HOUSEHOLD)
    assert list(check.errors) == [(0, "relation")]


def test_unknown_field_and_empty_household() -> None:
    check = parse_roll_rows([{**HEAD, "nickname": "Tí"}], year=2025, household=HOUSEHOLD)
    assert (0, "nickname") in check.errors
    empty = parse_roll_rows([], year=2025, household=HOUSEHOLD)
    assert (-1, "") in empty.errors and empty.household is None


def test_personal_id_used_by_another_household_is_a_warning() -> None:
    head = {**HEAD, "personal_id": "001080012345"}
    check = parse_roll_rows(
        [head], year=2025, household=HOUSEHOLD, other_personal_ids={"001080012345": "H9"}
    )
    assert check.ok
    assert check.warnings[(0, "personal_id")] == ["Số định danh: 001080012345 đã có ở hộ H9"]
    same = parse_roll_rows(
        [head], year=2025, household=HOUSEHOLD, other_personal_ids={"001080012345": "H1"}
    )
    assert same.warnings == {}


def test_members_naming_another_household_code() -> None:
    check = parse_roll_rows(
        [HEAD, {**CHILD, "household_code": "H2"}], year=2025, household=HOUSEHOLD
    )
    assert (1, "household_code") in check.errors


def test_a_serialised_person_can_be_sent_back() -> None:
    check = parse_roll_rows([HEAD, CHILD], year=2025, household=HOUSEHOLD)
    assert check.household is not None
    members = [msgspec.to_builtins(p) for p in check.household.members]
    assert members[1]["birth_date"] is None and members[1]["birth_year"] == 2016
    again = parse_roll_rows(members, year=2025)
    assert again.ok and again.household == check.household
    members[0]["birth_year"] = 1981
    assert (0, "birth_year") in parse_roll_rows(members, year=2025).errors
