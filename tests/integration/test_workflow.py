"""The approval workflow: states, transitions per role and tier, pinned issues, decisions.

Province 96 (Cà Mau), which no other test file uses: 2024 is a 3-tier year (the district
approves), 2025 a 2-tier one (the province approves).
"""

from __future__ import annotations

import datetime

from pcgd import db
from pcgd.units import service as units
from pcgd.workflow import service as workflow

PROVINCE = "96"


async def communes(year: int) -> list[units.Unit]:
    province = await units.resolve(PROVINCE, year, kind="province")
    return await units.communes_under(province, year)


async def test_read_api_defaults_and_decisions(database: str) -> None:
    first, second = (await communes(2025))[:2]
    async with db.pool().acquire() as conn:
        assert await workflow.unit_states(conn, [first.id, second.id], 2025) == {
            first.id: "draft", second.id: "draft"}
        assert await workflow.decisions(conn, [first.id], 2025) == {}
        await conn.execute(
            "INSERT INTO recognition_decision (unit, year, number, decision_date, signer, levels,"
            " evaluation, created_at) VALUES ($1, 2025, '12/QĐ-UBND', $2, 'Nguyễn Văn B',"
            " '{\"th\": 2, \"mn5\": null}', '{\"year\": 2025}', now())",
            first.id, datetime.date(2025, 10, 20),
        )
        try:
            found = await workflow.decisions(conn, [first.id, second.id], 2025)
        finally:
            await conn.execute("DELETE FROM recognition_decision WHERE unit = $1", first.id)
    assert list(found) == [first.id]
    decision = found[first.id]
    assert decision.number == "12/QĐ-UBND" and decision.date == datetime.date(2025, 10, 20)
    assert decision.levels == {"th": 2, "mn5": None} and decision.evaluation == {"year": 2025}
