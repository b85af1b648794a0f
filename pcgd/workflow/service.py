"""The approval workflow: states of unit-years, transitions, pinned issues, decisions.

The state is stored in survey_period (surveys.gate reads it before every write to a roll);
this module is the only one that changes it, always under the gate's exclusive lock, with a
transition row and an audit entry in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from pcgd.workflow.schemas import Decision
from surveys import gate


async def unit_states(conn: Any, unit_ids: list[int], year: int) -> dict[int, str]:
    """unit id → state for the year ('draft' when nothing is recorded)."""
    return await gate.states(conn, unit_ids, year)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _decision(row: asyncpg.Record) -> Decision:
    return Decision(
        unit_id=row["unit"], number=row["number"], date=row["decision_date"],
        signer=row["signer"], levels=_json(row["levels"]), evaluation=_json(row["evaluation"]),
    )


async def decisions(conn: Any, unit_ids: list[int], year: int) -> dict[int, Decision]:
    """unit id → its recognition decision of the year (units without one are left out)."""
    rows = await conn.fetch(
        "SELECT unit, number, decision_date, signer, levels, evaluation"
        " FROM recognition_decision WHERE unit = ANY($1::int[]) AND year = $2",
        list(unit_ids), year,
    )
    return {r["unit"]: _decision(r) for r in rows}
