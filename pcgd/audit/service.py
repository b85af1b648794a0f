"""Audit entries, written inside the transaction of the change they describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import asyncpg

from pcgd.accounts.service import CurrentUser


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
) -> None:
    await conn.execute(
        "INSERT INTO audit_entry (at, user_id, username, action, entity, entity_id, commune_id,"
        " year, before, after, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
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
    )
