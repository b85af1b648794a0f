"""The one door for every write to a commune's roll (issue 13).

Every path that changes a roll (household save, import, roll-forward, move-out and mover
linking, merges, reconciliation fixes, deletes) calls `check_open` inside its transaction, or
the server-side save calls the same SQL function `pcgd_roll_gate`. It takes a shared advisory
lock per commune (a workflow transition takes it exclusively, see `hold`), so a save and a
submit cannot cross, then refuses with 423 (Locked) unless the commune-year is draft or
returned. The state lives in `survey_period` (one definition); pcgd.workflow sets it.

This module is the lowest layer that knows the state: it imports no higher domain.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from pcgd.errors import Forbidden, Locked

STATES = ("draft", "submitted", "returned", "approved", "locked")
WRITABLE = frozenset(("draft", "returned"))
STATE_VI = {
    "draft": "đang nhập",
    "submitted": "đã nộp, chờ duyệt",
    "returned": "bị trả lại để sửa",
    "approved": "đã duyệt",
    "locked": "đã khóa",
}
LOCK_NAMESPACE = 7313  # pg_advisory_xact_lock(namespace, unit id): state vs. writes
LOCKED_STATE = "PC423"  # the SQLSTATE pcgd_roll_gate raises (= save_sql.LOCKED)
REVIEWERS = ("district", "province")  # review a commune's roll, never edit it

GATE_SQL = f"""
CREATE OR REPLACE FUNCTION pcgd_roll_gate(p_communes integer[], p_year integer)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_commune integer; v_status text;
BEGIN
    IF cardinality(p_communes) = 1 THEN  -- a household save: no sorting to do
        IF p_communes[1] IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock_shared({LOCK_NAMESPACE}, p_communes[1]);
        END IF;
    ELSE
        -- several communes: locks taken in one order, so two writers cannot deadlock
        FOREACH v_commune IN ARRAY coalesce((SELECT array_agg(DISTINCT c ORDER BY c)
                FROM unnest(p_communes) c WHERE c IS NOT NULL), '{{}}'::integer[]) LOOP
            PERFORM pg_advisory_xact_lock_shared({LOCK_NAMESPACE}, v_commune);
        END LOOP;
    END IF;
    SELECT s.status INTO v_status FROM survey_period s
    WHERE s.commune = ANY(p_communes) AND s.year = p_year
      AND s.status NOT IN ('draft', 'returned')
    ORDER BY s.commune LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%', v_status USING ERRCODE = '{LOCKED_STATE}';
    END IF;
END
$fn$"""


def functions_ddl() -> list[str]:
    return [GATE_SQL]


def locked_message(state: str, year: int) -> str:
    return (
        f"Sổ hộ năm {year} của xã đang ở trạng thái “{STATE_VI.get(state, state)}”: không sửa"
        " được cho tới khi cấp trên trả lại hoặc đồng ý mở khóa."
    )


def locked_error(exc: asyncpg.PostgresError, year: int) -> Locked:
    """The Locked answer for a PC423 raised by pcgd_roll_gate (its message is the state)."""
    state = (getattr(exc, "message", "") or str(exc)).strip()
    return Locked(locked_message(state if state in STATES else "locked", year))


def check_role(user: object | None) -> None:
    """District and province accounts review a commune's roll; they do not edit it."""
    if user is not None and getattr(user, "role", None) in REVIEWERS:
        raise Forbidden(
            "Tài khoản cấp huyện/tỉnh chỉ xem và duyệt sổ hộ của xã, không sửa được."
        )


async def check_open(
    conn: asyncpg.Connection, commune_ids: Iterable[int], year: int
) -> None:
    """Inside the write's transaction: 423 unless every commune-year is draft or returned."""
    ids = sorted({int(c) for c in commune_ids if c is not None})
    if not ids:
        return
    try:
        await conn.execute("SELECT pcgd_roll_gate($1::int[], $2)", ids, year)
    except asyncpg.PostgresError as exc:
        if getattr(exc, "sqlstate", "") == LOCKED_STATE:
            raise locked_error(exc, year) from exc
        raise


async def is_open(conn: asyncpg.Connection | asyncpg.Pool, commune_id: int, year: int) -> bool:
    """A read without lock, for callers that skip a locked commune (batch linking, pages)."""
    return (await states(conn, [commune_id], year))[commune_id] in WRITABLE


async def states(
    conn: asyncpg.Connection | asyncpg.Pool, unit_ids: Iterable[int], year: int
) -> dict[int, str]:
    """unit id → state for the year; a unit with no row is draft."""
    ids = sorted({int(u) for u in unit_ids})
    rows = await conn.fetch(
        "SELECT commune, status FROM survey_period WHERE commune = ANY($1::int[]) AND year = $2",
        ids, year,
    )
    found = {r["commune"]: r["status"] for r in rows}
    return {u: found.get(u, "draft") for u in ids}


async def hold(conn: asyncpg.Connection, unit_id: int) -> None:
    """A transition's exclusive lock: waits for writes in flight, blocks new ones."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, unit_id)


async def set_state(
    conn: asyncpg.Connection, unit_id: int, year: int, state: str, user_id: int | None
) -> None:
    """Write the state (only pcgd.workflow calls this, after its transition checks)."""
    assert state in STATES
    await conn.execute(
        "INSERT INTO survey_period (commune, year, status, updated_at, updated_by)"
        " VALUES ($1, $2, $3, now(), $4) ON CONFLICT (commune, year) DO UPDATE"
        " SET status = EXCLUDED.status, updated_at = now(), updated_by = EXCLUDED.updated_by",
        unit_id, year, state, user_id,
    )
