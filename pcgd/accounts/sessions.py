"""Server-side sessions: revocable, with an idle timeout and an absolute lifetime.

The cookie holds a random token; `user_session` holds its SHA-256, so a stolen database copy
does not yield usable cookies. Every request checks the session and loads the user in one
indexed query (`lookup`), so a revoked session is refused at once by every worker process.
Logout, a password change or reset and deactivation revoke all of a user's sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg

from pcgd import db
from pcgd.accounts.schemas import USER_COLUMNS, CurrentUser, current_user

IDLE_TIMEOUT = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
_TOUCH_AFTER = timedelta(minutes=1)  # last_seen is written at most once a minute per session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(user_id: int, address: str = "") -> str:
    """A new session for the user; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await db.pool().execute(
        "INSERT INTO user_session (id, user_id, created_at, last_seen, expires_at, address)"
        " VALUES ($1, $2, $3, $3, $4, $5)",
        _digest(token), user_id, now, now + LIFETIME, address[:64],
    )
    return token


_LOOKUP_SQL = (
    f"SELECT {USER_COLUMNS}, s.last_seen FROM user_session s"
    " JOIN user_account a ON a.id = s.user_id LEFT JOIN admin_unit u ON u.id = a.unit"
    " WHERE s.id = $1 AND s.revoked_at IS NULL AND a.active"
    " AND s.expires_at > $2 AND s.last_seen > $2 - $3::interval"
)


async def lookup(token: str) -> CurrentUser | None:
    """The user of a live session (None: unknown, revoked, idle too long or expired)."""
    if not token or len(token) > 100:
        return None
    now = datetime.now(UTC)
    digest = _digest(token)
    row = await db.pool().fetchrow(_LOOKUP_SQL, digest, now, IDLE_TIMEOUT)
    if row is None:
        return None
    if now - row["last_seen"] > _TOUCH_AFTER:
        await db.pool().execute(
            "UPDATE user_session SET last_seen = $2 WHERE id = $1", digest, now
        )
    return current_user(dict(row))


async def revoke(token: str) -> int | None:
    """End the session of this token; returns its user id (None when there was none)."""
    if not token or len(token) > 100:
        return None
    return await db.pool().fetchval(
        "UPDATE user_session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING user_id",
        _digest(token), datetime.now(UTC),
    )


async def revoke_all(user_id: int, conn: asyncpg.Connection | None = None) -> int:
    """End every session of a user; returns how many were live."""
    result = await (conn or db.pool()).execute(
        "UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id, datetime.now(UTC),
    )
    return int(result.split()[-1])


async def forget_old() -> None:
    """Drop sessions that ended more than a day ago (called now and then at login)."""
    await db.pool().execute(
        "DELETE FROM user_session WHERE expires_at < $1 OR revoked_at < $1",
        datetime.now(UTC) - timedelta(days=1),
    )
