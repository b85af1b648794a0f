"""The one place a user's permissions become a query filter: the communes they may see.

Every service that reads or writes survey data takes a Scope and applies `Scope.sql`, so no
route can forget it. Units are resolved in the survey year's tree; a user whose unit belongs to
the other tree (a district account looking at 2025 data) sees the communes its communes became.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pcgd import db
from pcgd.accounts.service import CurrentUser
from pcgd.errors import Forbidden, NotFound
from pcgd.ops import caches
from pcgd.units import service as units

OUTSIDE = "Đơn vị này nằm ngoài phạm vi của tài khoản."


@dataclass(frozen=True, slots=True)
class Scope:
    year: int
    commune_ids: frozenset[int] | None  # None: every commune (admin)

    def allows(self, commune_id: int) -> bool:
        return self.commune_ids is None or commune_id in self.commune_ids

    def check(self, commune_id: int) -> None:
        if not self.allows(commune_id):
            raise Forbidden(OUTSIDE)

    def sql(self, column: str, arg: int) -> str:
        """A WHERE fragment; pass `self.param()` as query argument number `arg`.

        Both forms use the argument, so a caller passes it whatever the role (an admin's
        NULL makes the fragment true); the texts differ, so each gets its own plan.
        """
        if self.commune_ids is None:
            return f"${arg}::int[] IS NULL"
        return f"{column} = ANY(${arg}::int[])"

    def param(self) -> list[int] | None:
        return None if self.commune_ids is None else sorted(self.commune_ids)


_cache: dict[tuple[int, int], tuple[float, Scope]] = {}
_TTL = 60.0
caches.register(("users", "units"), _cache.clear)  # an account's unit, or the unit trees


async def scope_for(user: CurrentUser, year: int) -> Scope:
    key = (user.id, year)
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL:
        return hit[1]
    scope = Scope(year, None if user.is_admin else await _communes_of(user, year))
    _cache[key] = (now, scope)
    return scope


def forget(user_id: int | None = None) -> None:
    """Drop cached scopes (after a change of units or accounts)."""
    for cache in (_cache, _open):
        for key in [k for k in cache if user_id is None or k[0] == user_id]:
            cache.pop(key, None)


async def _communes_of(user: CurrentUser, year: int) -> frozenset[int]:
    if user.unit_id is None:
        return frozenset()
    unit = await units.get(user.unit_id)
    ref = units.reference_date(year)
    # The unit itself, its communes and its districts' communes, found through the parent
    # index (a filter over the two trees joined read every unit: ~5 ms per user and minute).
    own = await db.pool().fetch(
        "SELECT id FROM admin_unit WHERE kind = 'commune' AND (id = $1 OR parent = $1"
        " OR parent = ANY(ARRAY(SELECT d.id FROM admin_unit d WHERE d.parent = $1)))",
        unit.id,
    )
    ids = [r["id"] for r in own]
    valid = await db.pool().fetch(
        f"SELECT u.id FROM admin_unit u WHERE u.id = ANY($2::int[]) AND {units.VALID_SQL}",
        ref,
        ids,
    )
    if valid:
        return frozenset(r["id"] for r in valid)
    # The account's unit is from the other tree: follow the old→new commune succession.
    mapped = await db.pool().fetch(
        "SELECT DISTINCT CASE WHEN s.old_unit = ANY($1::int[]) THEN s.new_unit ELSE s.old_unit END"
        " AS id FROM unit_succession s WHERE s.old_unit = ANY($1::int[])"
        " OR s.new_unit = ANY($1::int[])",
        ids,
    )
    return frozenset(r["id"] for r in mapped)


async def require_unit(user: CurrentUser, unit: units.Unit, year: int) -> Scope:
    """The user's scope, after checking they may see `unit` (a commune or a whole area)."""
    scope = await scope_for(user, year)
    if scope.commune_ids is None:
        return scope
    if unit.kind == "commune":
        scope.check(unit.id)
        return scope
    communes = await units.communes_under(unit, year)
    if not communes or not all(scope.allows(c.id) for c in communes):
        raise Forbidden(OUTSIDE)
    return scope


_open: dict[tuple[int, int], tuple[float, list[units.Unit]]] = {}


async def open_units(user: CurrentUser, year: int) -> list[units.Unit]:
    """The largest units the user may open in the year, for links (home, menu).

    Their own unit when it exists in that year's tree; otherwise what the succession gives them:
    a whole province or district when every commune of it is theirs, else single communes.
    Admins: every province.
    """
    key = (user.id, year)
    hit = _open.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL:
        return hit[1]
    if user.is_admin:
        found = await units.list_units(year, kind="province")
    elif user.unit_id is None:
        found = []
    else:
        found = await _covering_units(user, year)
    _open[key] = (now, found)
    return found


async def _covering_units(user: CurrentUser, year: int) -> list[units.Unit]:
    own = await units.get(user.unit_id) if user.unit_id else None
    if own is not None:
        try:
            if (await units.resolve(own.code, year, own.kind)).id == own.id:
                return [own]
        except NotFound:
            pass
    mine = (await scope_for(user, year)).commune_ids or frozenset()
    if not mine:
        return []
    rows = await db.pool().fetch(
        "SELECT DISTINCT coalesce(CASE WHEN p.kind = 'province' THEN p.id END, p.parent) AS id"
        " FROM admin_unit u JOIN admin_unit p ON p.id = u.parent WHERE u.id = ANY($1::int[])",
        sorted(mine),
    )
    found: list[units.Unit] = []
    for row in rows:
        province = await units.get(row["id"])
        communes = await units.communes_under(province, year)
        if all(c.id in mine for c in communes):
            found.append(province)
            continue
        by_parent: dict[int | None, list[units.Unit]] = {}
        for c in communes:
            by_parent.setdefault(c.parent_id, []).append(c)
        for parent_id, group in by_parent.items():
            if parent_id != province.id and all(c.id in mine for c in group):
                found.append(await units.get(parent_id))  # type: ignore[arg-type]
            else:
                found += [c for c in group if c.id in mine]
    return sorted(found, key=lambda u: (u.kind != "province", u.kind != "district", u.code))
