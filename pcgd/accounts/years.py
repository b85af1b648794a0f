"""The survey year a request means when it names none.

A page opened without `?year=` shows the latest survey year with data in the user's units (a
user landing on an empty year would think their data is gone); a page about one unit code shows
the latest such year in which that code exists (codes belong to one tree: 2024's district 167
has no 2025 board). Every page and API route asks here, so they all default the same way.
"""

from __future__ import annotations

import time
from datetime import date

from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.errors import NotFound
from pcgd.units import service as units

_cache: dict[int, tuple[float, tuple[int, ...]]] = {}
_TTL = 60.0


def this_year() -> int:
    """The fallback when nothing has data yet: the calendar year."""
    return date.today().year


async def data_years(user: CurrentUser) -> tuple[int, ...]:
    """Survey years with households in the user's units, newest first (cached a minute)."""
    now = time.monotonic()
    hit = _cache.get(user.id)
    if hit and now - hit[0] < _TTL:
        return hit[1]
    candidates = await db.pool().fetch(  # one row per commune and year: small
        "SELECT DISTINCT year FROM change_stamp WHERE commune <> 0 ORDER BY year DESC"
    )
    found = []
    for row in candidates:
        year = int(row["year"])
        if not units.FIRST_SURVEY_YEAR <= year <= this_year() + 1:
            continue
        scope = await scope_for(user, year)
        if await db.pool().fetchval(
            "SELECT EXISTS (SELECT 1 FROM household h WHERE h.year = $1"
            f" AND {scope.sql('h.commune', 2)})",
            year, scope.param(),
        ):
            found.append(year)
    years = tuple(found)
    _cache[user.id] = (now, years)
    return years


def forget(user_id: int | None = None) -> None:
    """Drop cached years (after a roll-forward opened a new year)."""
    for key in [k for k in _cache if user_id is None or k == user_id]:
        _cache.pop(key, None)


async def preferred_years(user: CurrentUser) -> tuple[int, ...]:
    """Years with data, those whose tree holds the user's own unit first (newest first each).

    A 2024 district account sees its district in 2024, not the 2025 communes its communes were
    merged into (still reachable with the year selector).
    """
    years = await data_years(user)
    if user.unit_id is None:
        return years
    own = await units.get(user.unit_id)
    mine = []
    for year in years:
        try:
            if (await units.resolve(own.code, year, own.kind)).id == own.id:
                mine.append(year)
        except NotFound:
            continue
    return (*mine, *(y for y in years if y not in mine))


async def latest_year(user: CurrentUser) -> int:
    """The most recent survey year with data in the user's units (else the running year)."""
    years = await preferred_years(user)
    return years[0] if years else this_year()


async def default_year(
    user: CurrentUser, year: int | None, code: str | None = None, kind: str | None = None
) -> int:
    """`year` when given (checked), else the latest year with data where `code` exists."""
    if year is not None:
        return units.check_year(year)
    if code is None:
        return await latest_year(user)
    recent_first = range(this_year(), units.FIRST_SURVEY_YEAR - 1, -1)
    for candidate in (*await preferred_years(user), *recent_first):
        try:
            await units.resolve(code, candidate, kind)
        except NotFound:
            continue
        return candidate
    return await latest_year(user)


async def own_unit_path(user: CurrentUser, year: int | None, page: str) -> str:
    """Where a menu link to "my unit's <page>" goes: the user's unit in its default year; an
    account without a unit (admin) picks a unit first."""
    if user.unit_id is None:
        return f"/units?year={await default_year(user, year)}"
    unit = await units.get(user.unit_id)
    year = await default_year(user, year, unit.code, unit.kind)
    return f"/units/{unit.code}/{page}?year={year}"
