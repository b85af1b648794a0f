"""The Content-Security-Policy in real Chromium: the pages work with no inline script, and the
browser reports no violation (the other browser tests let Playwright evaluate strings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pcgd import db
from pcgd.units import service as units
from surveys import importer
from tests.browser.conftest import needs_chromium
from tests.factories import PASSWORD, make_user
from tests.integration.test_import import family, roll_csv

pytestmark = [pytest.mark.browser, needs_chromium]

YEAR = 2025
COMMUNE = "21340"


async def test_pages_run_under_the_csp_without_violations(live_server: str, chromium: Any
                                                          ) -> None:
    commune = await units.resolve(COMMUNE, YEAR, kind="commune")
    assert (await importer.import_roll(roll_csv(family("CSP-1")), "c.csv", commune=commune,
                                       year=YEAR)).written
    household = await db.pool().fetchval(
        "SELECT id FROM household WHERE commune = $1 AND household_code = 'CSP-1'", commune.id
    )
    username = await make_user("commune", COMMUNE, YEAR)
    context = await chromium.new_context(bypass_csp=False, viewport={"width": 1400,
                                                                     "height": 900})
    violations: list[str] = []
    try:
        page = await context.new_page()
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.set_default_timeout(20000)
        await page.goto(f"{live_server}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{live_server}/")
        for url in (f"/communes/{COMMUNE}/households?year={YEAR}", f"/households/{household}",
                    f"/communes/{COMMUNE}/import?year={YEAR}",
                    f"/units/{COMMUNE}/board?year={YEAR}",
                    f"/communes/{COMMUNE}/link-proposals?year={YEAR}", "/account/password"):
            answer = await page.goto(live_server + url)
            assert answer is not None and answer.status == 200, url
            await page.wait_for_load_state("networkidle")
        # The household form is built by entry.js: it ran under the policy.
        await page.goto(f"{live_server}/households/{household}")
        await page.locator("input[name=full_name], td input").first.wait_for()
        shots = Path(os.environ.get("PCGD_SHOTS", "/tmp"))
        await page.screenshot(path=str(shots / "csp-household.png"))
        await page.goto(f"{live_server}/communes/{COMMUNE}/import?year={YEAR}")
        await page.screenshot(path=str(shots / "upload-limits.png"))
    finally:
        await context.close()
    assert violations == []
