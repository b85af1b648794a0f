"""Save-function micro-benchmark: what one `pcgd_save_household` call costs the database,
against a plain INSERT of the same rows.

One fresh database (a new database on DATABASE_URL's server, else an embedded PostgreSQL in a
temporary folder), a generated roll imported into one commune (bench/import.py's generator,
`--persons`), then on one connection, alternating `--rounds` times:
  update  the save function on an existing household, as bench/load.py's clients send it: new
          address, one member renamed, another member's ethnicity toggled (a counted field);
  create  the save function on a new household of 3–5 members (bench/load_client.py);
  insert  one plain INSERT statement writing the same rows as `create` (hamlet upsert,
          household, persons, person_years): no gate, counts, audit or checks.
Payloads are validated and encoded in Python beforehand (not timed); each call is one round
trip and one commit; the tables are analysed after the warm-up, so cached plans are the ones a
database in use gets. Prints, per kind, the database backend's CPU per call (from /proc: the
figure that decides throughput on a busy machine) and the wall median, best round of each, and
the ratios to the plain insert.

    .venv/bin/python bench/save_sql.py [--persons 3000] [--saves 400] [--rounds 3]
        [--statements] [--keep]

`--statements` (needs a server with pg_stat_statements in shared_preload_libraries): after the
rounds, one more update round with nested statements tracked, printing where the function's
time went, statement by statement, and the per-function self time (track_functions).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMMUNE, YEAR = "21025", 2025

SAVE_SQL = (
    "SELECT pcgd_save_household($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11,"
    " $12)::text"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def insert_sql() -> str:
    """One statement writing what a create writes, from the same members JSON."""
    from surveys.save_sql import PERSON_FIELDS, STATUS_FIELDS

    record = ", ".join(f"{n} {k}" for n, k in (*PERSON_FIELDS, *STATUS_FIELDS))
    pcols = ", ".join(n for n, _ in PERSON_FIELDS)
    scols = ", ".join(n for n, _ in STATUS_FIELDS)
    return f"""
WITH hm AS (
    INSERT INTO hamlet (commune, name, code) VALUES ($1, $3, '')
    ON CONFLICT (commune, name) DO UPDATE SET name = EXCLUDED.name RETURNING id),
h AS (
    INSERT INTO household (commune, year, hamlet, household_code, address, version, updated_at)
    SELECT $1, $2, hm.id, $4, $5, 1, now() FROM hm RETURNING id),
m AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('person', 'id')) AS pid, (e.ord - 1)::int AS pos, x.*
    FROM jsonb_array_elements($6::text::jsonb) WITH ORDINALITY AS e(v, ord),
         jsonb_to_record(e.v) AS x({record})),
p AS (INSERT INTO person (id, {pcols}) SELECT pid, {pcols} FROM m)
INSERT INTO person_year (person, household, commune, year, position, confirmed, {scols})
SELECT m.pid, h.id, $1, $2, m.pos, true, {scols} FROM m, h"""


def backend_cpu(pid: int) -> float:
    """CPU seconds the backend process has run so far (scheduler's nanosecond count: the
    10 ms ticks of /proc/PID/stat are too coarse for sub-millisecond calls)."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


class Bench:
    """Payload makers and the three timed loops, on one connection."""

    def __init__(self, conn: Any, commune: Any, user: Any, scope: Any) -> None:
        self.conn, self.commune, self.user, self.scope = conn, commune, user, scope
        self.rnd = random.Random(7)
        self.serial = 0
        self.saved: dict[int, dict[str, Any]] = {}
        self.insert = insert_sql()

    def members(self, body: dict[str, Any]) -> tuple[Any, str]:
        import msgspec

        from surveys import service
        from surveys.schemas import HouseholdIn

        data = msgspec.convert(body, HouseholdIn)
        household, _ = service.validate(data, YEAR, self._schools)
        self.last = (household, data)
        return household, service._members_json(household, data).decode()

    async def load(self, household_ids: list[int]) -> None:
        import msgspec

        from surveys import service

        self._schools = await service.known_schools()
        for hid in household_ids:
            self.saved[hid] = msgspec.to_builtins(await service._fetch(self.conn, hid))

    def _update_args(self, hid: int) -> tuple[Any, ...]:
        from load_client import changed_household

        body = changed_household(self.rnd, self.saved[hid])
        household, members = self.members(body)
        return (hid, body["version"], None, None, household.hamlet, household.household_code,
                household.address, members, None, self.user.id, self.user.username, "")

    def _create_args(self) -> tuple[Any, ...]:
        from load_client import new_household

        self.serial += 1
        body = new_household(self.rnd, f"M{self.serial:06d}", YEAR)
        household, members = self.members(body)
        return (None, None, self.commune.id, YEAR, household.hamlet, household.household_code,
                household.address, members, None, self.user.id, self.user.username, "")

    async def updates(self, n: int) -> tuple[float, float]:
        import msgspec

        from surveys import service

        ids = list(self.saved)
        pid = await self.conn.fetchval("SELECT pg_backend_pid()")
        walls, cpu = [], 0.0
        for i in range(n):
            hid = ids[i % len(ids)]
            args = self._update_args(hid)
            c0, t0 = backend_cpu(pid), time.perf_counter()
            raw = await self.conn.fetchval(SAVE_SQL, *args)
            walls.append(time.perf_counter() - t0)
            cpu += backend_cpu(pid) - c0
            # the next update of this household starts from what is now stored (as the API
            # answers it: the values sent and the ids the function returned)
            household, data = self.last
            self.saved[hid] = msgspec.to_builtins(
                service._saved_out(msgspec.json.decode(raw), household, data))
        return cpu / n * 1000, statistics.median(walls) * 1000

    async def creates(self, n: int, *, plain: bool) -> tuple[float, float]:
        pid = await self.conn.fetchval("SELECT pg_backend_pid()")
        walls, cpu = [], 0.0
        for _ in range(n):
            args = self._create_args()
            if plain:
                args = (args[2], args[3], args[4], args[5], args[6], args[7])
            c0, t0 = backend_cpu(pid), time.perf_counter()
            await self.conn.execute(self.insert if plain else SAVE_SQL, *args)
            walls.append(time.perf_counter() - t0)
            cpu += backend_cpu(pid) - c0
        return cpu / n * 1000, statistics.median(walls) * 1000


async def statements(conn: Any, bench: Bench, n: int) -> None:
    """One more update round with nested statements tracked: where the function's time goes."""
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SET pg_stat_statements.track = 'all'")
        await conn.execute("SET track_functions = 'all'")
        await conn.execute("SELECT pg_stat_statements_reset(), pg_stat_reset()")
    except asyncpg.PostgresError as exc:  # the option needs a prepared server
        print(f"--statements: pg_stat_statements unavailable ({exc})")
        return
    await bench.updates(n)
    await asyncio.sleep(0.6)  # function statistics are flushed by the backend (≥ 500 ms)
    await conn.execute("SELECT pg_stat_force_next_flush()")
    rows = await conn.fetch(
        "SELECT calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') AS q"
        " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'"
        " ORDER BY total_exec_time DESC LIMIT 25"
    )
    print(f"\nstatements over {n} update saves (ms per save; nested statements included,"
          " so the outer call counts its parts too):")
    for r in rows:
        print(f"  {r['total_exec_time'] / n:7.3f} ms  {r['calls'] / n:5.1f} calls/save"
              f"  {r['q'][:150]}")
    funcs = await conn.fetch(
        "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions"
        " ORDER BY total_time DESC"
    )
    for f in funcs:
        print(f"  function {f['funcname']}: {f['calls'] / n:.1f} calls/save, total"
              f" {f['total_time'] / n:.3f} ms, self {f['self_time'] / n:.3f} ms per save")


async def run(args: argparse.Namespace) -> None:
    from pcgd import db
    from pcgd.accounts import service as accounts
    from pcgd.accounts.scope import scope_for
    from pcgd.runtime import fresh_database
    from pcgd.units import service as units
    from surveys import importer, service

    roll = importlib.import_module("import")
    fresh = await fresh_database("pcgd_savesql", max_size=2)
    try:
        commune = await units.resolve(COMMUNE, YEAR, kind="commune")
        await db.pool().executemany(
            "INSERT INTO school (code, name, commune, levels, public) VALUES ($1, $2, $3, $4,"
            " true) ON CONFLICT (code) DO NOTHING",
            [(code, f"Trường {code}", commune.id, [lvl]) for lvl, code in roll.SCHOOLS.items()],
        )
        service.forget_schools()
        report = await importer.import_roll(roll.make_roll(args.persons, YEAR, 7, COMMUNE),
                                            "b.csv", commune=commune, year=YEAR)
        assert report.written, report.errors[:3]
        await accounts.create_user("bench_admin", "bench-password-1", "admin", None,
                                   replace=True)
        uid = await db.pool().fetchval(
            "SELECT id FROM user_account WHERE username = 'bench_admin'")
        user = await accounts.get_user(uid)
        scope = await scope_for(user, YEAR)
        ids = [r["id"] for r in await db.pool().fetch(
            "SELECT id FROM household WHERE commune = $1 AND year = $2 ORDER BY id LIMIT $3",
            commune.id, YEAR, args.households)]
        await db.pool().execute("VACUUM ANALYZE")
        async with db.pool().acquire() as conn:
            bench = Bench(conn, commune, user, scope)
            await bench.load(ids)
            await bench.updates(args.warmup)
            await bench.creates(args.warmup, plain=False)
            await bench.creates(args.warmup, plain=True)
            # Statistics as a database in use has them: plans cached while the tables were
            # nearly empty (a sequential scan of audit_entry for the 'before' look-up, say)
            # are dropped and made again.
            await conn.execute("ANALYZE")
            best: dict[str, tuple[float, float]] = {}
            for r in range(args.rounds):
                got = {
                    "update": await bench.updates(args.saves),
                    "create": await bench.creates(args.saves, plain=False),
                    "insert": await bench.creates(args.saves, plain=True),
                }
                for kind, (cpu, wall) in got.items():
                    log(f"round {r + 1} {kind}: backend CPU {cpu:.3f} ms, wall median"
                        f" {wall:.3f} ms per call")
                    old = best.get(kind)
                    best[kind] = (min(cpu, old[0]), min(wall, old[1])) if old else (cpu, wall)
            base = best["insert"]
            print(f"{args.saves} calls per kind and round, {args.rounds} rounds (best round),"
                  f" {args.persons} persons in the commune; one connection, one commit per call")
            for kind in ("update", "create", "insert"):
                cpu, wall = best[kind]
                print(f"{kind:7s} backend CPU {cpu:6.3f} ms/call ({cpu / base[0]:4.2f} × insert)"
                      f"   wall median {wall:6.3f} ms ({wall / base[1]:4.2f} × insert)")
            if args.statements:
                await statements(conn, bench, args.saves)
    finally:
        log(await fresh.drop(keep=args.keep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--households", type=int, default=200,
                        help="existing households the updates cycle over")
    parser.add_argument("--saves", type=int, default=400, help="calls per kind and round")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", action="store_true",
                        help="statement breakdown (pg_stat_statements must be preloaded)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
