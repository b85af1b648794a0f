"""The household write path: every save (web form, API, import, fixes) goes through here.

Validation with the roll-format rules runs here in Python; then one server-side function call
(surveys/save_sql.py) does the rest in one transaction: scope and lock checks, the version check
(optimistic locking), person and status upserts, the indicator-count deltas, and the audit entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import asyncpg
import msgspec

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.common.text import name_key
from pcgd.errors import Conflict, Forbidden, Locked, NotFound, SessionEnded, ValidationFailed
from pcgd.ops import caches
from pcgd.units import service as units
from surveys import gate, save_sql
from surveys.roll import fields as roll_fields
from surveys.roll.model import RollHousehold, RollPerson
from surveys.roll.validate import parse_roll_rows
from surveys.rollup import service as rollup
from surveys.schemas import HouseholdIn, HouseholdOut, HouseholdSummary, MemberOut

# The column lists live with the save function's SQL; these are their names.
STATUS_FIELDS = tuple(name for name, _ in save_sql.STATUS_FIELDS)
PERSON_KEYS = tuple(name for name, _ in save_sql.PERSON_FIELDS)

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


caches.register("schools", forget_schools)  # a school added or changed through any process


# (commune, year) → when the pre-check last found the roll open. Only "open" is remembered: a
# state change empties it in every process within the cache check interval (the "workflow"
# generation, pcgd.ops.caches; the TTL is the backstop), and a roll closed meanwhile is still
# refused by the gate inside the save (423 after validation instead of before); a closed roll
# is always read again. (At 2 s, 200 communes saving at once cost one query per two saves.)
_open_seen: dict[tuple[int, int], float] = {}
_OPEN_TTL = 60.0
caches.register("workflow", _open_seen.clear)  # a state changed, in any process


async def check_writable(user: CurrentUser | None, commune_id: int, year: int) -> None:
    """Before validation: the role may edit rolls and the commune-year is open (else 403/423).

    A read without lock, so a closed roll answers 423 before any work; the write itself
    passes the gate again inside its transaction (surveys.gate).
    """
    gate.check_role(user)
    now = time.monotonic()
    if now - _open_seen.get((commune_id, year), -10.0) < _OPEN_TTL:
        return  # seen open a moment ago: the gate inside the save checks again, exactly
    state = (await gate.states(db.pool(), [commune_id], year))[commune_id]
    if state not in gate.WRITABLE:
        _open_seen.pop((commune_id, year), None)
        raise Locked(gate.locked_message(state, year))
    if len(_open_seen) > 100_000:
        _open_seen.clear()
    _open_seen[(commune_id, year)] = now


NOT_ROLL = ("person_id", "person_year_id", "confirmed")  # member fields, not roll columns


def validate(data: HouseholdIn, year: int, schools: frozenset[str]) -> tuple[RollHousehold, list]:
    """Apply the roll-format rules; raises ValidationFailed with per-field errors."""
    members = [
        {k: v for k, v in msgspec_to_dict(m).items() if k not in NOT_ROLL}
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

_commune_of: dict[int, tuple[int, int]] = {}  # household id → (commune, year); never changes


def _household_out(raw: str) -> HouseholdOut:
    data = msgspec.json.decode(raw)
    head = next((m for m in data["members"] if m["relation"] == "chu_ho"), None)
    data["residence_type"] = head["residence_type"] if head else ""
    return msgspec.convert(data, HouseholdOut)


async def _fetch(conn: asyncpg.Connection | asyncpg.Pool, household_id: int) -> HouseholdOut:
    raw = await conn.fetchval("SELECT pcgd_household_json($1)::text", household_id)
    if raw is None:
        raise NotFound(f"không có hộ {household_id} (no such household)")
    return _household_out(raw)


async def household_commune(household_id: int) -> tuple[int, int]:
    """(commune id, year) of a household; cached, since a household never moves."""
    hit = _commune_of.get(household_id)
    if hit is not None:
        return hit
    row = await db.pool().fetchrow(
        "SELECT commune, year FROM household WHERE id = $1", household_id
    )
    if row is None:
        raise NotFound(f"không có hộ {household_id} (no such household)")
    if len(_commune_of) > 200_000:
        _commune_of.clear()
    _commune_of[household_id] = (row["commune"], row["year"])
    return row["commune"], row["year"]


HIDDEN_HOUSEHOLD = "không có hộ này hoặc hộ nằm ngoài phạm vi của tài khoản"
INT32_MAX = 2**31 - 1


async def scoped_household(user: CurrentUser, household_id: int) -> tuple[Scope, int]:
    """(the user's scope, year) for a household the user may see.

    A household that does not exist and one outside the user's units answer the same 403, so
    ids cannot be probed; the administrator (who sees everything) gets the plain 404.
    """
    from pcgd.accounts.scope import scope_for

    try:
        if not 0 < household_id <= INT32_MAX:
            raise NotFound(f"không có hộ {household_id}")
        commune_id, year = await household_commune(household_id)
    except NotFound:
        if user.is_admin:
            raise
        raise Forbidden(HIDDEN_HOUSEHOLD) from None
    scope = await scope_for(user, year)
    if not scope.allows(commune_id):
        raise Forbidden(HIDDEN_HOUSEHOLD)
    return scope, year


async def get_household(scope: Scope, household_id: int) -> HouseholdOut:
    commune_id, _ = await household_commune(household_id)
    scope.check(commune_id)
    return await _fetch(db.pool(), household_id)


async def view_household(user: CurrentUser, scope: Scope, household_id: int) -> HouseholdOut:
    """A household opened by a person: the only place full personal IDs are shown (lists mask
    them), so the view is audited when it shows any."""
    out = await get_household(scope, household_id)
    shown = sum(1 for m in out.members if m.personal_id)
    if shown:
        commune_id, year = await household_commune(household_id)
        async with db.transaction() as conn:
            await audit.record(conn, user, "view_personal", "household", household_id,
                               commune_id=commune_id, year=year, after={"personal_ids": shown})
    return out


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


_person_values = roll_fields.person_values
_status_values: Callable[[RollPerson], tuple[Any, ...]] = attrgetter(*STATUS_FIELDS)
_MEMBER_KEYS = (*PERSON_KEYS, *STATUS_FIELDS, "person_id", "confirmed")


def _members_json(household: RollHousehold, data: HouseholdIn) -> bytes:
    """The members as the save function reads them (its record columns, by name)."""
    return msgspec.json.encode([
        dict(zip(_MEMBER_KEYS, (*_person_values(person), *_status_values(person),
                                member.person_id, member.confirmed), strict=True))
        for person, member in zip(household.members, data.members, strict=True)
    ])


CODE_TAKEN = "Số phiếu: đã có hộ khác trong xã dùng số này năm nay"


def _unique_violation(exc: asyncpg.UniqueViolationError) -> ValidationFailed:
    if exc.constraint_name == "household_key":
        return ValidationFailed(
            "số phiếu đã tồn tại trong xã năm này",
            [{"row": -1, "field": "household_code", "message": CODE_TAKEN}],
        )
    return ValidationFailed(
        "một người đã được tính ở hộ khác trong năm",
        [{"row": -1, "field": "person_id",
          "message": "Thành viên: người này đã có trong một hộ khác năm này"}],
    )


async def _save(
    user: CurrentUser,
    scope: Scope,
    data: HouseholdIn,
    household: RollHousehold,
    *,
    household_id: int | None,
    commune_id: int | None,
    year: int | None,
    reason: str = "",
    source: str = "",
    conn: asyncpg.Connection | None = None,
    gate_year: int = 0,
) -> HouseholdOut:
    """One call of pcgd_save_household (see surveys/save_sql.py): one round trip, one commit
    (or a part of the caller's transaction `conn`). The function passes the write gate and
    writes the audit entry; `source` names where the change came from."""
    try:
        raw = await (conn or db.pool()).fetchval(
            "WITH s AS (SELECT set_config('pcgd.source', $13, true),"
            " set_config('pcgd.session', $14, true))"
            " SELECT pcgd_save_household($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10,"
            " $11, $12)::text FROM s",
            household_id, data.version, commune_id, year, household.hamlet,
            household.household_code, household.address,
            _members_json(household, data).decode(), scope.param(),
            user.id if user else None, user.username if user else "system", reason, source,
            user.session if user else "",
        )
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc) from exc
    except asyncpg.PostgresError as exc:
        state = getattr(exc, "sqlstate", "")
        if state == save_sql.SESSION_ENDED:
            raise SessionEnded("phiên đăng nhập đã kết thúc: hãy đăng nhập lại") from exc
        if state == save_sql.NOT_FOUND:
            raise NotFound(f"không có hộ {household_id} (no such household)") from exc
        if state == save_sql.FORBIDDEN:
            raise Forbidden("đơn vị này nằm ngoài phạm vi của tài khoản") from exc
        if state == save_sql.LOCKED:
            raise gate.locked_error(exc, year or gate_year) from exc
        if state == save_sql.CONFLICT:
            assert household_id is not None
            current = await _fetch(db.pool(), household_id)
            raise Conflict(
                f"hộ đã được người khác lưu (phiên bản {current.version}, bạn sửa từ"
                f" phiên bản {data.version})",
                extra={"current": msgspec.to_builtins(current),
                       "current_version": current.version},
            ) from exc
        raise
    return _saved_out(msgspec.json.decode(raw), household, data)


_DATES = tuple(
    f.name for f in roll_fields.FIELDS
    if f.kind in ("date", "birth") and f.table in ("person", "person_year")
)
_OUT_PLAIN = tuple(
    f.name for f in roll_fields.FIELDS
    if f.table in ("person", "person_year") and f.name not in _DATES
)
_out_values = attrgetter(*_OUT_PLAIN)


def _member_out(p: RollPerson) -> dict[str, Any]:
    """The API member fields of a validated RollPerson (dates as ISO text)."""
    out = dict(zip(_OUT_PLAIN, _out_values(p), strict=True))
    out["birth_date"] = p.birth_date.isoformat() if p.birth_date else str(p.birth_year)
    out["movement_date"] = p.movement_date.isoformat() if p.movement_date else ""
    return out


def _saved_out(saved: dict[str, Any], household: RollHousehold, data: HouseholdIn) -> HouseholdOut:
    """The saved household from the validated values plus the ids the database assigned."""
    members = [
        MemberOut(
            person_id=person_id, person_year_id=person_year_id, confirmed=m.confirmed,
            **_member_out(p),
        )
        for (person_id, person_year_id), p, m in zip(
            saved["ids"], household.members, data.members, strict=True
        )
    ]
    head = household.head
    return HouseholdOut(
        id=saved["id"],
        commune=saved["commune"],
        year=saved["year"],
        household_code=household.household_code,
        hamlet=household.hamlet,
        address=household.address,
        residence_type=head.residence_type if head else "",
        version=saved["version"],
        members=members,
    )




async def create_household(
    user: CurrentUser, scope: Scope, commune: units.Unit, year: int, data: HouseholdIn,
    *, source: str = "nhập tay",
) -> HouseholdOut:
    scope.check(commune.id)
    await check_writable(user, commune.id, year)
    household, warnings = validate(data, year, await known_schools())
    saved = await _save_and_link(
        user, scope, data, household, household_id=None, commune_id=commune.id, year=year,
        source=source,
    )
    saved.warnings = warnings
    return saved


async def update_household(
    user: CurrentUser, scope: Scope, household_id: int, data: HouseholdIn, *, reason: str = "",
    source: str = "nhập tay",
) -> HouseholdOut:
    _, year = await household_commune(household_id)
    if data.version is None:
        raise ValidationFailed(
            "thiếu phiên bản (version is required)",
            [{"row": -1, "field": "version", "message": "Phiên bản: bắt buộc khi sửa"}],
        )
    commune_id, _ = await household_commune(household_id)
    await check_writable(user, commune_id, year)
    _check_one_member_per_person(data)
    household, warnings = validate(data, year, await known_schools())
    saved = await _save_and_link(
        user, scope, data, household, household_id=household_id, commune_id=None, year=None,
        reason=reason, source=source, link_to=(commune_id, year),
    )
    saved.warnings = warnings
    return saved


def _check_one_member_per_person(data: HouseholdIn) -> None:
    """Two members naming the same person cannot both be stored (one person_year per person
    and household): 422 instead of a half-understood save."""
    first: dict[int, int] = {}
    errors = []
    for row, member in enumerate(data.members):
        if member.person_id is None:
            continue
        if member.person_id in first:
            errors.append({"row": row, "field": "person_id",
                           "message": f"Thành viên: trùng người với thành viên"
                                      f" {first[member.person_id] + 1}"})
        first.setdefault(member.person_id, row)
    if errors:
        raise ValidationFailed("hai thành viên là cùng một người", errors)


async def _save_and_link(
    user: CurrentUser, scope: Scope, data: HouseholdIn, household: RollHousehold, *,
    household_id: int | None, commune_id: int | None, year: int | None, reason: str = "",
    source: str = "", link_to: tuple[int, int] | None = None,
) -> HouseholdOut:
    """The save, and for a household with movers the linking, in one transaction.

    A saved mover is linked at once to their record in another commune of the province; only
    saves with a moved-in or moved-out member pay for the search (movers.link_movers), and
    linking may merge persons, so the household is then read again.
    """
    where = link_to or (commune_id or 0, year or 0)
    if not any(p.movement in ("moved_in", "moved_out") for p in household.members):
        return await _save(user, scope, data, household, household_id=household_id,
                           commune_id=commune_id, year=year, reason=reason, source=source,
                           gate_year=where[1])
    from surveys import movers  # movers builds on this module

    async with db.transaction() as conn:
        saved = await _save(user, scope, data, household, household_id=household_id,
                            commune_id=commune_id, year=year, reason=reason, source=source,
                            conn=conn, gate_year=where[1])
        linked = await movers.link_movers(conn, [where[0]], where[1], user=user)
        if linked.pairs > 0:
            warnings = saved.warnings
            saved = await _fetch(conn, saved.id)
            saved.warnings = warnings
    return saved


async def delete_household(
    user: CurrentUser, scope: Scope, household_id: int, *, version: int | None = None
) -> None:
    commune_id, year = await household_commune(household_id)
    scope.check(commune_id)
    if version is None:
        raise ValidationFailed(
            "thiếu phiên bản (?version=N): xóa phải kèm phiên bản hộ đã đọc",
            [{"row": -1, "field": "version", "message": "Phiên bản: bắt buộc khi xóa hộ"}],
        )
    await check_writable(user, commune_id, year)
    async with db.transaction() as conn:
        await gate.check_open(conn, [commune_id], year)
        before = await _fetch(conn, household_id)
        if version != before.version:
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
            before=msgspec.to_builtins(before), source="nhập tay",
        )
    _commune_of.pop(household_id, None)


async def apply_member_fix(
    user: CurrentUser | None,
    person_year_id: int,
    changes: dict[str, object],
    reason: str,
    *,
    scope: Scope | None = None,
    source: str = "sửa theo đối chiếu",
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

        scope = await scope_for(user, year) if user is not None else Scope(year, None)
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
    return await update_household(user, scope, household_id, data, reason=reason,
                                  source=source)


async def households_of(commune_ids: Sequence[int], year: int) -> list[int]:
    rows = await db.pool().fetch(
        "SELECT id FROM household WHERE commune = ANY($1::int[]) AND year = $2",
        list(commune_ids), year,
    )
    return [r["id"] for r in rows]
