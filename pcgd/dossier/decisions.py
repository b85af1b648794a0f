"""The dossier's one window on the workflow (issue 13): each lower unit's approval state and the
recognition decisions taken for them.

The workflow sits below the dossier in the dependency order, so importing it is allowed; it is
looked up at call time so the dossier still builds (everything "not yet approved", no decisions)
on an installation without it. Signatures used, from `pcgd/workflow/service.py`:
`unit_states(conn, unit_ids, year) -> {unit_id: state}` and
`decisions(conn, unit_ids, year) -> {unit_id: Decision}` (`pcgd/workflow/schemas.py`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pcgd import db

STATES_VI = {
    "draft": "đang nhập, chưa gửi",
    "submitted": "đã gửi, chờ cấp trên xét duyệt",
    "returned": "bị trả lại để sửa",
    "approved": "đã được phê duyệt",
    "locked": "đã phê duyệt và khoá số liệu",
    "none": "chưa có quy trình phê duyệt",
}
APPROVED = ("approved", "locked")


@dataclass(frozen=True)
class DecisionView:
    """A recognition decision as the dossier prints it (independent of the workflow's Struct)."""

    unit_id: int
    number: str
    date: date | None
    signer: str
    levels: dict[str, int | None] = field(default_factory=dict)


def _workflow() -> Any | None:
    try:
        return importlib.import_module("pcgd.workflow.service")
    except ModuleNotFoundError:
        return None


def available() -> bool:
    """Whether the workflow's read API is installed."""
    wf = _workflow()
    return wf is not None and hasattr(wf, "unit_states") and hasattr(wf, "decisions")


async def states(unit_ids: list[int], year: int) -> dict[int, str]:
    """Approval state per unit; "none" for every unit when the workflow is not installed."""
    wf = _workflow()
    if not unit_ids or wf is None or not hasattr(wf, "unit_states"):
        return dict.fromkeys(unit_ids, "none")
    async with db.pool().acquire() as conn:
        found = await wf.unit_states(conn, unit_ids, year)
    return {uid: str(found.get(uid) or "draft") for uid in unit_ids}


async def recognition_decisions(unit_ids: list[int], year: int) -> dict[int, DecisionView]:
    """The recognition decisions issued for the units (none without the workflow)."""
    wf = _workflow()
    if not unit_ids or wf is None or not hasattr(wf, "decisions"):
        return {}
    async with db.pool().acquire() as conn:
        found = await wf.decisions(conn, unit_ids, year)
    out = {}
    for uid, d in found.items():
        when = getattr(d, "date", None)
        if isinstance(when, str):
            when = date.fromisoformat(when[:10])
        out[uid] = DecisionView(uid, str(getattr(d, "number", "") or ""), when,
                                str(getattr(d, "signer", "") or ""),
                                dict(getattr(d, "levels", {}) or {}))
    return out
