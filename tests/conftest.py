"""Shared fixtures: one fresh database per test run, chosen the way the product chooses it.

DATABASE_URL set: a new database on that server. Otherwise: the embedded server in a temporary
PCGD_DATA_DIR (never the user's default folder).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pcgd.runtime import fresh_database

_TMP = Path(tempfile.mkdtemp(prefix="pcgd-test-"))
os.environ.setdefault("PCGD_DATA_DIR", str(_TMP / "data"))
# Test clients talk plain HTTP to made-up host names; tests of the Secure default set it back.
os.environ.setdefault("PCGD_SECURE_COOKIES", "0")


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    """A migrated database with the administrative units loaded."""
    fresh = await fresh_database("pcgd_test", max_size=20)
    try:
        yield fresh.url
    finally:
        await fresh.drop()


@pytest.fixture(scope="session")
async def app(database: str):
    from pcgd.settings import load_settings
    from pcgd.web.app import create_app

    return create_app(load_settings(), manage_database=False)


@pytest.fixture
async def client(app):
    """An HTTP client on the app in this event loop (the pool lives here too)."""
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c
