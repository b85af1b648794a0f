"""Reconciliation benchmark: roll versus registry for a whole province.

Builds a demo province of N persons (default 1,000,000) with `pcgd.demo.service.build_demo`, its
registry with `build_registry_demo`, tops the learners up to L (default 250,000) with extra
learners who are on no roll, then times `reconcile(every commune of the province, year)`
(target ≤ 20 s) and one commune's reconciliation. Prints the figures; exits 1 over target.

    .venv/bin/python bench/reconcile.py [--persons 1000000] [--learners 250000] [--year 2025]
        [--province CODE] [--runs 3] [--keep]

Database: a new database on DATABASE_URL's server when set, otherwise an embedded PostgreSQL in
a temporary PCGD_DATA_DIR; it is dropped afterwards unless --keep. `--reuse NAME` times an
existing database of that name on the same server (set PCGD_DATA_DIR to the folder --keep
printed for the embedded one) that already holds the demo: nothing is built or dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from pcgd import db
from pcgd.runtime import fresh_database

TARGET_S = 20.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def open_fresh_database(keep: bool) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A brand-new migrated database with the units loaded; returns (url, cleanup)."""
    fresh = await fresh_database("pcgd_bench")

    async def cleanup() -> None:
        log(await fresh.drop(keep=keep))

    return fresh.url, cleanup


async def top_up_learners(commune_ids: list[int], year: int, wanted: int) -> int:
    """Add learners on no roll (living elsewhere) until the year has `wanted` learners."""
    have = int(await db.pool().fetchval("SELECT count(*) FROM learner WHERE year = $1", year))
    missing = wanted - have
    if missing <= 0:
        return 0
    schools = [r["id"] for r in await db.pool().fetch(
        "SELECT id FROM school WHERE commune = ANY($1::int[]) AND 'TH' = ANY(levels)"
        " ORDER BY id", commune_ids)]
    records = []
    for i in range(missing):
        name = f"Học Sinh Ngoài Tỉnh {i}"
        records.append((
            schools[i % len(schools)], year, f"9{i:011d}", name, name.lower(),
            dt.date(year - 8, 1 + i % 12, 1 + i % 28), "M" if i % 2 else "F", "",
            "TH", str(1 + i % 5), False, None,
        ))
    async with db.transaction() as conn:
        await conn.copy_records_to_table(
            "learner", records=records,
            columns=["school", "year", "personal_id", "full_name", "name_key", "birth_date",
                     "sex", "class_name", "level", "grade", "completed", "home_commune"],
        )
    await db.pool().execute("ANALYZE learner")
    return missing


async def build(province: str, year: int, persons: int, learners: int, seed: int) -> None:
    from pcgd.demo.service import build_demo
    from pcgd.registry.demo import build_registry_demo
    from pcgd.units import service as units

    t = time.perf_counter()
    result = await build_demo(province, year, persons, seed)
    log(f"demo roll: {result['persons']:,} persons in {len(result['communes'])} communes"
        f" ({time.perf_counter() - t:.1f} s)")
    ids = [(await units.resolve(c, year, kind="commune")).id for c in result["communes"]]
    t = time.perf_counter()
    await build_registry_demo(ids, year, seed)
    log(f"registry demo: {time.perf_counter() - t:.1f} s")
    added = await top_up_learners(ids, year, learners)
    log(f"topped up {added:,} learners on no roll")
    await db.pool().execute("ANALYZE")  # a live database has statistics; so should the bench


async def measure(province: str, year: int, runs: int) -> float:
    from pcgd.registry.reconcile import reconcile
    from pcgd.units import service as units

    unit = await units.resolve(province, year, kind="province")
    communes = await units.communes_under(unit, year)
    ids = [c.id for c in communes]
    persons = await db.pool().fetchval(
        "SELECT count(*) FROM person_year WHERE commune = ANY($1::int[]) AND year = $2", ids, year)
    learners = await db.pool().fetchval("SELECT count(*) FROM learner WHERE year = $1", year)
    times, rows = [], []
    for _ in range(runs):
        t = time.perf_counter()
        rows = await reconcile(ids, year)
        times.append(time.perf_counter() - t)
    busiest = await db.pool().fetchval(
        "SELECT commune FROM person_year WHERE commune = ANY($1::int[]) AND year = $2"
        " GROUP BY commune ORDER BY count(*) DESC LIMIT 1", ids, year)
    one = []
    for _ in range(runs):
        t = time.perf_counter()
        await reconcile([busiest], year)
        one.append(time.perf_counter() - t)
    print(f"province {unit.code} ({unit.name}), survey year {year}")
    print(f"  roll persons (person_year rows): {persons:,}")
    print(f"  registry learners (year {year}): {learners:,}")
    print(f"  disagreements found: {len(rows):,}  {dict(Counter(r['category'] for r in rows))}")
    print(f"  whole province: best {min(times):.2f} s, median {statistics.median(times):.2f} s"
          f" over {runs} runs (target ≤ {TARGET_S:.0f} s)")
    print(f"  largest commune: median {statistics.median(one) * 1000:.0f} ms")
    return min(times)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=250_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--province", default="19")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", help="name of a database that already holds the demo")
    args = parser.parse_args()
    if args.reuse:
        if not (os.environ.get("DATABASE_URL") or os.environ.get("PCGD_DATA_DIR")):
            parser.error("--reuse needs DATABASE_URL or the PCGD_DATA_DIR that --keep printed")
        admin = os.environ.get("DATABASE_URL") or db.start_embedded(
            Path(os.environ["PCGD_DATA_DIR"])
        )
        await db.connect(db.with_database(admin, args.reuse), max_size=10)
        try:
            best = await measure(args.province, args.year, args.runs)
        finally:
            await db.close()
    else:
        _, cleanup = await open_fresh_database(args.keep)
        try:
            await build(args.province, args.year, args.persons, args.learners, args.seed)
            best = await measure(args.province, args.year, args.runs)
        finally:
            await cleanup()
    return 0 if best <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
