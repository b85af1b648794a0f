"""The approval workflow in real Chromium: submit → return with an issue → answer and fix →
resubmit → approve with the decision → locked (2025: the province reviews)."""

from __future__ import annotations

import os
from typing import Any

import msgspec
import pytest

from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import get_user
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn
from tests.browser.conftest import needs_chromium
from tests.browser.test_entry import login_form
from tests.factories import make_user

pytestmark = [pytest.mark.browser, needs_chromium]

YEAR = 2025
PROVINCE = "96"
SHOTS = os.environ.get("PCGD_SHOTS", "")  # a folder: screenshots of each step, to look at


async def shot(page: Any, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


async def test_submit_return_fix_resubmit_approve_lock(
    live_server: str, chromium: Any, database: str
) -> None:
    from pcgd import db

    province = await units.resolve(PROVINCE, YEAR, kind="province")
    commune = (await units.communes_under(province, YEAR))[6]
    staff_name = await make_user("commune", commune.code, YEAR)
    reviewer_name = await make_user("province", PROVINCE, YEAR)
    staff = await get_user(await db.pool().fetchval(
        "SELECT id FROM user_account WHERE username = $1", staff_name))
    body = {"household_code": "BR-1", "hamlet": "Ấp Tân Lợi", "address": "", "members": [
        {"full_name": "Trần Văn Hai", "birth_date": "1982", "sex": "M", "relation": "chu_ho",
         "th_completed_year": 1993, "thcs_graduated_year": 1997}]}
    saved = await surveys.create_household(
        staff, await scope_for(staff, YEAR), commune, YEAR, msgspec.convert(body, HouseholdIn))
    url = f"{live_server}/units/{commune.code}/workflow?year={YEAR}"

    ctx_staff = await chromium.new_context(viewport={"width": 1300, "height": 900})
    ctx_rev = await chromium.new_context(viewport={"width": 1300, "height": 900})
    page, rev = await ctx_staff.new_page(), await ctx_rev.new_page()
    errors: list[str] = []
    for p in (page, rev):
        p.set_default_timeout(10000)
        p.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await login_form(page, live_server, staff_name)
        await login_form(rev, live_server, reviewer_name)
        # The board shows the panel; the workflow page the state and the commune's button.
        await page.goto(f"{live_server}/units/{commune.code}/board?year={YEAR}")
        assert "đang nhập" in await page.inner_text("#workflow-panel")
        await page.goto(url)
        await shot(page, "1-draft")
        await page.click("#do-submit")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#state", "data-state") == "submitted"
        await page.goto(f"{live_server}/communes/{commune.code}/households?year={YEAR}")
        assert "đã nộp, chờ duyệt" in await page.inner_text("main")

        # The province returns it with an issue pinned to the household.
        await rev.goto(url)
        assert await rev.locator("#submit-form").count() == 0
        await rev.fill("textarea[name=reason]", "Thiếu thông tin trẻ em")
        await rev.fill("input[name=issue_household_1]", "BR-1")
        await rev.fill("input[name=issue_text_1]", "Hộ chưa ghi trẻ 5 tuổi")
        await shot(rev, "2-return-form")
        await rev.click("#do-return")
        await rev.wait_for_selector("#done")
        assert await rev.get_attribute("#state", "data-state") == "returned"

        # The commune sees the issue in its list and on the form, fixes, answers, resubmits.
        await page.goto(f"{live_server}/communes/{commune.code}/households?year={YEAR}")
        assert "Hộ chưa ghi trẻ 5 tuổi" in await page.inner_text("#households")
        await page.goto(f"{live_server}/households/{saved.id}")
        assert "Hộ chưa ghi trẻ 5 tuổi" in await page.inner_text("#review-issues")
        await shot(page, "3-form-with-issue")
        fixed = {**body, "version": saved.version, "members": [*body["members"], {
            "full_name": "Trần Thị Ba", "birth_date": "2020-02-02", "sex": "F",
            "relation": "con", "enrolled_level": "MN", "enrolled_grade": "5"}]}
        answer = await page.request.put(
            f"{live_server}/api/households/{saved.id}", data=fixed,
            headers={"x-csrftoken": await page.evaluate(
                "document.querySelector('input[name=_csrf_token]')?.value || ''")})
        assert answer.status == 200, await answer.text()
        await page.goto(url)
        await page.fill("#issues input[name=answer]", "Đã bổ sung trẻ")
        await page.click("#issues button[type=submit]")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#issues tr[data-issue]", "data-status") == "answered"
        await page.click("#do-submit")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#state", "data-state") == "submitted"

        # The province approves with the decision, then locks.
        await rev.goto(url)
        assert "Đã bổ sung trẻ" in await rev.inner_text("#issues")
        await rev.fill("input[name=decision_number]", "25/QĐ-UBND")
        await rev.fill("input[name=signer]", "Nguyễn Văn Tỉnh")
        await rev.click("#do-approve")
        await rev.wait_for_selector("#decision")
        assert "25/QĐ-UBND" in await rev.inner_text("#decision")
        await rev.click("#do-lock")
        await rev.wait_for_selector("#done")
        assert await rev.get_attribute("#state", "data-state") == "locked"
        await shot(rev, "4-locked")
        await page.goto(f"{live_server}/households/{saved.id}")
        assert "đã khóa" in await page.inner_text("main")
        assert await page.is_disabled("#save")
        await rev.goto(f"{live_server}/units/{PROVINCE}/overview?year={YEAR}")
        row = rev.locator(f"#overview tr[data-code='{commune.code}']")
        assert await row.get_attribute("data-state") == "locked"
        await shot(rev, "5-overview")
        await page.goto(f"{live_server}/households/{saved.id}/audit")
        assert "Trần Thị Ba" in await page.inner_text("#audit")
        await shot(page, "6-audit")
        assert not errors, errors
    finally:
        await ctx_staff.close()
        await ctx_rev.close()
