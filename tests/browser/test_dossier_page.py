"""The "Hồ sơ công nhận" page in Chromium: reached from "/" through the menu, the checklist as
it stands, the whole .zip built with the progress indicator and downloaded."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_forms_page import _login
from tests.reports_demo import NEW_YEAR, OLD_YEAR, Demo

# isort: split
from tests.reports_demo import reports_demo_fixture  # noqa: F401  (the shared demo fixture)

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PCGD_SCREENSHOTS", "/tmp/pcgd-shots"))


async def test_commune_builds_and_downloads_its_dossier(live_server: str, chromium: Any,
                                                        reports_demo: Demo) -> None:
    commune = reports_demo.users(NEW_YEAR, "commune")[0]
    context = await chromium.new_context(accept_downloads=True)
    try:
        page = await _login(context, live_server, commune)
        await page.click("nav.mainnav a:has-text('Hồ sơ công nhận')")
        await page.wait_for_url(f"{live_server}/units/{commune['unit']}/dossier?year=*")
        assert "Biên bản tự kiểm tra" in await page.inner_text("ul.parts")
        rows = await page.locator("details.checklist tbody tr").count()
        assert rows > 20
        summary = await page.inner_text("#dossier-summary")
        assert f"Danh mục có {rows} mục" in summary.replace(".", "")
        SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
        await page.screenshot(path=str(SHOTS / "dossier-commune.png"), full_page=False)
        async with page.expect_download(timeout=300000) as info:
            await page.click("#dossier-zip")
        download = await info.value
        assert download.suggested_filename == f"Hồ-sơ-công-nhận-{commune['unit']}-{NEW_YEAR}.zip"
        with zipfile.ZipFile(await download.path()) as zf:
            names = set(zf.namelist())
            manifest = json.loads(zf.read("manifest.json"))
        assert {m["path"] for m in manifest} == names - {"manifest.json"}
        assert "00-danh-muc.xlsx" in names and "02-Biên-bản-tự-kiểm-tra.docx" in names
        await page.wait_for_function("document.getElementById('progress').hidden === true")
        assert "Đã lập xong hồ sơ" in await page.inner_text("#dossier-status")
    finally:
        await context.close()


async def test_district_sees_what_is_missing(live_server: str, chromium: Any,
                                             reports_demo: Demo) -> None:
    district = next(u for u in reports_demo.users(OLD_YEAR, "district")
                    if u["unit"] == reports_demo.results[OLD_YEAR]["full_district"])
    context = await chromium.new_context()
    try:
        page = await _login(context, live_server, district)
        await page.goto(f"{live_server}/units/{district['unit']}/board?year={OLD_YEAR}")
        await page.click("a:has-text('Hồ sơ công nhận') >> nth=-1")
        await page.wait_for_url(f"{live_server}/units/{district['unit']}/dossier?year={OLD_YEAR}")
        missing = await page.locator("table.missing tbody tr").count()
        decisions = await page.locator("table.missing tbody tr:has-text('Quyết định công nhận')"
                                       ).count()
        assert decisions >= 1 and missing >= decisions
        await page.screenshot(path=str(SHOTS / "dossier-district.png"), full_page=True)
    finally:
        await context.close()
