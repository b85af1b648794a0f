"""Backup and restore timings on a demo province (default 1,000,000 persons).

In one run, on a fresh database (a new database on DATABASE_URL's server, else an embedded
PostgreSQL in a temporary folder) holding the demo province:
  (a) plain `pg_dump -Fc` of the database (the baseline) and `pcgd backup` (pcgd.ops.backup:
      pg_dump on an exported snapshot + key + stored files + checksums);
  (b) plain `pg_restore` of that dump into an empty database (the baseline) and `pcgd restore`
      into another one (whole-file check, one-transaction load, migrations, count check);
then checks the restored province evaluates exactly like the original, and prints every time,
the sizes and the ratios to the baselines.

    .venv/bin/python bench/backup.py [--persons 1000000] [--year 2025] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pcgd import db
from pcgd.runtime import fresh_database


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - t0


async def evaluation(url: str, code: str, year: int) -> str:
    from pcgd.compliance import service as compliance
    from pcgd.units import service as units

    compliance._cache.clear()  # the same ids in both databases: never reuse a result
    await db.connect(url, max_size=2)
    try:
        province = await units.resolve(code, year, kind="province")
        result = await compliance.evaluate_unit(province, year, with_children=True)
    finally:
        await db.close()
    return json.dumps(result, ensure_ascii=False, default=str)


async def main(args: argparse.Namespace) -> int:
    from pcgd.demo.plan import DEFAULT_PROVINCE
    from pcgd.demo.service import build_demo
    from pcgd.ops import backup as service
    from pcgd.ops import pgtools
    from pcgd.settings import load_settings

    fresh = await fresh_database("pcgd_bkbench", max_size=4)
    work = Path(tempfile.mkdtemp(prefix="pcgd-bkbench-"))
    restored: list[str] = []
    try:
        log(f"building a demo province of {args.persons:,} persons…")
        t0 = time.perf_counter()
        built = await build_demo(DEFAULT_PROVINCE, args.year, persons=args.persons, seed=1)
        build_s = time.perf_counter() - t0
        await db.pool().execute("VACUUM ANALYZE")
        db_bytes = await db.pool().fetchval("SELECT pg_database_size(current_database())")
        major = int(await db.pool().fetchval("SHOW server_version_num")) // 10000
        await db.close()
        tools = pgtools.for_server(major)
        data_dir = work / "data"
        (data_dir / "uploads").mkdir(parents=True)
        (data_dir / "secret.key").write_bytes(secrets.token_bytes(32))
        (data_dir / "uploads" / "bao-cao.xlsx").write_bytes(secrets.token_bytes(200_000))
        settings = load_settings({**os.environ, "DATABASE_URL": fresh.url,
                                  "PCGD_DATA_DIR": str(data_dir)})
        dsn, env = pgtools.libpq_args(fresh.url)

        log("plain pg_dump…")
        plain_dump = work / "plain.dump"
        dump_s = run([tools.path("pg_dump"), "--format=custom", "--no-owner",
                      "--no-privileges", f"--file={plain_dump}", f"--dbname={dsn}"], env)
        log("pcgd backup…")
        archive = work / "pcgd.backup"
        t0 = time.perf_counter()
        made = await service.backup(fresh.url, settings, archive)
        backup_s = time.perf_counter() - t0

        names = [f"pcgd_bkbench_r{i}_{uuid.uuid4().hex[:6]}" for i in (1, 2)]
        for name in names:
            await db.create_database_if_missing(fresh.admin_url, name)
            restored.append(name)
        plain_url, pcgd_url = (db.with_database(fresh.admin_url, n) for n in names)
        log("plain pg_restore…")
        plain_dsn, plain_env = pgtools.libpq_args(plain_url)
        restore_plain_s = run([tools.path("pg_restore"), "--no-owner", "--no-privileges",
                               f"--dbname={plain_dsn}", str(plain_dump)], plain_env)
        log("pcgd restore…")
        target = load_settings({**os.environ, "DATABASE_URL": pcgd_url,
                                "PCGD_DATA_DIR": str(work / "restored")})
        t0 = time.perf_counter()
        back = await service.restore(pcgd_url, target, archive)
        restore_s = time.perf_counter() - t0

        same = (await evaluation(fresh.url, str(built["province"]), args.year)
                == await evaluation(pcgd_url, str(built["province"]), args.year))
        parts_b = ", ".join(f"{k} {v:.1f} s" for k, v in made.seconds.items())
        parts_r = ", ".join(f"{k} {v:.1f} s" for k, v in back.seconds.items())
        print(f"province {built['province']}, {built['persons']:,} persons,"
              f" {built['households']:,} households (demo build {build_s:.0f} s); database"
              f" {db_bytes / 1e9:.2f} GB; PostgreSQL {major}, tools {tools.version}"
              f" ({tools.folder}); {os.cpu_count()} CPUs, load average"
              f" {os.getloadavg()[0]:.1f}")
        print(f"plain pg_dump -Fc   {dump_s:7.1f} s  {plain_dump.stat().st_size / 1e6:8.1f} MB")
        print(f"pcgd backup         {backup_s:7.1f} s  {made.bytes / 1e6:8.1f} MB"
              f"  ({parts_b}); ×{backup_s / dump_s:.2f} plain pg_dump")
        print(f"plain pg_restore    {restore_plain_s:7.1f} s")
        print(f"pcgd restore        {restore_s:7.1f} s  ({parts_r});"
              f" ×{restore_s / restore_plain_s:.2f} plain pg_restore")
        print(f"restored counts {back.counts}")
        print(f"province evaluation identical after restore: {same}")
        return 0 if same else 1
    finally:
        await db.close()
        for name in restored:
            if not args.keep:
                await db.drop_database(fresh.admin_url, name)
        log(await fresh.drop(keep=args.keep))
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
