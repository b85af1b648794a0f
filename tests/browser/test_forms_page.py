"""The "Biểu mẫu" page in Chromium, as each demo account finds it: from "/" with no query
string, the nav link, a quick preview, a download with the progress indicator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pcgd.units import service as units
from tests.reports_demo import NEW_YEAR, OLD_YEAR, Demo

# isort: split
from tests.reports_demo import reports_demo_fixture  # noqa: F401  (the shared demo fixture)

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PCGD_SCREENSHOTS", "/tmp/pcgd-shots"))


async def _login(context: Any, server: str, user: dict[str, str]) -> Any:
    """From "/" with no query string: the login form, back to "/"."""
    page = await context.new_page()
    page.set_default_timeout(20000)
    await page.goto(f"{server}/")
    await page.wait_for_url(f"{server}/login*")
    await page.fill("input[name=username]", user["username"])
    await page.fill("input[name=password]", user["password"])
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{server}/")
    return page


async def test_commune_account_previews_and_downloads(live_server: str, chromium: Any,
                                                      reports_demo: Demo) -> None:
    commune = reports_demo.users(NEW_YEAR, "commune")[0]
    context = await chromium.new_context(accept_downloads=True)
    try:
        page = await _login(context, live_server, commune)
        await page.click("nav.mainnav a:has-text('Biểu mẫu')")
        await page.wait_for_url(f"{live_server}/units/{commune['unit']}/forms?year=*")
        assert await page.locator("table.forms-list tr[data-form]").count() == 19
        assert "Không lập" in await page.inner_text("tr[data-form='MN-01-T.chính']")
        # the checks arrive from the API while the progress bar runs
        await page.wait_for_selector("#checks-summary[data-disagreements='0']")
        assert "đều khớp" in await page.inner_text("#checks-text")
        await page.click("tr[data-form='MN-01-TE'] a[data-preview]")
        await page.wait_for_selector("#preview-panel:not([hidden]) table.form-table")
        preview = await page.inner_text("#preview-body")
        assert "THỐNG KÊ TRẺ EM MẦM NON THEO ĐỘ TUỔI" in preview and "Mẫu: MN-01-TE" in preview
        SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
        await page.screenshot(path=str(SHOTS / "forms-commune.png"), full_page=True)
        async with page.expect_download() as info:
            await page.click("tr[data-form='TH-M1'] a[data-download]")
        download = await info.value
        assert download.suggested_filename == "TH-M1.xlsx"
        assert Path(await download.path()).stat().st_size > 5000  # noqa: ASYNC240
        # the progress indicator of base.html was used and is put away again
        await page.wait_for_function("document.getElementById('progress').hidden === true")
    finally:
        await context.close()


async def test_district_account_sees_its_district(live_server: str, chromium: Any,
                                                  reports_demo: Demo) -> None:
    district = next(u for u in reports_demo.users(OLD_YEAR, "district")
                    if u["unit"] == reports_demo.results[OLD_YEAR]["full_district"])
    context = await chromium.new_context()
    try:
        page = await _login(context, live_server, district)
        # The nav link's target. (A 2024 account's home page answers 500 once 2025 data exists:
        # pcgd.accounts.scope passes an unused parameter for accounts of the other tree; the
        # link itself lands on the account's own tree and year.)
        await page.goto(f"{live_server}/forms")
        await page.wait_for_url(f"{live_server}/units/{district['unit']}/forms?year={OLD_YEAR}")
        await page.click("tr[data-form='MN-01-TC, ĐK'] a[data-preview]")
        await page.wait_for_selector("#preview-panel:not([hidden]) table.form-table")
        assert "TOÀN HUYỆN" in await page.inner_text("#preview-body")
        await page.screenshot(path=str(SHOTS / "forms-district.png"), full_page=True)
        outside = [c for c in reports_demo.results[OLD_YEAR]["communes"]
                   if (await units.resolve(c, OLD_YEAR, kind="commune")).parent_code
                   != district["unit"]]
        answer = await page.goto(f"{live_server}/units/{outside[0]}/forms?year={OLD_YEAR}")
        assert answer is not None and answer.status == 403
        assert "ngoài phạm vi" in await page.inner_text("main")
    finally:
        await context.close()
