"""Reports benchmark: forms, lists and memory on a province of N persons (default 1,000,000).

Prints, for the demo province (a fresh database, the demo generator; 2025 = 2-tier, so the
province's lower units are its communes):
  (1) the province's own form set (load, build, write every .xlsx): the first run, which also
      computes the splits of `reports.counts`, and a second run on warm caches (target ≤ 5 s);
  (2) the form sets of all its communes, one after the other (target ≤ 60 s);
  (3) all name lists of the province (query, Vietnamese sort, constant-memory .xlsx) beside a
      plain SELECT of the same rows written by xlsxwriter in constant-memory mode in the same
      run (target ≤ 1.5×);
  (4) the peak memory (max RSS) of the process that did (1)–(3) (target ≤ 300 MB).

    .venv/bin/python bench/reports.py [--persons 1000000] [--year 2025] [--province CODE]
                                      [--data-dir DIR]

The measuring runs in a child process, so the demo build's memory does not count in (4).
Database: a new one via pcgd.runtime.fresh_database (DATABASE_URL's server, else a temporary
embedded server), dropped afterwards; --data-dir DIR reuses and keeps an embedded server and a
database `pcgd_bench` there (a second run skips the demo build).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pcgd import db

TARGETS = {"province": 5.0, "communes": 60.0, "lists_ratio": 1.5, "memory_mb": 300.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the measuring child ----------------------------------------------------------------------


async def _form_set(unit: Any, year: int, out: Path) -> float:
    from reports import service

    t0 = time.perf_counter()
    built = await service.form_set(unit, year)
    await asyncio.to_thread(service.write_files, built, out)
    if built.disagreements:
        raise SystemExit(f"{unit.code}: {len(built.disagreements)} cross-form disagreements")
    return time.perf_counter() - t0


async def _plain_lists(ids: list[int], year: int, out: Path) -> tuple[float, int]:
    """The baseline: the same SELECTs, rows written as they come (constant memory)."""
    import xlsxwriter

    from reports import lists

    able = lists._able(None)
    t0 = time.perf_counter()
    total = 0
    for spec in lists.SPECS:
        rows = await db.pool().fetch(lists.list_sql(spec, able_disabled=able), ids, year)
        book = xlsxwriter.Workbook(str(out / f"plain-{spec.code}.xlsx"),
                                   {"constant_memory": True})
        ws = book.add_worksheet()
        for r, row in enumerate(rows):
            for c, value in enumerate(row.values()):
                if value is None:
                    continue
                if isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        book.close()
        total += len(rows)
    return time.perf_counter() - t0, total


async def _lists(province: Any, year: int, out: Path) -> tuple[float, int]:
    from reports import lists
    from reports.xlsx import write_form

    t0 = time.perf_counter()
    total = 0
    for _spec, rows, form in await lists.name_lists(province, year):
        await asyncio.to_thread(write_form, form, out / form.file_name)
        total += len(rows)
    return time.perf_counter() - t0, total


async def measure(url: str, code: str, year: int, repeat: int) -> dict[str, Any]:
    from pcgd.units import service as units

    await db.connect(url, max_size=10)
    out = Path(tempfile.mkdtemp(prefix="pcgd-bench-reports-"))
    try:
        province = await units.resolve(code, year, kind="province")
        communes = await units.communes_under(province, year)
        first = await _form_set(province, year, out / "province-1")
        warm = [await _form_set(province, year, out / f"province-{i + 2}")
                for i in range(repeat)]
        t0, c0 = time.perf_counter(), time.process_time()
        for commune in communes:
            await _form_set(commune, year, out / "communes" / commune.code)
        all_communes = time.perf_counter() - t0
        communes_cpu = time.process_time() - c0
        lists_runs, plain_runs = [], []
        rows = 0
        for i in range(repeat):  # interleaved, so others' load hits both alike
            t, rows = await _lists(province, year, _mkdir(out / f"lists-{i}"))
            lists_runs.append(t)
            p, plain_rows = await _plain_lists([c.id for c in communes], year,
                                               _mkdir(out / f"plain-{i}"))
            plain_runs.append(p)
            assert plain_rows == rows, (plain_rows, rows)
        return {
            "communes": len(communes),
            "province_first": first,
            "province_warm": statistics.median(warm),
            "all_communes": all_communes,
            "communes_cpu": communes_cpu,
            "lists": statistics.median(lists_runs),
            "plain": statistics.median(plain_runs),
            "list_rows": rows,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    finally:
        await db.close()
        shutil.rmtree(out, ignore_errors=True)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- the parent: database, demo, report ---------------------------------------------------------


async def prepare(args: argparse.Namespace) -> tuple[str, Any, float]:
    """A database with the demo province; returns its URL, a cleanup and the build time."""
    from pcgd.demo.plan import DEFAULT_PROVINCE
    from pcgd.demo.service import build_demo, demo_exists
    from pcgd.runtime import fresh_database

    code = args.province or DEFAULT_PROVINCE
    if args.data_dir:
        os.environ["PCGD_DATA_DIR"] = str(args.data_dir)
        admin = db.start_embedded(Path(args.data_dir))
        await db.create_database_if_missing(admin, "pcgd_bench")
        url = db.with_database(admin, "pcgd_bench")
        await db.connect(url, max_size=10)
        from pcgd.migrate import upgrade
        from pcgd.units.service import load_units, units_loaded

        await upgrade()
        if not await units_loaded():
            await load_units()
        fresh = None
    else:
        fresh = await fresh_database("pcgd-bench-reports")
        url = fresh.url
    build_s = 0.0
    if not (args.data_dir and await demo_exists(code, args.year)):
        log(f"building a demo province of {args.persons:,} persons for {args.year}…")
        t0 = time.perf_counter()
        await build_demo(code, args.year, persons=args.persons, seed=1)
        build_s = time.perf_counter() - t0
        await db.pool().execute("VACUUM ANALYZE")
    return url, fresh, build_s


async def parent(args: argparse.Namespace) -> int:
    from pcgd.demo.plan import DEFAULT_PROVINCE

    url, fresh, build_s = await prepare(args)
    code = args.province or DEFAULT_PROVINCE
    persons = await db.pool().fetchval(
        "SELECT count(*) FROM person_year py JOIN admin_unit u ON u.id = py.commune"
        " WHERE py.year = $1", args.year)
    await db.close()
    try:
        load_before = os.getloadavg()[0]
        child = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, __file__, "--measure", url, "--province", code, "--year",
             str(args.year), "--repeat", str(args.repeat)],
            capture_output=True, text=True, env=os.environ.copy(),
        )
        if child.returncode != 0:
            log(child.stderr)
            return 1
        r = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        if fresh is not None:
            await db.connect(fresh.url)
            log(await fresh.drop())
    ratio = r["lists"] / r["plain"]

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    print(f"province {code}, year {args.year}: {r['communes']} communes, {persons:,} persons"
          f" (demo build {build_s:.1f} s); {os.cpu_count()} CPUs, load average"
          f" {load_before:.1f} → {os.getloadavg()[0]:.1f} (others' work skews the times)")
    print(f"(1) province form set (18 forms + checks, load+build+write): first run"
          f" {r['province_first']:.2f} s, warm {r['province_warm']:.2f} s (median of"
          f" {args.repeat}) (target ≤ {TARGETS['province']:.0f} s)"
          f" {verdict(r['province_warm'] <= TARGETS['province'])}")
    print(f"(2) form sets of all {r['communes']} communes: {r['all_communes']:.1f} s"
          f" ({r['all_communes'] / r['communes']:.2f} s each) (target ≤"
          f" {TARGETS['communes']:.0f} s) {verdict(r['all_communes'] <= TARGETS['communes'])}")
    print(f"    of which CPU time of this process {r['communes_cpu']:.1f} s (the rest: waiting"
          f" on PostgreSQL or on other processes for a core)")
    print(f"(3) all name lists of the province ({r['list_rows']:,} rows, 6 lists):"
          f" {r['lists']:.2f} s vs plain SELECT + constant-memory xlsxwriter"
          f" {r['plain']:.2f} s: {ratio:.2f}× (target ≤ {TARGETS['lists_ratio']}×)"
          f" {verdict(ratio <= TARGETS['lists_ratio'])}")
    print(f"(4) peak memory of the measuring process: {r['max_rss_mb']:.0f} MB (target ≤"
          f" {TARGETS['memory_mb']:.0f} MB) {verdict(r['max_rss_mb'] <= TARGETS['memory_mb'])}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--province", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        result = asyncio.run(measure(args.measure, args.province, args.year, args.repeat))
        print(json.dumps(result))
        return 0
    return asyncio.run(parent(args))


if __name__ == "__main__":
    raise SystemExit(main())
