"""MN-01-TE and MN-01-TC, ĐK against the real templates (structure: merged ranges, header texts,
column widths, fonts, borders, print setup), and the conventions every other form follows."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reports.forms import catalogue
from reports.xlsx import form_bytes
from tests.reports_demo import NEW_YEAR, OLD_YEAR, Demo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
# Cells the form fills (unit, date, birth years) or rewords on purpose (see docs/reports.md).
FILLED_TE = {"B1", "B2", "D2", "F5", "G5", "H5", "I5", "J5", "K5", "L5", "J41"}
FILLED_TCDK = {"A1", "A2", "D2", "B8", "N7"}


def template(name: str) -> Any:
    return openpyxl.load_workbook(FIXTURES / f"{name}.xlsx").worksheets[0]


def produced(form: Any, sheet: int = 0) -> Any:
    return openpyxl.load_workbook(io.BytesIO(form_bytes(form))).worksheets[sheet]


def texts(ws: Any, max_row: int) -> dict[str, Any]:
    """Cell values by address; texts in NFC (the template stores one footnote decomposed)."""
    return {c.coordinate: unicodedata.normalize("NFC", c.value) if isinstance(c.value, str)
            else c.value for row in ws.iter_rows(max_row=max_row) for c in row
            if c.value is not None}


def style(cell: Any) -> tuple:
    b = cell.border
    return (cell.font.name, cell.font.sz, bool(cell.font.b), bool(cell.font.i),
            tuple(bool(getattr(b, side).style) for side in ("left", "right", "top", "bottom")))


def fits_one_page_wide(ws: Any) -> bool:
    """Fit to page: 1 page wide (Excel's default, so often not written), any height (0)."""
    return bool(ws.sheet_properties.pageSetUpPr.fitToPage) and ws.page_setup.fitToWidth in (
        None, 1) and ws.page_setup.fitToHeight in (0, "0")


def same_look(ws: Any, ref: Any, coords: Any) -> list[str]:
    """Cells whose font differs, or whose borders lack one of the template's (a merged range
    is boxed on all its cells here; the template draws each side on the cells at that edge)."""
    merged = {str(r).split(":")[0] for r in ref.merged_cells.ranges}
    bad = []
    for coord in coords:
        mine, theirs = style(ws[coord]), style(ref[coord])
        sides_ok = all(m or not t for m, t in zip(mine[4], theirs[4], strict=True))
        if mine[:4] != theirs[:4] or not sides_ok or (coord not in merged
                                                       and mine[4] != theirs[4]):
            bad.append(f"{coord}: {mine} != {theirs}")
    return bad


@pytest.fixture(scope="module")
async def sets(reports_demo: Demo) -> dict[str, Any]:
    commune = reports_demo.commune(OLD_YEAR)
    district = reports_demo.results[OLD_YEAR]["full_district"]
    return {
        "commune": await reports_demo.form_set(commune, OLD_YEAR),
        "district": await reports_demo.form_set(district, OLD_YEAR),
        "commune25": await reports_demo.form_set(reports_demo.commune(NEW_YEAR), NEW_YEAR),
    }


def _form(fs: Any, code: str) -> Any:
    return next(f for f in fs.forms if f.code == code)


async def test_mn_01_te_is_the_template_cell_for_cell(sets) -> None:
    ref = template("MN-01-TE")
    for key in ("commune", "district", "commune25"):
        ws = produced(_form(sets[key], "MN-01-TE"))
        assert {str(r) for r in ws.merged_cells.ranges} == {str(r) for r in ref.merged_cells.ranges}
        want = {k: v for k, v in texts(ref, 43).items() if k not in FILLED_TE}
        got = texts(ws, 43)
        assert {k: got.get(k) for k in want} == want
        assert same_look(ws, ref, want) == []  # fonts and borders of every labelled cell
        for letter, dim in ref.column_dimensions.items():
            if dim.width:
                assert abs(ws.column_dimensions[letter].width - dim.width) < 0.02, letter
        for r in (1, 7, 27, 30, 31, 39):
            assert ws.row_dimensions[r].height == ref.row_dimensions[r].height
        assert ws["B1"].value.startswith(("Xã: ", "Huyện: ", "Tỉnh: "))
        assert ws["D2"].value.startswith("Thời điểm: ngày 30 tháng 9 năm ")
        assert ws["M1"].value == "Mẫu: MN-01-TE"
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
        assert fits_one_page_wide(ws)
        assert ws.print_title_rows == "$5:$6"
        assert ws["K17"].number_format == "0.00%" and ws["F7"].number_format == "#,##0"


async def test_mn_01_tc_dk_is_the_template_cell_for_cell(sets) -> None:
    ref = template("MN-01-TCDK")
    head = {str(r) for r in ref.merged_cells.ranges if r.max_row <= 7}
    for key in ("commune", "district"):
        ws = produced(_form(sets[key], "MN-01-TC, ĐK"))
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert head <= merged and "W4:W6" in merged  # + the helper column W (docs/reports.md)
        want = {k: v for k, v in texts(ref, 7).items() if k not in FILLED_TCDK}
        got = texts(ws, 7)
        assert {k: got.get(k) for k in want} == want
        assert same_look(ws, ref, want) == []
        for letter in "ABCDJKLMOSV":
            assert abs(ws.column_dimensions[letter].width
                       - ref.column_dimensions[letter].width) < 0.02, letter
        assert ws["V1"].value == "Mẫu: MN-01-TC, ĐK" and ws["N7"].value == "14=13/W"
        # blocks of three rows: the unit row, then the two age rows with C..F marked "x"
        blocks = (ws.max_row - 7) // 3
        assert ws["B9"].value == " - Độ tuổi 3, 4 tuổi" and ws["B10"].value == " - Độ tuổi 5 tuổi"
        assert all(ws.cell(9, c).value == "x" for c in range(3, 7))
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$7"
        # the signature block keeps the template's shape under the last block
        tail = sorted((r for r in ws.merged_cells.ranges if r.min_row > 10 and r.min_col >= 17),
                      key=lambda r: r.min_row)
        assert [(r.min_col, r.max_col) for r in tail[-4:]] == [(17, 22), (17, 22), (18, 22),
                                                                (17, 22)]
        values = [ws.cell(r.min_row, r.min_col).value for r in tail[-4:]]
        assert values[1] == "TM. BAN CHỈ ĐẠO PCGD-XMC"
        assert values[3] == "(Kí, họ tên và đóng dấu UBND)"
        if key == "district":
            assert ws["B8"].value == "TOÀN HUYỆN" and blocks >= 9


async def test_every_form_follows_the_conventions(sets) -> None:
    """Code at the top right, the date line, A4 fitted one page wide with repeated header rows,
    counts as numbers and rates in percent format."""
    for key in ("commune", "district"):
        codes = [f.code for f in sets[key].forms]
        assert codes == [s.code for s in catalogue.SPECS]
        for form in sets[key].forms:
            wb = openpyxl.load_workbook(io.BytesIO(form_bytes(form)))
            for ws in wb.worksheets:
                cells = texts(ws, 3)
                assert f"Mẫu: {form.code}" in cells.values(), (form.code, ws.title)
                assert any(isinstance(v, str) and "ngày 30 tháng 9 năm" in v
                           for v in cells.values()), form.code
                assert ws.page_setup.paperSize == 9 and fits_one_page_wide(ws)
                assert ws.print_title_rows, form.code
                formats = {c.number_format for row in ws.iter_rows() for c in row
                           if isinstance(c.value, str) and c.value.startswith("=IF(")}
                assert formats <= {"0.00%", "0.00"}, (form.code, formats)
                numbers = [c for row in ws.iter_rows(min_row=5) for c in row
                           if isinstance(c.value, int | float)]
                assert numbers, form.code
                assert not any(isinstance(c.value, str) and c.value.isdigit() and len(c.value) > 2
                               for row in ws.iter_rows(min_row=6) for c in row), form.code


async def test_the_finance_form_is_not_produced(sets) -> None:
    assert all("T.chính" not in f.code for f in sets["commune"].forms)
    assert [code for code, *_ in catalogue.NOT_PRODUCED] == ["MN-01-T.chính"]


def test_form_lookup_accepts_every_spelling() -> None:
    for code in ("MN-01-TC, ĐK", "MN-01-TC-ĐK", "MN-01-TCDK", "mn-01-tcdk"):
        assert catalogue.find(code).code == "MN-01-TC, ĐK"
    assert catalogue.find("MN-01-TC-ĐK").file_name == "MN-01-TC-ĐK.xlsx"
    assert catalogue.find("XX") is None
