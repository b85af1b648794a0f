"""The README's run command, as a new user runs it: `make run` answers /health with 200."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pcgd import db

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
async def test_make_run_serves_health(database: str) -> None:
    port = _free_port()
    env = {**os.environ, "PCGD_PORT": str(port), "PCGD_DATA_DIR": tempfile.mkdtemp(prefix="r-")}
    created = None
    if os.environ.get("DATABASE_URL"):  # CI's second pass: a fresh database on that server
        created = f"pcgd_run_{uuid.uuid4().hex[:8]}"
        await db.create_database_if_missing(os.environ["DATABASE_URL"], created)
        env["DATABASE_URL"] = db.with_database(os.environ["DATABASE_URL"], created)
    proc = await asyncio.create_subprocess_exec(
        "make", "run", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )
    status, body = None, ""
    try:
        deadline = time.monotonic() + 240
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline and proc.returncode is None:
                try:
                    answer = await client.get(f"http://127.0.0.1:{port}/health")
                    status, body = answer.status_code, answer.text
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(1)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
        if created:
            await db.drop_database(os.environ["DATABASE_URL"], created)
    output = (await proc.stdout.read()).decode() if proc.stdout else ""
    assert status == 200, output[-3000:]
    assert '"ok"' in body
    assert "Traceback" not in output, output[-3000:]
    assert "demo.2025.admin" in output  # the demo logins are printed on the console
