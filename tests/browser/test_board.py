"""The board in a real browser: log in through the form, read the marks, drill to the people.

Uses the shared `live_server` (the real `pcgd serve` on the test database) and `chromium`
fixtures of tests/browser/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from pcgd.accounts.scope import scope_for
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn, MemberIn
from tests.factories import PASSWORD, make_user
from tests.integration.test_compliance import current

pytestmark = pytest.mark.browser

YEAR = 2025
COMMUNE = "26575"  # Xã Ngãi Giao, tỉnh 79


@pytest.fixture(scope="module")
async def commune_user(database: str) -> str:
    """A commune user and a roll where one of two 6-year-olds is not in grade 1."""
    commune = await units.resolve(COMMUNE, YEAR, kind="commune")
    name = await make_user("commune", COMMUNE, YEAR)
    user = await current(name)
    scope = await scope_for(user, YEAR)
    await surveys.create_household(user, scope, commune, YEAR, HouseholdIn(
        household_code="BR-1", hamlet="Ấp Bắc", members=[
            MemberIn(full_name="Nguyễn Văn Phúc", birth_date="1985", sex="M", relation="chu_ho",
                     th_completed_year=1996, thcs_graduated_year=2000),
            MemberIn(full_name="Nguyễn Thị Giang", birth_date="2019", sex="F", relation="con",
                     enrolled_level="TH", enrolled_grade="1"),
            MemberIn(full_name="Nguyễn Văn Hậu", birth_date="2019", sex="M", relation="con"),
        ],
    ))
    return name


async def test_login_board_and_people(
    live_server: str, chromium: Any, commune_user: str
) -> None:
    server = live_server
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        page.set_default_timeout(5000)
        await page.goto(f"{server}/login")
        await page.fill("input[name=username]", commune_user)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{server}/")
        # The home tile opens the current year; the year selector switches to the roll's.
        await page.click(f"a.tile[href^='/units/{COMMUNE}/board']")
        await page.wait_for_selector("#matrix")
        await page.select_option(".year-switch select[name=year]", str(YEAR))
        await page.wait_for_url(f"{server}/units/{COMMUNE}/board?year={YEAR}")
        await page.wait_for_selector("#matrix")
        assert "Xã Ngãi Giao" in await page.inner_text("h1 + .board-unit")

        # TH fails at level 1: the matrix says so, the row shows 1/2 and its shortfall.
        th_l1 = page.locator("#matrix tr[data-standard=th] td[data-level='1']")
        assert await th_l1.get_attribute("data-state") == "fail"
        assert "Chưa đạt" in await th_l1.inner_text()
        row = page.locator("tr[data-criterion='th.grade1_age6'][data-level='1']")
        assert await row.get_attribute("data-passed") == "false"
        text = await row.inner_text()
        assert "1/2" in text and "còn thiếu 1 người" in text
        passed = page.locator("tr[data-criterion='mn5.attendance'] .mark.pass")
        assert await passed.count() == 1  # nobody aged 5: the empty band passes
        badge = page.locator(".badge.unverified").first
        assert (await badge.get_attribute("title") or "").startswith("Chưa kiểm chứng")

        await row.get_by_role("link", name="danh sách").click()
        await page.wait_for_selector("#people")
        names = await page.locator("#people tbody tr td:nth-child(2)").all_inner_texts()
        assert names == ["Nguyễn Văn Hậu"]
        link = page.locator("#people a[href^='/households/']")
        assert await link.inner_text() == "BR-1"
    finally:
        await context.close()
