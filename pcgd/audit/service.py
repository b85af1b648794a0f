"""Audit entries, written inside the transaction of the change they describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import asyncpg

from pcgd.accounts.schemas import CurrentUser


async def record(
    conn: asyncpg.Connection,
    user: CurrentUser | None,
    action: str,
    entity: str,
    entity_id: object,
    *,
    commune_id: int | None = None,
    year: int | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    source: str | None = None,
) -> None:
    """The one way an audit entry is written, inside the transaction of the change.

    `source` says where the change came from (a route, "nhập tệp <name>", a fix); left out,
    the column's default takes the transaction's `pcgd.source` setting (see `set_source`).
    """
    await conn.execute(
        "INSERT INTO audit_entry (at, user_id, username, action, entity, entity_id, commune_id,"
        " year, before, after, reason, source) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,"
        " coalesce($12, current_setting('pcgd.source', true), ''))",
        datetime.now(UTC),
        user.id if user else None,
        user.username if user else "system",
        action,
        entity,
        str(entity_id),
        commune_id,
        year,
        None if before is None else json.dumps(before, ensure_ascii=False, default=str),
        None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        reason,
        source,
    )


async def set_source(conn: asyncpg.Connection, source: str) -> None:
    """Name the source of every audit entry the current transaction writes (also the ones the
    server-side save writes itself)."""
    await conn.execute("SELECT set_config('pcgd.source', $1, true)", source[:200])
