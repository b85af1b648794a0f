"""Keeping the indicator counts fresh: full rebuilds and per-household deltas."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from pcgd import db
from surveys.rollup import sql

_DELTA_SUB = sql.upsert_delta("py.household = ANY($1::int[])", "-")
_DELTA_ADD = sql.upsert_delta("py.household = ANY($1::int[])", "")
_REBUILD = sql.rebuild("py.commune = ANY($1::int[]) AND py.year = $2")
_COLUMNS = ", ".join(sql.COLUMNS)


async def subtract_households(conn: asyncpg.Connection, household_ids: Sequence[int]) -> None:
    """Take these households' people out of the counts; call before changing them."""
    await conn.execute(_DELTA_SUB, list(household_ids))


async def add_households(conn: asyncpg.Connection, household_ids: Sequence[int]) -> None:
    """Put these households' people (as they now are) into the counts."""
    await conn.execute(_DELTA_ADD, list(household_ids))


async def rebuild_communes(
    conn: asyncpg.Connection, commune_ids: Sequence[int], year: int
) -> None:
    """Recompute the counts of these communes from scratch (same transaction as the caller)."""
    ids = list(commune_ids)
    await conn.execute(
        "DELETE FROM commune_age_count WHERE commune = ANY($1::int[]) AND year = $2", ids, year
    )
    await conn.execute(_REBUILD, ids, year)


async def rebuild(
    commune_ids: Sequence[int],
    year: int,
    *,
    batch: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Rebuild many communes: one aggregation (or batches of `batch` communes for progress)."""
    ids = list(commune_ids)
    step = batch or len(ids) or 1
    async with db.transaction() as conn:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            await rebuild_communes(conn, chunk, year)
            if on_progress:
                on_progress(len(chunk))


async def counts_by_commune(
    commune_ids: Sequence[int], year: int
) -> dict[int, dict[int, dict[str, int]]]:
    """commune id → age → metric → count, for the engine and the forms."""
    rows = await db.pool().fetch(
        f"SELECT commune, age, {_COLUMNS} FROM commune_age_count"
        " WHERE commune = ANY($1::int[]) AND year = $2",
        list(commune_ids),
        year,
    )
    out: dict[int, dict[int, dict[str, int]]] = {cid: {} for cid in commune_ids}
    for row in rows:
        values = dict(row)
        commune = values.pop("commune")
        age = values.pop("age")
        out[commune][age] = values
    return out
