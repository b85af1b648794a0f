"""Servers bench/load.py starts in subprocesses: the bare baseline and a profiled pcgd worker.

    python bench/load_servers.py bare [--workers N] --port PORT
    python bench/load_servers.py profiled --stats STATS_FILE --port PORT

The bare baseline runs under uvicorn with N worker processes, like `pcgd serve --workers N`;
the profiled server is one pcgd worker (`pcgd.ops.serving.worker_app`: request log and cache
check included) under cProfile. DATABASE_URL names the database.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from typing import Any

# --- the bare baseline ----------------------------------------------------------------------------


def bare_app(url: str) -> Any:
    """Litestar + asyncpg, one route: the same household, person and person_year rows."""
    import asyncpg
    from litestar import Litestar, get, post

    from pcgd.common.text import name_key
    from surveys.schemas import HouseholdIn

    pool: dict[str, asyncpg.Pool] = {}

    async def startup() -> None:
        pool["p"] = await asyncpg.create_pool(url, min_size=5, max_size=20)

    async def shutdown() -> None:
        await pool["p"].close()

    def birth(text: object) -> tuple[dt.date | None, int]:
        s = str(text)
        if len(s) == 4:
            return None, int(s)
        d = dt.date.fromisoformat(s)
        return d, d.year

    def year_or_none(v: object) -> int | None:
        return None if v in (None, "") else int(v)  # type: ignore[arg-type]

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @post("/bare/communes/{commune_id:int}/households", status_code=201)
    async def insert(commune_id: int, year: int, data: HouseholdIn) -> dict[str, int]:
        births = [birth(m.birth_date) for m in data.members]
        async with pool["p"].acquire() as conn, conn.transaction():
            hamlet = await conn.fetchval(
                "INSERT INTO hamlet (commune, name, code) VALUES ($1, $2, '')"
                " ON CONFLICT (commune, name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                commune_id, data.hamlet,
            )
            hid = await conn.fetchval(
                "INSERT INTO household (commune, year, hamlet, household_code, address, version,"
                " updated_at) VALUES ($1, $2, $3, $4, $5, 1, now()) RETURNING id",
                commune_id, year, hamlet, data.household_code, data.address,
            )
            ids = await conn.fetch(
                "INSERT INTO person (full_name, name_key, birth_date, birth_year, sex)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::text[])"
                " RETURNING id",
                [m.full_name for m in data.members], [name_key(m.full_name) for m in data.members],
                [b[0] for b in births], [b[1] for b in births], [m.sex for m in data.members],
            )
            await conn.execute(
                "INSERT INTO person_year (person, household, commune, year, position, confirmed,"
                " relation, enrolled_level, enrolled_grade, th_completed_year,"
                " thcs_graduated_year)"
                " SELECT p, $2, $3, $4, pos, true, r, l, g, th, thcs FROM unnest($1::int[],"
                " $5::int[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[])"
                " AS u(p, pos, r, l, g, th, thcs)",
                [r["id"] for r in ids], hid, commune_id, year,
                list(range(len(ids))), [m.relation for m in data.members],
                [m.enrolled_level for m in data.members],
                [str(m.enrolled_grade or "") for m in data.members],
                [year_or_none(m.th_completed_year) for m in data.members],
                [year_or_none(m.thcs_graduated_year) for m in data.members],
            )
        return {"id": hid, "version": 1}

    return Litestar(route_handlers=[health, insert], on_startup=[startup],
                    on_shutdown=[shutdown], debug=False,
                    signature_namespace={"HouseholdIn": HouseholdIn})


def bare_factory() -> Any:
    """The bare app of one worker process (uvicorn calls this in each worker)."""
    return bare_app(os.environ["DATABASE_URL"])


def serve_bare(port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run("load_servers:bare_factory", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning", access_log=False,
                timeout_keep_alive=75)  # as `pcgd serve`


def serve_profiled(port: int, out: str) -> None:
    """One pcgd worker under cProfile; stats are written when the server stops (SIGTERM)."""
    import cProfile

    import uvicorn

    from pcgd.ops.serving import worker_app

    def exit_cleanly(*_: object) -> None:
        raise SystemExit(0)

    # uvicorn re-raises the SIGTERM it caught once it has shut down: end normally instead.
    signal.signal(signal.SIGTERM, exit_cleanly)
    import time

    profiler = cProfile.Profile(time.process_time)  # CPU time: others' load does not count
    profiler.enable()
    try:
        uvicorn.run(worker_app(), host="127.0.0.1", port=port, log_level="warning",
                    access_log=False, timeout_keep_alive=75)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["bare", "profiled"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stats", default="pcgd.pstats")
    args = parser.parse_args()
    if args.kind == "bare":
        serve_bare(args.port, args.workers)
    else:
        serve_profiled(args.port, args.stats)


if __name__ == "__main__":
    main()
