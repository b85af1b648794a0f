"""Opening and closing the database around a unit of work (a CLI command, a test, the server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
