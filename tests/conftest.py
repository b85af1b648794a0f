"""Shared fixtures: one fresh database per test run, chosen the way the product chooses it.

DATABASE_URL set: a new database on that server. Otherwise: the embedded server in a temporary
PCGD_DATA_DIR (never the user's default folder).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pcgd import db
from pcgd.migrate import upgrade

_TMP = Path(tempfile.mkdtemp(prefix="pcgd-test-"))
os.environ.setdefault("PCGD_DATA_DIR", str(_TMP / "data"))


def admin_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return db.start_embedded(Path(os.environ["PCGD_DATA_DIR"]))


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    """A migrated database with the administrative units loaded."""
    from pcgd.units.service import load_units

    admin = admin_url()
    name = f"pcgd_test_{uuid.uuid4().hex[:10]}"
    await db.create_database_if_missing(admin, name)
    url = db.with_database(admin, name)
    await db.connect(url, max_size=20)
    await upgrade()
    await load_units()
    try:
        yield url
    finally:
        await db.close()
        await db.drop_database(admin, name)


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
