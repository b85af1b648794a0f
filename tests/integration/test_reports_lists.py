"""Name lists (NĐ 20/2014 Điều 26), the tracking book and the survey forms on the demo."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from pcgd.common.vnsort import name_key
from pcgd.compliance import service as compliance
from pcgd.units import service as units
from reports import lists
from reports.xlsx import form_bytes
from surveys.rollup import service as rollup
from tests.reports_demo import NEW_YEAR, OLD_YEAR, Demo


def rows_of(form) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(form_bytes(form)), read_only=True).worksheets[0]
    return [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0] is not None]


def criterion(result: dict, cid: str) -> dict:
    return next(r for s in result["standards"] for r in s["criteria"] if r["id"] == cid)


@pytest.mark.parametrize("year", [OLD_YEAR, NEW_YEAR])
async def test_lists_are_the_numerators_in_vietnamese_order(reports_demo: Demo, year: int
                                                             ) -> None:
    commune = await units.resolve(reports_demo.commune(year, 2), year, kind="commune")
    result = await compliance.evaluate_unit(commune, year)
    found = {spec.code: (rows, form) for spec, rows, form in
             await lists.name_lists(commune, year)}
    assert set(found) == {s.code for s in lists.SPECS}
    for code, cid in (("DS-MN", "mn5.completion"), ("DS-THCS", "thcs.graduated_15_18")):
        rows, form = found[code]
        written = rows_of(form)
        assert len(written) == len(rows) == criterion(result, cid)["numerator"], code
        assert [r[0] for r in written] == list(range(1, len(written) + 1))
        names = [r[1] for r in written]
        assert names == sorted(names, key=name_key), code
        assert all(r[3] in ("Nam", "Nữ") and r[5] for r in written)
        assert all("/" in r[2] or r[2].isdigit() for r in written)  # dd/mm/yyyy or a year
    th_rows, _ = found["DS-TH"]
    assert th_rows and all(r["done"] for r in th_rows)


async def test_a_district_list_is_sorted_by_commune_then_name(reports_demo: Demo) -> None:
    district = await units.resolve(reports_demo.results[OLD_YEAR]["full_district"], OLD_YEAR,
                                   kind="district")
    (_spec, rows, form), = await lists.name_lists(district, OLD_YEAR, only="DS-TH")
    written = rows_of(form)
    assert len(written) == len(rows) > 20
    keys = [(r["commune_code"], name_key(r["full_name"])) for r in rows]
    assert keys == sorted(keys)
    assert all(r[9] for r in written)  # the commune column
    wb = openpyxl.load_workbook(io.BytesIO(form_bytes(form)))
    assert wb.worksheets[0]["A5"].value == "STT"  # written in constant-memory mode, readable


async def test_tracking_book_and_survey_forms_per_hamlet(reports_demo: Demo) -> None:
    communes = [await units.resolve(code, OLD_YEAR, kind="commune")
                for code in reports_demo.results[OLD_YEAR]["communes"]]
    stored = await rollup.counts_by_commune([c.id for c in communes], OLD_YEAR)
    commune = max(communes, key=lambda c: sum(stored[c.id].get(a, {}).get("roll", 0)
                                              for a in range(3, 6)))
    hamlets = await lists.hamlets_of(commune, OLD_YEAR)
    assert hamlets and all(h["households"] > 0 for h in hamlets)
    children: list[tuple] = []
    for hamlet in hamlets:  # one book per hamlet: its children 0–5, the oldest first
        ws = openpyxl.load_workbook(io.BytesIO(form_bytes(
            await lists.book_form(commune, hamlet, OLD_YEAR)))).worksheets[0]
        assert ws["O1"].value == "Mẫu: MN-06" and ws["E2"].value == f"Thôn, xóm: {hamlet['name']}"
        mine = [r for r in ws.iter_rows(min_row=11, values_only=True) if isinstance(r[0], int)]
        assert all(r[5] == hamlet["name"] for r in mine)
        years = [int(str(r[3])[-4:]) for r in mine]
        assert years == sorted(years) and all(OLD_YEAR - 5 <= y <= OLD_YEAR for y in years)
        children += mine
    counts = (await rollup.counts_by_commune([commune.id], OLD_YEAR))[commune.id]
    assert len(children) == sum(counts.get(a, {}).get("roll", 0) for a in range(6)) > 0
    enrolled = [r for r in children if any(r[8:14])]  # the class in the child's age column
    assert enrolled, children
    assert all(v in (None, "", *lists.GRADE_TEXT.values()) for r in enrolled for v in r[8:14])
    hamlet = hamlets[0]
    phieu = await lists.phieu_form(commune, hamlet, OLD_YEAR)
    ws = openpyxl.load_workbook(io.BytesIO(form_bytes(phieu))).worksheets[0]
    titles = [c.row for c in ws["A"] if isinstance(c.value, str)
              and c.value.startswith("PHIẾU ĐIỀU TRA PHỔ CẬP GIÁO DỤC")]
    assert len(titles) == hamlet["households"]
    assert ws.row_breaks.count == hamlet["households"] - 1  # one household per printed page
    fields = [c.value for row in ws.iter_rows(min_row=2, max_row=3) for c in row if c.value]
    assert any(v.startswith("(5) Số phiếu: ") for v in fields)
    phone = next(v for v in fields if v.startswith("(7) Điện thoại: "))
    assert re.fullmatch(r"\(7\) Điện thoại: (09\d{8})?", phone)  # the head's, from the roll
