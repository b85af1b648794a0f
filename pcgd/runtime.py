"""Opening and closing the database around a unit of work (a CLI command, a test, the server)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pcgd import db
from pcgd.migrate import upgrade
from pcgd.settings import Settings, get_settings

T = TypeVar("T")


async def open_database(
    settings: Settings | None = None, *, migrate: bool = True, max_size: int = 10
) -> str:
    """Resolve, connect and (by default) migrate; returns the URL in use."""
    settings = settings or get_settings()
    url = await db.resolve_url(settings)
    await db.connect(url, max_size=max_size)
    if migrate:
        await upgrade()
    return url


def run_with_database(work: Callable[[], Awaitable[T]], *, migrate: bool = True) -> T:
    async def main() -> T:
        await open_database(migrate=migrate)
        try:
            return await work()
        finally:
            await db.close()

    return asyncio.run(main())


@dataclass
class FreshDatabase:
    """A new database for tests and benchmarks, on the server the product would use."""

    url: str
    admin_url: str
    name: str
    data_dir: Path | None  # a temporary embedded server's folder, removed on drop

    async def drop(self, *, keep: bool = False) -> str:
        """Close the pool and drop the database (unless keep); says what happened."""
        await db.close()
        if keep:
            return f"kept database {self.name} ({self.data_dir or self.admin_url})"
        await db.drop_database(self.admin_url, self.name)
        if self.data_dir is not None:
            db.stop_embedded()
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return f"dropped database {self.name}"


async def fresh_database(
    prefix: str, *, max_size: int = 10, with_units: bool = True
) -> FreshDatabase:
    """Create, connect, migrate and (by default) load units into a brand-new database.

    DATABASE_URL set: a new database on that server. Otherwise the embedded server in
    PCGD_DATA_DIR if set, else in a new temporary folder (never the user's default folder).
    """
    from pcgd.units.service import load_units

    admin = os.environ.get("DATABASE_URL")
    tmp: Path | None = None
    if not admin:
        if os.environ.get("PCGD_DATA_DIR"):
            admin = db.start_embedded(Path(os.environ["PCGD_DATA_DIR"]))
        else:
            tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
            os.environ["PCGD_DATA_DIR"] = str(tmp)
            admin = db.start_embedded(tmp)
    name = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
    await db.create_database_if_missing(admin, name)
    url = db.with_database(admin, name)
    await db.connect(url, max_size=max_size)
    await upgrade()
    if with_units:
        await load_units()
    return FreshDatabase(url, admin, name, tmp)
