"""The roll upload page in real Chromium against a real `pcgd serve`.

1. A file with errors: the errors table shows row, column and reason, a marked copy can be
   downloaded, and nothing is written.
2. The corrected file: the page says what was imported and the households are in the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pcgd import db
from pcgd.units import service as units
from tests.browser.conftest import needs_chromium
from tests.factories import PASSWORD, make_user
from tests.integration.test_import import family, roll_csv

pytestmark = [pytest.mark.browser, needs_chromium]

YEAR = 2025
COMMUNE = "21307"  # Xã Sơn Linh, Quảng Ngãi


async def households(code: str) -> list[str]:
    commune = await units.resolve(code, YEAR, kind="commune")
    rows = await db.pool().fetch(
        "SELECT household_code FROM household WHERE commune = $1 AND year = $2 ORDER BY 1",
        commune.id, YEAR,
    )
    return [r["household_code"] for r in rows]


async def test_upload_with_errors_then_a_clean_file(
    live_server: str, chromium: Any, database: str, tmp_path: Path
) -> None:
    username = await make_user("commune", COMMUNE, YEAR)
    bad_rows = family("BR-1") + family("BR-2", "Lê")
    bad_rows[2]["enrolled_grade"] = "8"  # file row 4: grade 8 is not a TH grade
    bad_rows[4]["relation"] = "con"  # BR-2 has no head any more (file row 6)
    bad = tmp_path / "ho-loi.csv"
    bad.write_bytes(roll_csv(bad_rows))
    good = tmp_path / "ho.csv"
    good.write_bytes(roll_csv(family("BR-1") + family("BR-2", "Lê")))

    context = await chromium.new_context(accept_downloads=True)
    try:
        page = await context.new_page()
        page.set_default_timeout(15000)
        await page.goto(f"{live_server}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{live_server}/")
        await page.goto(f"{live_server}/communes/{COMMUNE}/import?year={YEAR}")

        await page.set_input_files("#import-file", str(bad))
        await page.click("#import-submit")
        await page.wait_for_selector("#issues tr.issue-error")
        status = await page.inner_text("#import-status")
        assert "lỗi" in status and "chưa ghi" in status
        cells = await page.eval_on_selector_all(
            "#issues tr.issue-error", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
        )
        found = {(c[0], c[1]) for c in cells}
        assert ("4", "Lớp") in found and ("6", "Quan hệ với chủ hộ") in found  # labels, not keys
        assert all(c[2] for c in cells)  # every error says why
        assert await households(COMMUNE) == []  # nothing written
        async with page.expect_download() as info:
            await page.click("#annotated-link")
        download = await info.value
        marked = tmp_path / "marked.xlsx"
        await download.save_as(marked)
        assert marked.read_bytes()[:2] == b"PK"

        await page.set_input_files("#import-file", str(good))
        await page.click("#import-submit")
        await page.wait_for_function(
            "document.getElementById('import-status').textContent.startsWith('Đã nhập')"
        )
        assert "2 hộ, 8 người" in await page.inner_text("#import-status")
        assert await page.locator("#issues").count() == 0
        assert await households(COMMUNE) == ["BR-1", "BR-2"]
    finally:
        await context.close()
