"""Registry imports: every rule, dry run, all-or-nothing, idempotence, scope (province 15)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from pcgd import db
from pcgd.registry.importer import import_file
from pcgd.units import service as units
from tests.integration.test_registry_support import YEAR, commune_id, run_import

A = "04711"  # Xã Nghĩa Tâm, tỉnh Lào Cai (15)
B = "04714"  # Xã Yên Bình, tỉnh Lào Cai
SCHOOLS = [
    ["Mã trường", "Tên trường", "Cấp học", "Loại hình", "Điểm lẻ", "Dạy 2 buổi/ngày"],
    ["T15A-MN", "Trường Mầm non Nghĩa Tâm", "Mầm non", "Công lập", "2", "x"],
    ["T15A-TH", "Trường Tiểu học Nghĩa Tâm", "TH", "công lập", "1", "có"],
    ["T15A-LC", "Trường TH&THCS Nghĩa Tâm", "TH, THCS", "tư thục", "", ""],
]


async def count(sql: str, *args: object) -> int:
    return int(await db.pool().fetchval(sql, *args))


@pytest.fixture(scope="module")
async def schools(database: str) -> dict[str, int]:
    result = await run_import("schools", SCHOOLS, A)
    assert result.ok, result.errors
    rows = await db.pool().fetch("SELECT code, id FROM school WHERE code LIKE 'T15A-%'")
    return {r["code"]: r["id"] for r in rows}


async def test_schools_are_created_with_their_columns_and_reimport_changes_nothing(
    schools: dict[str, int],
) -> None:
    row = await db.pool().fetchrow(
        "SELECT levels, public, satellite_sites, two_sessions, commune FROM school"
        " WHERE code = 'T15A-LC'"
    )
    assert row["levels"] == ["TH", "THCS"] and row["public"] is False
    assert row["commune"] == await commune_id(A)
    mn = await db.pool().fetchrow("SELECT satellite_sites, two_sessions FROM school"
                                  " WHERE code = 'T15A-MN'")
    assert (mn["satellite_sites"], mn["two_sessions"]) == (2, True)
    again = await run_import("schools", SCHOOLS, A)
    assert again.ok and (again.inserted, again.updated) == (0, 0)


async def test_school_errors_write_nothing(schools: dict[str, int]) -> None:
    rows = [
        ["school_code", "name", "levels", "commune_code"],
        ["T15A-NEW", "Trường mới", "TH", ""],
        ["T15A-NEW", "Trùng mã", "TH", ""],  # duplicate code
        ["T15A-BAD", "Cấp sai", "Đại học", ""],  # unknown level
        ["T15A-OTH", "Xã khác", "TH", B],  # another commune than --commune
    ]
    result = await run_import("schools", rows, A)
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "school_code"), (4, "levels"), (5, "commune_code"),
    }
    assert await count("SELECT count(*) FROM school WHERE code = 'T15A-NEW'") == 0


async def test_unknown_and_missing_columns_are_header_errors(database: str) -> None:
    result = await run_import("schools", [["Mã trường", "Ghi chú"], ["X", "y"]], A)
    columns = {e.column for e in result.errors}
    assert "Ghi chú" in columns and "name" in columns and "levels" in columns
    assert all(e.row == 1 for e in result.errors)


async def test_province_import_needs_a_commune_of_the_province(database: str) -> None:
    rows = [
        ["Mã trường", "Tên trường", "Cấp học", "Mã xã"],
        ["T15P-1", "Trường THCS Yên Bình", "THCS", B],
        ["T15P-2", "Không có xã", "TH", ""],
        ["T15P-3", "Xã Huế", "TH", "20131"],  # a commune of province 46
    ]
    result = await run_import("schools", rows, "15")
    assert [(e.row, e.column) for e in result.errors] == [(3, "commune_code"), (4, "commune_code")]
    ok = await run_import("schools", rows[:2], "15")
    assert ok.ok and ok.inserted == 1
    assert await db.pool().fetchval("SELECT commune FROM school WHERE code = 'T15P-1'") == (
        await commune_id(B)
    )


async def test_dry_run_reports_but_writes_nothing(schools: dict[str, int]) -> None:
    rows = [["Mã trường", "Tên lớp", "Khối"], ["T15A-TH", "1A", "1"], ["T15A-TH", "1B", "Lớp 1"]]
    result = await run_import("classes", rows, A, dry_run=True)
    assert result.ok and result.dry_run and result.rows == 2
    assert await count("SELECT count(*) FROM school_class WHERE school = $1",
                       schools["T15A-TH"]) == 0


async def test_classes_level_grade_rules_and_replacement(schools: dict[str, int]) -> None:
    header = ["Mã trường", "Tên lớp", "Cấp học", "Khối", "Lớp ghép", "Phòng học",
              "Đủ thiết bị tối thiểu"]
    bad = [
        header,
        ["T15A-LC", "6A", "", "6", "", "P1", ""],  # level inferred: THCS
        ["T15A-LC", "5A", "", "5", "", "P2", ""],  # level inferred: TH
        ["T15A-LC", "6A", "", "6", "", "P3", ""],  # duplicate class name
        ["T15A-TH", "3A", "TH", "7", "", "P1", ""],  # grade 7 is not primary
        ["T15A-MN", "Lá 1", "", "5 tuổi", "có", "P1", "x"],
        ["T15A-MN", "Lá 2", "", "5", "", "P2", "nhiều"],  # not a yes/no
        ["T15B-XX", "1A", "", "1", "", "", ""],  # unknown school
    ]
    result = await run_import("classes", bad, A)
    assert {(e.row, e.column) for e in result.errors} == {
        (4, "class_name"), (5, "grade"), (7, "min_equipment"), (8, "school_code"),
    }
    assert await count("SELECT count(*) FROM school_class c JOIN school s ON s.id = c.school"
                       " WHERE s.code LIKE 'T15A-%'") == 0
    good = [bad[0], bad[1], bad[2], bad[5], ["T15A-MN", "Lá 2", "", "MG5", "", "P2", ""]]
    first = await run_import("classes", good, A)
    assert first.ok and first.inserted == 4
    levels = dict(await db.pool().fetch(
        "SELECT name, level || ':' || grade FROM school_class WHERE school = $1",
        schools["T15A-LC"]))
    assert levels == {"6A": "THCS:6", "5A": "TH:5"}
    again = await run_import("classes", good, A)
    assert again.ok and again.inserted == 0 and again.unchanged_schools == 2
    shorter = await run_import("classes", good[:2], A)  # LC's list now has 6A only
    assert shorter.deleted == 2 and shorter.inserted == 1
    assert await count("SELECT count(*) FROM school_class WHERE school = $1",
                       schools["T15A-LC"]) == 1
    assert await count("SELECT count(*) FROM school_class WHERE school = $1",
                       schools["T15A-MN"]) == 2  # schools not in the file are untouched


async def test_teachers_training_standard_is_derived_or_read(schools: dict[str, int]) -> None:
    rows = [
        ["Mã trường", "Họ và tên", "Chức vụ", "Trình độ đào tạo", "Đạt chuẩn", "Hình thức",
         "Xếp loại chuẩn nghề nghiệp", "Lớp phụ trách"],
        ["T15A-MN", "Lê Thị Hoa", "Giáo viên", "Cao đẳng", "", "Biên chế", "Khá", "Lá 1"],
        ["T15A-TH", "Phạm Thị Lan", "GV", "Cao đẳng", "", "Hợp đồng", "Tốt", "1A"],
        ["T15A-TH", "Ngô Văn Nam", "giáo viên", "Trung cấp", "x", "", "", ""],
        ["T15A-TH", "Vũ Văn Hải", "Hiệu trưởng", "Thạc sĩ", "", "", "", ""],
    ]
    result = await run_import("teachers", rows, A)
    assert result.ok, result.errors
    got = dict(await db.pool().fetch(
        "SELECT full_name, meets_standard FROM school_staff t JOIN school s ON s.id = t.school"
        " WHERE s.code LIKE 'T15A-%'"))
    # Luật GD 2019 Đ72: college suffices in preschool, primary needs a bachelor's degree.
    assert got == {"Lê Thị Hoa": True, "Phạm Thị Lan": False, "Ngô Văn Nam": True,
                   "Vũ Văn Hải": True}
    missing = await run_import("teachers", [rows[0], ["T15A-TH", "A B", "GV", "", "", "", "",
                                                      ""]], A)
    assert [(e.row, e.column) for e in missing.errors] == [(2, "qualification")]
    bad_role = await run_import("teachers", [rows[0], ["T15A-TH", "A B", "Bảo vệ", "Đại học",
                                                       "", "", "", ""]], A)
    assert [(e.row, e.column) for e in bad_role.errors] == [(2, "role")]


async def test_facilities_types_counts_and_duplicates(schools: dict[str, int]) -> None:
    rows = [
        ["Mã trường", "Loại phòng", "Số lượng", "Diện tích"],
        ["T15A-TH", "Kiên cố", "8", "430,5"],
        ["T15A-TH", "Phòng học tạm", "2", ""],
        ["T15A-TH", "Phòng học kiên cố", "1", ""],  # same type again
        ["T15A-TH", "Nhà kho", "1", ""],  # unknown type
        ["T15A-TH", "Thư viện", "-1", ""],  # negative count
    ]
    result = await run_import("facilities", rows, A)
    assert {(e.row, e.column) for e in result.errors} == {
        (4, "room_type"), (5, "room_type"), (6, "count"),
    }
    ok = await run_import("facilities", rows[:3], A)
    assert ok.ok and ok.inserted == 2
    area = await db.pool().fetchval(
        "SELECT area::float8 FROM school_facility WHERE school = $1 AND room_type ="
        " 'classroom_solid'", schools["T15A-TH"])
    assert area == 430.5


async def test_learners_rules_and_xlsx(schools: dict[str, int]) -> None:
    classes = [["Mã trường", "Tên lớp", "Khối"], ["T15A-TH", "2A", "2"], ["T15A-TH", "5A", "5"]]
    assert (await run_import("classes", classes, A)).ok
    header = ["Mã trường", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Lớp", "Khối",
              "Hoàn thành/Tốt nghiệp", "Mã xã cư trú"]
    rows = [
        header,
        ["T15A-TH", "Đỗ Minh An", "03/02/2018", "Nam", "015218000001", "2A", "", "", A],
        ["T15A-TH", "Lý Thu Hà", "2014-05-09", "nữ", "", "5A", "", "Hoàn thành", ""],
        ["T15A-TH", "Sai Số", "01/01/2018", "M", "12345", "2A", "", "", ""],  # not 12 digits
        ["T15A-TH", "Trùng Số", "01/01/2018", "M", "015218000001", "2A", "", "", ""],
        ["T15A-TH", "Không Ngày", "", "F", "", "2A", "", "", ""],  # birth date required
        ["T15A-TH", "Xã Lạ", "01/01/2018", "F", "", "2A", "", "", "99999"],  # unknown commune
        ["T15A-TH", "Tương Lai", "01/01/2031", "F", "", "2A", "", "", ""],  # future
        ["T15A-TH", "Không Lớp", "01/01/2018", "F", "", "", "", "", ""],  # no class, no grade
    ]
    result = await run_import("learners", rows, A)
    assert {(e.row, e.column) for e in result.errors} == {
        (4, "personal_id"), (5, "personal_id"), (6, "birth_date"), (7, "home_commune"),
        (8, "birth_date"), (9, "grade"),
    }
    assert await count("SELECT count(*) FROM learner WHERE school = $1", schools["T15A-TH"]) == 0
    book = openpyxl.Workbook()
    for r in rows[:3]:
        book.active.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    unit = await units.resolve(A, YEAR, kind="commune")
    ok = await import_file("learners", buffer.getvalue(), "hocsinh.xlsx", unit=unit, year=YEAR)
    assert ok.ok and ok.inserted == 2, ok.errors
    got = {r["full_name"]: r for r in await db.pool().fetch(
        "SELECT full_name, level, grade, completed, home_commune, personal_id, name_key"
        " FROM learner WHERE school = $1 AND year = $2", schools["T15A-TH"], YEAR)}
    assert (got["Đỗ Minh An"]["level"], got["Đỗ Minh An"]["grade"]) == ("TH", "2")
    assert got["Đỗ Minh An"]["home_commune"] == await commune_id(A)
    assert got["Lý Thu Hà"]["completed"] is True and got["Lý Thu Hà"]["personal_id"] is None
    assert got["Lý Thu Hà"]["name_key"] == "ly thu ha"
    audit = await count("SELECT count(*) FROM audit_entry WHERE action = 'registry.import'"
                        " AND entity = 'learners' AND entity_id = $1", A)
    assert audit == 1


async def test_rows_of_a_school_outside_the_unit_are_refused(schools: dict[str, int]) -> None:
    rows = [["Mã trường", "Tên lớp", "Khối"], ["T15A-TH", "4A", "4"]]
    result = await run_import("classes", rows, B)
    assert [(e.row, e.column) for e in result.errors] == [(2, "school_code")]
    take_over = await run_import(
        "schools", [["Mã trường", "Tên trường", "Cấp học"], ["T15A-TH", "Chiếm", "TH"]], B
    )
    assert [(e.row, e.column) for e in take_over.errors] == [(2, "school_code")]


@pytest.mark.slow
async def test_cli_import_json_and_exit_codes(database: str, tmp_path) -> None:
    import asyncio
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DATABASE_URL": database}
    pcgd = str(Path(sys.executable).with_name("pcgd"))
    bad = tmp_path / "truong.csv"
    bad.write_text("Mã trường,Tên trường,Cấp học\nT15CLI-1,Trường thử,TH\nT15CLI-2,,TH\n",
                   encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pcgd, "registry", "import", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    done = await asyncio.to_thread(run, "schools", str(bad), "--commune", B, "--year",
                                   str(YEAR), "--json")
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert json.loads(done.stdout)["errors"] == [
        {"row": 3, "column": "name", "message": "Tên trường: bắt buộc"}]
    assert await count("SELECT count(*) FROM school WHERE code LIKE 'T15CLI-%'") == 0
    good = tmp_path / "truong.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Mã trường", "Tên trường", "Cấp học"])
    book.active.append(["T15CLI-1", "Trường thử", "TH"])
    book.save(good)
    done = await asyncio.to_thread(run, "schools", str(good), "--commune", B, "--year",
                                   str(YEAR), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["inserted"] == 1
    missing = await asyncio.to_thread(run, "schools", str(good), "--year", str(YEAR))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
