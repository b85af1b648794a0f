"""The demo province on a real PostgreSQL: shape, determinism, idempotence, logins, spread."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pcgd import db
from pcgd.accounts.service import authenticate
from pcgd.demo import profiles, service
from pcgd.demo.plan import plan_demo
from pcgd.errors import UserError
from pcgd.units import service as units

PROVINCE = "20"  # Lạng Sơn: no other test uses it
OLD_YEAR, NEW_YEAR = 2024, 2025
PERSONS, SEED = 3000, 11

_ROW_TEXT = """
SELECT md5(string_agg(concat_ws('|', h.household_code, hm.name, h.address, py.position,
    p.full_name, p.name_key, p.birth_date, p.birth_year, p.sex, p.ethnicity, p.personal_id,
    p.father_name, p.mother_name, py.relation, py.residence_type, py.disability, py.movement,
    py.movement_date, py.enrolled_level, py.enrolled_grade, py.school_code, py.mn_completed_year,
    py.mn_group_completed, py.th_completed_year, py.thcs_graduated_year, py.thpt_graduated_year,
    py.gdnn_completed_year, py.xmc_stage_completed, py.dropout_grade, py.dropout_year),
    E'\\n' ORDER BY h.household_code, py.position))
FROM person_year py JOIN person p ON p.id = py.person JOIN household h ON h.id = py.household
JOIN hamlet hm ON hm.id = h.hamlet
WHERE py.commune = ANY($1::int[]) AND py.year = $2
"""


async def _ids(codes: list[str], year: int) -> list[int]:
    return [(await units.resolve(c, year, kind="commune")).id for c in codes]


async def _checksum(codes: list[str], year: int) -> str:
    return await db.pool().fetchval(_ROW_TEXT, await _ids(codes, year), year)


@pytest.fixture(scope="module")
async def old_demo(database: str) -> dict:
    return await service.build_demo(PROVINCE, OLD_YEAR, PERSONS, SEED)


async def test_three_tier_result_and_counts(old_demo: dict) -> None:
    assert old_demo["province"] == PROVINCE and old_demo["year"] == OLD_YEAR
    n = len(old_demo["communes"])
    assert len(old_demo["districts"]) == 3 and n >= 12
    assert old_demo["persons"] == PERSONS
    roles = [u["role"] for u in old_demo["users"]]
    assert roles == ["admin", "province"] + ["district"] * 3 + ["commune"] * n
    ids = await _ids(old_demo["communes"], OLD_YEAR)
    row = await db.pool().fetchrow(
        "SELECT count(*) AS persons, count(DISTINCT household) AS households,"
        " count(DISTINCT person) AS distinct_persons FROM person_year"
        " WHERE commune = ANY($1::int[]) AND year = $2",
        ids, OLD_YEAR,
    )
    assert row["persons"] == row["distinct_persons"] == PERSONS
    assert row["households"] == old_demo["households"]
    for code in old_demo["communes"]:
        commune = await units.resolve(code, OLD_YEAR, kind="commune")
        assert commune.parent_code in old_demo["districts"]
    flags = await units.dbkk_flags(ids, OLD_YEAR)
    assert len(flags) == n and 1 <= sum(flags.values()) <= 4
    periods = await db.pool().fetchval(
        "SELECT count(*) FROM survey_period WHERE commune = ANY($1::int[]) AND year = $2"
        " AND status = 'draft'", ids, OLD_YEAR,
    )
    assert periods == n


async def test_one_district_is_entered_in_full_and_recognised(old_demo: dict) -> None:
    """Every commune of the full district has data; most pass; the district is recognised."""
    from pcgd.compliance.service import evaluate_unit

    full = old_demo["full_district"]
    assert full in old_demo["districts"]
    district = await units.resolve(full, OLD_YEAR, kind="district")
    under = {c.code for c in await units.communes_under(district, OLD_YEAR)}
    assert len(under) >= 8 and under <= set(old_demo["communes"])
    others = set(old_demo["communes"]) - under
    assert others and len(old_demo["districts"]) == 3
    result = await evaluate_unit(district, OLD_YEAR, with_children=True)
    children = result["children"]
    assert all(child["has_data"] for child in children)
    passing = [c for c in children
               if all(s["recognized_level"] >= 1 for s in c["standards"])]
    assert len(passing) >= 0.8 * len(children)
    assert all(s["recognized_level"] >= 1 for s in result["standards"]), result["standards"]


async def test_households_have_2_to_7_people_and_one_head(old_demo: dict) -> None:
    ids = await _ids(old_demo["communes"], OLD_YEAR)
    rows = await db.pool().fetch(
        "SELECT household, count(*) AS size, count(*) FILTER (WHERE relation = 'chu_ho') AS heads"
        " FROM person_year WHERE commune = ANY($1::int[]) AND year = $2 GROUP BY household",
        ids, OLD_YEAR,
    )
    assert rows and all(2 <= r["size"] <= 7 and r["heads"] == 1 for r in rows)
    hamlets = await db.pool().fetch(
        "SELECT commune, count(*) AS n FROM hamlet WHERE commune = ANY($1::int[])"
        " GROUP BY commune", ids,
    )
    assert len(hamlets) == len(ids) and all(3 <= r["n"] <= 6 for r in hamlets)


async def test_grades_and_years_fit_ages(old_demo: dict) -> None:
    ids = await _ids(old_demo["communes"], OLD_YEAR)
    rows = await db.pool().fetch(
        "SELECT $2 - p.birth_year AS age, py.* FROM person_year py"
        " JOIN person p ON p.id = py.person WHERE py.commune = ANY($1::int[]) AND py.year = $2",
        ids, OLD_YEAR,
    )
    school = {"TH", "THCS", "THPT", "GDTX_THPT"}
    for r in rows:
        level, grade, age = r["enrolled_level"], r["enrolled_grade"], r["age"]
        if level in school:
            assert 0 <= age - 5 - int(grade) <= 2, dict(r)
        elif level == "MN":
            assert (grade == "NT" and age <= 2) or 0 <= age - int(grade) <= 1, dict(r)
        elif level == "XMC":
            assert age >= 19
        for column in ("mn_completed_year", "th_completed_year", "thcs_graduated_year",
                       "thpt_graduated_year", "gdnn_completed_year", "dropout_year"):
            value = r[column]
            assert value is None or OLD_YEAR - age + 4 <= value <= OLD_YEAR, (column, dict(r))
    levels = {r["enrolled_level"] for r in rows}
    assert {"MN", "TH", "THCS", "THPT"} <= levels
    unknown = await db.pool().fetchval(
        "SELECT count(*) FROM person_year py WHERE py.commune = ANY($1::int[]) AND py.year = $2"
        " AND py.school_code <> '' AND NOT EXISTS (SELECT 1 FROM school s"
        " WHERE s.code = py.school_code)", ids, OLD_YEAR,
    )
    assert unknown == 0


async def test_users_can_log_in(old_demo: dict) -> None:
    users = old_demo["users"]
    for user in (users[0], users[1], users[2], users[-1]):
        current = await authenticate(user["username"], user["password"])
        assert current is not None and current.role == user["role"]
        assert (current.unit_code or "") == user["unit"]
    assert await authenticate(users[-1]["username"], "wrong password") is None
    logins = await service.demo_logins(PROVINCE, OLD_YEAR)
    assert logins["users"] == users
    assert await service.demo_exists(PROVINCE, OLD_YEAR)


async def test_rerun_is_deterministic_and_idempotent(old_demo: dict) -> None:
    before = await _checksum(old_demo["communes"], OLD_YEAR)
    persons = await db.pool().fetchval("SELECT count(*) FROM person")
    households = await db.pool().fetchval("SELECT count(*) FROM household")
    again = await service.build_demo(PROVINCE, OLD_YEAR, PERSONS, SEED)
    assert again == old_demo
    assert await _checksum(old_demo["communes"], OLD_YEAR) == before
    assert await db.pool().fetchval("SELECT count(*) FROM person") == persons
    assert await db.pool().fetchval("SELECT count(*) FROM household") == households


async def test_two_tier_year_has_no_districts(database: str) -> None:
    result = await service.build_demo(PROVINCE, NEW_YEAR, PERSONS, SEED)
    assert result["districts"] == [] and len(result["communes"]) == 12
    assert {u["role"] for u in result["users"]} == {"admin", "province", "commune"}
    province = await units.resolve(PROVINCE, NEW_YEAR, kind="province")
    under = {c.code for c in await units.communes_under(province, NEW_YEAR)}
    assert set(result["communes"]) <= under
    # Another seed picks other communes; the earlier demo's communes are emptied, not kept.
    other = await service.build_demo(PROVINCE, NEW_YEAR, PERSONS, SEED + 1)
    ids = await _ids(sorted(under), NEW_YEAR)
    filled = await db.pool().fetch(
        "SELECT DISTINCT u.code FROM household h JOIN admin_unit u ON u.id = h.commune"
        " WHERE h.commune = ANY($1::int[]) AND h.year = $2", ids, NEW_YEAR,
    )
    assert {r["code"] for r in filled} == set(other["communes"]) != set(result["communes"])


async def test_bad_input_is_a_user_error(database: str) -> None:
    with pytest.raises(UserError):
        await service.build_demo("99", OLD_YEAR, PERSONS, SEED)
    with pytest.raises(UserError):
        await service.build_demo(PROVINCE, 2013, PERSONS, SEED)
    with pytest.raises(UserError):
        await service.build_demo(PROVINCE, OLD_YEAR, 10, SEED)


async def test_communes_spread_across_levels(database: str) -> None:
    """With the project's evaluator, each commune reaches the levels its profile aims at."""
    from pcgd.compliance.service import evaluate_communes
    from surveys.rollup import service as rollup

    year = 2023
    result = await service.build_demo("14", year, 30_000, 5)  # Sơn La
    communes = [await units.resolve(c, year, kind="commune") for c in result["communes"]]
    await rollup.rebuild([c.id for c in communes], year)
    evaluated = await evaluate_communes(communes, year)
    levels = [{s["standard"]: s["level"] for s in r["standards"]} for r in evaluated]
    got = [tuple(lv[s] for s in ("mn5", "th", "thcs", "xmc")) for lv in levels]
    plan = await plan_demo("14", year, 30_000, 5)
    wanted = [profiles.PROFILES[spec.profile].levels for spec in plan.specs]
    assert [c.code for c in plan.communes] == result["communes"]
    assert got == wanted
    assert sum(g[0] >= 1 and g[1] >= 1 and g[2] >= 1 and g[3] >= 1 for g in got) >= 8


@pytest.mark.slow
def test_cli_json_and_errors(database: str) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    cli = [os.path.join(os.path.dirname(sys.executable), "pcgd")]
    done = subprocess.run(
        [*cli, "demo", "--province", "17", "--year", "2023", "--persons", "600", "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"province", "year", "communes", "users"} <= set(out)
    assert out["province"] == "17" and out["year"] == 2023
    assert {"username", "password", "role", "unit"} == set(out["users"][0])
    for args in (["--province", "99"], ["--year", "2031"]):
        bad = subprocess.run([*cli, "demo", *args], env=env, capture_output=True, text=True,
                             timeout=300)
        assert bad.returncode == 1
        assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error:"), bad.stderr
