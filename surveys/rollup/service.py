"""Keeping the indicator counts fresh: full rebuilds and per-household deltas."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from pcgd import db
from surveys.rollup import sql

_DELTA_SUB = sql.upsert_delta("py.household = ANY($1::int[])", "-")
_DELTA_ADD = sql.upsert_delta("py.household = ANY($1::int[])", "")
_AGGREGATE = sql.aggregate("py.commune = ANY($1::int[]) AND py.year = $2")
_BUMP_MANY = (
    "INSERT INTO change_stamp (commune, year, stamp) SELECT unnest($1::int[]), $2, 1"
    " ON CONFLICT (commune, year) DO UPDATE SET stamp = change_stamp.stamp + 1"
)
REGISTRY = 0  # change_stamp.commune 0: the registry and flags, which every evaluation reads


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
    # A plain SELECT may run in parallel (INSERT … SELECT never does); the few result rows
    # are then written with COPY.
    rows = await conn.fetch(_AGGREGATE, ids, year)
    await conn.copy_records_to_table(
        "commune_age_count", records=rows, columns=["commune", "year", "age", *sql.COLUMNS]
    )
    await conn.execute(_BUMP_MANY, ids, year)


async def bump(conn: asyncpg.Connection, commune_ids: Sequence[int], year: int) -> None:
    """Tell evaluation caches that these communes changed (ĐBKK flag, registry data)."""
    await conn.execute(_BUMP_MANY, list(commune_ids), year)


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
    commune_ids: Sequence[int], year: int, columns: Sequence[str] | None = None
) -> dict[int, dict[int, dict[str, int]]]:
    """commune id → age → metric → count, for the engine (its columns only) and the forms."""
    wanted = ", ".join(c for c in (columns or sql.COLUMNS) if c in sql.CONDITIONS)
    rows = await db.pool().fetch(
        f"SELECT commune, age, {wanted} FROM commune_age_count"
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
