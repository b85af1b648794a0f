"""The national MauNhapLieu workbook: reading, the same validation, writing, round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from surveys.roll import (
    RollFileError,
    parse_file,
    parse_mau_nhap_lieu,
    write_annotated,
    write_mau_nhap_lieu,
)
from surveys.roll.annotate import ERROR_FILL
from surveys.roll.mau_nhap_lieu import khoi_hoc, read_mau_nhap_lieu
from surveys.roll.model import RollHousehold, RollPerson

YEAR = 2025
# 0-based columns of entry-template.md
B, C, D, E, F, G, H, I, N, O, P, Q, R, V, W, X, Y, Z, AB = (  # noqa: E741
    1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 27
)  # fmt: skip
AC, AD, AE, AF, AG, AH, AJ, AS, AT, AU, AV, AW = 28, 29, 30, 31, 32, 33, 35, 44, 45, 46, 47, 48


def workbook(path: Path, people: list[dict[int, object]], headers: dict[int, str] | None = None):
    """A minimal MauNhapLieu: 4 header rows (row 2 carries the given headers), data from row 5."""
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("HuongDan").write(0, 0, "not the data sheet")
    ws = wb.add_worksheet("MauNhapLieu")
    ws.write(0, 1, "Thông tin đối tượng")
    ws.write(1, 2, "Họ đệm")
    for col, text in (headers or {}).items():
        ws.write(1, col, text)
    for r, person in enumerate(people, start=4):
        for col, value in person.items():
            ws.write(r, col, value)
    wb.close()
    return path


HEAD: dict[int, object] = {
    B: 1, C: "Nguyễn Văn", D: "An", E: 2, F: 5, G: 1980, I: "Kinh", N: "Thôn 3 - Xã A",
    O: "01_001_00001_3_7", P: "Thường trú", W: "THPT", Y: "1997-1998", AV: "Chủ hộ",
}  # fmt: skip


def member(**cols: object) -> dict[int, object]:
    base: dict[int, object] = {C: "Nguyễn Thị", D: "Bình", G: 2016, O: "01_001_00001_3_7"}
    named = {globals()[k]: v for k, v in cols.items()}
    return base | named


def test_reads_people_into_roll_fields(tmp_path: Path) -> None:
    wife = member(D="Cúc", E=1, F=2, G=1985, H="x", I="Tày", Z="THCN", AB=2005, AV="Vợ")
    wife |= {AJ: "x", AS: "x"}
    child = member(H="X", R=4, V="79000701", AW="Nguyễn Văn An", AV="Con")
    path = workbook(tmp_path / "thon3.xlsx", [HEAD, wife, child])
    result = parse_mau_nhap_lieu(path, "thon3.xlsx", year=YEAR, known_schools={"79000701"})
    assert result.errors == [] and result.warnings == []
    [household] = result.households
    assert (household.household_code, household.hamlet) == ("01_001_00001_3_7", "Thôn 3")
    assert household.address == "Thôn 3 - Xã A"
    head, wife_p, child_p = household.members
    assert (head.full_name, head.birth_date, head.sex, head.ethnicity) == (
        "Nguyễn Văn An",
        dt.date(1980, 5, 2),
        "M",
        "",
    )
    assert (head.relation, head.residence_type, head.source_row) == ("chu_ho", "thuong_tru", 5)
    # THPT recorded (school year 1997-1998 → 1998) implies THCS and TH
    assert (head.thpt_graduated_year, head.thcs_graduated_year, head.th_completed_year) == (
        1998,
        1995,
        1991,
    )
    assert (wife_p.sex, wife_p.ethnicity, wife_p.gdnn_completed_year) == ("F", "Tày", 2005)
    assert (wife_p.disability, wife_p.birth_date) == ("able", dt.date(1985, 2, 1))
    # members inherit the household's address and residence type
    assert (wife_p.hamlet, wife_p.residence_type) == ("Thôn 3", "thuong_tru")
    assert (child_p.enrolled_level, child_p.enrolled_grade, child_p.school_code) == (
        "TH",
        "4",
        "79000701",
    )
    assert (child_p.birth_date, child_p.birth_year, child_p.father_name) == (
        None,
        2016,
        "Nguyễn Văn An",
    )


@pytest.mark.parametrize(
    ("text", "bo_tuc", "expected"),
    [("1", False, ("TH", "1")), ("Lớp 7", False, ("THCS", "7")), ("12", False, ("THPT", "12")),
     ("8", True, ("GDTX_THCS", "8")), ("11", True, ("GDTX_THPT", "11")),
     ("5 tuổi", False, ("MN", "5")), ("3 tuổi", False, ("MN", "3")),
     ("2 tuổi", False, ("MN", "NT")),
     ("24-36 tháng", False, ("MN", "NT")), ("Nhà trẻ", False, ("MN", "NT")),
     ("Lá", False, ("MN", "5")), ("Chồi", False, ("MN", "4")), ("Mầm", False, ("MN", "3")),
     ("THCN", False, ("GDNN", "")), ("TDN", False, ("GDNN", "")), ("Cao đẳng", False, ("GDNN", "")),
     ("SV", False, ("", "")), ("SV năm 2", False, ("", "")), ("", False, ("", "")),
     ("13", False, None), ("7 tuổi", False, None), ("abc", False, None)],
)  # fmt: skip
def test_khoi_hoc(text: str, bo_tuc: bool, expected: tuple[str, str] | None) -> None:
    assert khoi_hoc(text, bo_tuc) == expected


def test_unrecognised_khoi_hoc_is_an_error_on_its_row(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [HEAD, member(R="Lớp chồi lá", AV="Con")])
    result = parse_mau_nhap_lieu(path, year=YEAR)
    [issue] = result.errors
    assert (issue.row, issue.column) == (6, "enrolled_level")
    assert "Khối học" in issue.message


def test_same_rules_apply_missing_head_and_future_birth(tmp_path: Path) -> None:
    head = {**HEAD, AV: "Chồng"}
    path = workbook(tmp_path / "a.xlsx", [head, member(G=2026, AV="Con")])
    result = parse_mau_nhap_lieu(path, year=YEAR)
    assert {(e.row, e.column) for e in result.errors} == {(5, "relation"), (6, "birth_date")}


def test_movement_from_hoan_canh_dac_biet(tmp_path: Path) -> None:
    dead = member(D="Cả", G=1940, AT="Chết", AV="Bố")
    moved = member(D="Út", AT="Chuyển đi", AU="chuyển đi ngày 12/3/2025", AV="Con")
    status = member(D="Em", Q="Chuyển đến", AV="Con")
    path = workbook(tmp_path / "a.xlsx", [HEAD, dead, moved, status])
    result = parse_mau_nhap_lieu(path, year=YEAR)
    assert result.errors == []
    _, d, m, s = result.households[0].members
    assert (d.movement, d.movement_date) == ("deceased", dt.date(2025, 9, 30))
    assert (m.movement, m.movement_date) == ("moved_out", dt.date(2025, 3, 12))
    assert (s.movement, s.movement_date) == ("moved_in", dt.date(2025, 9, 30))
    assert [(w.row, w.column) for w in result.warnings] == [
        (6, "movement_date"),
        (8, "movement_date"),
    ]


def test_diplomas_dropout_literacy_and_disability(tmp_path: Path) -> None:
    thcs = member(D="A", G=1990, W="THCS", Y=2005, AV="Con")
    no_year = member(D="B", G=1995, W="TH", AV="Con")
    left = member(D="C", G=2000, AC=7, AD=2014, AV="Con")
    dropped = member(D="D", G=2001, AE=4, AF=2012, AH=5, AV="Con")
    unable = member(D="E", G=2010, AJ="x", AG=2, AV="Con")
    path = workbook(tmp_path / "a.xlsx", [HEAD, thcs, no_year, left, dropped, unable])
    result = parse_mau_nhap_lieu(path, year=YEAR)
    assert result.errors == []
    _, a, b, c, d, e = result.households[0].members
    assert (a.thcs_graduated_year, a.th_completed_year, a.thpt_graduated_year) == (2005, 2001, None)
    assert b.th_completed_year == 2006  # estimated: birth year + 11, with a warning
    assert [(w.row, w.column) for w in result.warnings] == [(7, "th_completed_year")]
    assert (c.dropout_grade, c.dropout_year) == (8, 2014)  # finished grade 7, left in 2014
    assert (d.dropout_grade, d.dropout_year, d.xmc_stage_completed) == (4, 2012, 2)
    assert (e.disability, e.enrolled_level, e.enrolled_grade) == ("unable", "XMC", "1")


def test_personal_id_column_found_by_header(tmp_path: Path) -> None:
    head = {**HEAD, 52: "001080012345"}
    path = workbook(tmp_path / "a.xlsx", [head], headers={52: "Số định danh cá nhân"})
    table = read_mau_nhap_lieu(path, year=YEAR)
    assert table.records[0][1]["personal_id"] == "001080012345"
    assert table.column_index["personal_id"] == 52


def test_missing_sheet_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1")
    wb.close()
    with pytest.raises(RollFileError, match="MauNhapLieu"):
        read_mau_nhap_lieu(path, "x.xlsx", year=YEAR)


# -- writing and round trip ------------------------------------------------------------------------


def person(**fields: object) -> RollPerson:
    base: dict[str, object] = {
        "household_code": "01_001_00001_3_7",
        "hamlet": "Thôn 3",
        "address": "Thôn 3 - Xã A",
        "full_name": "Nguyễn Văn An",
        "birth_year": 1980,
        "birth_date": dt.date(1980, 5, 2),
        "sex": "M",
        "relation": "Con",
    }
    return RollPerson(**(base | fields))  # type: ignore[arg-type]


def households() -> list[RollHousehold]:
    """Households using only what the workbook carries (see mau_nhap_lieu docstring)."""
    h1 = [
        person(relation="chu_ho", personal_id="001080012345", thpt_graduated_year=1998,
               thcs_graduated_year=1995, th_completed_year=1991, phone="0912 345 678"),
        person(full_name="Trần Thị Bình", birth_date=None, birth_year=1985, sex="F",
               ethnicity="Tày", relation="Vợ", gdnn_completed_year=2005, disability="able",
               disability_types="mobility,vision", disability_certificate=True,
               religion="Phật giáo", priority_group="Hộ nghèo", movement="moved_in",
               movement_date=dt.date(2025, 3, 1), residence_type="tam_tru"),
        person(full_name="Nguyễn Thị Cúc", birth_date=dt.date(2016, 3, 2), birth_year=2016,
               sex="F", enrolled_level="TH", enrolled_grade="4", school_code="79000701",
               father_name="Nguyễn Văn An", mn_completed_year=2022, repeating=True,
               two_sessions=True),
        person(full_name="Nguyễn Văn Dũng", birth_date=dt.date(2021, 1, 2), birth_year=2021,
               enrolled_level="MN", enrolled_grade="4", ethnicity="Tày", two_sessions=True,
               vn_prep=True),
        person(full_name="Nguyễn Văn Em", birth_date=dt.date(2024, 1, 2), birth_year=2024,
               enrolled_level="MN", enrolled_grade="NT"),
    ]  # fmt: skip
    h2 = [
        person(household_code="01_001_00001_3_8", full_name="Lò Văn Giang", relation="chu_ho",
               birth_date=dt.date(2009, 1, 2), birth_year=2009, ethnicity="Thái",
               enrolled_level="GDTX_THCS", enrolled_grade="9", dropout_grade=8,
               dropout_year=2023, th_completed_year=2020, address="Thôn 3"),
        person(household_code="01_001_00001_3_8", full_name="Lò Thị Hoa", birth_date=None,
               birth_year=1940, sex="F", relation="Mẹ", xmc_stage_completed=1, address="Thôn 3",
               movement="deceased", movement_date=dt.date(2025, 9, 30), disability="unable",
               disability_types="other", ethnicity="Thái", relapse_level=2),
        person(household_code="01_001_00001_3_8", full_name="Lò Văn Ích", birth_date=None,
               birth_year=1960, relation="Bác", enrolled_level="XMC", enrolled_grade="2",
               xmc_stage_completed=0, address="Thôn 3", ethnicity="Thái", relapse_level=1),
        person(household_code="01_001_00001_3_8", full_name="Lò Văn Khánh", address="Thôn 3",
               birth_date=dt.date(2008, 6, 1), birth_year=2008, enrolled_level="GDNN",
               ethnicity="Thái", thcs_graduated_year=2023, th_completed_year=2019),
    ]  # fmt: skip
    return [
        RollHousehold("01_001_00001_3_7", "Thôn 3", "Thôn 3 - Xã A", h1),
        RollHousehold("01_001_00001_3_8", "Thôn 3", "Thôn 3", h2),
    ]


def test_round_trip_through_the_workbook(tmp_path: Path) -> None:
    original = households()
    path = tmp_path / "MauNhapLieu.xlsx"
    write_mau_nhap_lieu(original, path)
    result = parse_mau_nhap_lieu(path, year=YEAR)
    assert result.errors == []
    assert result.households == original
    assert [p.source_row for p in result.households[0].members] == [5, 6, 7, 8, 9]


def test_written_layout(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    write_mau_nhap_lieu(households(), path)
    wb = openpyxl.load_workbook(path)
    assert "MauNhapLieu" in wb.sheetnames
    ws = wb["MauNhapLieu"]
    assert ws["B1"].value == "Thông tin đối tượng" and ws["AJ1"].value == "Khuyết tật"
    assert "B1:K1" in {str(r) for r in ws.merged_cells.ranges}
    assert (ws["O2"].value, ws["AV2"].value, ws["L2"].value, ws["L3"].value) == (
        "Số phiếu",
        "Quan hệ với chủ hộ",
        "Chủ hộ",
        "Họ đệm",
    )
    # row 4 numbers B..AY 1..47, skipping T, U and AA
    assert (ws["B4"].value, ws["S4"].value, ws["T4"].value, ws["V4"].value) == (1, 18, None, 19)
    assert (ws["AA4"].value, ws["AB4"].value, ws["AY4"].value) == (None, 24, 47)
    assert (ws["C5"].value, ws["D5"].value, ws["O5"].value) == (
        "Nguyễn Văn",
        "An",
        "01_001_00001_3_7",
    )
    assert (ws["W5"].value, ws["Y5"].value, ws["AV5"].value) == ("THPT", 1998, "Chủ hộ")
    assert (ws["L6"].value, ws["M6"].value, ws["H6"].value) == ("Nguyễn Văn", "An", "x")
    assert ws["R8"].value == "4 tuổi" and ws["X10"].value == "x"


def test_parse_file_detects_the_workbook_and_annotates_its_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path / "t.xlsx", [HEAD, member(G=2030, AV="Con")])
    loaded = parse_file(path, "t.xlsx", year=YEAR)
    assert loaded.format == "mau_nhap_lieu"
    [issue] = loaded.result.errors
    assert (issue.row, issue.column) == (6, "birth_date")
    out = tmp_path / "marked.xlsx"
    write_annotated(loaded.table, loaded.result.errors, out, column_index=loaded.column_index)
    cell = openpyxl.load_workbook(out).active.cell(row=6, column=G + 1)
    assert cell.value == "2030" and cell.comment is not None
    assert cell.fill.fgColor.rgb.endswith(ERROR_FILL[1:])
