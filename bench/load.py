"""Concurrent-entry benchmark: the September peak, every commune saving households at once.

What it does, in one run (loopback only, every step bounded in time):
  1. a fresh database (a new database on DATABASE_URL's server, else an embedded PostgreSQL in a
     temporary PCGD_DATA_DIR), migrated, units loaded, N commune users (one per commune, the
     survey year's communes of the given provinces);
  2. `pcgd serve --workers W` in a subprocess; N clients each log in as their own user, then
     (a) closed loop: for DURATION seconds each creates households (3–5 members) and updates its
         own earlier ones through the JSON API, back to back (no think time: saturation);
     (b) open loop: saves arrive at a fixed RATE per second for OPEN_DURATION seconds, each
         taken by an idle client; latency counts from the planned arrival, so a server falling
         behind shows as queueing, not as a politely slower generator;
  3. checks that every acknowledged save is in the database as acknowledged (a lost save is
     one acknowledged and then missing or different);
  4. the same two phases against a bare Litestar + asyncpg app (bench/load_servers.py) served
     by uvicorn with the same W workers, one route inserting the same rows (hamlet upsert,
     household, persons, person_years) in one transaction, driven the same way (no login);
  5. prints throughput, latency percentiles, errors, lost saves, CPU use of each process tree
     and the ratio, and exits 1 when a target is missed: closed-loop throughput ≥ 60 % of the
     bare route's; open loop p95 < 300 ms, no error, no lost save.

The clients speak HTTP/1.1 over raw asyncio streams (keep-alive, one connection per client) with
msgspec JSON, so the load generator costs ~50 µs per request and is not the bottleneck; its CPU
use is printed next to the servers'.

    .venv/bin/python bench/load.py [--workers 2] [--clients 200] [--duration 60]
        [--rate 500] [--open-duration 60] [--provinces 01,79] [--update-share 0.5]
        [--think-ms 0] [--rounds 1] [--profile FILE] [--skip-bare] [--keep]

`--rounds K` (K > 1) starts both servers at once and splits each one's closed loop into K
segments of DURATION/K seconds, alternating pcgd and bare (pcgd first in odd rounds), so that
a drift of a shared machine during the run weighs on both alike; it prints the merged figures,
each segment pair and the median of the per-round ratios. The target uses the merged figures.

`--think-ms` makes each closed-loop client pause (uniformly 0.5–1.5× that) between saves.
`--profile FILE` runs one pcgd worker under cProfile and writes its stats (pstats) to FILE,
printing the top functions; figures from a profiled run are slower and not comparable.
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
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from load_client import Http, changed_household, new_household

P95_TARGET_MS = 300.0
RATIO_TARGET = 0.6
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
    phase: str
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
    planned: int = 0  # open loop: arrivals planned
    rate: float = 0.0  # open loop: arrivals per second
    late_ms: float = 0.0  # open loop: how late the generator sent its last arrival
    lost: int | None = None  # acknowledged saves missing or different in the database

    @property
    def label(self) -> str:
        return f"{self.kind} {self.phase}"

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
        """Milliseconds of CPU (server processes + their PostgreSQL backends) per save: unlike
        throughput, it barely moves when other processes compete for the machine."""
        busy = (self.server_cpu + self.postgres_cpu) * self.wall
        return busy / self.saves * 1000 if self.saves else float("nan")


class Session:
    """One commune user's keep-alive connection and the households it saved."""

    def __init__(self, i: int, user: tuple[str, int, str], port: int, args: argparse.Namespace,
                 kind: str) -> None:
        self.i, self.user, self.kind, self.year = i, user, kind, args.year
        self.update_share = args.update_share if kind == "pcgd" else 0.0
        self.rnd = random.Random(i)
        self.http = Http("127.0.0.1", port)
        self.own: list[dict[str, Any]] = []
        self.serial = 0

    async def login(self, stats: Stats) -> bool:
        t0 = time.perf_counter()
        try:
            status, _ = await asyncio.wait_for(self.http.request(
                "POST", "/api/auth/login",
                msgspec.json.encode({"username": self.user[2], "password": PASSWORD}),
            ), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            stats.error(f"login {type(exc).__name__}")
            return False
        stats.logins.append(time.perf_counter() - t0)
        if status != 200:
            stats.error(f"login {status}")
        return status == 200

    async def save(self, stats: Stats, since: float | None = None) -> None:
        """One create (or update of an own household); latency from `since` (else now)."""
        code, commune_id, _ = self.user
        index = -1
        if self.own and self.rnd.random() < self.update_share:
            index = self.rnd.randrange(len(self.own))
            body = changed_household(self.rnd, self.own[index])
            method, path = "PUT", f"/api/households/{self.own[index]['id']}"
        else:
            self.serial += 1
            prefix = "L" if self.kind == "pcgd" else "B"
            body = new_household(self.rnd, f"{prefix}{self.i:03d}-{self.serial:05d}", self.year)
            method = "POST"
            path = (f"/api/communes/{code}/households?year={self.year}" if self.kind == "pcgd"
                    else f"/bare/communes/{commune_id}/households?year={self.year}")
        t0 = time.perf_counter() if since is None else since
        try:
            status, payload = await asyncio.wait_for(
                self.http.request(method, path, msgspec.json.encode(body)), REQUEST_TIMEOUT
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            stats.error(f"{method} {type(exc).__name__}: {exc}"[:160])
            await self.http.close()  # reconnect for the next save (the cookie is kept)
            return
        elapsed = time.perf_counter() - t0
        if status not in (200, 201):
            stats.error(f"{method} {status}: {payload[:160].decode(errors='replace')}")
            return
        saved = msgspec.json.decode(payload)
        stats.latencies.append(elapsed)
        if self.kind == "bare":
            stats.creates += 1
            stats.acked[saved["id"]] = (1, body["address"],
                                        tuple(m["full_name"] for m in body["members"]))
            return
        names = tuple(m["full_name"] for m in saved["members"])
        stats.acked[saved["id"]] = (saved["version"], saved["address"], names)
        if index < 0:
            stats.creates += 1
            self.own.append(saved)
        else:
            stats.updates += 1
            self.own[index] = saved


async def closed_loop(sessions: list[Session], args: argparse.Namespace, stats: Stats) -> None:
    deadline = time.perf_counter() + args.duration
    think = args.think_ms / 1000

    async def client(s: Session) -> None:
        while time.perf_counter() < deadline:
            await s.save(stats)
            if think:
                await asyncio.sleep(s.rnd.uniform(0.5, 1.5) * think)

    await asyncio.wait_for(asyncio.gather(*(client(s) for s in sessions)),
                           args.duration + 2 * REQUEST_TIMEOUT)


async def open_loop(sessions: list[Session], args: argparse.Namespace, stats: Stats) -> None:
    """RATE arrivals per second at fixed intervals, each served by an idle session."""
    idle: asyncio.Queue[Session] = asyncio.Queue()
    for s in sessions:
        idle.put_nowait(s)
    stats.planned = int(args.rate * args.open_duration)
    stats.rate = args.rate
    start = time.perf_counter()

    async def arrival(planned_at: float) -> None:
        s = await idle.get()
        try:
            await s.save(stats, since=planned_at)
        finally:
            idle.put_nowait(s)

    tasks = []
    for n in range(stats.planned):
        planned_at = start + n / args.rate
        delay = planned_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(arrival(planned_at)))
    stats.late_ms = max(0.0, time.perf_counter() - planned_at) * 1000 if tasks else 0.0
    await asyncio.wait_for(asyncio.gather(*tasks), 2 * REQUEST_TIMEOUT)


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


def tree_cpu(proc: Any) -> float:
    """CPU seconds of a process and all its children (the supervisor and its workers)."""
    import psutil

    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


async def drive(kind: str, phase: str, sessions: list[Session], server_pid: int,
                args: argparse.Namespace) -> Stats:
    import psutil

    stats = Stats(kind, phase)
    server = psutil.Process(server_pid)
    database = url_database(args.url)
    b0 = backend_cpu(database)
    s0 = tree_cpu(server)
    c0 = time.process_time()
    psutil.cpu_percent(None)
    start = time.perf_counter()
    if phase == "closed":
        await closed_loop(sessions, args, stats)
    else:
        await open_loop(sessions, args, stats)
    stats.wall = time.perf_counter() - start
    stats.client_cpu = (time.process_time() - c0) / stats.wall
    stats.server_cpu = (tree_cpu(server) - s0) / stats.wall
    stats.machine_cpu = psutil.cpu_percent(None) / 100 * (psutil.cpu_count() or 1)
    b1 = backend_cpu(database)
    stats.postgres_cpu = sum(t - b0.get(pid, 0.0) for pid, t in b1.items()) / stats.wall
    return stats


async def logged_in(sessions: list[Session], stats: Stats) -> list[Session]:
    """Log every client in at once; the ones whose login failed (counted in `stats`) drop out."""
    ok = await asyncio.gather(*(s.login(stats) for s in sessions))
    return [s for s, good in zip(sessions, ok, strict=True) if good]


async def run_server(kind: str, cmd: list[str], users: list[tuple[str, int, str]],
                     args: argparse.Namespace) -> list[Stats]:
    """Start one server, log its clients in, run both phases, stop it, check every save."""
    port = free_port()
    server = start([*cmd, "--port", str(port)], args.url, port, "/health")
    try:
        sessions = [Session(i, u, port, args, kind) for i, u in enumerate(users)]
        phases = [Stats(kind, "closed")]
        if kind == "pcgd":
            sessions = await logged_in(sessions, phases[0])
        log(f"{kind}: closed loop, {len(sessions)} clients for {args.duration} s…")
        closed = await drive(kind, "closed", sessions, server.pid, args)
        closed.logins, closed.errors = phases[0].logins, {**phases[0].errors, **closed.errors}
        await check(closed, args)  # before the open loop updates the same households again
        results = [closed]
        if args.rate > 0:
            log(f"{kind}: open loop, {args.rate:g} saves/s for {args.open_duration} s…")
            results.append(await drive(kind, "open", sessions, server.pid, args))
            await check(results[-1], args)
    finally:
        stop(server)
        for s in sessions:
            await s.http.close()
    return results


def merged(parts: list[Stats]) -> Stats:
    """One closed-loop figure from the segments of an interleaved run (rates weighted by time)."""
    out = Stats(parts[0].kind, parts[0].phase)
    for p in parts:
        out.latencies += p.latencies
        out.creates += p.creates
        out.updates += p.updates
        out.logins += p.logins
        for what, n in p.errors.items():
            out.errors[what] = out.errors.get(what, 0) + n
        out.acked.update(p.acked)
        out.wall += p.wall
        out.lost = (out.lost or 0) + (p.lost or 0)
    for name in ("client_cpu", "server_cpu", "postgres_cpu", "machine_cpu"):
        setattr(out, name, sum(getattr(p, name) * p.wall for p in parts) / out.wall)
    return out


async def interleaved(commands: dict[str, list[str]], users: list[tuple[str, int, str]],
                      args: argparse.Namespace) -> tuple[list[Stats], list[tuple[Stats, Stats]]]:
    """Both servers up at once; the closed loop alternates between them in ROUNDS segments
    (pcgd first in odd rounds, bare first in even ones), so a drift of the shared machine
    weighs on both alike; then each server's open loop. Returns (the merged closed loops and
    the open loops, the segment pairs)."""
    servers: dict[str, tuple[subprocess.Popen[bytes], list[Session]]] = {}
    segment = argparse.Namespace(**{**vars(args), "duration": args.duration / args.rounds})
    try:
        for kind, cmd in commands.items():
            port = free_port()
            proc = start([*cmd, "--port", str(port)], args.url, port, "/health")
            servers[kind] = (proc, [Session(i, u, port, args, kind) for i, u in enumerate(users)])
        logins = Stats("pcgd", "closed")
        servers["pcgd"] = (servers["pcgd"][0], await logged_in(servers["pcgd"][1], logins))
        parts: dict[str, list[Stats]] = {kind: [] for kind in servers}
        for r in range(args.rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for kind in order:
                proc, sessions = servers[kind]
                log(f"round {r + 1}/{args.rounds}: {kind} closed loop, {len(sessions)} clients"
                    f" for {segment.duration:g} s…")
                part = await drive(kind, "closed", sessions, proc.pid, segment)
                await check(part, args)
                parts[kind].append(part)
        parts["pcgd"][0].logins, parts["pcgd"][0].errors = logins.logins, {
            **logins.errors, **parts["pcgd"][0].errors}
        results = [merged(parts[kind]) for kind in servers]
        if args.rate > 0:
            for kind, (proc, sessions) in servers.items():
                log(f"{kind}: open loop, {args.rate:g} saves/s for {args.open_duration} s…")
                results.append(await drive(kind, "open", sessions, proc.pid, args))
                await check(results[-1], args)
    finally:
        for proc, sessions in servers.values():
            stop(proc)
            for s in sessions:
                await s.http.close()
    pairs = list(zip(parts["pcgd"], parts["bare"], strict=True))
    return results, pairs


async def check(stats: Stats, args: argparse.Namespace) -> None:
    """Count the phase's acknowledged saves that are not in the database as acknowledged."""
    _, problems = await verify(args.url, stats)
    stats.lost = len(problems)
    for p in problems[:5]:
        log(f"  [{stats.label}] {p}")


def url_database(url: str) -> str:
    from pcgd.db import database_name

    return database_name(url)


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], url: str, port: int, health: str) -> subprocess.Popen[bytes]:
    """Start a server subprocess and wait (≤ 60 s) until `health` answers 200.

    Its stdout (pcgd's request log: written, as in production, but not kept) goes to
    /dev/null, its stderr to a temporary file shown if it fails (a pipe nobody reads would
    fill up and stall the server).
    """
    env = {**os.environ, "DATABASE_URL": url, "PCGD_PORT": str(port)}
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err.seek(0)
            raise SystemExit(f"server exited: {err.read().decode()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.sendall(f"GET {health} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not answer {health} within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(60)
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
    tag = f"[{s.label}]"
    head = (f"{tag} saves {s.saves} ({s.creates} creates, {s.updates} updates) in {s.wall:.1f} s"
            f" = {s.throughput:.1f} saves/s")
    if s.phase == "open":
        head += (f"; {s.planned} planned at {s.rate:g}/s over {s.planned / s.rate:.0f} s"
                 f" (generator {s.late_ms:.0f} ms late at the end)")
    lines = [
        head,
        f"{tag} latency ms: mean {mean:.1f}  p50 {pct(lat, .5):.1f}  p95 {pct(lat, .95):.1f}"
        f"  p99 {pct(lat, .99):.1f}  max {max(lat, default=0) * 1000:.1f}",
        f"{tag} errors {sum(s.errors.values())}, lost saves {s.lost}"
        + "".join(f"\n    {n} × {what}" for what, n in sorted(s.errors.items())),
        f"{tag} CPU (cores busy): server processes {s.server_cpu:.2f}, their PostgreSQL"
        f" backends {s.postgres_cpu:.2f}, load generator {s.client_cpu:.2f}; whole machine"
        f" {s.machine_cpu:.2f} (other processes"
        f" {max(0.0, s.machine_cpu - s.server_cpu - s.postgres_cpu - s.client_cpu):.2f})",
        f"{tag} CPU per save: {s.cpu_per_save:.2f} ms (server"
        f" {s.server_cpu * s.wall / max(s.saves, 1) * 1000:.2f} + PostgreSQL"
        f" {s.postgres_cpu * s.wall / max(s.saves, 1) * 1000:.2f})",
    ]
    if s.logins:
        lines.insert(2, f"{tag} logins {len(s.logins)}: p50 {pct(s.logins, .5):.0f} ms,"
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
    try:
        if args.profile:
            cmd = [sys.executable, SERVERS, "profiled", "--stats", args.profile]
        else:
            cmd = [str(Path(sys.executable).with_name("pcgd")), "serve", "--host", "127.0.0.1",
                   "--workers", str(args.workers)]
        bare = [sys.executable, SERVERS, "bare", "--workers", str(args.workers)]
        pairs: list[tuple[Stats, Stats]] = []
        if args.rounds > 1 and not args.skip_bare:
            results, pairs = await interleaved({"pcgd": cmd, "bare": bare}, users, args)
        else:
            results = await run_server("pcgd", cmd, users, args)
            if not args.skip_bare:
                results += await run_server("bare", bare, users, args)
        by = {(r.kind, r.phase): r for r in results}
        print(f"\nmachine: {psutil.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f},"
              f" Python {sys.version.split()[0]}; {args.workers} workers per server,"
              f" {args.clients} clients; closed loop {args.duration:g} s (think time"
              f" {args.think_ms:g} ms, update share {args.update_share}); open loop"
              f" {args.rate:g} saves/s for {args.open_duration:g} s")
        for r in results:
            for line in describe(r):
                print(line)
        closed, opened = by[("pcgd", "closed")], by.get(("pcgd", "open"))
        targets = [(f"[pcgd closed] errors {sum(closed.errors.values())} = 0, lost saves"
                    f" {closed.lost} = 0", not closed.errors and closed.lost == 0)]
        if opened is not None:
            p95 = pct(opened.latencies, 0.95)
            targets += [
                (f"[pcgd open] p95 latency {p95:.1f} ms < {P95_TARGET_MS:.0f} ms",
                 p95 < P95_TARGET_MS),
                (f"[pcgd open] errors {sum(opened.errors.values())} = 0, lost saves"
                 f" {opened.lost} = 0, answered {opened.saves}/{opened.planned}",
                 not opened.errors and opened.lost == 0 and opened.saves == opened.planned),
            ]
        base = by.get(("bare", "closed"))
        if base is not None:
            ratio = closed.throughput / base.throughput if base.throughput else float("nan")
            print(f"closed-loop throughput pcgd / bare = {closed.throughput:.1f} /"
                  f" {base.throughput:.1f} = {ratio:.2f}; CPU per save bare / pcgd ="
                  f" {base.cpu_per_save:.2f} / {closed.cpu_per_save:.2f}"
                  f" = {base.cpu_per_save / closed.cpu_per_save:.2f}")
            if pairs:
                each = [a.throughput / b.throughput for a, b in pairs if b.throughput]
                print(f"  segments ({args.duration / args.rounds:g} s each, alternating):"
                      + "".join(f" {a.throughput:.1f}/{b.throughput:.1f}" for a, b in pairs)
                      + f"; ratio per round {' '.join(f'{x:.2f}' for x in each)},"
                        f" median {statistics.median(each):.2f}")
            if args.think_ms:
                print("  (paced load: both servers only do what the clients ask, so the"
                      " throughput ratio says nothing; compare CPU per save instead)")
            else:
                targets.append((f"closed-loop throughput ratio {ratio:.2f} ≥ {RATIO_TARGET}",
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
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="closed loop, seconds")
    parser.add_argument("--rate", type=float, default=500.0,
                        help="open loop arrivals per second (0: no open loop)")
    parser.add_argument("--open-duration", type=float, default=60.0, help="open loop, seconds")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--provinces", default="01,79")
    parser.add_argument("--update-share", type=float, default=0.5,
                        help="share of saves that update one of the client's households")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause between a closed-loop client's saves (0: saturation)")
    parser.add_argument("--profile", default="", help="run one pcgd worker under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--rounds", type=int, default=1,
                        help="split the closed loop into this many segments per server,"
                             " alternating pcgd and bare (both servers up at once)")
    parser.add_argument("--skip-bare", action="store_true",
                        help="pcgd phases only (no baseline, no ratio)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
