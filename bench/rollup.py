"""Roll-up benchmark: is keeping per-commune counts and evaluating them cheap enough?

On a demo province of N persons (default 1,000,000) in a fresh database it measures
  (a) the full rebuild of every commune's stored counts plus the evaluation of every commune,
      district and the province (`evaluate_unit(province, with_children=True)`),
  (b) one plain `GROUP BY commune` with the same FILTER conditions (nothing stored),
and prints both times and a/b (target ≤ 1.5). Then it saves one household 50 times through
`surveys.service.update_household` and times each save until the commune's, its district's and
the province's `evaluate_unit` show it (target: median ≤ 200 ms).

    .venv/bin/python bench/rollup.py [--persons 1000000] [--year 2024] [--province CODE]

Database: a new database on DATABASE_URL's server when set, otherwise an embedded PostgreSQL in
a temporary PCGD_DATA_DIR; dropped afterwards (--data-dir DIR reuses and keeps one instead).
--explain adds EXPLAIN ANALYZE, timings of candidate fixes and a profile of the evaluation.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pcgd import db
from pcgd.migrate import upgrade

RATIO_TARGET = 1.5
SAVE_TARGET_MS = 200.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------------


async def open_database(data_dir: Path | None) -> Callable[[], Awaitable[None]]:
    """Connect to a migrated database with the units loaded; returns its cleanup.

    Fresh by default (dropped afterwards). With `data_dir`, an embedded server there and a fixed
    database name are reused and kept, so a second run can skip the demo build.
    """
    tmp: Path | None = None
    admin = os.environ.get("DATABASE_URL")
    if data_dir is not None:
        os.environ["PCGD_DATA_DIR"] = str(data_dir)
        admin = db.start_embedded(data_dir)
    elif not admin:
        tmp = Path(tempfile.mkdtemp(prefix="pcgd-bench-"))
        os.environ["PCGD_DATA_DIR"] = str(tmp)
        admin = db.start_embedded(tmp)
    name = "pcgd_bench" if data_dir else f"pcgd_bench_{uuid.uuid4().hex[:8]}"
    await db.create_database_if_missing(admin, name)
    await db.connect(db.with_database(admin, name), max_size=10)
    await upgrade()
    from pcgd.units.service import load_units, units_loaded

    if not await units_loaded():
        await load_units()

    async def cleanup() -> None:
        await db.close()
        if data_dir is None:
            await db.drop_database(admin, name)
        if tmp is not None:  # stop the embedded server before deleting its files
            import pgserver

            pgserver.get_server(tmp / "pg").cleanup()
            shutil.rmtree(tmp, ignore_errors=True)

    return cleanup


# --- (a) and (b) ------------------------------------------------------------------------------


def plain_sql(*, fence: bool = False) -> str:
    """The same FILTER conditions as the stored counts, grouped by commune only, not stored.

    `fence` adds OFFSET 0 to the row subquery (a diagnostic variant, see `diagnose`).
    """
    from surveys.rollup import sql

    counts = ",\n  ".join(
        f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in sql.CONDITIONS.items()
    )
    return (
        f"SELECT commune,\n  {counts}\nFROM (SELECT {sql.DERIVED}"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        " WHERE py.commune = ANY($1::int[]) AND py.year = $2 AND py.year >= p.birth_year"
        f"{' OFFSET 0' if fence else ''}) r"
        "\nGROUP BY commune"
    )


async def timed(work: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def run_full(commune_ids: list[int], province: Any, year: int) -> dict[str, float]:
    from pcgd.compliance import service as compliance
    from surveys.rollup import service as rollup

    t0 = time.perf_counter()
    await rollup.rebuild(commune_ids, year)
    t1 = time.perf_counter()
    await compliance.evaluate_unit(province, year, with_children=True)
    t2 = time.perf_counter()
    return {"rebuild": t1 - t0, "evaluate": t2 - t1, "total": t2 - t0}


async def run_plain(commune_ids: list[int], year: int, *, fence: bool = False) -> float:
    query = plain_sql(fence=fence)
    return await timed(lambda: db.pool().fetch(query, commune_ids, year))


# --- per-save latency -------------------------------------------------------------------------


async def save_latency(
    province: Any, year: int, saves: int
) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """Toggle one 6-year-old's grade-1 enrolment; time save → three evaluations showing it."""
    import msgspec

    from pcgd.accounts import service as accounts
    from pcgd.accounts.scope import scope_for
    from pcgd.compliance import service as compliance
    from pcgd.units import service as units
    from surveys import service as surveys
    from surveys.schemas import HouseholdIn

    row = await db.pool().fetchrow(
        "SELECT py.id, py.household, py.commune FROM person_year py"
        " JOIN person p ON p.id = py.person JOIN admin_unit u ON u.id = py.commune"
        " WHERE py.year = $1 AND $1 - p.birth_year = 6 AND py.movement = ''"
        " AND py.disability = '' AND py.enrolled_level = 'TH' AND py.enrolled_grade = '1'"
        " AND (u.parent = $2 OR u.parent IN (SELECT id FROM admin_unit WHERE parent = $2))"
        " ORDER BY py.commune, py.id LIMIT 1",
        year, province.id,
    )
    if row is None:
        raise SystemExit("no 6-year-old in grade 1 to edit in the demo province")
    commune = await units.get(row["commune"])
    district = await units.get(commune.parent_id) if commune.parent_id != province.id else None
    await accounts.create_user("bench_admin", "bench-password-1", "admin", None, replace=True)
    uid = await db.pool().fetchval("SELECT id FROM user_account WHERE username = 'bench_admin'")
    user = await accounts.get_user(uid)
    assert user is not None
    scope = await scope_for(user, year)

    def grade1(result: dict[str, Any]) -> int:
        th = next(s for s in result["standards"] if s["standard"] == "th")
        return next(r["numerator"] for r in th["criteria"] if r["id"] == "th.grade1_age6")

    def child(result: dict[str, Any], code: str) -> dict[str, Any] | None:
        return next((c for c in result.get("children", []) if c["unit"]["code"] == code), None)

    before = grade1(await compliance.evaluate_unit(commune, year))
    timings = []
    for i in range(saves):
        current = await surveys.get_household(scope, row["household"])
        data = msgspec.to_builtins(current)
        members = data["members"]
        for m in members:
            if m.pop("person_year_id") == row["id"]:
                enrolled = i % 2 == 1  # even saves take the child out of grade 1, odd put back
                m["enrolled_level"], m["enrolled_grade"] = ("TH", "1") if enrolled else ("", "")
        payload = msgspec.convert(
            {"household_code": current.household_code, "hamlet": current.hamlet,
             "address": current.address, "version": current.version, "members": members},
            HouseholdIn,
        )
        expected = before if i % 2 == 1 else before - 1
        t0 = time.perf_counter()
        await surveys.update_household(user, scope, row["household"], payload)
        t1 = time.perf_counter()
        c_res = await compliance.evaluate_unit(commune, year)
        t2 = time.perf_counter()
        d_res = (await compliance.evaluate_unit(district, year, with_children=True)
                 if district else None)
        t3 = time.perf_counter()
        p_res = await compliance.evaluate_unit(province, year, with_children=True)
        t4 = time.perf_counter()
        assert grade1(c_res) == expected, "the commune's evaluation does not show the save"
        seen = child(d_res, commune.code) if d_res else child(p_res, commune.code)
        assert seen is not None and grade1(seen) == expected, "the roll-up does not show it"
        timings.append({"save": t1 - t0, "commune": t2 - t1, "district": t3 - t2,
                        "province": t4 - t3, "total": t4 - t0})
    where = {"commune": commune.code, "district": district.code if district else None}
    return timings, where


# --- diagnostics ------------------------------------------------------------------------------


async def explain(commune_ids: list[int], year: int) -> None:
    """EXPLAIN ANALYZE of the rebuild's aggregation and of the plain SELECT (to stderr)."""
    from surveys.rollup import sql

    rebuild = sql.aggregate("py.commune = ANY($1::int[]) AND py.year = $2")
    for label, query in (("rebuild aggregation", rebuild), ("plain SELECT", plain_sql())):
        try:
            async with db.transaction() as conn:  # rolled back: the counts stay as they were
                if query is rebuild:
                    await conn.execute(
                        "DELETE FROM commune_age_count"
                        " WHERE commune = ANY($1::int[]) AND year = $2",
                        commune_ids, year,
                    )
                plan = await conn.fetch(
                    f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query}", commune_ids, year
                )
                raise _Rollback([r[0] for r in plan])
        except _Rollback as done:
            log(f"\n--- EXPLAIN ANALYZE: {label}")
            for text in done.args[0]:
                if not text.strip().startswith(("Filter", "Output", "Hash Cond", "Index Cond")):
                    log("  " + text[:170])


class _Rollback(Exception):
    pass


async def rebuild_variant(
    commune_ids: list[int], year: int, *, fence: bool = False, parallel: bool = False,
    two_stage: bool = False,
) -> float:
    """A candidate rebuild, rolled back: OFFSET 0 fence, and/or SELECT + COPY instead of
    INSERT … SELECT (PostgreSQL never runs a data-writing statement's plan in parallel)."""
    from surveys.rollup import sql

    select = (two_stage_sql() if two_stage
              else sql.aggregate("py.commune = ANY($1::int[]) AND py.year = $2"))
    if fence:
        select = select.replace(") r\nGROUP BY", " OFFSET 0) r\nGROUP BY")
    cols = ", ".join(sql.COLUMNS)
    start = time.perf_counter()
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "DELETE FROM commune_age_count WHERE commune = ANY($1::int[]) AND year = $2",
                commune_ids, year,
            )
            if parallel:  # a plain SELECT may run in parallel; then COPY the few rows in
                rows = await conn.fetch(select, commune_ids, year)
                await conn.copy_records_to_table(
                    "commune_age_count", records=rows, columns=["commune", "year", "age",
                                                                *sql.COLUMNS],
                )
            else:
                await conn.execute(
                    f"INSERT INTO commune_age_count (commune, year, age, {cols})\n{select}",
                    commune_ids, year,
                )
            elapsed = time.perf_counter() - start
            raise _Rollback(elapsed)
    except _Rollback as done:
        return float(done.args[0])


# The derived facts the count conditions read (every DERIVED column but the household).
FACTS = ("commune", "year", "age", "sex", "ethnicity", "disability", "movement", "enrolled_level",
         "residence_type", "xmc", "mn_group", "mn_done", "thpt_done", "gdnn_done", "hgc",
         "school_commune")


def two_stage_sql(group: str = "commune, year, age") -> str:
    """Candidate: count people per distinct combination of derived facts first, then apply the
    ~70 FILTER conditions to those (far fewer) groups with sum(n) instead of count(*)."""
    from surveys.rollup import sql

    where = "py.commune = ANY($1::int[]) AND py.year = $2"
    facts = ", ".join(FACTS)
    inner = (
        f"SELECT {facts}, count(*) AS n FROM (SELECT {sql.DERIVED}"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        f" WHERE {where} AND py.year >= p.birth_year) f GROUP BY {facts}"
    )
    sums = ",\n    ".join(
        f"coalesce(sum(n) FILTER (WHERE {cond}), 0)::int AS {name}"
        for name, cond in sql.CONDITIONS.items()
    )
    return f"SELECT {group},\n    {sums}\nFROM ({inner}) r\nGROUP BY {group}"


async def run_two_stage_plain(commune_ids: list[int], year: int) -> float:
    query = two_stage_sql("commune")
    return await timed(lambda: db.pool().fetch(query, commune_ids, year))


async def diagnose(commune_ids: list[int], province: Any, year: int, repeat: int) -> None:
    """EXPLAIN ANALYZE, candidate fixes (interleaved rounds, so others' load hits all alike),
    a check that the two-stage candidate counts exactly alike, and a profile."""
    await explain(commune_ids, year)
    ids = commune_ids
    variants: dict[str, Callable[[], Awaitable[float]]] = {
        "(b) plain SELECT": lambda: run_plain(ids, year),
        "(b) plain SELECT + OFFSET 0 fence": lambda: run_plain(ids, year, fence=True),
        "(b) plain SELECT, two-stage": lambda: run_two_stage_plain(ids, year),
        "rebuild INSERT … SELECT (as now)": lambda: rebuild_variant(ids, year),
        "rebuild INSERT … SELECT + fence": lambda: rebuild_variant(ids, year, fence=True),
        "rebuild SELECT + COPY": lambda: rebuild_variant(ids, year, parallel=True),
        "rebuild SELECT + COPY + fence": lambda: rebuild_variant(
            ids, year, parallel=True, fence=True),
        "rebuild SELECT + COPY, two-stage": lambda: rebuild_variant(
            ids, year, parallel=True, two_stage=True),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeat):
        for name, run in variants.items():
            times[name].append(await run())
    log(f"\n--- candidate fixes ({repeat} interleaved rounds, rolled back): min / median")
    for name, ts in times.items():
        log(f"  {name:36} {min(ts):6.3f} s / {statistics.median(ts):6.3f} s")
    await check_two_stage(commune_ids, year)
    await profile_evaluation(province, year)


async def check_two_stage(commune_ids: list[int], year: int) -> None:
    """The candidate must give exactly the stored counts."""
    from surveys.rollup import service as rollup

    stored = await rollup.counts_by_commune(commune_ids, year)
    rows = await db.pool().fetch(two_stage_sql(), commune_ids, year)
    got: dict[int, dict[int, dict[str, int]]] = {c: {} for c in commune_ids}
    for r in rows:
        d = dict(r)
        commune, age = d.pop("commune"), d.pop("age")
        d.pop("year")
        got[commune][age] = d
    same = got == stored
    log(f"  two-stage counts identical to the stored ones: {same}")


async def profile_evaluation(province: Any, year: int) -> None:
    from pcgd.compliance import service as compliance

    prof = cProfile.Profile()
    prof.enable()
    await compliance.evaluate_unit(province, year, with_children=True)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
    log("\n--- profile of evaluate_unit(province, with_children=True)\n" + out.getvalue())


# --- main -------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def prepare(args: argparse.Namespace) -> tuple[Any, list[int], int, float]:
    """The demo province (built unless a reused database has it), its commune ids, persons."""
    from pcgd.demo.plan import DEFAULT_PROVINCE
    from pcgd.demo.service import build_demo, demo_exists
    from pcgd.units import service as units

    code = args.province or DEFAULT_PROVINCE
    build_s = 0.0
    if not (args.data_dir and await demo_exists(code, args.year)):
        log(f"building a demo province of {args.persons:,} persons for {args.year}…")
        t0 = time.perf_counter()
        await build_demo(code, args.year, persons=args.persons, seed=args.seed)
        build_s = time.perf_counter() - t0
        await db.pool().execute("VACUUM ANALYZE")
    province = await units.resolve(code, args.year, kind="province")
    ids = [c.id for c in await units.communes_under(province, args.year)]
    persons = await db.pool().fetchval(
        "SELECT count(*) FROM person_year WHERE commune = ANY($1::int[]) AND year = $2",
        ids, args.year,
    )
    return province, ids, persons, build_s


async def main(args: argparse.Namespace) -> int:
    cleanup = await open_database(args.data_dir)
    try:
        province, ids, persons, build_s = await prepare(args)
        print(f"province {province.code} {province.name}, year {args.year}, {len(ids)} communes,"
              f" {persons:,} persons (demo build {build_s:.1f} s); {os.cpu_count()} CPUs, load"
              f" average {os.getloadavg()[0]:.1f} (others' work skews the times)", flush=True)

        await run_full(ids, province, args.year)  # warm-up of both paths (caches, plans)
        await run_plain(ids, args.year)
        full_runs, plain_runs = [], []
        for _ in range(args.repeat):
            full_runs.append(await run_full(ids, province, args.year))
            plain_runs.append(await run_plain(ids, args.year))
        full = {k: statistics.median(r[k] for r in full_runs) for k in full_runs[0]}
        plain = statistics.median(plain_runs)
        ratio = full["total"] / plain
        best = min(r["total"] for r in full_runs) / min(plain_runs)
        print(f"(a) rebuild + evaluate all units: {full['total']:.3f} s "
              f"(rebuild {full['rebuild']:.3f} s, evaluate {full['evaluate']:.3f} s), "
              f"median of {args.repeat}; min {min(r['total'] for r in full_runs):.3f} s")
        print(f"(b) plain GROUP BY commune:       {plain:.3f} s, median of {args.repeat};"
              f" min {min(plain_runs):.3f} s")
        verdict = "OK" if ratio <= RATIO_TARGET else "MISSED"
        print(f"ratio a/b = {ratio:.2f} of medians, {best:.2f} of minima (target ≤ {RATIO_TARGET})"
              f" {verdict}", flush=True)

        timings, where = await save_latency(province, args.year, args.saves)
        med = {k: statistics.median(t[k] for t in timings) for k in timings[0]}
        p90 = sorted(t["total"] for t in timings)[max(0, int(0.9 * len(timings)) - 1)]
        verdict = "OK" if med["total"] * 1000 <= SAVE_TARGET_MS else "MISSED"
        print(f"save → commune {where['commune']}, district {where['district']}, province "
              f"evaluations: median {_ms(med['total'])}, p90 {_ms(p90)} over {len(timings)} "
              f"saves (target ≤ {SAVE_TARGET_MS:.0f} ms) {verdict}")
        print(f"  median parts: save {_ms(med['save'])}, commune {_ms(med['commune'])}, "
              f"district {_ms(med['district'])}, province {_ms(med['province'])}", flush=True)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)
        if args.explain:
            await diagnose(ids, province, args.year, args.repeat)
    finally:
        await cleanup()
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2024,
                        help="2024: province → district → commune; 2025: province → commune")
    parser.add_argument("--province", default=None, help="province code (demo default if unset)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b)")
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE and a profile of the evaluation")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="reuse (and keep) an embedded server here; skips a repeated build")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
