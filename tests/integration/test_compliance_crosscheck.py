"""Cross-check on demo provinces: stored SQL counts = a plain-Python count of the same people.

The Python side reads raw person / person_year / school rows and applies standards.md §2–§3 and
the metric definitions itself (it never uses the roll-up SQL text), so a slip in either shows up
as a count that differs. Then the roll-up: every district/province `units_at_level["L"]` must be
the number of children whose `recognized_level` ≥ L.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pcgd import db
from pcgd.compliance import service as compliance
from pcgd.standards import load_rules
from pcgd.standards.metrics import DISABLED_SUFFIX, MAX_AGE, NUMERATOR_METRICS
from pcgd.units import service as units
from surveys.rollup import service as rollup
from surveys.rollup.sql import COLUMNS
from tests.factories import login, make_user

demo = pytest.importorskip("pcgd.demo.service", reason="the demo builder is not there yet")

# (province, survey year): a 3-tier year and a 2-tier year, provinces no other test uses.
CASES = [("02", 2024), ("08", 2025)]
PERSONS = 4000
GRADED = {"TH", "THCS", "THPT", "GDTX_THCS", "GDTX_THPT"}

Row = Mapping[str, Any]


def highest_grade_completed(r: Row) -> int:
    """standards.md §3, read literally."""
    candidates = [0]
    if r["th_completed_year"] is not None:
        candidates.append(5)
    if r["thcs_graduated_year"] is not None:
        candidates.append(9)
    if r["thpt_graduated_year"] is not None:
        candidates.append(12)
    grade = (r["enrolled_grade"] or "").strip()
    if r["enrolled_level"] in GRADED and grade.isdigit():
        candidates.append(int(grade) - 1)
    if r["dropout_grade"] is not None:
        candidates.append(r["dropout_grade"] - 1)
    return max(candidates)


def numerators(r: Row, hgc: int) -> dict[str, bool]:
    """Each numerator of the engine's metrics (pcgd.standards.metrics definitions)."""
    level = r["enrolled_level"]
    xmc = r["xmc_stage_completed"] or 0
    mn_group = max(r["mn_group_completed"] or 0, 5 if r["mn_completed_year"] is not None else 0)
    return {
        "mn_attending": level in ("MN", "TH"),
        "mn_enrolled": level == "MN",
        "mn_completed": r["mn_completed_year"] is not None or r["mn_group_completed"] == 5,
        "grade1_plus": hgc >= 1 or level in GRADED,
        "th_completed": hgc >= 5,
        "th_completed_or_enrolled": hgc >= 5 or level == "TH",
        "lit1": hgc >= 3 or xmc >= 1,
        "lit2": hgc >= 5 or xmc >= 2,
        "thcs_graduated": hgc >= 9,
        "studying": level in ("TH", "THCS", "THPT", "GDTX_THPT", "GDNN")
        or r["thpt_graduated_year"] is not None or r["gdnn_completed_year"] is not None,
        "mn_group_ge3": mn_group >= 3,
        "mn_group_ge4": mn_group >= 4,
        "mn_group_ge5": mn_group >= 5,
    }


def person_metrics(r: Row, school_commune: Callable[[str], int | None]) -> dict[str, bool]:
    """Every stored count for one person_year row (standards.md §2 for who counts where)."""
    gone = r["movement"] in ("moved_out", "deceased")
    disabled = r["disability"] != ""
    ppc = not gone and not disabled
    ppc_d = not gone and r["disability"] == "able"
    enrolled = r["enrolled_level"] != ""
    minority = r["ethnicity"] not in ("", "Kinh")
    here = school_commune(r["school_code"]) == r["commune"]
    out = {
        "roll": True,
        "ppc": ppc,
        "ppc_d": ppc_d,
        "roll_female": r["sex"] == "F",
        "roll_minority": minority,
        "roll_disabled": disabled,
        "roll_disabled_able": r["disability"] == "able",
        "roll_disabled_enrolled": disabled and enrolled,
        "roll_tam_tru": r["residence_type"] == "tam_tru",
        "moved_in": r["movement"] == "moved_in",
        "moved_out": r["movement"] == "moved_out",
        "deceased": r["movement"] == "deceased",
        "ppc_female": ppc and r["sex"] == "F",
        "ppc_minority": ppc and minority,
        "enrolled": not gone and enrolled,
        "enrolled_here": not gone and enrolled and here,
        "enrolled_elsewhere": not gone and enrolled and not here,
        # The official workbook's facts (issue 10), from the raw columns.
        **{f"disabled_type_{code}": disabled and code in r["disability_types"].split(",")
           for code in ("mobility", "hearing_speech", "vision", "neuro_mental", "intellectual",
                        "learning", "autism", "other")},
        "repeaters": not gone and r["repeating"],
        "mn_two_sessions": not gone and r["enrolled_level"] == "MN" and r["two_sessions"],
        "mn_vn_prep": not gone and r["enrolled_level"] == "MN" and r["vn_prep"],
        "relapse_lit1": not gone and r["relapse_level"] == 1,
        "relapse_lit2": not gone and r["relapse_level"] == 2,
    }
    for name, hit in numerators(r, highest_grade_completed(r)).items():
        out[name] = ppc and hit
        out[name + DISABLED_SUFFIX] = ppc_d and hit
    return out


async def python_counts(commune_ids: list[int], year: int) -> dict[int, dict[int, Counter]]:
    """commune → age → metric → count, from the raw rows."""
    schools = {r["code"]: r["commune"]
               for r in await db.pool().fetch("SELECT code, commune FROM school")}
    rows = await db.pool().fetch(
        "SELECT py.*, p.birth_year, p.sex, p.ethnicity FROM person_year py"
        " JOIN person p ON p.id = py.person WHERE py.commune = ANY($1::int[]) AND py.year = $2",
        commune_ids, year,
    )
    out: dict[int, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for r in rows:
        age = year - r["birth_year"]
        if age < 0:  # born after the survey year: not a person of that year's roll
            continue
        metrics = person_metrics(r, lambda code: schools.get(code) if code else None)
        out[r["commune"]][min(age, MAX_AGE)].update(k for k, hit in metrics.items() if hit)
    return out


def _nonzero(by_age: Mapping[int, Mapping[str, int]]) -> dict[int, dict[str, int]]:
    return {
        age: {k: v for k, v in m.items() if v}
        for age, m in by_age.items() if any(m.values())
    }


def test_python_side_covers_every_stored_column() -> None:
    row = {
        "movement": "", "disability": "", "enrolled_level": "", "enrolled_grade": "",
        "ethnicity": "", "sex": "F", "residence_type": "thuong_tru", "school_code": "",
        "commune": 1, "th_completed_year": None, "thcs_graduated_year": None,
        "thpt_graduated_year": None, "dropout_grade": None, "xmc_stage_completed": None,
        "mn_group_completed": None, "mn_completed_year": None, "gdnn_completed_year": None,
        "disability_types": "", "repeating": False, "two_sessions": False, "vn_prep": False,
        "relapse_level": None,
    }
    assert set(person_metrics(row, lambda _: None)) == set(COLUMNS)
    assert len(NUMERATOR_METRICS) * 2 + 3 <= len(COLUMNS)


@pytest.fixture(scope="module")
async def demos(database: str) -> list[tuple[units.Unit, int]]:
    """The demo provinces as the builder leaves them (it refreshes the stored counts itself)."""
    built = []
    for code, year in CASES:
        result = await demo.build_demo(code, year, persons=PERSONS, seed=7)
        province = await units.resolve(code, year, kind="province")
        communes = await units.communes_under(province, year)
        assert set(result["communes"]) <= {c.code for c in communes}
        built.append((province, year))
    return built


async def test_sql_counts_equal_python_counts(demos) -> None:
    for province, year in demos:
        communes = await units.communes_under(province, year)
        ids = [c.id for c in communes]
        expected = await python_counts(ids, year)
        assert sum(sum(m["roll"] for m in ages.values()) for ages in expected.values()) > 0
        for name in ("disabled_type_mobility", "mn_two_sessions", "mn_vn_prep"):  # demo shares
            assert sum(m[name] for ages in expected.values() for m in ages.values()) > 0, name
        stored = await rollup.counts_by_commune(ids, year)
        for cid in ids:
            assert _nonzero(stored.get(cid, {})) == _nonzero(expected.get(cid, {})), (
                province.code, year, cid,
            )


def _at_level(children: list[dict], standard: str, level: int) -> int:
    return sum(
        1 for c in children
        if c["has_data"] and next(
            s["recognized_level"] for s in c["standards"] if s["standard"] == standard
        ) >= level
    )


def _check_rollup(result: dict, children: list[dict]) -> None:
    for std in result["standards"]:
        assert std["units_total"] == len(children)
        for key, n in std["units_at_level"].items():
            assert n == _at_level(children, std["standard"], int(key)), (
                result["unit"]["code"], std["standard"], key,
            )


async def test_evaluation_rolls_up_recognised_units(demos) -> None:
    rules = load_rules()
    for province, year in demos:
        result = await compliance.evaluate_unit(province, year, with_children=True)
        children = result["children"]
        assert children and result["has_data"]
        _check_rollup(result, children)
        if units.tier_of(year) == 3:
            assert result["profile"] == "nd20-3tier"
            assert {c["unit"]["kind"] for c in children} == {"district"}
            for child in children:
                district = await units.resolve(child["unit"]["code"], year, kind="district")
                detail = await compliance.evaluate_unit(district, year, with_children=True)
                assert detail["standards"] == child["standards"]
                _check_rollup(detail, detail["children"])
                communes = detail["children"]
                await _check_commune_rows(communes, year, rules)
        else:
            assert result["profile"] == "nd20-2tier"
            assert {c["unit"]["kind"] for c in children} == {"commune"}
            await _check_commune_rows(children, year, rules)


async def _check_commune_rows(results: list[dict], year: int, rules) -> None:
    """Each commune criterion's numerator/denominator = the Python count over its band."""
    ids = {r["unit"]["code"]: (await units.resolve(r["unit"]["code"], year, "commune")).id
           for r in results}
    counts = await python_counts(list(ids.values()), year)
    for res in results:
        by_age = counts.get(ids[res["unit"]["code"]], {})
        for std in res["standards"]:
            for row in std["criteria"]:
                c = next(x for x in rules.criterion(row["id"]) if x.level == row["level"])
                lo, hi = c.band_for(bool(res["dbkk"]))
                num = sum(by_age.get(a, Counter())[c.metric] for a in range(lo, hi + 1))
                den = sum(by_age.get(a, Counter())["ppc"] for a in range(lo, hi + 1))
                assert (row["numerator"], row["denominator"]) == (num, den), (
                    res["unit"]["code"], row["id"], row["level"],
                )


async def test_board_drills_province_district_commune(client, demos) -> None:
    """3-tier year: the province board links its districts, a district board its communes."""
    province, year = next((p, y) for p, y in demos if units.tier_of(y) == 3)
    await login(client, await make_user("province", province.code, year))
    html = {"accept": "text/html"}
    page = await client.get(f"/units/{province.code}/board", params={"year": year}, headers=html)
    assert page.status_code == 200, page.text
    result = await compliance.evaluate_unit(province, year, with_children=True)
    district = next(c["unit"] for c in result["children"] if c["has_data"])
    assert f'href="/units/{district["code"]}/board?year={year}"' in page.text
    assert "nd20-3tier" in page.text

    page = await client.get(f"/units/{district['code']}/board", params={"year": year},
                            headers=html)
    assert page.status_code == 200, page.text
    unit = await units.resolve(district["code"], year, kind="district")
    detail = await compliance.evaluate_unit(unit, year, with_children=True)
    commune = next(c for c in detail["children"] if c["has_data"])
    code = commune["unit"]["code"]
    assert f'href="/units/{code}/board?year={year}"' in page.text
    for std in detail["standards"]:  # "units at level" figures as evaluated
        for lv, n in std["units_at_level"].items():
            assert f"mức {lv}: <strong>{n}</strong>/{std['units_total']}" in page.text

    page = await client.get(f"/units/{code}/board", params={"year": year}, headers=html)
    assert page.status_code == 200, page.text
    assert f'data-dbkk="{"true" if commune["dbkk"] else "false"}"' in page.text
