"""Hole 2: a dry-run upload's "same personal ID elsewhere" warning as a nationwide ID lookup.

A commune account uploads 5,000 sequential candidate IDs. Before the fix every ID counted in any
commune of the country came back with that commune's name and household number, unaudited.
"""

from __future__ import annotations

import pytest

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.units import service as units
from surveys import importer
from tests.factories import PASSWORD
from tests.security.conftest import D2, SURNAME, YEAR, A, B, C, D, World, roll_csv

CANDIDATES = range(31000, 36000)  # 092080NNNNN1: every world commune's head is among them


def probe_file() -> bytes:
    rows = [
        {"household_code": f"P-{n}", "hamlet": "Ấp Dò", "residence_type": "thuong_tru",
         "full_name": "Người Dò", "birth_date": "1980", "sex": "M", "relation": "chu_ho",
         "personal_id": f"092080{n:05d}1"}
        for n in CANDIDATES
    ]
    return roll_csv(rows)


def leaked_places(report: importer.ImportReport, world: World, codes: list[str]) -> int:
    """Warnings naming where an outside ID is counted (commune code/name or household)."""
    names = {c: f"H{c}-1" for c in codes}
    return sum(
        1 for w in report.warnings
        if w.column == "personal_id" and any(
            c in w.message.split("đang được tính ở", 1)[-1] or names[c] in w.message
            for c in codes
        )
    )


async def test_outside_ids_are_not_placed_and_lookups_are_audited_and_limited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await accounts.authenticate(world.users["commune"], PASSWORD)
    commune = await units.resolve(A, YEAR, kind="commune")
    content = probe_file()
    report = await importer.import_roll(content, "do.csv", commune=commune, year=YEAR,
                                        user=user, dry_run=True)
    outside = [B, C, D, D2]
    hits = [w for w in report.warnings if w.column == "personal_id"
            and "đang được tính" in w.message]
    print(f"\nIDs tried {len(CANDIDATES)}: counted-elsewhere warnings {len(hits)},"
          f" naming the place outside the account's units {leaked_places(report, world, outside)}")
    assert leaked_places(report, world, outside) == 0
    assert sum("một nơi khác" in w.message for w in hits) == len(outside)
    for code in outside:
        assert not any(SURNAME[code] in w.message for w in report.warnings)
    # Inside the account's own commune the place is still named (it is theirs to fix).
    assert any(f"H{A}-1" in w.message for w in hits)
    entry = await db.pool().fetchrow(
        "SELECT after FROM audit_entry WHERE user_id = $1 AND action = 'personal_id_lookup'"
        " ORDER BY id DESC LIMIT 1", user.id,
    )
    assert entry is not None
    import json

    assert json.loads(entry["after"]) == {"checked": len(CANDIDATES),
                                          "found_elsewhere": len(outside)}
    # Past the 24-hour allowance the outside check is skipped and says so.
    monkeypatch.setattr(importer, "ID_LOOKUP_LIMIT", len(CANDIDATES) + 10)
    again = await importer.import_roll(content, "do.csv", commune=commune, year=YEAR,
                                       user=user, dry_run=True)
    assert not any("một nơi khác" in w.message for w in again.warnings)
    assert any("tra cứu quá nhiều" in w.message for w in again.warnings)
