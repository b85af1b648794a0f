"""Servers bench/load.py starts in subprocesses: the bare baseline, a profiled `pcgd serve`, and
a profiled `pcgd serve`.

    python bench/load_servers.py bare|profiled PORT
    python bench/load_servers.py profiled PORT STATS_FILE

DATABASE_URL names the database.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from typing import Any

# --- the bare baseline ----------------------------------------------------------------------------


def bare_app(url: str) -> Any:
    """Litestar + asyncpg, one route: the same household, person and person_year rows."""
    import asyncpg
    from litestar import Litestar, get, post

    from surveys.roll.text import name_key
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


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(os.environ["DATABASE_URL"]), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)


def serve_profiled(port: int, out: str) -> None:
    """`pcgd serve` under cProfile; stats are written when the server stops (SIGTERM)."""
    import cProfile

    import uvicorn

    from pcgd.web.app import create_app

    def exit_cleanly(*_: object) -> None:
        raise SystemExit(0)

    # uvicorn re-raises the SIGTERM it caught once it has shut down: end normally instead.
    signal.signal(signal.SIGTERM, exit_cleanly)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning",
                    access_log=False)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "bare":
        serve_bare(port)
    elif kind == "profiled":
        serve_profiled(port, sys.argv[3])
    else:
        raise SystemExit(f"unknown server kind {kind!r}")


if __name__ == "__main__":
    main()
