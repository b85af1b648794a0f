"""Stored lengths and household versions in the roll formats (issue 9, defects 4 and 7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import openpyxl

from pcgd.common.vn import fmt_date
from surveys.roll import (
    parse_file,
    parse_roll,
    read_table,
    write_mau_nhap_lieu,
    write_roll,
    write_roll_vi,
)
from surveys.roll.fields import COLUMN_NAMES, LABELS, MAX_LENGTHS
from surveys.roll.mau_nhap_lieu import VERSION_DEFAULT, parse_mau_nhap_lieu
from surveys.roll.model import RollHousehold
from surveys.roll.validate import parse_roll_rows
from surveys.tables import Household, Person
from tests.unit.test_roll_io import YEAR, sample, sample_households


def with_versions(households: list[RollHousehold], first: int = 3) -> list[RollHousehold]:
    out = []
    for n, h in enumerate(households):
        version = first + n
        members = [msgspec.structs.replace(p, household_version=version) for p in h.members]
        out.append(RollHousehold(h.household_code, h.hamlet, h.address, members, version))
    return out


def test_lengths_come_from_the_table_definitions() -> None:
    assert MAX_LENGTHS["full_name"] == Person.full_name._meta.params["length"] == 200
    assert MAX_LENGTHS["address"] == Household.address._meta.params["length"]
    assert MAX_LENGTHS["household_code"] == Household.household_code._meta.params["length"]


def test_text_longer_than_its_column_is_an_error_at_the_limit_not() -> None:
    limit = MAX_LENGTHS["full_name"]
    member = {"birth_date": "1990", "sex": "F", "relation": "chu_ho",
              "residence_type": "thuong_tru"}
    ok = parse_roll_rows([{**member, "full_name": "A" * limit}], year=YEAR,
                         household={"household_code": "X-1", "hamlet": "Thôn 1"})
    assert ok.ok
    bad = parse_roll_rows([{**member, "full_name": "A" * (limit + 1),
                            "mother_name": "B" * 450}], year=YEAR,
                          household={"household_code": "X" * 65, "hamlet": "Thôn 1"})
    found = {(i.row, i.column): i.message for i in bad.issues if i.severity == "error"}
    assert found == {
        (0, "full_name"): "Họ và tên: dài 201 ký tự, tối đa 200 ký tự",
        (0, "mother_name"): "Họ tên mẹ: dài 450 ký tự, tối đa 200 ký tự",
        (0, "household_code"): "Số phiếu: dài 65 ký tự, tối đa 64 ký tự",
    }
    header, rows = sample()
    rows[1][header.index("address")] = "đường " * 60
    result = parse_roll(header, rows, year=YEAR)
    assert [(e.row, e.column) for e in result.errors] == [(3, "address")]


def test_versions_round_trip_in_the_roll_formats(tmp_path: Path) -> None:
    households = with_versions(sample_households())
    for name in ("roll.csv", "roll.xlsx"):
        path = tmp_path / name
        write_roll(households, path)
        header, rows = read_table(path, name)
        assert header[-1] == "household_version" and {r[-1] for r in rows} == {"3", "4"}
        again = parse_roll(header, rows, year=YEAR).households
        assert [h.version for h in again] == [3, 4] and again == households
    old = tmp_path / "old.csv"  # a file of before the column: still imports, no versions
    write_roll(sample_households(), old)
    header, rows = read_table(old, "old.csv")
    stripped = parse_roll(header[:-1], [r[:-1] for r in rows], year=YEAR)
    assert stripped.errors == [] and [h.version for h in stripped.households] == [None, None]


def test_rows_of_one_household_must_agree_on_the_version() -> None:
    header, rows = sample()
    at = header.index("household_version")
    rows[0][at], rows[1][at], rows[2][at] = "2", "2", "5"
    rows[3][at] = "abc"
    errors = [(e.row, e.column) for e in parse_roll(header, rows, year=YEAR).errors]
    assert (4, "household_version") in errors and (5, "household_version") in errors


def test_vietnamese_workbook_reads_back_unchanged(tmp_path: Path) -> None:
    households = with_versions(sample_households())
    path = tmp_path / "danh-sach-ho.xlsx"
    write_roll_vi(households, path)
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[1]] == [LABELS[c] for c in COLUMN_NAMES]
    row = {LABELS[c]: cell.value for c, cell in zip(COLUMN_NAMES, ws[2], strict=True)}
    assert row["Diện cư trú"] == "Thường trú" and row["Quan hệ với chủ hộ"] == "Chủ hộ"
    assert row["Giới tính"] == "Nam" and row["Dân tộc"] == "Kinh"
    assert row["Ngày sinh"] == dt.datetime(1980, 5, 2)
    assert ws.cell(row=2, column=COLUMN_NAMES.index("birth_date") + 1).number_format == (
        "dd/mm/yyyy")
    again = parse_file(path, path.name, year=YEAR).result
    assert again.errors == [] and again.households == households
    assert [h.version for h in again.households] == [3, 4]


def test_official_workbook_keeps_the_version_in_column_ba(tmp_path: Path) -> None:
    households = with_versions(sample_households(), first=7)
    path = tmp_path / "MauNhapLieu.xlsx"
    write_mau_nhap_lieu(households, path)
    ws = openpyxl.load_workbook(path)["MauNhapLieu"]
    assert ws.cell(row=2, column=VERSION_DEFAULT + 1).value == "Phiên bản hộ"
    assert ws.cell(row=5, column=VERSION_DEFAULT + 1).value == 7
    again = parse_mau_nhap_lieu(path, year=YEAR)
    assert [h.version for h in again.households] == [7, 8]


def test_times_are_shown_in_vietnam_time() -> None:
    utc = dt.datetime(2025, 10, 3, 20, 5, tzinfo=dt.UTC)
    assert fmt_date(utc) == "04/10/2025 03:05"
