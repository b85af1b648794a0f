"""The stored counts: per-save deltas equal a full rebuild; evaluation reads them."""

from __future__ import annotations

import random

import msgspec

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.accounts.scope import scope_for
from pcgd.compliance import service as compliance
from pcgd.errors import ValidationFailed
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


RANDOM_COMMUNE = "00082"  # Phường Cửa Nam: no other test writes there
SCHOOL_HERE, SCHOOL_AWAY = "RU-TH-HERE", "RU-TH-AWAY"


def _random_member(rnd: random.Random, n: int, head: bool = False) -> dict[str, object]:
    """A member whose counted facts vary: age, sex, ethnicity, disability, movement, schooling
    (here or in another commune), the workbook's facts."""
    age = rnd.randint(30, 70) if head else rnd.choice((1, 3, 5, 7, 9, 11, 14, 16, 20, 40))
    born = YEAR - age
    m: dict[str, object] = {
        "full_name": f"Người Thử {n} {rnd.randint(1, 10**6)}",
        "birth_date": str(born) if rnd.random() < 0.5 else f"{born}-0{rnd.randint(1, 8)}-15",
        "sex": rnd.choice("MF"), "relation": "chu_ho" if head else "con",
        "ethnicity": rnd.choice(("", "", "Tày", "Hrê")),
    }
    if 6 <= age <= 10 and rnd.random() < 0.8:
        m |= {"enrolled_level": "TH", "enrolled_grade": str(age - 5),
              "school_code": rnd.choice(("", SCHOOL_HERE, SCHOOL_AWAY)),
              "two_sessions": rnd.random() < 0.5, "repeating": rnd.random() < 0.2}
    elif 3 <= age <= 5:
        m |= {"enrolled_level": "MN", "enrolled_grade": str(age),
              "vn_prep": rnd.random() < 0.3}
    elif 11 <= age <= 14 and rnd.random() < 0.8:
        m |= {"enrolled_level": "THCS", "enrolled_grade": str(age - 5),
              "th_completed_year": born + 11}
    elif age >= 16:
        m |= {"th_completed_year": born + 11}
        if rnd.random() < 0.7:
            m["thcs_graduated_year"] = born + 15
        if rnd.random() < 0.2:
            m["relapse_level"] = rnd.choice((1, 2))
    if rnd.random() < 0.15:
        m |= {"disability": rnd.choice(("able", "unable")),
              "disability_types": rnd.choice(("1", "3", "1, 3"))}
    if not head and rnd.random() < 0.1:
        m |= {"movement": "deceased", "movement_date": f"{YEAR}-03-15"}
    return m


async def test_random_saves_match_a_full_rebuild(database: str) -> None:
    """Many saves of every kind (members changed, unchanged, added, dropped, reordered; names
    only; nothing at all): the stored counts stay equal to a rebuild, and each save stores
    exactly what was sent."""
    rnd = random.Random(20261203)
    commune = await units.resolve(RANDOM_COMMUNE, YEAR, kind="commune")
    elsewhere = await units.resolve(COMMUNE, YEAR, kind="commune")
    await db.pool().executemany(
        "INSERT INTO school (code, name, commune, levels, public) VALUES ($1, $1, $2,"
        " ARRAY['TH'], true) ON CONFLICT (code) DO NOTHING",
        [(SCHOOL_HERE, commune.id), (SCHOOL_AWAY, elsewhere.id)],
    )
    service.forget_schools()
    user = await accounts.get_user(await db.pool().fetchval(
        "SELECT id FROM user_account WHERE username = $1",
        await make_user("commune", RANDOM_COMMUNE, YEAR)))
    assert user is not None
    scope = await scope_for(user, YEAR)
    saved = []
    for i in range(6):
        members = [_random_member(rnd, 0, head=True)]
        members += [_random_member(rnd, k) for k in range(1, rnd.randint(2, 5))]
        body = HouseholdIn(household_code=f"RR-{i}", hamlet=rnd.choice(("Tổ 1", "Tổ 2")),
                           members=[MemberIn(**m) for m in members])
        saved.append(await service.create_household(user, scope, commune, YEAR, body))
    kinds: dict[str, int] = {}
    for step in range(60):
        index = rnd.randrange(len(saved))
        current = saved[index]
        members = [msgspec.structs.asdict(m) for m in current.members]
        for m in members:
            m.pop("person_year_id")
        kind = rnd.choice(("counted", "counted", "name", "add", "drop", "reorder", "same"))
        if kind in ("drop", "reorder") and len(members) <= 2:
            kind = "add"
        if kind == "counted":
            target = rnd.randrange(len(members))
            fresh = _random_member(rnd, target, head=members[target]["relation"] == "chu_ho")
            keep = {k: members[target][k] for k in ("person_id", "full_name", "relation")}
            members[target] = {**{k: v for k, v in members[target].items()
                                  if k in ("confirmed",)}, **fresh, **keep}
        elif kind == "name":
            members[-1]["full_name"] = f"Tên Mới {step}"
        elif kind == "add":
            members.append(_random_member(rnd, 10 + step))
        elif kind == "drop":
            members.pop()
        elif kind == "reorder":
            members[1:] = members[:0:-1]
        body = msgspec.convert(
            {"household_code": current.household_code, "hamlet": current.hamlet,
             "address": f"Số {step}", "version": current.version, "members": members},
            HouseholdIn)
        try:
            after = await service.update_household(user, scope, current.id, body)
        except ValidationFailed:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        # What is stored is what was answered, and what was answered is what was sent.
        stored = await service.get_household(scope, current.id)
        assert msgspec.to_builtins(stored) == msgspec.to_builtins(
            msgspec.structs.replace(after, warnings=stored.warnings))
        assert [m.full_name for m in stored.members] == [m["full_name"] for m in members]
        saved[index] = stored
        if step % 15 == 14:
            incremental = await _stored(commune.id)
            await rollup.rebuild([commune.id], YEAR)
            assert incremental == await _stored(commune.id), f"after step {step}"
    assert sum(kinds.values()) >= 40 and len(kinds) == 6, sorted(kinds.items())
    incremental = await _stored(commune.id)
    await rollup.rebuild([commune.id], YEAR)
    assert incremental == await _stored(commune.id)
    audits = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE entity = 'household' AND commune_id = $1",
        commune.id)
    assert audits == 6 + sum(kinds.values())
