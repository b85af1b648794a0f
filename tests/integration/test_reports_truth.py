"""Every printed rate and count equals `pcgd evaluate` and the stored counts: form by form, unit
kind by unit kind, both demo years. The files are read back with openpyxl (cached values of the
formulas), never from the builders' memory."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from pcgd import db
from pcgd.compliance import service as compliance
from pcgd.registry.conditions import commune_conditions
from pcgd.units import service as units
from reports import pending
from reports.xlsx import form_bytes
from surveys.rollup import service as rollup
from tests.reports_demo import NEW_YEAR, OLD_YEAR, Demo

YEARS = (OLD_YEAR, NEW_YEAR)


def book(form: Any) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(form_bytes(form)), data_only=True)


def form_of(fs: Any, code: str) -> Any:
    return next(f for f in fs.forms if f.code == code)


def find_row(ws: Any, text: str, cols: int = 5, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        for c in range(1, cols + 1):
            if ws.cell(r, c).value == text:
                return r
    raise AssertionError(f"no row labelled {text!r} in {ws.title}")


def find_col(ws: Any, text: str, start_row: int = 1) -> int:
    for r in range(start_row, min(ws.max_row, 12) + 1):
        for c in range(1, ws.max_column + 1):
            if ws.cell(r, c).value == text:
                return c
    raise AssertionError(f"no column headed {text!r} in {ws.title}")


def data_start(ws: Any) -> int:
    """The first data row of a units table: the row after the numbered column row (1, 2, …)."""
    return next(r for r in range(1, 20) if ws.cell(r, 1).value == 1
                and ws.cell(r, 2).value == 2) + 1


def pct(value: Any) -> float | None:
    """A percent cell (a fraction) as the engine rounds it (0–100, 2 decimals)."""
    if value in (None, ""):
        return None
    return round(float(value) * 100 + 1e-9, 2)


def criterion(result: dict, cid: str, level: int | None = None) -> dict:
    rows = [r for s in result["standards"] for r in s["criteria"] if r["id"] == cid]
    return rows[0] if level is None else next(r for r in rows if r["level"] == level)


def recognized(result: dict, std: str) -> int:
    return next(s["recognized_level"] for s in result["standards"] if s["standard"] == std)


async def stored(unit: units.Unit, year: int) -> dict[int, dict[str, int]]:
    """age → count, summed over the unit's communes (the stored counts)."""
    ids = [c.id for c in await units.communes_under(unit, year)]
    out: dict[int, dict[str, int]] = {}
    for by_age in (await rollup.counts_by_commune(ids, year)).values():
        for age, row in by_age.items():
            acc = out.setdefault(age, {})
            for k, v in row.items():
                acc[k] = acc.get(k, 0) + v
    return out


async def cases(demo: Demo) -> list[tuple[int, units.Unit]]:
    """Per year: two communes (one ĐBKK when there is one), the full district, the province."""
    out = []
    for year in YEARS:
        codes = demo.results[year]["communes"]
        communes = [await units.resolve(c, year, kind="commune") for c in codes]
        flags = await units.dbkk_flags([c.id for c in communes], year)
        dbkk = next((c for c in communes if flags.get(c.id)), communes[1])
        picked = [communes[0], dbkk]
        if demo.results[year]["full_district"]:
            picked.append(await units.resolve(demo.results[year]["full_district"], year,
                                              kind="district"))
        picked.append(await units.resolve(demo.results[year]["province"], year,
                                          kind="province"))
        out += [(year, u) for u in picked]
    return out


@pytest.fixture(scope="module")
async def built(reports_demo: Demo) -> list[tuple[int, units.Unit, Any, dict, Any]]:
    out = []
    for year, unit in await cases(reports_demo):
        fs = await reports_demo.form_set(unit.code, year)
        result = await compliance.evaluate_unit(unit, year, with_children=True)
        out.append((year, unit, fs, result, await stored(unit, year)))
    return out


async def test_mn_01_te_counts_ppc_and_rates(built) -> None:
    for year, unit, fs, result, counts in built:
        ws = book(form_of(fs, "MN-01-TE")).worksheets[0]
        assert [ws.cell(5, 6 + a).value for a in range(7)] == [year - a for a in range(7)]
        for a in range(7):
            at = counts.get(a, {})
            assert ws.cell(7, 6 + a).value == at.get("roll", 0), (unit.code, year, a)
            assert ws.cell(13, 6 + a).value == at.get("ppc", 0), (unit.code, year, a)
            assert ws.cell(24, 6 + a).value == at.get("deceased", 0)
            assert ws.cell(25, 6 + a).value == at.get("moved_out", 0)
            assert ws.cell(14, 6 + a).value == at.get("mn_attending", 0)
            # split rows add up to their total
            assert ws.cell(15, 6 + a).value + ws.cell(16, 6 + a).value == ws.cell(14, 6 + a).value
        assert ws["M7"].value == sum(counts.get(a, {}).get("roll", 0) for a in range(6))
        if unit.kind != "commune":
            continue
        attendance = criterion(result, "mn5.attendance")
        completion = criterion(result, "mn5.completion")
        assert ws["K13"].value == attendance["denominator"]  # PPC of the 5-year-olds = board's
        assert ws["E33"].value == attendance["numerator"]
        assert pct(ws["K17"].value) == attendance["rate"] == pct(ws["F33"].value)
        assert ws["L13"].value == completion["denominator"]
        assert ws["E34"].value == completion["numerator"] == ws["L27"].value
        assert pct(ws["L28"].value) == completion["rate"] == pct(ws["F34"].value)
        if year >= 2025:
            for a, cid in ((4, "mn35.completion_age3"), (5, "mn35.completion_age4")):
                row = criterion(result, cid)
                assert ws.cell(27, 6 + a).value == row["numerator"]
                assert pct(ws.cell(28, 6 + a).value) == row["rate"]
        else:
            assert ws["E38"].value is None and ws["E39"].value is None


async def test_ppc_is_total_less_disabled_moved_out_and_dead(built, reports_demo) -> None:
    """The law's formula, counted on the roll itself, is the PPC the forms print and the board
    divides by (a person both disabled and moved out leaves once)."""
    for year, unit, fs, result, _ in built:
        if unit.kind != "commune":
            continue
        ws = book(form_of(fs, "TH-M1")).worksheets[0]
        ppc_row = find_row(ws, "Phải phổ cập")
        by_age = {r["age"]: r for r in await db.pool().fetch(
            "SELECT $2 - p.birth_year AS age, count(*) AS total,"
            " count(*) FILTER (WHERE py.disability <> '' OR py.movement IN"
            " ('moved_out', 'deceased')) AS out FROM person_year py"
            " JOIN person p ON p.id = py.person WHERE py.commune = $1 AND py.year = $2"
            " GROUP BY 1", (await units.resolve(unit.code, year)).id, year)}
        for i, age in enumerate(range(6, 11)):
            row = by_age.get(age)
            expected = (row["total"] - row["out"]) if row else 0
            assert ws.cell(ppc_row, 6 + i).value == expected, (unit.code, year, age)
        assert ws.cell(ppc_row, 6).value == criterion(result, "th.grade1_age6", 1)["denominator"]


async def test_mn_01_tc_dk_blocks_match_each_unit(built) -> None:
    for year, unit, fs, result, _ in built:
        ws = book(form_of(fs, "MN-01-TC, ĐK")).worksheets[0]
        children = result.get("children", [])
        results = [result, *children] if unit.kind != "commune" else [result]
        for i, res in enumerate(results):
            top = 8 + 3 * i
            five = top + 2
            if res["unit"]["kind"] == "commune":
                att = criterion(res, "mn5.attendance")
                done = criterion(res, "mn5.completion")
                assert ws.cell(five, 10).value == att["denominator"], (year, res["unit"])
                assert ws.cell(five, 11).value == att["numerator"]
                assert pct(ws.cell(five, 12).value) == att["rate"]
                assert ws.cell(five, 13).value == done["numerator"]
                assert pct(ws.cell(five, 14).value) == done["rate"]
            if i > 0:
                assert ws.cell(top, 2).value == res["unit"]["name"]
            assert ws.cell(five, 22).value == ("Đạt" if recognized(res, "mn5") >= 1
                                               else "Không đạt"), (year, res["unit"])


async def test_primary_forms_equal_the_th_criteria(built) -> None:
    for _year, unit, fs, result, counts in built:
        ws = book(form_of(fs, "TH-M1")).worksheets[0]
        ppc = find_row(ws, "Phải phổ cập")
        for i, age in enumerate(range(6, 11)):
            assert ws.cell(ppc, 6 + i).value == counts.get(age, {}).get("ppc", 0)
        if unit.kind == "commune":
            for label, cid, level in (
                ("Trẻ 6 tuổi vào học lớp 1", "th.grade1_age6", 1),
                ("Trẻ 11 tuổi hoàn thành CT tiểu học", "th.completed_age11", 2),
                ("Trẻ 14 tuổi hoàn thành CT tiểu học", "th.completed_age14", 1),
            ):
                r = find_row(ws, label)
                row = criterion(result, cid, level)
                assert ws.cell(r, 6).value == row["numerator"], (unit.code, cid)
                assert pct(ws.cell(r, 7).value) == row["rate"], (unit.code, cid)
        ws2 = book(form_of(fs, "TH-02")).worksheets[0]
        first = data_start(ws2)
        results = [result, *result.get("children", [])] if unit.kind != "commune" else [result]
        for i, res in enumerate(results):
            r = first + i
            assert ws2.cell(r, 2).value in (res["unit"]["name"], "TOÀN HUYỆN", "TOÀN TỈNH")
            level = recognized(res, "th")
            assert ws2.cell(r, 24).value == (f"Đạt mức độ {level}" if level else "Chưa đạt")
            if res["unit"]["kind"] == "commune":
                g1 = criterion(res, "th.grade1_age6", 1)
                assert (ws2.cell(r, 8).value, ws2.cell(r, 9).value) == (
                    g1["denominator"], g1["numerator"])
                assert pct(ws2.cell(r, 10).value) == g1["rate"]


async def test_lower_secondary_forms_equal_the_thcs_criteria(built) -> None:
    for _year, unit, fs, result, _ in built:
        ws = book(form_of(fs, "THCS-M1")).worksheets[0]
        results = [result, *result.get("children", [])] if unit.kind != "commune" else [result]
        if unit.kind == "commune":
            for label, cid in (
                ("Thanh, thiếu niên 15–18 tuổi tốt nghiệp THCS", "thcs.graduated_15_18"),
                ("Thanh, thiếu niên 15–18 tuổi đã, đang học CT GDPT, GDTX cấp THPT hoặc GDNN",
                 "thcs.studying_15_18"),
            ):
                r = find_row(ws, label)
                row = criterion(result, cid)
                assert ws.cell(r, 6).value == row["numerator"]
                assert pct(ws.cell(r, 7).value) == row["rate"]
        for code in ("THCS-M2", "THCS-TK"):
            wsu = book(form_of(fs, code)).worksheets[0]
            grad = find_col(wsu, "Tỉ lệ tốt nghiệp") if code == "THCS-M2" else None
            for i, res in enumerate(results):
                r = data_start(wsu) + i
                if res["unit"]["kind"] != "commune":
                    continue
                row = criterion(res, "thcs.graduated_15_18")
                if code == "THCS-M2":
                    assert pct(wsu.cell(r, grad).value) == row["rate"], (code, res["unit"])
                else:
                    assert wsu.cell(r, 8).value == row["numerator"]
                    assert pct(wsu.cell(r, 9).value) == row["rate"]


async def test_literacy_forms_equal_the_xmc_criteria(built) -> None:
    for _year, unit, fs, result, counts in built:
        ws = book(form_of(fs, "XMC-3")).worksheets[0]
        total = find_row(ws, "15–60", cols=1)
        assert ws.cell(total, 3).value == sum(counts.get(a, {}).get("ppc", 0)
                                              for a in range(15, 61))
        assert ws.cell(total, 15).value == sum(counts.get(a, {}).get("lit2", 0)
                                               for a in range(15, 61))
        # illiterate (level 2) = population − literate, as the formula says
        assert ws.cell(total, 11).value == ws.cell(total, 3).value - ws.cell(total, 15).value
        c2 = book(form_of(fs, "CMC-2")).worksheets[0]
        r2 = find_row(c2, "15–60", cols=1)
        assert c2.cell(r2, 2).value == ws.cell(total, 3).value
        assert c2.cell(r2, 10).value == ws.cell(total, 11).value
        if unit.kind == "commune":
            dbkk = result["dbkk"]
            lit1 = criterion(result, "xmc.literate1")
            lit2 = criterion(result, "xmc.literate2")
            r1 = find_row(ws, "15–25" if dbkk else "15–35", cols=1)
            r2_ = find_row(ws, "15–35" if dbkk else "15–60", cols=1)
            assert ws.cell(r1, 20).value == lit1["numerator"]
            assert pct(ws.cell(r1, 21).value) == lit1["rate"]
            assert ws.cell(r2_, 15).value == lit2["numerator"]
            assert pct(ws.cell(r2_, 19).value) == lit2["rate"]
        # XMC-4 and CMC-1: hamlet rows (commune) or lower units add up to the first row
        for code, col in (("XMC-4", 3), ("CMC-1", 3)):
            wsu = book(form_of(fs, code)).worksheets[0]
            first = data_start(wsu)
            rows = [r for r in range(first + 1, wsu.max_row + 1)
                    if isinstance(wsu.cell(r, 1).value, int)]
            assert rows, code
            assert wsu.cell(first, col).value == sum(wsu.cell(r, col).value for r in rows)


async def test_staff_and_facility_ratios_equal_the_tt07_conditions(built) -> None:
    for year, unit, fs, _result, _ in built:
        if unit.kind != "commune":
            continue
        commune = await units.resolve(unit.code, year, kind="commune")
        cond = (await commune_conditions([commune.id], year))[commune.id]
        by_id = {c["id"]: c for rows in cond.values() for c in rows}
        ws = book(form_of(fs, "TH-01-CSVC")).worksheets[0]
        total = find_row(ws, "Cộng:", cols=2)
        temp = find_col(ws, "Tạm")
        assert ws.cell(total, temp).value == 0  # no temporary rooms in the demo
        ratio = find_col(ws, "Tỉ lệ phòng học/lớp")
        rooms = by_id["th.rooms_per_class"]
        assert round(ws.cell(total, ratio).value, 2) == rooms["value"], unit.code
        for code, cid in (("TH-01-GV", "th.teachers_trained"),
                          ("THCS-M5", "thcs.teachers_trained")):
            wsg = book(form_of(fs, code)).worksheets[0]
            r = find_row(wsg, "Tỉ lệ giáo viên đạt chuẩn trình độ đào tạo trở lên", cols=2)
            assert pct(wsg.cell(r, 8).value) == by_id[cid]["value"], (code, unit.code)
        wsm = book(form_of(fs, "MN-01-GV")).worksheets[0]
        five = find_row(wsm, "5 tuổi", cols=9)
        rate_col = find_col(wsm, "Tỉ lệ")
        assert pct(wsm.cell(five, rate_col).value) == by_id["mn5.teachers_trained"]["value"]


async def test_workbook_fact_cells_hold_the_stored_counts(built) -> None:
    """The cells issue 10 filled (they were empty while the roll lacked the facts)."""
    _year, _unit, fs, _result, counts = next(b for b in built if b[1].kind == "commune")
    te = book(form_of(fs, "MN-01-TE")).worksheets[0]
    assert all(isinstance(te.cell(r, c).value, int) for r in (20, 22) for c in range(6, 14))
    kt = book(form_of(fs, "MN-05-KT")).worksheets[0]
    for label, code in (("Nhìn", "vision"), ("Vận động", "mobility")):
        col = find_col(kt, label)
        assert [kt.cell(8 + age, col).value for age in range(6)] == [
            counts.get(age, {}).get(f"disabled_type_{code}", 0) for age in range(6)], label
    total = find_col(kt, "Tổng số trẻ khuyết tật")
    assert any(isinstance(kt.cell(r, total).value, int) for r in range(8, 14))
    m1 = book(form_of(fs, "TH-M1")).worksheets[0]
    repeat = find_row(m1, "Lưu ban")
    assert all(isinstance(m1.cell(repeat, c).value, int) for c in range(6, 17))


async def test_pending_list_is_exactly_what_the_forms_use(built) -> None:
    used: set[str] = set()
    for *_, fs, _result, _counts in built:
        used |= fs.data.pending_used
    assert used == set(pending.ALL), (set(pending.ALL) - used, used - set(pending.ALL))


async def test_cross_form_checks_find_no_disagreement_in_the_demo(built) -> None:
    for year, unit, fs, *_ in built:
        assert len(fs.findings) >= 30, (unit.code, year)
        assert fs.disagreements == [], (unit.code, year, fs.disagreements[:3])
        ws = book(fs.checks_form()).worksheets[0]
        assert "đều khớp" in ws["A2"].value
