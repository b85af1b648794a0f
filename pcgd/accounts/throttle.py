"""Login throttling per account and per address, with delays that grow and then stop growing.

A few mistakes cost nothing; after that each failure doubles the wait before the next try,
capped low for an account (an attacker elsewhere can delay a real user by seconds, never lock
them out) and higher for an address (one machine guessing many accounts). The counters live in
PostgreSQL so every worker process sees them; they are forgotten after a quiet quarter hour or
at a successful login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pcgd import db


@dataclass(frozen=True, slots=True)
class Rule:
    prefix: str
    free: int  # failures allowed before any wait
    cap: float  # longest wait in seconds


ACCOUNT = Rule("account:", free=5, cap=30.0)
ADDRESS = Rule("address:", free=10, cap=300.0)
FORGET_AFTER = timedelta(minutes=15)


def delay(rule: Rule, failures: int) -> float:
    """Seconds to wait after `failures` consecutive failures: 0, then 1, 2, 4 … up to the cap."""
    if failures < rule.free:
        return 0.0
    return min(rule.cap, 2.0 ** (failures - rule.free))


def _keys(username: str, address: str) -> list[tuple[Rule, str]]:
    return [(ACCOUNT, ACCOUNT.prefix + username.strip().lower()[:150]),
            (ADDRESS, ADDRESS.prefix + address[:64])]


async def wait_seconds(username: str, address: str) -> int:
    """How long this login must wait (0: it may try now)."""
    now = datetime.now(UTC)
    rows = await db.pool().fetch(
        "SELECT blocked_until FROM login_throttle WHERE key = ANY($1::text[])",
        [k for _, k in _keys(username, address)],
    )
    waits = [(r["blocked_until"] - now).total_seconds() for r in rows]
    longest = max(waits, default=0.0)
    return int(longest) + 1 if longest > 0 else 0


async def failed(username: str, address: str) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        for rule, key in _keys(username, address):
            row = await conn.fetchrow(
                "SELECT failures, last_failure FROM login_throttle WHERE key = $1 FOR UPDATE",
                key,
            )
            failures = 1
            if row is not None and now - row["last_failure"] < FORGET_AFTER:
                failures = row["failures"] + 1
            await conn.execute(
                "INSERT INTO login_throttle (key, failures, last_failure, blocked_until)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET"
                " failures = EXCLUDED.failures, last_failure = EXCLUDED.last_failure,"
                " blocked_until = EXCLUDED.blocked_until",
                key, failures, now, now + timedelta(seconds=delay(rule, failures)),
            )


async def succeeded(username: str, address: str) -> None:
    await db.pool().execute(
        "DELETE FROM login_throttle WHERE key = ANY($1::text[])",
        [k for _, k in _keys(username, address)],
    )
