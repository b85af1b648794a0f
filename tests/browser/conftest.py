"""Browser-test fixtures: the real `pcgd serve` in a subprocess and Debian's Chromium.

The server runs against the session's test database (`database` fixture: its URL names the
embedded server's socket directory, so another process can use it). Chromium is Debian's
(`deploy/install-system-deps.sh`), driven by Playwright without `playwright install`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PCGD = Path(sys.executable).with_name("pcgd")
HAVE_CHROMIUM = Path(CHROMIUM).exists()
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM, reason="no Chromium: run deploy/install-system-deps.sh"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Server = tuple[asyncio.subprocess.Process, str]
STARTUP_SECONDS = 90.0  # generous: a loaded CI machine; a healthy start takes ~2 s


async def start_server(database: str) -> Server:
    """Start `pcgd serve` on a free port; returns the process and its base URL once healthy."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "PCGD_PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        str(PCGD), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(base + "/health")).status_code == 200:
                    return proc, base
            except httpx.TransportError:
                pass
            if proc.returncode is not None or time.monotonic() > deadline:
                await stop_server(proc)
                err = (await proc.stderr.read()).decode() if proc.stderr else ""
                pytest.fail(f"pcgd serve did not start: {err[-2000:]}")
            await asyncio.sleep(0.1)


async def stop_server(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@pytest.fixture(scope="session")
async def live_server(database: str) -> AsyncIterator[str]:
    """Base URL of a real `pcgd serve` on the test database, shared by the session."""
    proc, base = await start_server(database)
    try:
        yield base
    finally:
        await stop_server(proc)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """One headless Chromium for the session; tests open their own contexts (sessions)."""
    if not HAVE_CHROMIUM:
        pytest.skip("no Chromium: run deploy/install-system-deps.sh")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield _EvalFriendly(browser)
        finally:
            await browser.close()


class _EvalFriendly:
    """The browser, whose contexts by default let Playwright evaluate strings in the page
    (`wait_for_function`) despite the site's Content-Security-Policy; the CSP itself is
    tested with `bypass_csp=False` (tests/browser/test_csp.py)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    async def new_context(self, **kw: Any) -> Any:
        kw.setdefault("bypass_csp", True)
        return await self._browser.new_context(**kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)
