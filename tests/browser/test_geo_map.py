"""The map beside a province board, in Chromium: one link per commune, tooltip on hover and on
keyboard focus, Enter opens the commune's board, the selector redraws the map, print keeps it.
"""

from __future__ import annotations

from typing import Any

import pytest

from pcgd.units import service as units
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

YEAR = 2025
PROVINCE = "14"  # Sơn La


async def test_board_map_by_mouse_keyboard_and_selector(
    live_server: str, chromium: Any, database: str
) -> None:
    username = await make_user("province", PROVINCE, YEAR)
    communes = await units.communes_under(await units.resolve(PROVINCE, YEAR), YEAR)
    names = {c.code: c.name for c in communes}
    context = await chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        page.set_default_timeout(20000)
        await page.goto(f"{live_server}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{live_server}/")
        await page.goto(f"{live_server}/units/{PROVINCE}/board?year={YEAR}")
        await page.wait_for_selector("#board-map svg.pcgd-map")
        shapes = page.locator("#board-map a.unit-link path[data-code]")
        assert await shapes.count() == len(communes)
        assert await page.locator("script:not([src])").count() == 0  # CSP-ready
        assert "Sơ đồ minh họa" in await page.inner_text("#board-map .geo-caption")

        first = communes[0].code
        await page.hover(f"#board-map path[data-code='{first}']")
        tip = page.locator("#board-map .geo-tip")
        assert await tip.is_visible()
        assert names[first] in await tip.inner_text()

        await page.focus("#board-map a.unit-link")
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "document.activeElement.querySelector('path').getAttribute('data-code')")
        assert focused in names and names[focused] in await tip.inner_text()
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{live_server}/units/{focused}/board?year={YEAR}")

        await page.go_back()
        await page.wait_for_selector("#board-map svg.pcgd-map")
        await page.select_option("#board-map select[name=criterion]", "th.grade1_age6")
        await page.wait_for_selector("#board-map path[data-rate]")
        assert await page.locator("#board-map path[data-rate]").count() == len(communes)
        assert "trẻ 6 tuổi vào học lớp 1" in await page.inner_text("#board-map .geo-title")

        await page.emulate_media(media="print")
        assert await page.locator("#board-map svg.pcgd-map").is_visible()
        assert not await page.locator("#board-map .geo-select").is_visible()
    finally:
        await context.close()
