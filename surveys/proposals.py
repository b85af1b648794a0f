"""Cross-commune mover links waiting for the other commune: list, confirm, refuse.

A commune that records a mover (or saves/imports a moved-in person) must not read or change a
resident of another commune on its own: `surveys.movers` records the match here instead of
linking. The commune named `awaiting_commune` (or any level above it) confirms, which links
the two records and merges the persons (audited on both sides), or refuses. Until then each
side sees only its own record and the other commune's name, never the other person's details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pcgd import db
from pcgd.accounts.scope import Scope, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import Conflict, Forbidden
from pcgd.units import service as units
from surveys import gate, movers

MATCH_VI = {"personal_id": "cùng số định danh", "name": "cùng họ tên, năm sinh, tên cha/mẹ"}
_HIDDEN = "không có đề xuất này hoặc đề xuất nằm ngoài phạm vi của tài khoản"

_LIST_SQL = """
SELECT m.id, m.year, m.match, m.status, m.created_at, m.awaiting_commune,
       m.out_commune, m.in_commune,
       CASE WHEN m.out_commune = $1 THEN m.out_row ELSE m.in_row END AS own_row,
       CASE WHEN m.out_commune = $1 THEN m.in_commune ELSE m.out_commune END AS other_commune
FROM mover_link_proposal m
WHERE (m.out_commune = $1 OR m.in_commune = $1) AND m.year = $2 AND m.status = 'pending'
ORDER BY m.id
"""
_OWN_SQL = """
SELECT py.id AS person_year_id, py.household AS household_id, h.household_code, p.full_name,
       p.birth_year, py.movement
FROM person_year py JOIN person p ON p.id = py.person JOIN household h ON h.id = py.household
WHERE py.id = ANY($1::int[])
"""


async def pending_for(scope: Scope, commune: units.Unit, year: int) -> list[dict[str, Any]]:
    """Pending proposals touching a commune, each with only that commune's own record."""
    scope.check(commune.id)
    rows = await db.pool().fetch(_LIST_SQL, commune.id, year)
    own = {r["person_year_id"]: dict(r) for r in await db.pool().fetch(
        _OWN_SQL, [r["own_row"] for r in rows]
    )} if rows else {}
    names = {u.id: u for u in await _units({r["other_commune"] for r in rows})}
    out = []
    for r in rows:
        other = names.get(r["other_commune"])
        out.append({
            "id": r["id"],
            "year": r["year"],
            "direction": "incoming" if r["awaiting_commune"] == commune.id else "outgoing",
            "can_decide": scope.allows(r["awaiting_commune"]),
            "match": r["match"],
            "match_label": MATCH_VI.get(r["match"], r["match"]),
            "own_side": "moved_out" if r["out_commune"] == commune.id else "moved_in",
            "own": own.get(r["own_row"]),
            "other_commune": {"code": other.code, "name": other.name} if other else None,
            "created_at": r["created_at"].isoformat(),
        })
    return out


async def _units(ids: set[int]) -> list[units.Unit]:
    return [await units.get(i) for i in sorted(ids)]


async def decide(
    user: CurrentUser, proposal_id: int, *, confirm: bool, reason: str = ""
) -> dict[str, Any]:
    """Confirm (link and merge) or refuse a proposal; only the awaited side or above may."""
    row = await db.pool().fetchrow(
        "SELECT * FROM mover_link_proposal WHERE id = $1", proposal_id
    )
    if row is None or not (await scope_for(user, row["year"])).allows(row["awaiting_commune"]):
        raise Forbidden(_HIDDEN)
    year = row["year"]
    async with db.transaction() as conn:
        current = await conn.fetchval(
            "SELECT status FROM mover_link_proposal WHERE id = $1 FOR UPDATE", proposal_id
        )
        if current != "pending":
            raise Conflict("đề xuất này đã được xử lý", extra={"status": current})
        now = datetime.now(UTC)
        status = "refused"
        if confirm:
            out_row = await movers.read_row(conn, row["out_row"])
            in_row = await movers.read_row(conn, row["in_row"])
            if (out_row["linked"] is not None or in_row["linked"] is not None
                    or out_row["movement"] != "moved_out"
                    or in_row["movement"] in ("moved_out", "deceased")):
                raise Conflict("hai bản ghi đã thay đổi, đề xuất không còn hợp lệ", extra=None)
            await gate.check_open(conn, [out_row["commune"], in_row["commune"]], year)
            await movers.refresh_counts(conn, await movers.link_pair(conn, out_row, in_row, user))
            status = "confirmed"
        else:
            for side in ("out", "in"):
                await audit.record(
                    conn, user, "refuse_link", "person_year", row[f"{side}_row"],
                    commune_id=row[f"{side}_commune"], year=year,
                    after={"proposal": proposal_id}, reason=reason,
                )
        await conn.execute(
            "UPDATE mover_link_proposal SET status = $2, decided_at = $3, decided_by = $4"
            " WHERE id = $1",
            proposal_id, status, now, user.id,
        )
    return {"id": proposal_id, "status": status}
