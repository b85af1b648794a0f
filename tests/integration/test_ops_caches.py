"""The shared cache mechanism in one process: each table behind a cache bumps its topic, and a
refresh empties exactly the caches registered for the topics that moved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pcgd import db
from pcgd.accounts import scope, sessions
from pcgd.accounts.schemas import CurrentUser
from pcgd.ops import caches
from pcgd.units import service as units
from surveys import service as surveys

# table → topic; a statement that changes no row still counts (statement-level triggers).
TABLES = {
    "user_account": "users",
    "admin_unit": "units",
    "unit_succession": "units",
    "school": "schools",
    "survey_period": "workflow",
}


@pytest.fixture
def instant() -> Iterator[None]:
    caches.set_interval(0)
    try:
        yield
    finally:
        caches.set_interval(1000)


def fill() -> None:
    """A stale-looking entry in every registered real cache."""
    scope._cache[(-1, 2025)] = (0.0, scope.Scope(2025, frozenset()))
    units._resolved[("x", 2025, None)] = None  # type: ignore[assignment]
    units._by_id[-1] = None  # type: ignore[assignment]
    surveys._schools = (1e18, frozenset({"X"}))
    sessions._known["x"] = (1e18, CurrentUser(-1, "x", "commune", None, None, None, None))
    surveys._open_seen[(-1, 2025)] = 1e18


def filled() -> dict[str, bool]:
    return {
        "scope": (-1, 2025) in scope._cache,
        "units": ("x", 2025, None) in units._resolved,
        "unit ids": -1 in units._by_id,
        "schools": "X" in surveys._schools[1],
        "sessions": "x" in sessions._known,
        "open rolls": (-1, 2025) in surveys._open_seen,
    }


def unfill() -> None:
    scope._cache.clear()
    for cache, key in ((units._resolved, ("x", 2025, None)), (units._by_id, -1),
                       (sessions._known, "x"), (surveys._open_seen, (-1, 2025))):
        cache.pop(key, None)  # type: ignore[attr-defined]
    surveys.forget_schools()


EMPTIED = {  # which real caches a topic's change must empty
    # (the sessions the household saves remember: every save checks its session in the database)
    "users": {"scope", "sessions"},
    "units": {"scope", "units", "unit ids"},
    "schools": {"schools"},
    "workflow": {"open rolls"},
}


async def test_each_table_empties_its_topics_caches_and_only_those(database: str,
                                                                   instant: None) -> None:
    await caches.refresh()  # the process's first look
    for table, topic in TABLES.items():
        fill()
        await caches.refresh()
        assert all(filled().values()), "nothing changed: nothing emptied"
        before = caches.changed_topics()[topic]
        column = "old_unit" if table == "unit_succession" else "id"
        await db.pool().execute(f"UPDATE {table} SET {column} = {column} WHERE false")
        await caches.refresh()
        assert caches.changed_topics()[topic] == before + 1
        state = filled()
        assert {name for name, kept in state.items() if not kept} == EMPTIED[topic], table
    unfill()


async def test_changes_in_a_rolled_back_transaction_empty_nothing(database: str,
                                                                  instant: None) -> None:
    await caches.refresh()
    fill()
    async with db.pool().acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("UPDATE user_account SET id = id WHERE false")
        await tx.rollback()
    await caches.refresh()
    assert filled()["scope"]
    unfill()
