"""The dossier of a half-approved district: the demo's fully entered district with half of its
communes approved (decisions recorded through the workflow's API), two submitted and the rest
in draft. The checklist must name exactly the communes not approved, with their state; the
decisions list and the report must carry the recorded decisions. Afterwards every commune is
handed back (returned), so the shared demo stays editable for the other tests."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
from httpx import ASGITransport, AsyncClient

from pcgd.common.vn import fmt_date
from pcgd.dossier import decisions as wf
from pcgd.dossier import schemas, service
from pcgd.units import service as units
from tests.factories import login, make_user
from tests.reports_demo import OLD_YEAR, Demo

YEAR = OLD_YEAR


async def _as(app, role: str, code: str) -> AsyncClient:
    client = AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver.local")
    await login(client, await make_user(role, code, YEAR))
    return client


async def test_half_approved_district(app, reports_demo: Demo, tmp_path: Path) -> None:
    district = await units.resolve(reports_demo.results[YEAR]["full_district"], YEAR)
    communes = await units.communes_under(district, YEAR)
    half = len(communes) // 2
    approved, submitted = communes[:half], communes[half:half + 2]
    before = await wf.states([c.id for c in communes], YEAR)  # another test may have run
    assert all(s in ("draft", "returned") for s in before.values()), before
    reviewer = await _as(app, "district", district.code)
    touched = []
    try:
        for n, c in enumerate([*approved, *submitted]):
            own = await _as(app, "commune", c.code)
            r = await own.post(f"/api/units/{c.code}/workflow/submit?year={YEAR}", json={})
            assert r.status_code == 200, r.text
            touched.append(c)
            if c in approved:
                r = await reviewer.post(f"/api/units/{c.code}/workflow/approve?year={YEAR}",
                                        json={"decision_number": f"{n + 1}/QĐ-UBND",
                                              "decision_date": f"{YEAR}-11-{n % 28 + 1:02d}",
                                              "signer": "Nguyễn Văn Ký"})
                assert r.status_code == 200, r.text
            await own.aclose()

        plan = await service.plan(district, YEAR)
        target = tmp_path / "hs.zip"
        built = await service.build(plan, target)
        with zipfile.ZipFile(target) as zf:
            sheet = openpyxl.load_workbook(io.BytesIO(zf.read(schemas.CHECKLIST))).active
            decisions_book = openpyxl.load_workbook(io.BytesIO(zf.read(schemas.DECISIONS)))
            report = docx.Document(io.BytesIO(zf.read(schemas.REPORT)))
    finally:
        for c in touched:  # hand every commune back: the shared demo stays editable
            await reviewer.post(f"/api/units/{c.code}/workflow/return?year={YEAR}",
                                json={"reason": "Trả lại sau kiểm thử hồ sơ", "issues": []})
        await reviewer.aclose()

    rows = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)]
    missing_decisions = {r[2]: r[6] for r in rows
                         if r[1] == "Quyết định công nhận" and r[5] == schemas.MISSING}
    state = {c.id: "submitted" if c in submitted else before[c.id] for c in communes}
    expected = {f"Quyết định công nhận {c.name}":
                f"xã chưa được phê duyệt ({wf.STATES_VI[state[c.id]]})"
                for c in communes if c not in approved}
    assert missing_decisions == expected
    present = {r[2]: r[6] for r in rows
               if r[1] == "Quyết định công nhận" and r[5] == schemas.PRESENT and r[4]}
    for n, c in enumerate(approved):
        assert present[f"Quyết định công nhận {c.name}"] == f"số {n + 1}/QĐ-UBND"
    assert sum(1 for i in built.items if i.status == schemas.MISSING
               and i.group == "Quyết định công nhận") == len(communes) - half

    listed = {r[1]: r for r in decisions_book.active.iter_rows(values_only=True)}
    for n, c in enumerate(approved):
        row = listed[c.code]
        assert row[4] == f"{n + 1}/QĐ-UBND" and row[5] == fmt_date(date(YEAR, 11, n % 28 + 1))
        assert row[6] == "Nguyễn Văn Ký"
    for c in communes[half:]:
        assert listed[c.code][4] == "chưa có"

    table = next(t for t in report.tables if t.rows[0].cells[-1].text == "Quyết định công nhận")
    by_code = {r.cells[0].text: r.cells[-1].text for r in table.rows[1:]}
    for n, c in enumerate(approved):
        assert by_code[c.code] == f"{n + 1}/QĐ-UBND, {fmt_date(date(YEAR, 11, n % 28 + 1))}"
    assert all(by_code[c.code] == "chưa có" for c in communes[half:])
