"""Server-side sessions: revocable, with an idle timeout and an absolute lifetime.

The cookie holds a random token; `user_session` holds its SHA-256, so a stolen database copy
does not yield usable cookies. Every request checks the session and loads the user in one
indexed query (`lookup`), so a revoked session is refused at once by every worker process.
Logout, a password change or reset and deactivation revoke all of a user's sessions.

The household saves, the one path under sustained load, skip that query (`known`): the user of
a session seen live in the last minute is taken from this process's memory, and the save checks
the session again inside its own transaction (`live_session_select`, in `pcgd_save_household`),
so an ended session never saves; an error answer on those routes checks the database again
(`pcgd.web.security.writer_checked`), so an ended session is only ever answered 401.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from pcgd import db
from pcgd.accounts.schemas import USER_COLUMNS, CurrentUser, current_user
from pcgd.ops import caches

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


def interval_sql(span: timedelta) -> str:
    return f"interval '{int(span.total_seconds())} seconds'"


def live_session_sql(session: str, at: str, idle: str) -> str:
    """The one definition of a live session (alias `s`, its account `a`), as SQL over the given
    expressions: the session's digest, the time now and the idle timeout."""
    return (
        f"s.id = {session} AND s.revoked_at IS NULL AND a.active"
        f" AND s.expires_at > {at} AND s.last_seen > {at} - {idle}"
    )


_LOOKUP_SQL = (
    f"SELECT {USER_COLUMNS}, s.last_seen FROM user_session s"
    " JOIN user_account a ON a.id = s.user_id LEFT JOIN admin_unit u ON u.id = a.unit"
    f" WHERE {live_session_sql('$1', '$2', '$3::interval')}"
)


def live_session_select(session: str, user: str, into: str) -> str:
    """The same test in PL/pgSQL, for the save function's own transaction: the session's
    last_seen INTO `into` (NOT FOUND when the session of `user` is not live)."""
    idle = interval_sql(IDLE_TIMEOUT)
    return (
        f"SELECT s.last_seen INTO {into} FROM user_session s JOIN user_account a"
        f" ON a.id = s.user_id WHERE {live_session_sql(session, 'clock_timestamp()', idle)}"
        f" AND s.user_id = {user}"
    )


TOUCH_SQL = interval_sql(_TOUCH_AFTER)


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
    return current_user({**dict(row), "session": digest})


# digest → (when it was last found live, its user); per process, for the saves only (see above).
_known: dict[str, tuple[float, CurrentUser]] = {}
KNOWN_TTL = 60.0
caches.register("users", _known.clear)  # an account deactivated or changed, in any process


async def known(token: str) -> tuple[CurrentUser | None, bool]:
    """(the user of the session, whether it came from memory) for a route whose write checks
    the session again in its own transaction. Anything else must use `lookup`."""
    if not token or len(token) > 100:
        return None, False
    digest = _digest(token)
    hit = _known.get(digest)
    now = time.monotonic()
    if hit is not None and now - hit[0] < KNOWN_TTL:
        return hit[1], True
    user = await lookup(token)
    if user is None:
        _known.pop(digest, None)
    else:
        if len(_known) > 100_000:
            _known.clear()
        _known[digest] = (now, user)
    return user, False


def forget(token: str = "", user_id: int | None = None) -> None:
    """Drop remembered sessions: one token's, or every session of a user."""
    if token:
        _known.pop(_digest(token), None)
    if user_id is not None:
        for digest in [d for d, (_, u) in _known.items() if u.id == user_id]:
            _known.pop(digest, None)


async def revoke(token: str) -> int | None:
    """End the session of this token; returns its user id (None when there was none)."""
    if not token or len(token) > 100:
        return None
    forget(token)
    return await db.pool().fetchval(
        "UPDATE user_session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING user_id",
        _digest(token), datetime.now(UTC),
    )


async def revoke_all(user_id: int, conn: asyncpg.Connection | None = None) -> int:
    """End every session of a user; returns how many were live."""
    forget(user_id=user_id)
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
