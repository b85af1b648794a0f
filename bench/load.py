"""Concurrent-entry benchmark: many commune users saving households on one server at once.

What it does, in one run (loopback only, every step bounded in time):
  1. a fresh database (a new database on DATABASE_URL's server, else an embedded PostgreSQL in a
     temporary PCGD_DATA_DIR), migrated, units loaded, N commune users (one per commune, the
     survey year's communes of the given provinces);
  2. `pcgd serve` in a subprocess; N concurrent clients each log in as their own user, then for
     DURATION seconds create households (3–5 members) and update their own earlier households
     through the JSON API, back to back (closed loop, no think time: the server is saturated);
  3. checks that every acknowledged save is in the database as acknowledged (version, address,
     members in order);
  4. a bare Litestar + asyncpg app (bench/load_servers.py) on the same database with one
     route inserting the same rows (hamlet upsert, household, persons, person_years) in one
     transaction, driven by the same clients the same way (without login);
  5. prints throughput, latency percentiles, errors, CPU use of each process and the ratio, and
     exits 1 when a target is missed.

The clients speak HTTP/1.1 over raw asyncio streams (keep-alive, one connection per client) with
msgspec JSON, so the load generator costs ~50 µs per request and is not the bottleneck; its CPU
use is printed next to the server's.

    .venv/bin/python bench/load.py [--clients 200] [--duration 60] [--provinces 01,79]
        [--update-share 0.5] [--think-ms 0] [--profile FILE] [--skip-bare] [--keep]

`--think-ms` makes each client pause (uniformly 0.5–1.5× that) between saves: an open, paced
load instead of saturation. `--profile FILE`
runs the pcgd server under cProfile and writes its stats (pstats) to FILE, printing the top
functions; figures from a profiled run are slower and not comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from load_client import Http, changed_household, new_household

P95_TARGET_MS = 300.0
RATIO_TARGET = 0.5
PASSWORD = "bench-password-1"
REQUEST_TIMEOUT = 30.0
SERVERS = str(Path(__file__).resolve().with_name("load_servers.py"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- database and users -------------------------------------------------------------------------


async def prepare(
    provinces: list[str], year: int, clients: int
) -> tuple[str, list[tuple[str, int, str]], Callable[[], Awaitable[None]]]:
    """A fresh database with units and one commune user per client.

    Returns (url, [(commune code, commune id, username)], cleanup).
    """
    from pcgd import db
    from pcgd.accounts import service as accounts
    from pcgd.runtime import fresh_database
    from pcgd.units import service as units

    fresh = await fresh_database("pcgd_load")
    url = fresh.url

    communes: list[units.Unit] = []
    for code in provinces:
        province = await units.resolve(code, year, kind="province")
        communes.extend(await units.list_units(year, parent=province, kind="commune"))
    if len(communes) < clients:
        raise SystemExit(f"only {len(communes)} communes in {provinces}; add a province")
    chosen = communes[:clients]
    users = []
    t0 = time.perf_counter()
    for i, c in enumerate(chosen):
        username = f"load{i:03d}.{c.code}"
        await accounts.create_user(username, PASSWORD, "commune", c)
        users.append((c.code, c.id, username))
    log(f"{len(users)} commune users created in {time.perf_counter() - t0:.1f} s")
    await db.close()

    async def cleanup() -> None:
        await fresh.drop()

    return url, users, cleanup


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Stats:
    kind: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful saves
    creates: int = 0
    updates: int = 0
    logins: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acked: dict[int, tuple[int, str, tuple[str, ...]]] = field(default_factory=dict)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    machine_cpu: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def saves(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.saves / self.wall if self.wall else 0.0

    @property
    def cpu_per_save(self) -> float:
        """Milliseconds of CPU (server process + its PostgreSQL backends) per save: unlike
        throughput, it barely moves when other processes compete for the machine."""
        busy = (self.server_cpu + self.postgres_cpu) * self.wall
        return busy / self.saves * 1000 if self.saves else float("nan")


def _ack(stats: Stats, saved: dict[str, Any]) -> None:
    names = tuple(m["full_name"] for m in saved["members"])
    stats.acked[saved["id"]] = (saved["version"], saved["address"], names)


async def pcgd_client(
    i: int, user: tuple[str, int, str], port: int, year: int, deadline: float,
    update_share: float, think: float, stats: Stats,
) -> None:
    code, _, username = user
    rnd = random.Random(i)
    http = Http("127.0.0.1", port)
    own: list[dict[str, Any]] = []
    serial = 0
    try:
        t0 = time.perf_counter()
        status, _ = await asyncio.wait_for(http.request(
            "POST", "/api/auth/login",
            msgspec.json.encode({"username": username, "password": PASSWORD}),
        ), REQUEST_TIMEOUT)
        stats.logins.append(time.perf_counter() - t0)
        if status != 200:
            stats.error(f"login {status}")
            return
        while time.perf_counter() < deadline:
            if own and rnd.random() < update_share:
                index = rnd.randrange(len(own))
                body = changed_household(rnd, own[index])
                method, path = "PUT", f"/api/households/{own[index]['id']}"
            else:
                serial += 1
                index = -1
                body = new_household(rnd, f"L{i:03d}-{serial:05d}", year)
                method, path = "POST", f"/api/communes/{code}/households?year={year}"
            t0 = time.perf_counter()
            status, payload = await asyncio.wait_for(
                http.request(method, path, msgspec.json.encode(body)), REQUEST_TIMEOUT
            )
            elapsed = time.perf_counter() - t0
            if status not in (200, 201):
                stats.error(f"{method} {status}: {payload[:160].decode(errors='replace')}")
                continue
            saved = msgspec.json.decode(payload)
            stats.latencies.append(elapsed)
            _ack(stats, saved)
            if index < 0:
                stats.creates += 1
                own.append(saved)
            else:
                stats.updates += 1
                own[index] = saved
            if think:
                await asyncio.sleep(rnd.uniform(0.5, 1.5) * think)
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
        stats.error(f"{type(exc).__name__}: {exc}"[:160])
    finally:
        await http.close()


async def bare_client(
    i: int, user: tuple[str, int, str], port: int, year: int, deadline: float,
    think: float, stats: Stats,
) -> None:
    _, commune_id, _ = user
    rnd = random.Random(i)
    http = Http("127.0.0.1", port)
    serial = 0
    try:
        while time.perf_counter() < deadline:
            serial += 1
            body = new_household(rnd, f"B{i:03d}-{serial:05d}", year)
            t0 = time.perf_counter()
            status, payload = await asyncio.wait_for(http.request(
                "POST", f"/bare/communes/{commune_id}/households?year={year}",
                msgspec.json.encode(body),
            ), REQUEST_TIMEOUT)
            elapsed = time.perf_counter() - t0
            if status != 201:
                stats.error(f"POST {status}: {payload[:160].decode(errors='replace')}")
                continue
            saved = msgspec.json.decode(payload)
            stats.latencies.append(elapsed)
            stats.creates += 1
            stats.acked[saved["id"]] = (1, body["address"],
                                        tuple(m["full_name"] for m in body["members"]))
            if think:
                await asyncio.sleep(rnd.uniform(0.5, 1.5) * think)
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
        stats.error(f"{type(exc).__name__}: {exc}"[:160])
    finally:
        await http.close()


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving `database` (from their process titles)."""
    import psutil

    out: dict[int, float] = {}
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {database} " in f" {title} ":
                t = proc.cpu_times()
                out[proc.pid] = t.user + t.system
    return out


async def drive(
    kind: str, users: list[tuple[str, int, str]], port: int, server_pid: int,
    args: argparse.Namespace,
) -> Stats:
    import psutil

    stats = Stats(kind)
    server = psutil.Process(server_pid)
    database = url_database(args.url)
    b0 = backend_cpu(database)
    s0 = server.cpu_times()
    c0 = time.process_time()
    psutil.cpu_percent(None)
    start = time.perf_counter()
    deadline = start + args.duration
    think = args.think_ms / 1000
    if kind == "pcgd":
        tasks = [pcgd_client(i, u, port, args.year, deadline, args.update_share, think, stats)
                 for i, u in enumerate(users)]
    else:
        tasks = [bare_client(i, u, port, args.year, deadline, think, stats)
                 for i, u in enumerate(users)]
    await asyncio.wait_for(asyncio.gather(*tasks), args.duration + 2 * REQUEST_TIMEOUT)
    stats.wall = time.perf_counter() - start
    stats.client_cpu = (time.process_time() - c0) / stats.wall
    s1 = server.cpu_times()
    stats.server_cpu = (s1.user + s1.system - s0.user - s0.system) / stats.wall
    stats.machine_cpu = psutil.cpu_percent(None) / 100 * (psutil.cpu_count() or 1)
    b1 = backend_cpu(database)
    stats.postgres_cpu = sum(t - b0.get(pid, 0.0) for pid, t in b1.items()) / stats.wall
    return stats


def url_database(url: str) -> str:
    from pcgd.db import database_name

    return database_name(url)


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], url: str, port: int, health: str) -> subprocess.Popen[bytes]:
    """Start a server subprocess and wait (≤ 30 s) until `health` answers 200."""
    env = {**os.environ, "DATABASE_URL": url, "PCGD_PORT": str(port)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"server exited: {err[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.sendall(f"GET {health} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not answer {health} within 30 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- checks and report ----------------------------------------------------------------------------


async def verify(url: str, stats: Stats) -> tuple[int, list[str]]:
    """Every acknowledged save is stored exactly as acknowledged; returns (checked, problems)."""
    from pcgd import db

    await db.connect(url, max_size=2)
    try:
        rows = await db.pool().fetch(
            "SELECT h.id, h.version, h.address,"
            " array_agg(p.full_name ORDER BY py.position, py.id) AS names"
            " FROM household h JOIN person_year py ON py.household = h.id"
            " JOIN person p ON p.id = py.person WHERE h.id = ANY($1::int[]) GROUP BY h.id",
            list(stats.acked),
        )
    finally:
        await db.close()
    stored = {r["id"]: (r["version"], r["address"], tuple(r["names"])) for r in rows}
    problems = []
    for hid, acked in stats.acked.items():
        got = stored.get(hid)
        if got != acked:
            problems.append(f"household {hid}: acknowledged {acked}, stored {got}")
    return len(stats.acked), problems


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def describe(s: Stats) -> list[str]:
    lat = s.latencies
    mean = statistics.fmean(lat) * 1000 if lat else float("nan")
    lines = [
        f"[{s.kind}] saves {s.saves} ({s.creates} creates, {s.updates} updates) in {s.wall:.1f} s"
        f" = {s.throughput:.1f} saves/s",
        f"[{s.kind}] latency ms: mean {mean:.1f}  p50 {pct(lat, .5):.1f}  p95 {pct(lat, .95):.1f}"
        f"  p99 {pct(lat, .99):.1f}  max {max(lat, default=0) * 1000:.1f}",
        f"[{s.kind}] errors {sum(s.errors.values())}"
        + "".join(f"\n    {n} × {what}" for what, n in sorted(s.errors.items())),
        f"[{s.kind}] CPU (cores busy): server process {s.server_cpu:.2f}, its PostgreSQL"
        f" backends {s.postgres_cpu:.2f}, load generator {s.client_cpu:.2f}; whole machine"
        f" {s.machine_cpu:.2f} (other processes"
        f" {max(0.0, s.machine_cpu - s.server_cpu - s.postgres_cpu - s.client_cpu):.2f})",
        f"[{s.kind}] CPU per save: {s.cpu_per_save:.2f} ms (server"
        f" {s.server_cpu * s.wall / max(s.saves, 1) * 1000:.2f} + PostgreSQL"
        f" {s.postgres_cpu * s.wall / max(s.saves, 1) * 1000:.2f})",
    ]
    if s.logins:
        lines.insert(2, f"[{s.kind}] logins {len(s.logins)}: p50 {pct(s.logins, .5):.0f} ms,"
                        f" p95 {pct(s.logins, .95):.0f} ms, max {max(s.logins) * 1000:.0f} ms")
    return lines


def print_profile(path: str) -> None:
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(path, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())


async def run(args: argparse.Namespace) -> int:
    import psutil

    provinces = [p.strip() for p in args.provinces.split(",") if p.strip()]
    log(f"preparing a fresh database, {args.clients} commune users of provinces {provinces}…")
    url, users, cleanup = await prepare(provinces, args.year, args.clients)
    args.url = url
    ok = True
    try:
        port = free_port()
        if args.profile:
            cmd = [sys.executable, SERVERS, "profiled", str(port), args.profile]
        else:
            cmd = [str(Path(sys.executable).with_name("pcgd")), "serve", "--host", "127.0.0.1",
                   "--port", str(port)]
        server = start(cmd, url, port, "/health")
        try:
            log(f"pcgd: {args.clients} clients for {args.duration} s…")
            pcgd = await drive("pcgd", users, port, server.pid, args)
        finally:
            stop(server)
        checked, problems = await verify(url, pcgd)

        base: Stats | None = None
        if not args.skip_bare:
            port = free_port()
            bare = start([sys.executable, SERVERS, "bare", str(port)], url, port,
                         "/health")
            try:
                log(f"bare: {args.clients} clients for {args.duration} s…")
                base = await drive("bare", users, port, bare.pid, args)
            finally:
                stop(bare)
            bare_checked, bare_problems = await verify(url, base)

        p95 = pct(pcgd.latencies, 0.95)
        print(f"\nmachine: {psutil.cpu_count()} CPUs, Python {sys.version.split()[0]};"
              f" {args.clients} clients, {args.duration} s each, think time {args.think_ms} ms,"
              f" update share {args.update_share}")
        for line in describe(pcgd) + (describe(base) if base else []):
            print(line)
        print(f"[pcgd] acknowledged households checked {checked}: {len(problems)} missing or"
              " different" + "".join(f"\n    {p}" for p in problems[:10]))
        targets = [
            (f"p95 latency {p95:.1f} ms < {P95_TARGET_MS:.0f} ms", p95 < P95_TARGET_MS),
            (f"errors {sum(pcgd.errors.values())} = 0", not pcgd.errors),
            (f"every acknowledged save stored ({checked - len(problems)}/{checked})",
             not problems and checked > 0),
        ]
        if base is not None:
            ratio = pcgd.throughput / base.throughput if base.throughput else float("nan")
            print(f"[bare] inserted households checked {bare_checked}:"
                  f" {len(bare_problems)} missing")
            print(f"throughput ratio pcgd / bare = {pcgd.throughput:.1f} /"
                  f" {base.throughput:.1f} = {ratio:.2f}; CPU per save bare / pcgd ="
                  f" {base.cpu_per_save:.2f} / {pcgd.cpu_per_save:.2f}"
                  f" = {base.cpu_per_save / pcgd.cpu_per_save:.2f}")
            if args.think_ms:
                print("  (paced load: both servers only do what the clients ask, so the"
                      " throughput ratio says nothing; compare CPU per save instead)")
            else:
                targets.append((f"throughput ratio {ratio:.2f} ≥ {RATIO_TARGET}",
                                ratio >= RATIO_TARGET))
        for text, passed in targets:
            print(f"  {'PASS' if passed else 'FAIL'}  {text}")
        ok = all(passed for _, passed in targets)
        if args.profile:
            print_profile(args.profile)
    finally:
        if args.keep:
            log(f"kept database {url}")
        else:
            await cleanup()
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--provinces", default="01,79")
    parser.add_argument("--update-share", type=float, default=0.5,
                        help="share of saves that update one of the client's households")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause between a client's saves (0: closed loop)")
    parser.add_argument("--profile", default="", help="run the pcgd server under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--skip-bare", action="store_true",
                        help="pcgd phase only (no baseline, no ratio)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
