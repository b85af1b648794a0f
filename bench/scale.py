"""Scale benchmark: how the database, a full rebuild, a save and an import grow with persons.

In one fresh database it loads demo provinces of `--per-province` persons each (the demo
generator, `pcgd.demo`) until the database holds each size of `--sizes` (default 1, 3 and 10
million persons: 1, 3 and 10 provinces of one million), and at each size prints
  - the database's size on disk (and of its biggest tables),
  - rebuild-and-evaluate-everything: every commune's counts recomputed from the rows
    (`surveys.rollup.service.rebuild`) and every province evaluated with its communes, next to a
    plain `GROUP BY commune` over the same rows (the baseline: reading the rows once), and
    the same rebuild run province by province (what per-province jobs or shards would do),
  - one household save (`surveys.service.update_household`) and the time until the commune's
    and the province's evaluations show it (`bench/rollup.py`'s measurement, median of
    `--saves`),
  - the import of a `--import-persons` commune roll (`bench/import.py`'s file) into a commune
    of a province without demo data, removed again afterwards;
then a table of every size with growth factors against the first size.

    .venv/bin/python bench/scale.py [--sizes 1000000,3000000,10000000]
        [--per-province 1000000] [--year 2025] [--saves 20] [--import-persons 20000]

Database: a new database on DATABASE_URL's server when set, otherwise an embedded PostgreSQL in
a temporary folder; dropped at the end (also after a failure) unless --keep. Ten million
persons take about 15 GB of disk: check `df -h` first.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from pcgd import db
from pcgd.runtime import fresh_database

rollup_bench = importlib.import_module("rollup")  # bench/rollup.py
import_bench = importlib.import_module("import")  # bench/import.py ("import" is a keyword)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Row:
    persons: int
    provinces: int
    communes: int
    load_s: float
    db_bytes: int
    tables: dict[str, int]
    rebuild_s: float
    evaluate_s: float
    plain_s: float
    per_province_s: float
    save_ms: float
    save_p90_ms: float
    visible_ms: float
    province_eval_ms: float
    import_s: float
    import_write_s: float


async def provinces_in_order(year: int, first: str) -> list[Any]:
    """The survey year's provinces, the demo's default first, then the biggest (most communes)."""
    from pcgd.units import service as units

    provinces = await units.list_units(year, kind="province")
    sizes = {p.id: len(await units.communes_under(p, year)) for p in provinces}
    provinces.sort(key=lambda p: (p.code != first, -sizes[p.id], p.code))
    return provinces


async def database_size() -> tuple[int, dict[str, int]]:
    total = await db.pool().fetchval("SELECT pg_database_size(current_database())")
    rows = await db.pool().fetch(
        "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " ORDER BY bytes DESC LIMIT 5"
    )
    return int(total), {r["relname"]: int(r["bytes"]) for r in rows}


async def rebuild_and_evaluate(
    provinces: list[Any], by_province: list[list[int]], year: int, repeat: int
) -> tuple[float, float, float, float]:
    """(rebuild s, evaluate s, plain GROUP BY s, rebuild province by province s), best of
    `repeat` each (the machine is shared)."""
    from pcgd.compliance import service as compliance
    from surveys.rollup import service as rollup

    commune_ids = [c for ids in by_province for c in ids]
    rebuilds, evaluations, plains, per_province = [], [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await rollup.rebuild(commune_ids, year)
        t1 = time.perf_counter()
        for province in provinces:
            await compliance.evaluate_unit(province, year, with_children=True)
        t2 = time.perf_counter()
        rebuilds.append(t1 - t0)
        evaluations.append(t2 - t1)
        plains.append(await rollup_bench.run_plain(commune_ids, year))
        t3 = time.perf_counter()
        for ids in by_province:  # what a per-province job (or a Citus shard) would run
            await rollup.rebuild(ids, year)
        per_province.append(time.perf_counter() - t3)
    best = min(range(repeat), key=lambda i: rebuilds[i] + evaluations[i])
    return rebuilds[best], evaluations[best], min(plains), min(per_province)


async def import_commune(commune: Any, year: int, persons: int, content: bytes) -> tuple[float,
                                                                                        float]:
    """Import the roll into an empty commune; (total s, write s); the rows are removed after."""
    from surveys import importer, service

    await db.pool().executemany(
        "INSERT INTO school (code, name, commune, levels, public) VALUES ($1, $2, $3, $4,"
        " true) ON CONFLICT (code) DO NOTHING",
        [(code, f"Trường {code}", commune.id, [lvl])
         for lvl, code in import_bench.SCHOOLS.items()],
    )
    service.forget_schools()
    t0 = time.perf_counter()
    loaded = await importer.read_upload(content, "scale.csv", year)
    t1 = time.perf_counter()
    report = await importer.import_roll(content, "scale.csv", commune=commune, year=year,
                                        loaded=loaded)
    t2 = time.perf_counter()
    if not report.written or report.persons != persons:
        raise SystemExit(f"the generated roll did not import: {report.errors[:3]}")
    await import_bench.clean(commune.id, year)
    return t2 - t0, t2 - t1


async def measure(args: argparse.Namespace) -> list[Row]:
    from pcgd.demo.plan import DEFAULT_PROVINCE
    from pcgd.demo.service import build_demo
    from pcgd.units import service as units

    sizes = sorted(int(s) for s in args.sizes.split(","))
    needed = -(-sizes[-1] // args.per_province)
    order = await provinces_in_order(args.year, DEFAULT_PROVINCE)
    if needed + 1 > len(order):
        raise SystemExit(f"{needed} provinces of {args.per_province:,} needed; only {len(order)}")
    target = order[-1]  # the import goes into a province that never gets demo data
    import_into = (await units.communes_under(target, args.year))[0]
    content = import_bench.make_roll(args.import_persons, args.year, args.seed, import_into.code)

    built: list[Any] = []
    persons = 0
    load_s = 0.0
    rows: list[Row] = []
    for size in sizes:
        while persons < size:
            province = order[len(built)]
            n = min(args.per_province, size - persons)
            log(f"building demo province {province.code} {province.name}: {n:,} persons…")
            t0 = time.perf_counter()
            result = await build_demo(province.code, args.year, persons=n, seed=args.seed)
            load_s += time.perf_counter() - t0
            persons += int(result["persons"])  # type: ignore[call-overload]
            built.append(province)
        await db.pool().execute("VACUUM ANALYZE")
        by_province = [[c.id for c in await units.communes_under(p, args.year)] for p in built]
        commune_ids = [c for ids in by_province for c in ids]
        db_bytes, tables = await database_size()
        log(f"{persons:,} persons: database {db_bytes / 1e9:.2f} GB; rebuild + evaluate…")
        rebuild_s, evaluate_s, plain_s, per_province_s = await rebuild_and_evaluate(
            built, by_province, args.year, args.repeat
        )
        log(f"  rebuild {rebuild_s:.1f} s, evaluate {evaluate_s:.1f} s, plain {plain_s:.1f} s;"
            f" {args.saves} saves…")
        timings, _ = await rollup_bench.save_latency(built[0], args.year, args.saves)
        totals = sorted(t["total"] for t in timings)
        log("  import…")
        import_s, write_s = await import_commune(import_into, args.year, args.import_persons,
                                                 content)
        row = Row(
            persons=persons, provinces=len(built), communes=len(commune_ids), load_s=load_s,
            db_bytes=db_bytes, tables=tables, rebuild_s=rebuild_s, evaluate_s=evaluate_s,
            plain_s=plain_s, per_province_s=per_province_s,
            save_ms=statistics.median(t["save"] for t in timings) * 1000,
            save_p90_ms=totals[max(0, int(0.9 * len(totals)) - 1)] * 1000,
            visible_ms=statistics.median(totals) * 1000,
            province_eval_ms=statistics.median(t["province"] for t in timings) * 1000,
            import_s=import_s, import_write_s=write_s,
        )
        rows.append(row)
        print_row(row, rows[0], args)
    return rows


def print_row(r: Row, first: Row, args: argparse.Namespace) -> None:
    biggest = ", ".join(f"{name} {size / 1e9:.2f}" for name, size in r.tables.items())
    print(f"--- {r.persons:,} persons ({r.provinces} provinces, {r.communes} communes,"
          f" year {args.year}); demo load so far {r.load_s:.0f} s; load average"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    print(f"  database on disk {r.db_bytes / 1e9:.2f} GB (GB: {biggest})")
    print(f"  rebuild + evaluate everything {r.rebuild_s + r.evaluate_s:.2f} s (rebuild"
          f" {r.rebuild_s:.2f} s, evaluate {r.evaluate_s:.2f} s); plain GROUP BY"
          f" {r.plain_s:.2f} s; ratio {(r.rebuild_s + r.evaluate_s) / r.plain_s:.2f};"
          f" rebuild province by province {r.per_province_s:.2f} s")
    print(f"  one save {r.save_ms:.0f} ms; save → commune and province evaluations show it"
          f" {r.visible_ms:.0f} ms (p90 {r.save_p90_ms:.0f} ms; province evaluation"
          f" {r.province_eval_ms:.0f} ms), median of {args.saves}")
    print(f"  import of {args.import_persons:,} persons into one commune {r.import_s:.2f} s"
          f" (write {r.import_write_s:.2f} s)", flush=True)


def print_table(rows: list[Row], import_persons: int) -> None:
    first = rows[0]

    def grow(value: float, base: float) -> str:
        return f"×{value / base:.2f}" if base else "–"

    print("\n| persons | provinces | DB on disk | rebuild + evaluate all | plain GROUP BY"
          " | rebuild by province"
          f" | one save | save → province shows it | import {import_persons:,}-person commune |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        total = r.rebuild_s + r.evaluate_s
        print(f"| {r.persons / 1e6:.1f} M {grow(r.persons, first.persons)} | {r.provinces}"
              f" | {r.db_bytes / 1e9:.1f} GB {grow(r.db_bytes, first.db_bytes)}"
              f" | {total:.1f} s {grow(total, first.rebuild_s + first.evaluate_s)}"
              f" | {r.plain_s:.1f} s {grow(r.plain_s, first.plain_s)}"
              f" | {r.per_province_s:.1f} s {grow(r.per_province_s, first.per_province_s)}"
              f" | {r.save_ms:.0f} ms {grow(r.save_ms, first.save_ms)}"
              f" | {r.visible_ms:.0f} ms {grow(r.visible_ms, first.visible_ms)}"
              f" | {r.import_s:.2f} s {grow(r.import_s, first.import_s)} |")
    print(f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
          flush=True)


async def main(args: argparse.Namespace) -> int:
    fresh = await fresh_database("pcgd_scale", max_size=10)
    log(f"database {fresh.name} ({fresh.data_dir or 'on DATABASE_URL'})")
    try:
        rows = await measure(args)
    finally:
        log(await fresh.drop(keep=args.keep))
    print_table(rows, args.import_persons)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000,10000000",
                        help="database sizes in persons, comma-separated")
    parser.add_argument("--per-province", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="rebuild + evaluate runs (best)")
    parser.add_argument("--import-persons", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
