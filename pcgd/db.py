"""Where the database is (embedded pgserver or DATABASE_URL) and the shared connection pool.

The product and the tests resolve the database the same way: DATABASE_URL when set, otherwise an
embedded PostgreSQL kept in PCGD_DATA_DIR.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from pcgd.errors import UserError
from pcgd.piccolo_conf import DB
from pcgd.settings import Settings

EMBEDDED_DB_NAME = "pcgd"
_servers: list[object] = []  # keep embedded servers referenced while the process lives


class DatabaseUnavailable(UserError):
    """The database could not be reached; the message says where we looked."""


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server in data_dir and return the server's admin URL."""
    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        import pgserver  # lazily: only needed without DATABASE_URL

        try:
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:  # pgserver raises plain exceptions with long logs
            first = str(exc).strip().splitlines()[:1] or [type(exc).__name__]
            message = f"embedded PostgreSQL in {pgdata} failed: {first[0]}"
            raise DatabaseUnavailable(message) from exc
    _servers.append(server)
    return server.get_uri()


def stop_embedded() -> None:
    """Release our handle on the embedded server (it stops when the last process lets go).

    pgserver does this at exit, but uvicorn ends on SIGTERM by re-raising the signal, which
    skips exit handlers; the web app calls this on shutdown instead.
    """
    while _servers:
        server = _servers.pop()
        server.cleanup()  # type: ignore[attr-defined]


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


async def create_database_if_missing(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def resolve_url(settings: Settings) -> str:
    """The URL of the product's database, starting and creating the embedded one if needed."""
    if settings.database_url:
        return settings.database_url
    admin = start_embedded(settings.data_dir)
    try:
        await create_database_if_missing(admin, EMBEDDED_DB_NAME)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"embedded PostgreSQL did not answer: {exc}") from exc
    return with_database(admin, EMBEDDED_DB_NAME)


async def connect(url: str, *, min_size: int = 1, max_size: int = 10) -> None:
    """Point Piccolo's engine at url and open the shared pool (used by Piccolo and raw SQL)."""
    DB.config = {"dsn": url}
    await close()
    try:
        await DB.start_connection_pool(min_size=min_size, max_size=max_size, reset=_reset)
        async with DB.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        await close()
        where = urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()
        raise DatabaseUnavailable(f"database unreachable ({where}): {exc}") from exc


async def _reset(conn: asyncpg.Connection) -> None:
    """Cheap pool release: we never change session state, so only end a stray transaction.

    asyncpg's default reset runs RESET ALL, UNLISTEN and more on every release: a round trip
    per query, which was a tenth of a household save.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def close() -> None:
    if getattr(DB, "pool", None) is not None:
        await DB.close_connection_pool()


def pool() -> asyncpg.Pool:
    return DB.pool


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[asyncpg.Connection]:
    """One connection in one transaction; Piccolo queries inside it join the same transaction."""
    async with DB.transaction() as tx:
        yield tx.connection
