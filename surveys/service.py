"""The household write path: every save (web form, API, import, fixes) goes through here.

One transaction per save: lock check, version check (optimistic locking), validation with the
roll-format rules, person and status upserts, the indicator-count delta, and the audit entry.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import Conflict, Locked, NotFound, ValidationFailed
from pcgd.units import service as units
from surveys.roll.model import RollHousehold, RollPerson
from surveys.roll.text import name_key
from surveys.roll.validate import parse_roll_rows
from surveys.rollup import service as rollup
from surveys.schemas import HouseholdIn, HouseholdOut, HouseholdSummary, MemberOut

STATUS_FIELDS = (
    "relation", "residence_type", "disability", "movement", "movement_date",
    "enrolled_level", "enrolled_grade", "school_code", "mn_completed_year",
    "mn_group_completed", "th_completed_year", "thcs_graduated_year", "thpt_graduated_year",
    "gdnn_completed_year", "xmc_stage_completed", "dropout_grade", "dropout_year",
)
PERSON_FIELDS = (
    "full_name", "birth_date", "birth_year", "sex", "ethnicity", "personal_id",
    "father_name", "mother_name",
)

_schools: tuple[float, frozenset[str]] = (0.0, frozenset())


async def known_schools() -> frozenset[str]:
    """School codes of the registry, cached briefly (validation runs on every save)."""
    global _schools
    now = time.monotonic()
    if now - _schools[0] > 30:
        rows = await db.pool().fetch("SELECT code FROM school")
        _schools = (now, frozenset(r["code"] for r in rows))
    return _schools[1]


def forget_schools() -> None:
    global _schools
    _schools = (0.0, frozenset())


@dataclass(frozen=True, slots=True)
class Target:
    commune: units.Unit
    year: int


async def check_unlocked(conn: asyncpg.Connection, commune_id: int, year: int) -> None:
    status = await conn.fetchval(
        "SELECT status FROM survey_period WHERE commune = $1 AND year = $2", commune_id, year
    )
    if status == "locked":
        raise Locked(f"phiếu điều tra năm {year} của xã đã khóa (survey locked)")


def validate(data: HouseholdIn, year: int, schools: frozenset[str]) -> tuple[RollHousehold, list]:
    """Apply the roll-format rules; raises ValidationFailed with per-field errors."""
    members = [
        {k: v for k, v in msgspec_to_dict(m).items() if k not in ("person_id", "confirmed")}
        for m in data.members
    ]
    check = parse_roll_rows(
        members,
        year=year,
        known_schools=schools,
        household={
            "household_code": data.household_code,
            "hamlet": data.hamlet,
            "address": data.address,
        },
    )
    if not check.ok or check.household is None:
        errors = [
            {"row": i.row, "field": i.column, "message": i.message}
            for i in check.issues
            if i.severity == "error"
        ]
        raise ValidationFailed("dữ liệu không hợp lệ (invalid data)", errors)
    warnings = [
        {"row": i.row, "field": i.column, "message": i.message}
        for i in check.issues
        if i.severity == "warning"
    ]
    return check.household, warnings


def msgspec_to_dict(obj: Any) -> dict[str, Any]:
    return msgspec.structs.asdict(obj)


# --- reading ---------------------------------------------------------------------------------

_MEMBERS_SQL = f"""
SELECT py.id AS person_year_id, py.household, p.id AS person_id, p.full_name, p.birth_date,
       p.birth_year, p.sex, p.ethnicity, coalesce(p.personal_id, '') AS personal_id,
       p.father_name, p.mother_name, py.confirmed, {", ".join("py." + f for f in STATUS_FIELDS)}
FROM person_year py JOIN person p ON p.id = py.person
WHERE py.household = ANY($1::int[]) ORDER BY py.household, py.position, py.id
"""


def _member_out(row: asyncpg.Record) -> MemberOut:
    d = dict(row)
    d.pop("household", None)
    birth = d.pop("birth_date")
    year = d.pop("birth_year")
    d["birth_date"] = birth.isoformat() if birth else str(year)
    d["movement_date"] = d["movement_date"].isoformat() if d["movement_date"] else ""
    return MemberOut(**d)


async def _fetch(conn: asyncpg.Connection | asyncpg.Pool, household_id: int) -> HouseholdOut:
    row = await conn.fetchrow(
        "SELECT h.id, u.code AS commune, h.year, h.household_code, m.name AS hamlet, h.address,"
        " h.version, h.commune AS commune_id FROM household h JOIN admin_unit u ON u.id = h.commune"
        " JOIN hamlet m ON m.id = h.hamlet WHERE h.id = $1",
        household_id,
    )
    if row is None:
        raise NotFound(f"không có hộ {household_id} (no such household)")
    members = [_member_out(r) for r in await conn.fetch(_MEMBERS_SQL, [household_id])]
    head = next((m for m in members if m.relation == "chu_ho"), None)
    d = dict(row)
    d.pop("commune_id")
    return HouseholdOut(
        **d, residence_type=head.residence_type if head else "", members=members
    )


async def household_commune(household_id: int) -> tuple[int, int]:
    row = await db.pool().fetchrow(
        "SELECT commune, year FROM household WHERE id = $1", household_id
    )
    if row is None:
        raise NotFound(f"không có hộ {household_id} (no such household)")
    return row["commune"], row["year"]


async def get_household(scope: Scope, household_id: int) -> HouseholdOut:
    commune_id, _ = await household_commune(household_id)
    scope.check(commune_id)
    return await _fetch(db.pool(), household_id)


async def list_households(
    scope: Scope,
    commune: units.Unit,
    year: int,
    *,
    q: str = "",
    hamlet: str = "",
    limit: int = 100,
    offset: int = 0,
) -> list[HouseholdSummary]:
    """Households of a commune; `q` matches member names without case or diacritics."""
    scope.check(commune.id)
    key = name_key(q) if q else ""
    rows = await db.pool().fetch(
        "SELECT h.id, h.household_code, m.name AS hamlet, h.address, h.version,"
        " coalesce(max(p.full_name) FILTER (WHERE py.relation = 'chu_ho'), '') AS head,"
        " count(py.id) AS members, count(py.id) FILTER (WHERE NOT py.confirmed) AS unconfirmed"
        " FROM household h JOIN hamlet m ON m.id = h.hamlet"
        " LEFT JOIN person_year py ON py.household = h.id LEFT JOIN person p ON p.id = py.person"
        f" WHERE h.commune = $1 AND h.year = $2 AND {scope.sql('h.commune', 3)}"
        " AND ($4 = '' OR m.name = $4)"
        " GROUP BY h.id, m.name"
        " HAVING $5 = '' OR bool_or(p.name_key LIKE '%' || $5 || '%')"
        " OR h.household_code ILIKE '%' || $5 || '%'"
        " ORDER BY h.household_code LIMIT $6 OFFSET $7",
        commune.id, year, scope.param(), hamlet, key, limit, offset,
    )
    return [HouseholdSummary(**dict(r)) for r in rows]


# --- writing ---------------------------------------------------------------------------------


def _person_values(p: RollPerson) -> tuple[Any, ...]:
    return (
        p.full_name, name_key(p.full_name), p.birth_date, p.birth_year, p.sex, p.ethnicity,
        p.personal_id or None, p.father_name, p.mother_name,
    )


def _status_values(p: RollPerson) -> tuple[Any, ...]:
    return tuple(getattr(p, f) for f in STATUS_FIELDS)


_INSERT_PERSONS = (
    "INSERT INTO person (full_name, name_key, birth_date, birth_year, sex, ethnicity,"
    " personal_id, father_name, mother_name)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::text[],"
    " $6::text[], $7::text[], $8::text[], $9::text[]) RETURNING id"
)
_UPDATE_PERSON = (
    "UPDATE person SET full_name = $2, name_key = $3, birth_date = $4, birth_year = $5, sex = $6,"
    " ethnicity = $7, personal_id = $8, father_name = $9, mother_name = $10 WHERE id = $1"
)
_STATUS_COLS = ", ".join(STATUS_FIELDS)
_STATUS_PARAMS = ", ".join(f"${i}" for i in range(7, 7 + len(STATUS_FIELDS)))
_INSERT_STATUS = (
    "INSERT INTO person_year (person, household, commune, year, position, confirmed,"
    f" {_STATUS_COLS}) VALUES ($1, $2, $3, $4, $5, $6, {_STATUS_PARAMS})"
)
_UPDATE_STATUS = (
    "UPDATE person_year SET household = $2, commune = $3, year = $4, position = $5,"
    f" confirmed = $6, ({_STATUS_COLS}) = ROW({_STATUS_PARAMS}) WHERE id = $1"
)


async def _write_members(
    conn: asyncpg.Connection,
    household_id: int,
    commune_id: int,
    year: int,
    household: RollHousehold,
    data: HouseholdIn,
) -> None:
    existing = {
        r["person"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, person FROM person_year WHERE household = $1", household_id
        )
    }
    keep: set[int] = set()
    new_people: list[tuple[int, RollPerson, bool]] = []
    person_updates: list[tuple[Any, ...]] = []
    status_updates: list[tuple[Any, ...]] = []
    for position, (person, member) in enumerate(zip(household.members, data.members, strict=True)):
        pid = member.person_id
        if pid is not None and pid in existing:
            keep.add(pid)
            person_updates.append((pid, *_person_values(person)))
            status_updates.append(
                (existing[pid], household_id, commune_id, year, position, member.confirmed,
                 *_status_values(person))
            )
        else:
            new_people.append((position, person, member.confirmed))
    removed = [py_id for pid, py_id in existing.items() if pid not in keep]
    if removed:
        gone = await conn.fetch(
            "DELETE FROM person_year WHERE id = ANY($1::int[]) RETURNING person", removed
        )
        await conn.execute(
            "DELETE FROM person p WHERE p.id = ANY($1::int[])"
            " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.linked IS NOT NULL"
            "  AND y.person = p.id)",
            [r["person"] for r in gone],
        )
    if person_updates:
        await conn.executemany(_UPDATE_PERSON, person_updates)
    if status_updates:
        await conn.executemany(_UPDATE_STATUS, status_updates)
    if new_people:
        columns = list(zip(*(_person_values(p) for _, p, _ in new_people), strict=True))
        ids = await conn.fetch(_INSERT_PERSONS, *[list(c) for c in columns])
        await conn.executemany(
            _INSERT_STATUS,
            [
                (row["id"], household_id, commune_id, year, position, confirmed,
                 *_status_values(person))
                for row, (position, person, confirmed) in zip(ids, new_people, strict=True)
            ],
        )


def _unique_violation(exc: asyncpg.UniqueViolationError) -> ValidationFailed:
    if exc.constraint_name == "household_key":
        return ValidationFailed(
            "số phiếu đã tồn tại trong xã năm này",
            [{"row": -1, "field": "household_code", "message": "Số phiếu: đã có hộ khác dùng"}],
        )
    return ValidationFailed(
        "một người đã được tính ở hộ khác trong năm",
        [{"row": -1, "field": "person_id",
          "message": "Thành viên: người này đã có trong một hộ khác năm này"}],
    )


async def create_household(
    user: CurrentUser, scope: Scope, commune: units.Unit, year: int, data: HouseholdIn
) -> HouseholdOut:
    scope.check(commune.id)
    household, warnings = validate(data, year, await known_schools())
    try:
        async with db.transaction() as conn:
            await check_unlocked(conn, commune.id, year)
            hamlet_id = await units.ensure_hamlet(conn, commune.id, household.hamlet)
            household_id = await conn.fetchval(
                "INSERT INTO household (commune, year, hamlet, household_code, address, version,"
                " updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
                commune.id, year, hamlet_id, household.household_code, household.address,
                datetime.now(UTC),
            )
            await _write_members(conn, household_id, commune.id, year, household, data)
            await rollup.add_households(conn, [household_id])
            saved = await _fetch(conn, household_id)
            await audit.record(
                conn, user, "create", "household", household_id, commune_id=commune.id,
                year=year, after=_audit_view(saved),
            )
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc) from exc
    saved.warnings = warnings
    return saved


async def update_household(
    user: CurrentUser, scope: Scope, household_id: int, data: HouseholdIn, *, reason: str = ""
) -> HouseholdOut:
    commune_id, year = await household_commune(household_id)
    scope.check(commune_id)
    if data.version is None:
        raise ValidationFailed(
            "thiếu phiên bản (version is required)",
            [{"row": -1, "field": "version", "message": "Phiên bản: bắt buộc khi sửa"}],
        )
    household, warnings = validate(data, year, await known_schools())
    try:
        async with db.transaction() as conn:
            await check_unlocked(conn, commune_id, year)
            hamlet_id = await units.ensure_hamlet(conn, commune_id, household.hamlet)
            bumped = await conn.fetchval(
                "UPDATE household SET version = version + 1, hamlet = $3, household_code = $4,"
                " address = $5, updated_at = $6 WHERE id = $1 AND version = $2 RETURNING id",
                household_id, data.version, hamlet_id, household.household_code,
                household.address, datetime.now(UTC),
            )
            if bumped is None:
                current = await _fetch(conn, household_id)
                raise Conflict(
                    f"hộ đã được người khác lưu (phiên bản {current.version}, bạn sửa từ"
                    f" phiên bản {data.version})",
                    extra={"current": _audit_view(current), "current_version": current.version},
                )
            before = await _fetch(conn, household_id)
            await rollup.subtract_households(conn, [household_id])
            await _write_members(conn, household_id, commune_id, year, household, data)
            await rollup.add_households(conn, [household_id])
            saved = await _fetch(conn, household_id)
            await audit.record(
                conn, user, "update", "household", household_id, commune_id=commune_id,
                year=year, before=_audit_view(before), after=_audit_view(saved), reason=reason,
            )
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc) from exc
    saved.warnings = warnings
    return saved


async def delete_household(
    user: CurrentUser, scope: Scope, household_id: int, *, version: int | None = None
) -> None:
    commune_id, year = await household_commune(household_id)
    scope.check(commune_id)
    async with db.transaction() as conn:
        await check_unlocked(conn, commune_id, year)
        before = await _fetch(conn, household_id)
        if version is not None and version != before.version:
            raise Conflict(
                "hộ đã được người khác lưu", extra={"current_version": before.version}
            )
        await rollup.subtract_households(conn, [household_id])
        people = await conn.fetch(
            "DELETE FROM person_year WHERE household = $1 RETURNING person", household_id
        )
        await conn.execute("DELETE FROM household WHERE id = $1", household_id)
        await conn.execute(
            "DELETE FROM person p WHERE p.id = ANY($1::int[])"
            " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id)",
            [r["person"] for r in people],
        )
        await audit.record(
            conn, user, "delete", "household", household_id, commune_id=commune_id, year=year,
            before=_audit_view(before),
        )


def _audit_view(h: HouseholdOut) -> dict[str, Any]:
    return msgspec.to_builtins(h)


async def apply_member_fix(
    user: CurrentUser,
    person_year_id: int,
    changes: dict[str, object],
    reason: str,
    *,
    scope: Scope | None = None,
) -> HouseholdOut:
    """Change some status fields of one member through the normal save (validation, audit)."""
    household_id = await db.pool().fetchval(
        "SELECT household FROM person_year WHERE id = $1", person_year_id
    )
    if household_id is None:
        raise NotFound(f"không có bản ghi {person_year_id}")
    _, year = await household_commune(household_id)
    if scope is None:
        from pcgd.accounts.scope import scope_for

        scope = await scope_for(user, year)
    current = await get_household(scope, household_id)
    members = []
    for m in current.members:
        values = msgspec_to_dict(m)
        values.pop("person_year_id")
        if m.person_year_id == person_year_id:
            values.update(changes)
        members.append(values)
    data = msgspec.convert(
        {
            "household_code": current.household_code,
            "hamlet": current.hamlet,
            "address": current.address,
            "version": current.version,
            "members": members,
        },
        HouseholdIn,
    )
    return await update_household(user, scope, household_id, data, reason=reason)


async def households_of(commune_ids: Sequence[int], year: int) -> list[int]:
    rows = await db.pool().fetch(
        "SELECT id FROM household WHERE commune = ANY($1::int[]) AND year = $2",
        list(commune_ids), year,
    )
    return [r["id"] for r in rows]
