"""Benchmark: building the demo province versus a raw COPY of the same rows.

    .venv/bin/python bench/demo_load.py [--persons 1000000] [--year 2026] [--repeat N] [--keep]

Into a fresh database (on DATABASE_URL's server, or an embedded server in a temporary
PCGD_DATA_DIR), it times the demo's generate + load of `--persons` people, then prepares exactly
the same rows in memory, truncates the tables (indexes and constraints stay) and times plain
`copy_records_to_table` of them. The demo should reach at least half the raw throughput.
With --repeat N the two alternate N times and the best of each counts (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pcgd import db
from pcgd.demo import plan as demo_plan
from pcgd.demo import service
from pcgd.demo.records import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    PERSON_YEAR_COLUMNS,
    Chunk,
    build_chunk,
)
from pcgd.migrate import upgrade
from pcgd.units.service import load_units

TARGET = 0.5


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    data_dir = Path(tempfile.mkdtemp(prefix="pcgd-bench-"))
    os.environ["PCGD_DATA_DIR"] = str(data_dir)
    # Registered before the server's own exit handler, so it runs after the server stopped.
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    return db.start_embedded(data_dir)


async def _truncate() -> None:
    async with db.pool().acquire() as conn:
        await conn.execute("TRUNCATE person_year, household, person")
        await conn.execute("VACUUM ANALYZE person_year, household, person")


async def _raw_copy(chunks: list[Chunk]) -> float:
    households = [r for c in chunks for r in c.households]
    persons = [r for c in chunks for r in c.persons]
    person_years = [r for c in chunks for r in c.person_years]
    await _truncate()
    start = time.perf_counter()
    async with db.transaction() as conn:
        await conn.copy_records_to_table(
            "household", records=households, columns=HOUSEHOLD_COLUMNS
        )
        await conn.copy_records_to_table("person", records=persons, columns=PERSON_COLUMNS)
        await conn.copy_records_to_table(
            "person_year", records=person_years, columns=PERSON_YEAR_COLUMNS
        )
    return time.perf_counter() - start


async def main(persons: int, year: int, seed: int, keep: bool, repeat: int) -> int:
    admin = _server_url()
    name = f"pcgd_bench_{os.getpid()}"
    await db.drop_database(admin, name)
    await db.create_database_if_missing(admin, name)
    demo_times: list[float] = []
    raw_times: list[float] = []
    try:
        await db.connect(db.with_database(admin, name), max_size=4)
        await upgrade()
        await load_units()
        print(f"fresh database {name}; demo of {persons:,} persons, survey year {year}")

        start = time.perf_counter()
        plan = await demo_plan.plan_demo(None, year, persons, seed)
        planned = time.perf_counter() - start
        chunks: list[Chunk] = []
        for round_ in range(1, repeat + 1):
            if round_ > 1:
                await _truncate()
            start = time.perf_counter()
            loaded = await service.load_plan(plan)
            demo_times.append(time.perf_counter() - start)
            if not chunks:
                start = time.perf_counter()
                users = await service.create_demo_users(plan, "bench-password")
                users_seconds = time.perf_counter() - start
                start = time.perf_counter()
                chunks = [build_chunk(job) for job in loaded.jobs]
                generate_seconds = time.perf_counter() - start
            raw_times.append(await _raw_copy(chunks))
            print(f"round {round_}: demo {demo_times[-1]:.2f} s, raw COPY {raw_times[-1]:.2f} s")
    finally:
        await db.close()
        if not keep:
            await db.drop_database(admin, name)

    rows = loaded.households + 2 * loaded.persons  # household, person, person_year
    demo_seconds, raw_seconds = min(demo_times), min(raw_times)
    demo_rate, raw_rate = rows / demo_seconds, rows / raw_seconds
    ratio = demo_rate / raw_rate
    best = " (best of each)" if repeat > 1 else ""
    print(f"communes {len(plan.communes)}, households {loaded.households:,},"
          f" persons {loaded.persons:,}, rows {rows:,} (planning {planned:.2f} s)")
    print(f"generation alone (rows built in memory, no database): {generate_seconds:.2f} s")
    print(f"demo generate+load: {demo_seconds:7.2f} s  {demo_rate:10,.0f} rows/s{best}")
    print(f"raw COPY:           {raw_seconds:7.2f} s  {raw_rate:10,.0f} rows/s{best}")
    print(f"ratio demo/raw: {ratio:.1%} (target ≥ {TARGET:.0%}:"
          f" {'met' if ratio >= TARGET else 'NOT met'}); load average"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"({len(users)} demo logins created in {users_seconds:.2f} s, not counted above)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate demo and raw rounds; report the best of each")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.persons, args.year, args.seed, args.keep, max(1, args.repeat))))
