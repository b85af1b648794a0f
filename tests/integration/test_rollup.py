"""The stored counts: per-save deltas equal a full rebuild; evaluation reads them."""

from __future__ import annotations

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.accounts.scope import scope_for
from pcgd.compliance import service as compliance
from pcgd.units import service as units
from surveys import service
from surveys.rollup import service as rollup
from surveys.rollup.sql import ADDED_COLUMNS, COLUMNS
from surveys.schemas import HouseholdIn, MemberIn
from tests.factories import make_user

YEAR = 2025
COMMUNE = "00070"  # Phường Hoàn Kiếm


def _household(code: str, child_grade: str = "5") -> HouseholdIn:
    return HouseholdIn(
        household_code=code,
        hamlet="Tổ 1",
        members=[
            MemberIn(full_name="Lê Văn Hải", birth_date="1985", sex="M", relation="chu_ho",
                     th_completed_year=1996, thcs_graduated_year=2000, disability="able",
                     disability_types="1, 3", disability_certificate=True, relapse_level=1),
            MemberIn(full_name="Lê Thị Hoa", birth_date="2014-03-01", sex="F", relation="con",
                     enrolled_level="TH", enrolled_grade=child_grade, repeating=True,
                     two_sessions=True),
            MemberIn(full_name="Lê Văn Nam", birth_date="2019", sex="M", relation="con",
                     enrolled_level="TH", enrolled_grade="1", mn_completed_year=2025),
        ],
    )


async def _stored(commune_id: int) -> dict[int, tuple[int, ...]]:
    rows = await db.pool().fetch(
        f"SELECT age, {', '.join(COLUMNS)} FROM commune_age_count"
        " WHERE commune = $1 AND year = $2 ORDER BY age", commune_id, YEAR,
    )
    return {r["age"]: tuple(r[c] for c in COLUMNS) for r in rows if any(r[c] for c in COLUMNS)}


async def test_deltas_match_a_full_rebuild(database: str) -> None:
    commune = await units.resolve(COMMUNE, YEAR, kind="commune")
    user = await accounts.get_user(
        await db.pool().fetchval(
            "SELECT id FROM user_account WHERE username = $1",
            await make_user("commune", COMMUNE, YEAR),
        )
    )
    assert user is not None
    scope = await scope_for(user, YEAR)
    a = await service.create_household(user, scope, commune, YEAR, _household("RU-1"))
    b = await service.create_household(user, scope, commune, YEAR, _household("RU-2", "4"))
    edited = _household("RU-1", "6")
    edited.members[1].enrolled_level = "THCS"
    edited.members[1].th_completed_year = 2025
    edited.members[1].two_sessions = False  # THCS: no longer a primary two-session pupil
    edited.members = edited.members[:2]
    for m, old in zip(edited.members, a.members, strict=False):
        m.person_id = old.person_id
    edited.version = a.version
    await service.update_household(user, scope, a.id, edited)
    await service.delete_household(user, scope, b.id, version=b.version)

    incremental = await _stored(commune.id)
    await rollup.rebuild([commune.id], YEAR)
    rebuilt = await _stored(commune.id)
    assert incremental == rebuilt
    # One household left: the head (age 40) and the 11-year-old who completed primary.
    assert set(rebuilt) == {11, 40}
    # The workbook's facts are counted too, by the same deltas (issue 10).
    at = {age: dict(zip(COLUMNS, values, strict=True)) for age, values in rebuilt.items()}
    assert (at[40]["disabled_type_mobility"], at[40]["disabled_type_vision"],
            at[40]["disabled_type_hearing_speech"], at[40]["relapse_lit1"],
            at[40]["relapse_lit2"]) == (1, 1, 0, 1, 0)
    assert at[11]["repeaters"] == 1
    assert {c for c in ADDED_COLUMNS if any(at[a][c] for a in at)} == {
        "disabled_type_mobility", "disabled_type_vision", "repeaters", "relapse_lit1"}

    result = await compliance.evaluate_unit(commune, YEAR)
    th = next(s for s in result["standards"] if s["standard"] == "th")
    age11 = next(r for r in th["criteria"] if r["id"] == "th.completed_age11" and r["level"] == 2)
    assert (age11["numerator"], age11["denominator"]) == (1, 1)
    assert result["has_data"] is True
