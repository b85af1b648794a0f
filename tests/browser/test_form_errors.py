"""Server-side errors land on their field (issue 9, defect 5), in real Chromium.

A form number another household already uses: the check as you type marks it, the save's 422
marks it, and it stays marked (it used to vanish when the next check came back without it).
"""

from __future__ import annotations

from typing import Any

import pytest

from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import get_user
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn, MemberIn
from tests.browser.conftest import needs_chromium
from tests.browser.test_entry import login_form
from tests.factories import make_user

pytestmark = [pytest.mark.browser, needs_chromium]

YEAR = 2025
COMMUNE = "25750"  # Phường Phú Lợi (tỉnh 79): no other test uses it


async def _existing(username: str, code: str) -> None:
    from pcgd import db

    uid = await db.pool().fetchval("SELECT id FROM user_account WHERE username = $1", username)
    user = await get_user(uid)
    assert user is not None
    commune = await units.resolve(COMMUNE, YEAR, kind="commune")
    await surveys.create_household(user, await scope_for(user, YEAR), commune, YEAR, HouseholdIn(
        household_code=code, hamlet="Khu phố 1",
        members=[MemberIn(full_name="Phạm Văn Lộc", birth_date="1970", sex="M",
                          relation="chu_ho")],
    ))


async def test_a_taken_form_number_stays_marked_on_its_field(
    live_server: str, chromium: Any, database: str
) -> None:
    username = await make_user("commune", COMMUNE, YEAR)
    await _existing(username, "PL-1")
    context = await chromium.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(8000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await login_form(page, live_server, username)
        await page.goto(f"{live_server}/communes/{COMMUNE}/households/new?year={YEAR}")
        await page.wait_for_selector("#members tbody tr.member")
        await page.fill("#household_code", "PL-2")
        await page.fill("#hamlet", "Khu phố 1")
        row = page.locator("#members tbody tr.member").first
        await row.locator("[data-field=full_name]").fill("Lê Thị Hoa")
        await row.locator("[data-field=birth_date]").fill("02/02/1990")
        await row.locator("[data-field=sex]").select_option("F")
        # Someone takes PL-2 while this form is open: the check as you type said nothing.
        await _existing(username, "PL-2")
        code = page.locator("#household_code")
        await page.click("#save")
        await page.wait_for_function(
            "document.getElementById('save-status').textContent.startsWith('Chưa lưu')")
        message = page.locator("[data-msg-for=household_code] .invalid")
        assert await code.get_attribute("aria-invalid") == "true"
        assert "Số phiếu: đã có hộ khác" in await message.inner_text()
        assert "xem các ô tô đỏ" in await page.inner_text("#save-status")
        # Typing elsewhere re-runs the check: the error stays on the field.
        await page.fill("#address", "7 Lê Lợi")
        await page.wait_for_function(
            "document.getElementById('household-form').dataset.checked !== undefined")
        await page.wait_for_timeout(600)
        assert await code.get_attribute("aria-invalid") == "true"
        assert await message.count() == 1
        # Another number: the error goes, the save works.
        await code.fill("PL-3")
        await message.wait_for(state="detached")
        await page.click("#save")
        await page.wait_for_function(
            "document.getElementById('save-status').textContent.startsWith('Đã lưu')")
        assert errors == []
    finally:
        await context.close()
