"""The cost of the write gate and the audit source: bench/load.py against `main` and against
this checkout, in one run, alternating, and the ratio of their closed-loop throughputs.

How: `main` is checked out detached into a temporary worktree (main's own checkout is not
touched); each round runs bench/load.py (this checkout's driver, the same for both) once with
PYTHONPATH naming main's worktree, so the migrations, the `pcgd serve` workers and the save path
are main's, and once with this checkout's. Each run gets its own fresh database. Rounds
alternate main/branch so a drift of the shared machine hits both alike; the medians are
compared.

    .venv/bin/python bench/load_versus.py [--clients 60] [--duration 30] [--workers 2]
        [--rounds 2] [--ref main]

Target: the branch's closed-loop throughput is at least 90 % of main's (drop ≤ 10 %). Exits 1
when it is not. Throughput swings with whatever else runs on the machine; the CPU spent per
save (server processes and their PostgreSQL backends, from load.py) is printed as well, as the
steadier figure of what the gate and the audit source cost. The default client count is below
load.py's 200: the machine has 2 CPUs shared with other work, where 200 saturating clients
measure queueing rather than the save path.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "bench" / "load.py"
TARGET = 0.90
LINE = re.compile(r"\[pcgd closed\] saves (\d+) .*= ([\d.]+) saves/s")
LATENCY = re.compile(r"\[pcgd closed\] latency ms: mean ([\d.]+)\s+p50 ([\d.]+)\s+p95 ([\d.]+)")
ERRORS = re.compile(r"\[pcgd closed\] errors (\d+), lost saves (\w+)")
CPU = re.compile(r"\[pcgd closed\] CPU per save: ([\d.]+) ms")


def run_once(source: Path, args: argparse.Namespace) -> dict[str, float]:
    """One load.py run (closed loop only, no bare baseline) with `source` on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    if args.embedded:
        env.pop("DATABASE_URL", None)
    cmd = [sys.executable, str(LOAD), "--skip-bare", "--rate", "0",
           "--clients", str(args.clients), "--duration", str(args.duration),
           "--workers", str(args.workers), "--provinces", args.provinces]
    t0 = time.monotonic()
    done = subprocess.run(cmd, env=env, cwd=source, capture_output=True, text=True,
                          timeout=args.duration * 4 + 600)
    out = done.stdout + done.stderr
    found = LINE.search(out)
    if not found:
        raise SystemExit(f"load.py gave no throughput for {source}:\n{out[-3000:]}")
    latency = LATENCY.search(out)
    errors = ERRORS.search(out)
    cpu = CPU.search(out)
    return {
        "cpu_ms": float(cpu.group(1)) if cpu else float("nan"),
        "saves": float(found.group(1)), "throughput": float(found.group(2)),
        "p50": float(latency.group(2)) if latency else float("nan"),
        "p95": float(latency.group(3)) if latency else float("nan"),
        "errors": float(errors.group(1)) if errors else float("nan"),
        "lost": float(errors.group(2)) if errors and errors.group(2).isdigit() else float("nan"),
        "seconds": time.monotonic() - t0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ref", default="main", help="the git revision to compare against")
    parser.add_argument("--provinces", default="01,79")
    parser.add_argument("--embedded", action="store_true",
                        help="ignore DATABASE_URL: each run starts its own embedded PostgreSQL")
    args = parser.parse_args()

    ref_dir = Path(tempfile.mkdtemp(prefix="pcgd-ref-"))
    ref_dir.rmdir()
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(ref_dir),
                    args.ref], check=True, capture_output=True)
    results: dict[str, list[dict[str, float]]] = {"main": [], "branch": []}
    try:
        rev = subprocess.run(["git", "-C", str(ref_dir), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        own = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        print(f"{args.ref} at {rev} vs this checkout at {own} (uncommitted changes included);"
              f" {args.clients} clients, {args.duration:g} s closed loop, {args.workers} workers,"
              f" {args.rounds} rounds, {os.cpu_count()} CPUs", flush=True)
        for n in range(1, args.rounds + 1):
            for side, source in (("main", ref_dir), ("branch", ROOT)):
                r = run_once(source, args)
                results[side].append(r)
                print(f"round {n} {side:6}: {r['throughput']:.1f} saves/s ({r['saves']:.0f}"
                      f" saves), latency p50 {r['p50']:.1f} ms p95 {r['p95']:.1f} ms,"
                      f" CPU per save {r['cpu_ms']:.2f} ms, errors {r['errors']:.0f},"
                      f" lost {r['lost']:.0f}", flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref_dir)],
                       capture_output=True)
    main_tp = statistics.median(r["throughput"] for r in results["main"])
    branch_tp = statistics.median(r["throughput"] for r in results["branch"])
    ratio = branch_tp / main_tp if main_tp else float("nan")
    print(f"median throughput: main {main_tp:.1f} saves/s, branch {branch_tp:.1f} saves/s;"
          f" ratio branch/main {ratio:.3f} (drop {100 * (1 - ratio):.1f} %; target ≤"
          f" {100 * (1 - TARGET):.0f} %)")
    main_cpu = statistics.median(r["cpu_ms"] for r in results["main"])
    branch_cpu = statistics.median(r["cpu_ms"] for r in results["branch"])
    print(f"median CPU per save (server + its PostgreSQL backends, less sensitive to other"
          f" load on the machine): main {main_cpu:.2f} ms, branch {branch_cpu:.2f} ms;"
          f" ratio branch/main {branch_cpu / main_cpu:.3f}")
    bad = any(r["errors"] or r["lost"] for rs in results.values() for r in rs)
    if bad:
        print("errors or lost saves in a run: see above")
    return 0 if ratio >= TARGET and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
