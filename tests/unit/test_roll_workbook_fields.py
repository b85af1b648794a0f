"""The official workbook's fields (issue 10): every one through every format, and their rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from surveys.roll import parse_file, parse_roll_rows, write_mau_nhap_lieu, write_roll, write_roll_vi
from surveys.roll.fields import COLUMN_NAMES, FIELD, FIELDS, NEW_FIELDS
from surveys.roll.model import RollHousehold
from tests.unit.test_roll_mau_nhap_lieu import YEAR, households


def _new_values(hh: list[RollHousehold]) -> list[tuple[object, ...]]:
    return [tuple(getattr(p, f) for f in NEW_FIELDS) for h in hh for p in h.members]


def test_the_fixture_sets_every_new_field() -> None:
    values = _new_values(households())
    for i, name in enumerate(NEW_FIELDS):
        assert any(v[i] not in ("", None, False) for v in values), name


@pytest.mark.parametrize("name", ["roll.csv", "roll.xlsx", "roll_vi.xlsx", "MauNhapLieu.xlsx"])
def test_round_trip_keeps_every_new_field(tmp_path: Path, name: str) -> None:
    original = households()
    path = tmp_path / name
    if name.startswith("roll_vi"):
        write_roll_vi(original, path)
    elif name.startswith("Mau"):
        write_mau_nhap_lieu(original, path)
    else:
        write_roll(original, path)
    loaded = parse_file(path, path.name, year=YEAR)
    assert loaded.result.errors == []
    assert _new_values(loaded.result.households) == _new_values(original)
    assert loaded.result.households == original


def test_older_files_without_the_new_columns_still_import(tmp_path: Path) -> None:
    plain = [
        RollHousehold(h.household_code, h.hamlet, h.address,
                      [p.__class__(**{**_fields(p), **_blank_new()}) for p in h.members])
        for h in households()
    ]
    path = tmp_path / "old.csv"
    write_roll(plain, path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    keep = [i for i, c in enumerate(COLUMN_NAMES) if c not in NEW_FIELDS]
    old = "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines)
    assert "disability_types" not in old.splitlines()[0]
    (tmp_path / "old2.csv").write_text(old, encoding="utf-8")
    loaded = parse_file(tmp_path / "old2.csv", "old2.csv", year=YEAR)
    assert loaded.result.errors == []
    assert loaded.result.households == plain


def _fields(p: object) -> dict[str, object]:
    import msgspec

    return msgspec.structs.asdict(p)  # type: ignore[arg-type]


def _blank_new() -> dict[str, object]:
    return {"disability_types": "", "disability_certificate": False, "repeating": False,
            "two_sessions": False, "vn_prep": False, "relapse_level": None, "religion": "",
            "priority_group": "", "phone": ""}


def _member(**values: object) -> dict[str, object]:
    base = {"full_name": "Lò Văn A", "birth_date": "2015-03-04", "sex": "M",
            "relation": "chu_ho", "residence_type": "thuong_tru"}
    return base | values


def _messages(**values: object) -> list[tuple[str, str, str]]:
    check = parse_roll_rows([_member(**values)], year=YEAR,
                            household={"household_code": "H1", "hamlet": "Thôn 1"})
    return [(i.column, i.severity, i.message) for i in check.issues]


def test_rules_in_vietnamese() -> None:
    assert _messages(disability_types="1, 3") == [(
        "disability_types", "error",
        "Dạng khuyết tật: có dạng khuyết tật nhưng cột Khuyết tật để trống (ghi able hoặc unable)",
    )]
    assert _messages(disability="unable", disability_types="vận động; nghe, nói") == []
    assert _messages(disability="able", disability_types="9")[0][2] == (
        "Dạng khuyết tật: giá trị không hợp lệ “9” (cho phép: mobility, hearing_speech, vision, "
        "neuro_mental, intellectual, learning, autism, other hoặc 1–8)"
    )
    assert _messages(disability_certificate="x") == [(
        "disability_certificate", "error",
        "Có chứng nhận khuyết tật: có chứng nhận nhưng cột Khuyết tật để trống",
    )]
    assert _messages(relapse_level="1") == [(
        "relapse_level", "error", "Tái mù chữ mức: chỉ ghi cho người từ 15 tuổi trở lên (tuổi 10)",
    )]
    assert _messages(relapse_level="3")[0][2] == (
        "Tái mù chữ mức: giá trị không hợp lệ “3” (cho phép: 1, 2)"
    )
    assert _messages(repeating="x") == [(
        "repeating", "error",
        "Lưu ban: chỉ ghi cho người đang học một lớp phổ thông (TH, THCS, THPT, GDTX)",
    )]
    assert _messages(repeating="có", enrolled_level="TH", enrolled_grade="5") == []
    assert _messages(two_sessions="x", enrolled_level="THCS", enrolled_grade="6")[0][2] == (
        "Học 2 buổi/ngày: chỉ ghi cho trẻ đang học mầm non hoặc tiểu học"
    )
    assert _messages(vn_prep="x", enrolled_level="TH", enrolled_grade="5")[0][2] == (
        "Được chuẩn bị tiếng Việt: chỉ ghi cho trẻ đang học mầm non"
    )
    assert _messages(two_sessions="ừ")[0][2] == (
        "Học 2 buổi/ngày: giá trị không hợp lệ “ừ” (cho phép: x, có, 1 hoặc để trống)"
    )
    assert _messages(phone="09x")[0][2] == (
        "Điện thoại: số điện thoại không hợp lệ “09x” (8–15 chữ số)"
    )
    assert _messages(phone="+84 912.345.678") == []


def test_flags_accept_the_api_booleans() -> None:
    check = parse_roll_rows([_member(enrolled_level="TH", enrolled_grade="5", repeating=True,
                                     two_sessions=False)], year=YEAR,
                            household={"household_code": "H1", "hamlet": "Thôn 1"})
    assert check.ok and check.household is not None
    p = check.household.members[0]
    assert p.repeating is True and p.two_sessions is False


def test_every_stored_field_is_on_the_form_and_typed() -> None:
    from surveys.pages import MEMBER_COLUMNS

    on_form = {c[0] for c in MEMBER_COLUMNS}
    stored = {f.name for f in FIELDS if f.table in ("person", "person_year")}
    assert stored == on_form
    assert FIELD["disability_certificate"].sql == "boolean"
    assert dataclasses.is_dataclass(FIELD["phone"])


def test_count_columns_are_appended_in_the_migrations_order() -> None:
    """The save function casts rows to commune_age_count in CONDITIONS order: the columns the
    migration appends must be the last ones, in the same order."""
    import importlib

    from surveys.rollup.sql import ADDED_COLUMNS, COLUMNS

    migration = importlib.import_module(
        "surveys.piccolo_migrations.surveys_2026_12_02t17_30_00_000000")
    assert COLUMNS[-len(ADDED_COLUMNS):] == ADDED_COLUMNS == migration.COLUMNS
