"""`pcgd serve --workers 2` for real: caches stay right across worker processes, one log line
per request without personal data, readiness, and SIGTERM finishing a save in flight.

Communes of Đồng Tháp (82, 2025) that no other test file uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from pcgd import db
from pcgd.units import service as units
from tests.factories import PASSWORD, make_user

YEAR = 2025
HOME = "28249"  # Phường Đạo Thạnh
OTHER = "28261"  # Phường Mỹ Tho
CHECK_MS = 300  # the servers' cache check interval in these tests
BOUND_S = 3.0  # far below the caches' own TTLs (30 and 60 s): only the mechanism meets it
PCGD = Path(sys.executable).with_name("pcgd")
SCHOOL = "OPS-TH-DT"
SECRET_NAME = "Lê Thị Bí Mật"  # must never reach the log
ADDRESS = "Số 9 đường Riêng Tư"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A `pcgd serve` subprocess; its stdout (the request log) is read as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process, base: str) -> None:
        self.proc, self.base = proc, base
        self.lines: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.grew = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.raw.append(line)
            self.lines.append(json.loads(line))
            self.grew.set()

    async def wait_lines(self, n: int) -> None:
        """Until the log has n lines (a line is written just after its answer is sent; ≤ 5 s)."""
        deadline = time.monotonic() + 5
        while len(self.lines) < n and time.monotonic() < deadline:
            self.grew.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.grew.wait(), deadline - time.monotonic())

    async def call(self, client: httpx.AsyncClient, method: str, path: str,
                   **kw: Any) -> tuple[httpx.Response, int]:
        """One request and the pid of the worker that served it (from its log line)."""
        seen = len(self.lines)
        response = await client.request(method, path, **kw)
        await self.wait_lines(seen + 1)
        assert len(self.lines) == seen + 1, "exactly one log line per request"
        return response, self.lines[-1]["pid"]


@pytest.fixture(scope="module")
async def served(database: str) -> AsyncIterator[Served]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "PCGD_CACHE_CHECK_MS": str(CHECK_MS)}
    proc = await asyncio.create_subprocess_exec(
        str(PCGD), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    server = Served(proc, base)
    deadline = time.monotonic() + 90
    answered = 0
    async with httpx.AsyncClient() as c:
        while True:
            try:
                status = (await c.get(base + "/ready")).status_code
                answered += 1
                if status == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.returncode is not None or time.monotonic() > deadline:
                proc.kill()
                err = (await proc.stderr.read()).decode() if proc.stderr else ""
                pytest.fail(f"pcgd serve did not become ready: {err[-2000:]}")
            await asyncio.sleep(0.2)
    await server.wait_lines(answered)  # the polls' log lines, before the tests count lines
    try:
        yield server
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 40)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        server.reader.cancel()


async def two_workers(served: Served) -> list[tuple[int, httpx.AsyncClient]]:
    """Two clients, each on one keep-alive connection, served by different workers."""
    found: dict[int, httpx.AsyncClient] = {}
    for _ in range(60):
        c = httpx.AsyncClient(base_url=served.base, timeout=30,
                              limits=httpx.Limits(max_connections=1))
        _, pid = await served.call(c, "GET", "/health")
        if pid in found:
            await c.aclose()
        else:
            found[pid] = c
        if len(found) == 2:
            return list(found.items())
    pytest.fail("every connection went to the same worker")


async def login(served: Served, client: httpx.AsyncClient, username: str) -> None:
    r, _ = await served.call(client, "POST", "/api/auth/login",
                             json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text


def household(code: str, school: str = "") -> dict[str, Any]:
    return {
        "household_code": code, "hamlet": "Khóm 1", "address": ADDRESS,
        "members": [
            {"full_name": SECRET_NAME, "birth_date": "12/03/1985", "sex": "F",
             "relation": "chu_ho", "th_completed_year": 1996, "thcs_graduated_year": 2000},
            {"full_name": "Nguyễn Minh Khôi", "birth_date": "2018-07-05", "sex": "M",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "2",
             "school_code": school},
        ],
    }


async def until(served: Served, client: httpx.AsyncClient, pid: int, method: str, path: str,
                wanted: int, **kw: Any) -> float:
    """Seconds until `path`, served by worker `pid`, answers `wanted` (fails after 10 s)."""
    start = time.monotonic()
    while time.monotonic() - start < 10:
        r, served_by = await served.call(client, method, path, **kw)
        assert served_by == pid, "the keep-alive connection moved to another worker"
        if r.status_code == wanted:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    pytest.fail(f"{method} {path} never answered {wanted} on worker {pid}")


async def test_a_change_through_one_worker_is_seen_by_the_other_within_the_bound(
    served: Served,
) -> None:
    (pid_a, a), (pid_b, b) = await two_workers(served)
    staff = await make_user("commune", HOME, YEAR)
    for c in (a, b):
        await login(served, c, staff)
    households = f"/api/communes/{HOME}/households?year={YEAR}"

    # A school added through worker A (registry import) is known to worker B's validation.
    r, _ = await served.call(b, "POST", households, json=household("OPS-S0", SCHOOL))
    assert r.status_code == 422 and SCHOOL in r.text  # B has cached the school list
    out = io.StringIO()
    csv.writer(out).writerows([["Mã trường", "Tên trường", "Cấp học", "Loại hình"],
                               [SCHOOL, "Trường Tiểu học Đạo Thạnh", "TH", "Công lập"]])
    r, by = await served.call(
        a, "POST", f"/api/registry/import/schools?unit={HOME}&year={YEAR}",
        files={"file": ("truong.csv", out.getvalue().encode(), "text/csv")},
        headers={"x-csrftoken": "api"},
    )
    assert (r.status_code, by) == (200, pid_a), r.text
    tries = iter(range(1, 1000))
    elapsed = time.monotonic()
    while True:
        r, by = await served.call(b, "POST", households,
                                  json=household(f"OPS-S{next(tries)}", SCHOOL))
        assert by == pid_b
        if r.status_code == 201:
            break
        assert r.status_code == 422 and time.monotonic() - elapsed < 10
        await asyncio.sleep(0.05)
    assert time.monotonic() - elapsed < BOUND_S

    # A user moved to another commune: worker B's cached user and scope follow.
    mover = await make_user("commune", HOME, YEAR)
    await login(served, b, mover)
    r, _ = await served.call(b, "GET", households)
    assert r.status_code == 200
    other = await units.resolve(OTHER, YEAR, kind="commune")
    await db.pool().execute("UPDATE user_account SET unit = $1 WHERE username = $2",
                            other.id, mover)
    assert await until(served, b, pid_b, "GET", households, 403) < BOUND_S
    r, _ = await served.call(b, "GET", f"/api/communes/{OTHER}/households?year={YEAR}")
    assert r.status_code == 200

    # A deactivated account is refused by worker B (which had it cached) within the bound.
    await login(served, b, staff)
    r, _ = await served.call(b, "GET", "/api/auth/me")
    assert r.status_code == 200
    await db.pool().execute("UPDATE user_account SET active = false WHERE username = $1", staff)
    assert await until(served, b, pid_b, "GET", "/api/auth/me", 401) < BOUND_S

    # A session ended through worker A cannot save through worker B, which remembers it from
    # its last save (pcgd.accounts.sessions.known): refused at once, not within the bound.
    saver = await make_user("commune", HOME, YEAR)
    await login(served, b, saver)
    r, by = await served.call(b, "POST", households, json=household("OPS-K1"))
    assert (r.status_code, by) == (201, pid_b), r.text
    a.cookies.set("pcgd_session", b.cookies.get("pcgd_session"))
    r, by = await served.call(a, "POST", "/api/auth/logout", json={})
    assert (r.status_code, by) == (200, pid_a)
    r, by = await served.call(b, "POST", households, json=household("OPS-K2"))
    assert (r.status_code, by) == (401, pid_b), r.text
    assert not await db.pool().fetchval(
        "SELECT count(*) FROM household WHERE household_code = 'OPS-K2'")
    for c in (a, b):
        await c.aclose()


async def test_one_log_line_per_request_with_route_status_and_user_but_no_personal_data(
    served: Served,
) -> None:
    lines = served.lines
    assert lines, "the earlier test made requests"
    assert all(set(line) == {"t", "pid", "method", "route", "status", "ms", "user"}
               for line in lines)
    saves = [x for x in lines if x["method"] == "POST" and x["status"] == 201]
    assert saves and all(x["route"] == "/api/communes/{code}/households" for x in saves)
    assert all(isinstance(x["user"], int) and x["ms"] > 0 for x in saves)
    assert len({x["pid"] for x in lines}) == 2  # both workers log
    logged = b"".join(served.raw).decode()
    for secret in (SECRET_NAME, ADDRESS, PASSWORD, HOME, "year="):
        assert secret not in logged


async def test_ready_answers_and_names_pending_migrations(served: Served, client,
                                                         monkeypatch) -> None:
    async with httpx.AsyncClient(base_url=served.base) as c:
        r = await c.get("/ready")
    assert (r.status_code, r.json()) == (200, {"status": "ready"})
    from pcgd.ops import controllers

    shipped = controllers.expected_migrations()
    monkeypatch.setattr(controllers, "expected_migrations",
                        lambda: shipped | {("ops", "2099-01-01T00:00:00:000000")})
    r = await client.get("/ready")
    assert r.status_code == 503
    assert r.json()["problems"] == [
        "còn 1 bản nâng cấp chưa chạy: pcgd db upgrade (pending migrations)"
    ]


async def test_sigterm_answers_and_commits_the_save_in_flight(served: Served,
                                                              database: str) -> None:
    c = httpx.AsyncClient(base_url=served.base, timeout=60)
    await login(served, c, await make_user("commune", HOME, YEAR))
    r, _ = await served.call(c, "POST", f"/api/communes/{HOME}/households?year={YEAR}",
                             json=household("OPS-TERM"))
    made = r.json()
    blocker = await asyncpg.connect(database)
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("SELECT 1 FROM household WHERE id = $1 FOR UPDATE", made["id"])
        body = {**household("OPS-TERM"), "address": "Số 10 đường Mới",
                "version": made["version"]}
        body["members"] = [{**m, "person_id": g["person_id"]}
                           for m, g in zip(body["members"], made["members"], strict=True)]
        save = asyncio.ensure_future(c.put(f"/api/households/{made['id']}", json=body))
        waiting = 0
        for _ in range(200):  # the save is in the database, waiting for our row lock
            waiting = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'")
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting == 1
        served.proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)
        assert served.proc.returncode is None and not save.done()  # draining, not killed
        await tx.rollback()
        answer = await asyncio.wait_for(save, 30)
    finally:
        await blocker.close()
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == made["version"] + 1
    stored = await db.pool().fetchrow("SELECT version, address FROM household WHERE id = $1",
                                      made["id"])
    assert tuple(stored) == (made["version"] + 1, "Số 10 đường Mới")
    assert await asyncio.wait_for(served.proc.wait(), 40) == 0
    await asyncio.wait_for(served.reader, 5)
    assert any(x["method"] == "PUT" and x["status"] == 200 for x in served.lines[-3:])
    await c.aclose()
