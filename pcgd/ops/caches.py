"""Per-process caches stay right when several processes serve: change generations.

Each cached fact belongs to a topic: "users" (accounts), "units" (the unit trees and the
old→new succession), "schools" (the school registry), "workflow" (the survey periods' states).
Triggers on the tables behind a topic
(migration `ops_2026_12_01…`) bump that topic's row of `cache_generation` in the same
transaction as the change, whoever made it: another worker, a CLI command, psql, a restore.

A module with a cache registers how to empty it (`register("users", _cache.clear)`). Every
request of `pcgd serve` first calls `refresh()`: at most every `PCGD_CACHE_CHECK_MS`
(default 1000 ms) it reads the few generation rows (one indexed query, shared by the requests
arriving meanwhile) and empties the caches of every topic whose generation moved.

The bound: a change committed at time t is seen by every request that starts at t + the check
interval or later, in every worker (provided one check takes less than the interval). A read
that straddles the change (fetched before t, stored after the check) can keep a stale entry
until the cache's own TTL (30–60 s), which stays as the backstop.

Caches that need nothing from here: `surveys.service._commune_of` (a household never changes
commune or year) and `pcgd.compliance.service._cache` (checked against `change_stamp` on every
call). The sessions the household saves remember (`pcgd.accounts.sessions.known`) are emptied
with "users", but their bound is not this one: every save checks its session in the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

_clearers: dict[str, list[Callable[[], None]]] = {}
_seen: dict[str, int] | None = None  # None: nothing read yet; the first check clears all
_started_at = float("-inf")  # monotonic start of the last check
_pending: asyncio.Future[None] | None = None
_interval = 1.0

log = logging.getLogger("pcgd.ops.caches")


def register(topics: str | Iterable[str], clear: Callable[[], None]) -> None:
    """Call `clear` whenever any of `topics` changed in the database."""
    for topic in [topics] if isinstance(topics, str) else topics:
        _clearers.setdefault(topic, []).append(clear)


def set_interval(milliseconds: int) -> None:
    global _interval
    _interval = milliseconds / 1000


def clear_all() -> None:
    for clears in _clearers.values():
        for clear in clears:
            clear()


async def refresh() -> None:
    """Empty stale caches; a database query at most once per interval (see the module doc)."""
    global _pending, _started_at
    if _pending is None and time.monotonic() - _started_at < _interval:
        return
    if _pending is None:
        _started_at = time.monotonic()
        _pending = asyncio.ensure_future(_check())
        _pending.add_done_callback(_done)
    await asyncio.shield(_pending)


def _done(_: asyncio.Future[None]) -> None:
    global _pending
    _pending = None


async def _check() -> None:
    from pcgd import db

    global _seen
    try:
        rows = await db.pool().fetch("SELECT topic, generation FROM cache_generation")
    except Exception as exc:  # the request itself will report the database's state
        log.warning("cache generations unreadable (%s); caches emptied", exc)
        _seen = None
        clear_all()
        return
    current = {r["topic"]: int(r["generation"]) for r in rows}
    if _seen is None:
        clear_all()
    else:
        for topic in set(current) | set(_seen):
            if current.get(topic) != _seen.get(topic):
                for clear in _clearers.get(topic, ()):
                    clear()
    _seen = current


def changed_topics() -> dict[str, int]:
    """The generations this process has seen (for tests and diagnostics)."""
    return dict(_seen or {})
