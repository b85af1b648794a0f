"""Dossier benchmark: the recognition dossier of a province of N persons (default 1,000,000).

Prints, for the demo province (a fresh database, the demo generator; 2025 = 2-tier, so the
province's lower units are its communes):
  (1) the whole dossier (`pcgd.dossier.service.plan` + `build`: report, minutes, maps, the
      province's and every commune's forms, every commune's name lists and tracking books,
      decisions, checklist, manifest, into one .zip): wall time (target ≤ 90 s) and peak memory
      (max RSS of the process that built it, target ≤ 500 MB);
  (2) the plain baseline in the same run: the province's own form set alone, as `pcgd forms`
      does it (load, build, write every .xlsx), and the ratio (1) / (2).

    .venv/bin/python bench/dossier.py [--persons 1000000] [--year 2025] [--province CODE]
                                      [--data-dir DIR] [--jobs N]

--jobs N builds the dossier with N worker processes (`pcgd dossier --jobs`; default: the
product's, PCGD_DOSSIER_JOBS or 2).

Each measure runs in its own child process, so neither the demo build's memory nor the other
measure's counts in its peak. Database: as bench/reports.py (a new one via
pcgd.runtime.fresh_database, dropped afterwards; --data-dir DIR keeps an embedded server and a
database `pcgd_bench` there, and a second run skips the demo build).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reports import prepare  # the same demo province, built the same way
from pcgd import db

TARGETS = {"seconds": 90.0, "memory_mb": 500.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def measure(url: str, code: str, year: int, what: str, jobs: int | None = None
                  ) -> dict[str, Any]:
    from pcgd.units import service as units

    await db.connect(url, max_size=10)
    out = Path(tempfile.mkdtemp(prefix="pcgd-bench-dossier-"))
    try:
        province = await units.resolve(code, year, kind="province")
        t0 = time.perf_counter()
        extra: dict[str, Any] = {}
        if what == "forms":
            from reports import service as forms

            built = await forms.form_set(province, year)
            await asyncio.to_thread(forms.write_files, built, out)
        else:
            from pcgd.dossier import service

            plan = await service.plan(province, year)
            jobs = service.default_jobs() if jobs is None else jobs
            target = out / "dossier.zip"
            made = await service.build(
                plan, target, lambda d, t, label: log(f"  {d}/{t} {label}") if d % 25 == 0
                else None, jobs=jobs)
            with zipfile.ZipFile(target) as zf:
                extra = {"files": len(zf.namelist()), "zip_mb": target.stat().st_size / 2**20,
                         "lower": len(plan.lower), "missing": sum(
                             1 for i in made.items if i.status == service.MISSING)}
        seconds = time.perf_counter() - t0
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "cpu_s": time.process_time(), "workers_cpu_s": workers.ru_utime + workers.ru_stime,
                "workers_rss_mb": workers.ru_maxrss / 1024, "jobs": jobs, **extra}
    finally:
        await db.close()
        import shutil

        shutil.rmtree(out, ignore_errors=True)


def _child(url: str, code: str, year: int, what: str, jobs: int | None = None
           ) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--province", code, "--year", str(year),
         "--what", what, *(["--jobs", str(jobs)] if jobs else [])], capture_output=True,
        text=True, env=os.environ.copy())
    if done.returncode != 0:
        log(done.stderr)
        raise SystemExit(1)
    return json.loads(done.stdout.strip().splitlines()[-1])


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
        # The baseline first also warms the shared caches (counts' splits) for both alike.
        warm = await asyncio.to_thread(_child, url, code, args.year, "forms")
        base = await asyncio.to_thread(_child, url, code, args.year, "forms")
        dossier = await asyncio.to_thread(_child, url, code, args.year, "dossier", args.jobs)
    finally:
        if fresh is not None:
            await db.connect(fresh.url)
            log(await fresh.drop())

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    print(f"province {code}, year {args.year}: {dossier['lower']} lower units, {persons:,}"
          f" persons (demo build {build_s:.1f} s); {os.cpu_count()} CPUs, load average"
          f" {load_before:.1f} → {os.getloadavg()[0]:.1f} (others' work skews the times)")
    print(f"(1) the dossier: {dossier['seconds']:.1f} s (target ≤ {TARGETS['seconds']:.0f} s)"
          f" {verdict(dossier['seconds'] <= TARGETS['seconds'])}; peak memory"
          f" {dossier['max_rss_mb']:.0f} MB (target ≤ {TARGETS['memory_mb']:.0f} MB)"
          f" {verdict(dossier['max_rss_mb'] <= TARGETS['memory_mb'])}; {dossier['files']} files,"
          f" {dossier['zip_mb']:.1f} MB zipped, {dossier['missing']} checklist items missing")
    print(f"(2) baseline, the province's own form set alone (pcgd forms): {base['seconds']:.2f} s"
          f" (first run {warm['seconds']:.2f} s), peak memory {base['max_rss_mb']:.0f} MB;"
          f" ratio dossier / baseline {dossier['seconds'] / base['seconds']:.1f}×")
    print(f"(3) the dossier's CPU time: {dossier['cpu_s']:.1f} s in the building process"
          + (f", {dossier['workers_cpu_s']:.1f} s in {dossier['jobs']} worker processes (peak"
             f" {dossier['workers_rss_mb']:.0f} MB each at most)" if dossier["jobs"] > 1 else "")
          + f"; jobs={dossier['jobs']}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--province", default=None)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--what", default="dossier", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    if args.measure:
        result = asyncio.run(measure(args.measure, args.province, args.year, args.what,
                                     args.jobs))
        print(json.dumps(result))
        return 0
    return asyncio.run(parent(args))


if __name__ == "__main__":
    raise SystemExit(main())
