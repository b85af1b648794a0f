"""The README's run command, as a new user runs it: `make run` answers /health with 200."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

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
    env = {**os.environ, "PCGD_PORT": str(port)}
    data_dir = tempfile.mkdtemp(prefix="pcgd-run-")
    env["PCGD_DATA_DIR"] = data_dir
    created = None
    if os.environ.get("DATABASE_URL"):  # CI's second pass: a fresh database on that server
        created = f"pcgd_run_{uuid.uuid4().hex[:8]}"
        await db.create_database_if_missing(os.environ["DATABASE_URL"], created)
        env["DATABASE_URL"] = db.with_database(os.environ["DATABASE_URL"], created)
    proc = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    status = r.status
                    body = r.read()
                    break
            except OSError:
                await asyncio.sleep(1)
        assert status == 200, (proc.stdout.read().decode()[-3000:] if proc.poll() is not None
                               else "no answer from /health in time")
        assert b'"ok"' in body
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        if created:
            await db.drop_database(os.environ["DATABASE_URL"], created)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "Traceback" not in output, output[-3000:]
