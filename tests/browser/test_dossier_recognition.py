"""End to end in Chromium: the demo's fully entered district (2024) from its communes'
submission to a recognised district, with its dossier. The communes submit (the first one
through its workflow page, the others through the same API the page uses), the district approves
each with a decision, submits itself, the province approves the district; the district's
dossier then lists every commune's decision and misses none, and the province's dossier holds
the district's decision. Everything is handed back (returned) afterwards: the demo is shared."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pcgd.units import service as units
from tests.browser.test_entry import login_form
from tests.factories import make_user
from tests.reports_demo import OLD_YEAR, Demo

# isort: split
from tests.reports_demo import reports_demo_fixture  # noqa: F401  (the shared demo fixture)

pytestmark = pytest.mark.browser
YEAR = OLD_YEAR


async def _csrf(page: Any) -> str:
    return await page.evaluate(
        "document.querySelector('input[name=_csrf_token]')?.value || ''")


async def _post(page: Any, url: str, data: dict[str, Any]) -> None:
    answer = await page.request.post(url, data=data, headers={"x-csrftoken": await _csrf(page)})
    assert answer.status == 200, (url, await answer.text())


async def _sheet(info: Any) -> Any:
    """The downloaded workbook's first sheet (the download's temporary path has no suffix)."""
    path = await (await info.value).path()
    return openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes())).active  # noqa: ASYNC240


async def test_district_from_submission_to_recognition(live_server: str, chromium: Any,
                                                       reports_demo: Demo) -> None:
    district = await units.resolve(reports_demo.results[YEAR]["full_district"], YEAR)
    communes = await units.communes_under(district, YEAR)
    province = district.parent_code
    contexts = []

    async def open_as(role: str, code: str) -> Any:
        context = await chromium.new_context(accept_downloads=True,
                                             viewport={"width": 1300, "height": 900})
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(30000)
        await login_form(page, live_server, await make_user(role, code, YEAR))
        return page

    rev = await open_as("district", district.code)
    prov = await open_as("province", province)
    try:
        for n, c in enumerate(communes):
            staff = await open_as("commune", c.code)
            await staff.goto(f"{live_server}/units/{c.code}/workflow?year={YEAR}")
            if n == 0:
                await staff.click("#do-submit")
                await staff.wait_for_selector("#done")
                assert await staff.get_attribute("#state", "data-state") == "submitted"
            else:
                await _post(staff, f"{live_server}/api/units/{c.code}/workflow/submit?year={YEAR}",
                            {})
            await staff.context.close()
            contexts.remove(staff.context)
            await rev.goto(f"{live_server}/units/{c.code}/workflow?year={YEAR}")
            await rev.fill("input[name=decision_number]", f"{n + 1}/QĐ-UBND")
            await rev.fill("input[name=signer]", "Nguyễn Văn Huyện")
            await rev.click("#do-approve")
            await rev.wait_for_selector("#decision")
        # The district's dossier: every commune's decision is there, none missing.
        await rev.goto(f"{live_server}/units/{district.code}/dossier?year={YEAR}")
        assert await rev.locator("table.missing tr:has-text('Quyết định công nhận')").count() == 0
        async with rev.expect_download() as info:
            await rev.click("a[download='06-Quyết-định-công-nhận-đơn-vị-cấp-dưới.xlsx']")
        sheet = await _sheet(info)
        numbers = {row[1]: row[4] for row in sheet.iter_rows(min_row=4, values_only=True)}
        assert numbers == {c.code: f"{n + 1}/QĐ-UBND" for n, c in enumerate(communes)}
        # The district submits; the province recognises it.
        await rev.goto(f"{live_server}/units/{district.code}/workflow?year={YEAR}")
        await rev.click("#do-submit")
        await rev.wait_for_selector("#done")
        await prov.goto(f"{live_server}/units/{district.code}/workflow?year={YEAR}")
        await prov.fill("input[name=decision_number]", "77/QĐ-UBND")
        await prov.fill("input[name=signer]", "Trần Văn Tỉnh")
        await prov.click("#do-approve")
        await prov.wait_for_selector("#decision")
        # The province's dossier holds the district's decision.
        await prov.goto(f"{live_server}/units/{province}/dossier?year={YEAR}")
        row = prov.locator("details.checklist tr",
                           has_text=f"Quyết định công nhận {district.name}")
        assert "số 77/QĐ-UBND" in (await row.text_content() or "")  # a collapsed list
        async with prov.expect_download() as info:
            await prov.click("a[download='06-Quyết-định-công-nhận-đơn-vị-cấp-dưới.xlsx']")
        book = await _sheet(info)
        rows = {r[1]: r[4] for r in book.iter_rows(min_row=4, values_only=True)}
        assert rows[district.code] == "77/QĐ-UBND"
    finally:
        for unit, page in [(district, prov)] + [(c, rev) for c in communes]:
            # whatever state it reached (a refusal is fine): back to its own staff
            await page.request.post(
                f"{live_server}/api/units/{unit.code}/workflow/return?year={YEAR}",
                data={"reason": "Trả lại sau kiểm thử", "issues": []},
                headers={"x-csrftoken": await _csrf(page)})
        for context in contexts:
            await context.close()
