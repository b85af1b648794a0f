"""`pcgd serve`: uvicorn's process supervisor running N workers of the Litestar app.

The supervisor prepares once what must not race (the embedded server, migrations, the secret
key), binds the socket and starts the workers; it restarts a worker that dies, and on SIGHUP
replaces them one by one (new code, a rotated secret). On SIGTERM or SIGINT every worker stops
accepting connections, finishes the requests it has (a save in flight is answered and committed)
for up to GRACE_SECONDS, closes its pool, and the supervisor stops the embedded server last.

Each worker wraps the app in `RequestLog`: the shared cache check (`pcgd.ops.caches.refresh`)
before the request, then one JSON line per request on stdout: time, worker pid, method, route
template (never the path's values or the query), status, duration in ms, user id.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import msgspec

from pcgd import db
from pcgd.ops import caches
from pcgd.settings import Settings, get_settings
from pcgd.web import security

GRACE_SECONDS = 30  # deploy/pcgd.service gives the whole stop 45 s
# Idle keep-alive connections are kept longer than nginx keeps its upstream ones (60 s): a proxy
# must never send a request on a connection the server is closing (a POST is not retried: 502).
KEEP_ALIVE_SECONDS = 75


async def _prepare(settings: Settings) -> str:
    """Start (or find) the database and migrate it, once, before any worker; its URL."""
    from pcgd.runtime import open_database

    url = await open_database(settings, max_size=2)
    await db.close()
    return url


def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the supervisor until SIGTERM/SIGINT (blocking)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = get_settings()
    url = asyncio.run(_prepare(settings))
    settings.secret_key  # noqa: B018 — created here, not raced by the workers
    # The workers connect to what the supervisor resolved (the embedded server stays ours).
    os.environ["DATABASE_URL"] = url
    os.environ["PCGD_DATA_DIR"] = str(settings.data_dir)
    config = uvicorn.Config(
        "pcgd.ops.serving:worker_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        db.stop_embedded()


def worker_app() -> Any:
    """One worker's ASGI app (uvicorn calls this factory in each worker process)."""
    from pcgd.web.app import create_app

    _die_with_parent()
    settings = get_settings()
    caches.set_interval(settings.cache_check_ms)
    app = create_app(settings, manage_database=False)

    async def startup() -> None:
        await db.connect(await db.resolve_url(settings), max_size=settings.db_pool_size)

    async def shutdown() -> None:  # after uvicorn has answered every request in flight
        await db.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    return RequestLog(app)


def _die_with_parent() -> None:
    """A worker whose supervisor was killed (SIGKILL) must not live on holding the port."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        os.kill(os.getpid(), signal.SIGTERM)


class LogLine(msgspec.Struct, omit_defaults=False):
    t: str
    pid: int
    method: str
    route: str | None
    status: int
    ms: float
    user: int | None


_encode = msgspec.json.Encoder().encode


class RequestLog:
    """ASGI wrapper: cache freshness first, then one structured log line per HTTP request."""

    def __init__(self, app: Any, out: int = 1) -> None:
        self.app = app
        self.out = out
        self.pid = os.getpid()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await caches.refresh()
            await self.app(scope, receive, send_status)
        finally:
            self.write(scope, status, time.perf_counter() - start)

    def write(self, scope: dict[str, Any], status: int, seconds: float) -> None:
        uid = security.request_user_id(scope)
        line = LogLine(
            t=datetime.now(UTC).isoformat(timespec="milliseconds"),
            pid=self.pid,
            method=scope.get("method", ""),
            route=scope.get("path_template") or None,
            status=status,
            ms=round(seconds * 1000, 1),
            user=uid if isinstance(uid, int) else None,
        )
        with contextlib.suppress(OSError):  # a closed log must not fail the request
            os.write(self.out, _encode(line) + b"\n")
