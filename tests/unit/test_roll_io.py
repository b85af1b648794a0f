"""Reading CSV/XLSX, writing the roll back (exact round trips) and the annotated copy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from surveys.roll import (
    RollFileError,
    annotate,
    detect_format,
    parse_file,
    parse_roll,
    read_table,
    write_annotated,
    write_roll,
)
from surveys.roll.annotate import ERROR_FILL, WARNING_FILL
from surveys.roll.fields import COLUMN_NAMES
from surveys.roll.model import RollHousehold

YEAR = 2025

ROWS: list[dict[str, str]] = [
    {"household_code": "01_001_00001_3_7", "hamlet": "Thôn 3", "address": "Thôn 3 - Số 5",
     "residence_type": "thuong_tru", "full_name": "Nguyễn Văn An", "birth_date": "1980-05-02",
     "sex": "M", "personal_id": "001080012345", "relation": "chu_ho",
     "th_completed_year": "1991", "thcs_graduated_year": "1995", "thpt_graduated_year": "1998"},
    {"household_code": "01_001_00001_3_7", "hamlet": "Thôn 3", "residence_type": "tam_tru",
     "full_name": "Trần Thị Bình", "birth_date": "1985", "sex": "F", "ethnicity": "Tày",
     "relation": "vợ", "disability": "able", "movement": "moved_in",
     "movement_date": "2025-03-01", "gdnn_completed_year": "2005"},
    {"household_code": "01_001_00001_3_7", "hamlet": "Thôn 3", "residence_type": "thuong_tru",
     "full_name": "Nguyễn Thị Cúc", "birth_date": "2016-03-02", "sex": "F", "relation": "con",
     "father_name": "Nguyễn Văn An", "mother_name": "Trần Thị Bình", "enrolled_level": "TH",
     "enrolled_grade": "4", "school_code": "79000701", "mn_completed_year": "2022",
     "mn_group_completed": "5"},
    {"household_code": "01_001_00001_3_8", "hamlet": "Thôn 3", "residence_type": "thuong_tru",
     "full_name": "Lò Văn Dũng", "birth_date": "2009-01-02", "sex": "M", "ethnicity": "Thái",
     "relation": "chu_ho", "enrolled_level": "GDTX_THCS", "enrolled_grade": "9",
     "dropout_grade": "8", "dropout_year": "2023", "th_completed_year": "2020",
     "xmc_stage_completed": "2"},
    {"household_code": "01_001_00001_3_8", "hamlet": "Thôn 3", "residence_type": "thuong_tru",
     "full_name": "Lò Thị Em", "birth_date": "2024-01-02", "sex": "F", "relation": "con",
     "enrolled_level": "MN", "enrolled_grade": "NT", "ethnicity": "Thái"},
    {"household_code": "01_001_00001_3_8", "hamlet": "Thôn 3", "residence_type": "thuong_tru",
     "full_name": "Lò Văn Giàng", "birth_date": "1940", "sex": "M", "relation": "bố",
     "disability": "unable", "movement": "deceased", "movement_date": "2025-09-30",
     "enrolled_level": "XMC", "enrolled_grade": "1", "xmc_stage_completed": "0"},
]  # fmt: skip


def sample() -> tuple[list[str], list[list[str]]]:
    header = list(COLUMN_NAMES)
    return header, [[r.get(c, "") for c in header] for r in ROWS]


def sample_households() -> list[RollHousehold]:
    result = parse_roll(*sample(), year=YEAR)
    assert result.errors == [] and result.warnings == []
    return result.households


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                ws.write(r, c, value)
    wb.close()


# -- reading ---------------------------------------------------------------------------------------


def test_csv_with_bom(tmp_path: Path) -> None:
    header, rows = sample()
    text = "\n".join(",".join(r) for r in [header, *rows])
    path = tmp_path / "roll.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    read_header, read_rows = read_table(path, "roll.csv")
    assert read_header[0] == "household_code"  # no BOM glued to the first name
    assert read_rows == rows
    assert parse_roll(read_header, read_rows, year=YEAR).households == sample_households()


def test_csv_without_bom_from_bytes_and_semicolons() -> None:
    data = "Số phiếu;Thôn/tổ;Diện cư trú;Họ và tên;Ngày sinh;Giới tính;Quan hệ với chủ hộ\n"
    data += "H1;Thôn 1;Thường trú;Lê Văn C;02/03/1990;Nam;Chủ hộ\n"
    header, rows = read_table(data.encode("utf-8"), "x.csv")
    assert header[0] == "Số phiếu" and rows == [
        ["H1", "Thôn 1", "Thường trú", "Lê Văn C", "02/03/1990", "Nam", "Chủ hộ"]
    ]
    assert parse_roll(header, rows, year=YEAR).errors == []


def test_csv_not_utf8_and_unknown_type_raise() -> None:
    with pytest.raises(RollFileError, match="UTF-8"):
        read_table(b"H\xf4 t\xean\n", "x.csv")  # latin-1 bytes
    with pytest.raises(RollFileError):
        read_table(b"", "x.pdf")


def test_xlsx_numbers_and_dates_become_typed_text(tmp_path: Path) -> None:
    path = tmp_path / "roll.xlsx"
    header = ["Số phiếu", "Thôn/tổ", "Diện cư trú", "Họ và tên", "Ngày sinh", "Giới tính"]
    header += ["Quan hệ với chủ hộ", "th_completed_year", "Số định danh"]
    row: list[object] = ["H1", 3, "thuong_tru", "Lê Văn C", dt.date(1990, 3, 2), "nam"]
    row += ["chu_ho", 2001.0, "001090012345"]
    write_xlsx(path, [header, row])
    read_header, rows = read_table(path, "roll.xlsx")
    assert read_header == header
    assert rows == [["H1", "3", "thuong_tru", "Lê Văn C", "1990-03-02", "nam", "chu_ho", "2001",
                     "001090012345"]]  # fmt: skip
    result = parse_roll(read_header, rows, year=YEAR)
    assert result.errors == []
    person = result.households[0].members[0]
    assert (person.hamlet, person.birth_date, person.th_completed_year) == (
        "3",
        dt.date(1990, 3, 2),
        2001,
    )


def test_detect_format(tmp_path: Path) -> None:
    plain, mnl = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx(plain, [["household_code"]])
    write_xlsx(mnl, [["x"]], sheet="MauNhapLieu")
    assert detect_format(plain, "a.xlsx") == "roll"
    assert detect_format(mnl.read_bytes(), "b.xlsx") == "mau_nhap_lieu"
    assert detect_format(b"household_code\n", "c.csv") == "roll"


# -- writing: exact round trips --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    households = sample_households()
    path = tmp_path / f"roll{suffix}"
    write_roll(households, path)
    header, rows = read_table(path, path.name)
    assert header == list(COLUMN_NAMES)
    again = parse_roll(header, rows, year=YEAR)
    assert again.errors == [] and again.warnings == []
    assert again.households == households
    # a real difference must be visible (equality only ignores source_row)
    assert again.households != sample_households()[:1]


def test_round_trip_of_a_written_file_is_byte_stable(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_roll(sample_households(), first)
    write_roll(parse_roll(*read_table(first, "a.csv"), year=YEAR).households, second)
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMN_NAMES)
    assert ",1985," in lines[2]  # a birth year without a day is written as the bare year


def test_interleaved_households_are_written_grouped(tmp_path: Path) -> None:
    header, rows = sample()
    shuffled = [rows[3], rows[0], rows[4], rows[1], rows[5], rows[2]]
    households = parse_roll(header, shuffled, year=YEAR).households
    path = tmp_path / "r.csv"
    write_roll(households, path)
    _, written = read_table(path, "r.csv")
    assert [r[0] for r in written] == ["01_001_00001_3_8"] * 3 + ["01_001_00001_3_7"] * 3
    assert parse_roll(header, written, year=YEAR).households == households


def test_parse_file_reads_csv_and_xlsx(tmp_path: Path) -> None:
    households = sample_households()
    for name in ("r.csv", "r.xlsx"):
        write_roll(households, tmp_path / name)
        loaded = parse_file(tmp_path / name, name, year=YEAR, known_schools={"79000701"})
        assert loaded.format == "roll"
        assert loaded.result.households == households
        assert loaded.table[0] == list(COLUMN_NAMES)
    unknown = parse_file(tmp_path / "r.csv", "r.csv", year=YEAR, known_schools=set())
    assert [e.column for e in unknown.result.errors] == ["school_code"]


# -- annotated copy --------------------------------------------------------------------------------


def test_annotate_marks_cells_with_fill_and_comment(tmp_path: Path) -> None:
    header, rows = sample()
    rows[0][header.index("sex")] = "?"  # error on row 2
    rows[1][header.index("ethnicity")] = "Xyz"  # warning on row 3
    header = [*header, ""]
    rows[2] = [*rows[2], "lạc"]  # row-level error on row 4
    result = parse_roll(header, rows, year=YEAR)
    assert {(e.row, e.column) for e in result.errors} == {(2, "sex"), (4, "")}
    assert [(w.row, w.column) for w in result.warnings] == [(3, "ethnicity")]
    path = tmp_path / "checked.xlsx"
    annotate(header, rows, result.errors + result.warnings, path)

    ws = openpyxl.load_workbook(path)["DuLieu"]
    sex = ws.cell(row=2, column=header.index("sex") + 1)
    assert sex.value == "?"
    assert sex.fill.fgColor.rgb.endswith(ERROR_FILL[1:])
    assert sex.comment is not None and "Giới tính: giá trị không hợp lệ" in sex.comment.text
    ethnicity = ws.cell(row=3, column=header.index("ethnicity") + 1)
    assert ethnicity.fill.fgColor.rgb.endswith(WARNING_FILL[1:])
    assert ethnicity.comment is not None and "Cảnh báo" in ethnicity.comment.text
    first = ws.cell(row=4, column=1)
    assert first.fill.fgColor.rgb.endswith(ERROR_FILL[1:]) and first.comment is not None
    clean = ws.cell(row=2, column=1)
    assert clean.value == "01_001_00001_3_7" and clean.comment is None
    assert clean.fill.fgColor.rgb in (None, "00000000")
    listing = openpyxl.load_workbook(path)["Loi"]
    assert listing.max_row == 4  # title + 3 issues


def test_annotate_header_issues_and_custom_column_index(tmp_path: Path) -> None:
    header, rows = sample()
    result = parse_roll([*header, "ghi chú"], [[*r, ""] for r in rows], year=YEAR)
    path = tmp_path / "h.xlsx"
    write_annotated([[*header, "ghi chú"], *rows], result.errors, path)
    ws = openpyxl.load_workbook(path).active
    unknown = ws.cell(row=1, column=len(header) + 1)
    assert unknown.comment is not None and unknown.fill.fgColor.rgb.endswith(ERROR_FILL[1:])
    other = tmp_path / "i.xlsx"
    issue = result.errors[0].__class__(5, "sex", "Giới tính: x", "warning")
    write_annotated([["a", "b", "c"]] * 6, [issue], other, column_index={"sex": 2})
    cell = openpyxl.load_workbook(other).active.cell(row=5, column=3)
    assert cell.fill.fgColor.rgb.endswith(WARNING_FILL[1:]) and cell.comment is not None


# -- size ------------------------------------------------------------------------------------------


def test_twenty_thousand_rows_parse_and_validate() -> None:
    """A commune-sized roll parses whole; its speed is measured by bench/import.py, not here."""
    header, rows = sample()
    big: list[list[str]] = []
    code_at = header.index("household_code")
    for n in range(20_000 // len(rows) + 1):
        for row in rows:
            copy = list(row)
            copy[code_at] = f"{row[code_at]}_{n}"
            big.append(copy)
    big = big[:20_000]
    result = parse_roll(header, big, year=YEAR)
    assert result.persons == 20_000 and result.errors == []
