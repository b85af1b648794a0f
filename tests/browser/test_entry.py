"""Household entry in real Chromium against a real `pcgd serve`.

1. Commune staff log in through the form, create a household with three members from the
   keyboard, get a validation error as they type (and a 422 when they save anyway), fix it,
   save, and see the commune's indicators change.
2. Two sessions edit the same household: the second save shows both versions side by side;
   "giữ bản của tôi" saves over the newer version, "lấy bản đã lưu" takes it and writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.accounts.scope import scope_for
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn, MemberIn
from tests.browser.conftest import needs_chromium
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, needs_chromium]

YEAR = 2025
CREATE_COMMUNE = "26740"  # Phường Sài Gòn (tỉnh 79)
CONFLICT_COMMUNE = "26743"  # Phường Bến Thành (tỉnh 79)
SAVED = "document.getElementById('save-status').textContent.startsWith('Đã lưu')"


async def login_form(page: Any, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/")


async def indicator(page: Any, criterion: str) -> tuple[str | None, str | None]:
    row = page.locator(f"#indicators li[data-criterion='{criterion}']")
    return await row.get_attribute("data-numerator"), await row.get_attribute("data-denominator")


async def households_in(commune_code: str, code: str) -> list[dict[str, Any]]:
    commune = await units.resolve(commune_code, YEAR, kind="commune")
    rows = await db.pool().fetch(
        "SELECT p.full_name, py.enrolled_level, py.enrolled_grade, h.version FROM household h"
        " JOIN person_year py ON py.household = h.id JOIN person p ON p.id = py.person"
        " WHERE h.commune = $1 AND h.year = $2 AND h.household_code = $3 ORDER BY py.position",
        commune.id, YEAR, code,
    )
    return [dict(r) for r in rows]


async def test_create_household_fix_error_and_see_indicators(
    live_server: str, chromium: Any, database: str
) -> None:
    username = await make_user("commune", CREATE_COMMUNE, YEAR)
    context = await chromium.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(8000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await login_form(page, live_server, username)
        await page.goto(f"{live_server}/?year={YEAR}")
        await page.click(f"a.tile[href^='/communes/{CREATE_COMMUNE}/households']")
        await page.wait_for_selector("#indicators li[data-criterion='th.grade1_age6']")
        assert await indicator(page, "th.grade1_age6") == ("0", "0")

        await page.click("#new-household")
        await page.wait_for_selector("#members tbody tr.member")
        keys = page.keyboard
        # Household fields, then Enter walks into the members table.
        await keys.type("SG-001")
        await keys.press("Enter")
        await keys.type("Khu phố 3")
        await keys.press("Enter")
        await keys.type("25 Lê Lợi")
        await keys.press("Enter")
        # Member 1: name, birth date (dd/mm/yyyy), sex from the dropdown by typing; the
        # relation cell is prefilled with "Chủ hộ".
        await keys.type("Trần Văn Lâm")
        await keys.press("Enter")
        await keys.type("12/03/1985")
        await keys.press("Enter")
        await keys.type("n")
        await keys.press("Enter")
        assert await page.evaluate("document.activeElement.dataset.field") == "relation"
        # Member 2 (Ctrl+Enter adds a row and jumps to its first cell).
        await keys.press("Control+Enter")
        await keys.type("Đỗ Thị Thu")
        await keys.press("Enter")
        await keys.type("1987")
        await keys.press("Enter")
        await keys.type("nn")  # second option starting with n: Nữ
        await keys.press("Enter")
        await keys.type("Vợ")
        # Member 3, with an impossible birth date.
        await keys.press("Control+Enter")
        await keys.type("Trần Minh Khôi")
        await keys.press("Enter")
        await keys.type("31/02/2019")
        await keys.press("Enter")
        await keys.type("n")
        await keys.press("Enter")
        await keys.type("Con")
        rows = page.locator("#members tbody tr.member")
        assert await rows.count() == 3
        child = rows.nth(2)
        await child.locator("[data-field=enrolled_level]").select_option("TH")
        await child.locator("[data-field=enrolled_grade]").select_option("1")

        # The server's rule shows next to the field as you type (no save yet).
        message = page.locator("#members tr.row-msgs:not([hidden]) li[data-msg-field=birth_date]")
        await message.wait_for()
        assert "Ngày sinh: ngày không tồn tại (31/02/2019)" in await message.inner_text()
        birth = child.locator("[data-field=birth_date]")
        assert await birth.get_attribute("aria-invalid") == "true"

        # Saving anyway is refused (422) with the error still beside the field; nothing written.
        await page.click("#save")
        await page.wait_for_function(
            "document.getElementById('save-status').textContent.startsWith('Chưa lưu')"
        )
        assert await message.count() == 1
        assert await households_in(CREATE_COMMUNE, "SG-001") == []

        # Fix it: the message goes away as you type; Ctrl+S saves.
        await birth.fill("05/07/2019")
        await message.wait_for(state="detached")
        await keys.press("Control+s")
        await page.wait_for_function(SAVED)
        assert "/households/" in page.url
        assert "phiên bản 1" in await page.inner_text("#version-label")

        stored = await households_in(CREATE_COMMUNE, "SG-001")
        assert [m["full_name"] for m in stored] == ["Trần Văn Lâm", "Đỗ Thị Thu", "Trần Minh Khôi"]
        assert (stored[2]["enrolled_level"], stored[2]["enrolled_grade"]) == ("TH", "1")

        # The indicators beside the form now count the 6-year-old in grade 1.
        await page.wait_for_function(
            "document.querySelector(\"#indicators li[data-criterion='th.grade1_age6']\")"
            ".dataset.numerator === '1'"
        )
        assert await indicator(page, "th.grade1_age6") == ("1", "1")
        changed = page.locator("#indicators li.changed[data-criterion='th.grade1_age6']")
        assert await changed.count() == 1

        # Back on the list: search ignores diacritics and case; the indicator agrees.
        await page.goto(
            f"{live_server}/communes/{CREATE_COMMUNE}/households?year={YEAR}&q=TRAN+MINH+KHOI"
        )
        assert await page.locator("#households tbody a").all_inner_texts() == ["SG-001"]
        await page.wait_for_selector("#indicators li[data-criterion='th.grade1_age6']")
        assert await indicator(page, "th.grade1_age6") == ("1", "1")
        assert errors == []
    finally:
        await context.close()


@pytest.fixture
async def shared_household(database: str) -> tuple[int, str, str]:
    """A household of CONFLICT_COMMUNE and two staff accounts of that commune."""
    return await _household("BT-7")


@pytest.fixture
async def workbook_household(database: str) -> tuple[int, str, str]:
    return await _household("BT-8")


async def _household(code: str) -> tuple[int, str, str]:
    commune = await units.resolve(CONFLICT_COMMUNE, YEAR, kind="commune")
    first = await make_user("commune", CONFLICT_COMMUNE, YEAR)
    second = await make_user("commune", CONFLICT_COMMUNE, YEAR)
    user = await accounts.authenticate(first, PASSWORD)
    assert user is not None
    saved = await surveys.create_household(
        user, await scope_for(user, YEAR), commune, YEAR,
        HouseholdIn(household_code=code, hamlet="Khu phố 2", address="7 Lê Thánh Tôn",
                    members=[
                        MemberIn(full_name="Phan Văn Đức", birth_date="1979", sex="M",
                                 relation="chu_ho"),
                        MemberIn(full_name="Phan Thị Lan", birth_date="2012", sex="F",
                                 relation="con", enrolled_level="THCS", enrolled_grade="7"),
                    ]),
    )
    return saved.id, first, second


async def open_form(chromium: Any, base: str, username: str, household_id: int) -> Any:
    context = await chromium.new_context(viewport={"width": 1400, "height": 900})
    r = await context.request.post(
        f"{base}/api/auth/login", data={"username": username, "password": PASSWORD}
    )
    assert r.status == 200
    page = await context.new_page()
    page.set_default_timeout(8000)
    await page.goto(f"{base}/households/{household_id}")
    await page.wait_for_selector("#members tbody tr.member")
    return page


async def test_conflicting_saves_from_two_sessions(
    live_server: str, chromium: Any, shared_household: tuple[int, str, str]
) -> None:
    household_id, first, second = shared_household
    alice = await open_form(chromium, live_server, first, household_id)
    bob = await open_form(chromium, live_server, second, household_id)
    try:
        a_child = alice.locator("#members tbody tr.member").nth(1)
        b_child = bob.locator("#members tbody tr.member").nth(1)
        # Alice moves the child up a grade and saves first (version 2).
        await a_child.locator("[data-field=enrolled_grade]").select_option("8")
        await alice.click("#save")
        await alice.wait_for_function(SAVED)

        # Bob, still on version 1, corrects the child's name: his save is a conflict.
        await b_child.locator("[data-field=full_name]").fill("Phan Thị Lan Anh")
        await bob.click("#save")
        await bob.wait_for_selector("#conflict:not([hidden])")
        assert "phiên bản 2" in await bob.inner_text("#conflict-version")
        mine = await bob.inner_text("#conflict-mine")
        theirs = await bob.inner_text("#conflict-theirs")
        assert "Phan Thị Lan Anh" in mine and "Phan Thị Lan Anh" not in theirs
        assert "Phan Thị Lan" in theirs
        # The differing fields are shown and marked on both sides.
        assert await bob.locator("#conflict-theirs td.diff").count() >= 2
        rows = await households_in(CONFLICT_COMMUNE, "BT-7")
        assert rows[1]["full_name"] == "Phan Thị Lan" and rows[1]["enrolled_grade"] == "8"
        assert rows[0]["version"] == 2  # nothing overwritten silently

        # Bob keeps his version: saved over version 2 (his grade 7 comes back, by his choice).
        await bob.click("#keep-mine")
        await bob.wait_for_function(SAVED)
        assert await bob.locator("#conflict").is_hidden()
        rows = await households_in(CONFLICT_COMMUNE, "BT-7")
        assert rows[0]["version"] == 3 and rows[1]["full_name"] == "Phan Thị Lan Anh"

        # Now Alice (on version 2) edits and saves: conflict again; she takes the saved one.
        await a_child.locator("[data-field=full_name]").fill("Phan T. Lan")
        await alice.click("#save")
        await alice.wait_for_selector("#conflict:not([hidden])")
        await alice.click("#take-theirs")
        assert await alice.locator("#conflict").is_hidden()
        name = alice.locator("#members tbody tr.member").nth(1).locator("[data-field=full_name]")
        assert await name.input_value() == "Phan Thị Lan Anh"
        assert "phiên bản 3" in await alice.inner_text("#version-label")
        rows = await households_in(CONFLICT_COMMUNE, "BT-7")
        assert rows[0]["version"] == 3  # taking the saved version writes nothing
        # And her next save goes through on top of version 3.
        await alice.locator("#address").fill("7A Lê Thánh Tôn")
        await alice.click("#save")
        await alice.wait_for_function(SAVED)
        assert (await households_in(CONFLICT_COMMUNE, "BT-7"))[0]["version"] == 4
    finally:
        await alice.context.close()
        await bob.context.close()


async def test_workbook_fields_from_the_keyboard(
    live_server: str, chromium: Any, workbook_household: tuple[int, str, str]
) -> None:
    """Issue 10's fields on the form: marks toggle with Space, disability types are typed as
    their numbers, a broken rule shows beside the field, and the save stores them."""
    household_id, first, _ = workbook_household
    page = await open_form(chromium, live_server, first, household_id)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        head, child = (page.locator("#members tbody tr.member").nth(i) for i in (0, 1))
        await child.locator("[data-field=repeating]").focus()
        await page.keyboard.press("Space")
        await head.locator("[data-field=disability_types]").fill("1, 3")
        message = page.locator(
            "#members tr.row-msgs:not([hidden]) li[data-msg-field=disability_types]")
        await message.wait_for()
        assert "Dạng khuyết tật: có dạng khuyết tật nhưng cột Khuyết tật để trống" in (
            await message.inner_text())
        await head.locator("[data-field=disability]").select_option("able")
        await message.wait_for(state="detached")
        await head.locator("[data-field=disability_certificate]").focus()
        await page.keyboard.press("Space")
        await head.locator("[data-field=phone]").fill("0912 345 678")
        await page.screenshot(path="/tmp/fields-entry.png", full_page=True)
        await page.keyboard.press("Control+s")
        await page.wait_for_function(SAVED)
        stored = await db.pool().fetch(
            "SELECT py.repeating, py.disability_types, py.disability_certificate, p.phone"
            " FROM person_year py JOIN person p ON p.id = py.person WHERE py.household = $1"
            " ORDER BY py.position", household_id)
        assert [tuple(r) for r in stored] == [
            (False, "mobility,vision", True, "0912 345 678"), (True, "", False, "")]
        await page.reload()
        await page.wait_for_selector("#members tbody tr.member")
        assert await child.locator("[data-field=repeating]").is_checked()
        assert await head.locator("[data-field=disability_types]").input_value() == "1, 3"
        assert errors == []
    finally:
        await page.context.close()


async def test_column_groups_fold_and_open_on_a_problem(
    live_server: str, chromium: Any, database: str
) -> None:
    """33 columns do not fit a laptop: folded groups vanish (Enter skips them), the choice
    survives a reload, and a folded group opens by itself when one of its cells has an error."""
    household_id, first, _ = await _household("BT-9")
    hid = await db.pool().fetchval(
        "SELECT py.id FROM person_year py JOIN person p ON p.id = py.person"
        " WHERE py.household = $1 AND p.full_name = 'Phan Văn Đức'", household_id)
    await db.pool().execute("UPDATE person_year SET relapse_level = 1 WHERE id = $1", hid)
    page = await open_form(chromium, live_server, first, household_id)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        head = page.locator("#members tbody tr.member").first
        shown = "#members thead tr:last-child th:not([hidden])"
        every = await page.locator(shown).count()
        for group in ("Thông tin thêm", "Cư trú", "Khuyết tật", "Xóa mù chữ"):
            box = page.locator(f"#col-groups label:has-text('{group}') input")
            assert await box.is_checked()
            await box.uncheck()
        assert await page.locator(shown).count() == every - 3 - 4 - 2 - 1
        assert not await head.locator("[data-field=relapse_level]").is_visible()
        await head.locator("[data-field=personal_id]").focus()
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.dataset.field") == "father_name"

        await page.reload()
        await page.wait_for_selector("#members tbody tr.member")
        assert await page.locator(shown).count() == every - 10
        assert not await page.locator(
            "#col-groups label:has-text('Xóa mù chữ') input").is_checked()
        # A relapse mark needs age 15+: make the head a child, try to save.
        await head.locator("[data-field=birth_date]").fill("01/02/2015")
        await page.keyboard.press("Control+s")
        await head.locator("[data-field=relapse_level]").wait_for(state="visible")
        assert await head.locator("[data-field=relapse_level]").get_attribute(
            "aria-invalid") == "true"
        assert await page.locator(
            "#col-groups label:has-text('Xóa mù chữ') input").is_checked()
        await page.screenshot(path="/tmp/entry-groups.png", full_page=True)
        await page.locator("#col-groups-all").click()
        assert await page.locator(shown).count() == every
        assert errors == []
    finally:
        await page.context.close()


async def test_a_save_after_logout_elsewhere_is_refused_and_the_form_kept(
    live_server: str, chromium: Any, database: str
) -> None:
    """The entry page saves through the routes that remember sessions: a session ended in
    another browser (logout with the same cookie) is refused at the next save, with the typed
    data still on the page and nothing written."""
    username = await make_user("commune", CREATE_COMMUNE, YEAR)
    context = await chromium.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    page.set_default_timeout(8000)
    try:
        await login_form(page, live_server, username)
        await page.goto(f"{live_server}/?year={YEAR}")
        await page.click(f"a.tile[href^='/communes/{CREATE_COMMUNE}/households']")
        await page.click("#new-household")
        await page.wait_for_selector("#members tbody tr.member")
        keys = page.keyboard
        for text in ("LO-001", "Khu phố 3", "25 Lê Lợi", "Trần Văn Lâm", "12/03/1985"):
            await keys.type(text)
            await keys.press("Enter")
        await keys.type("n")
        await keys.press("Control+s")
        await page.wait_for_function(SAVED)  # this worker now remembers the session

        other = await chromium.new_context()
        await other.add_cookies(await context.cookies())
        r = await other.request.post(f"{live_server}/api/auth/logout", data="{}",
                                     headers={"content-type": "application/json"})
        assert r.status == 200
        await other.close()
        name = page.locator("#members tbody tr.member input[data-field='full_name']").first
        await name.fill("Trần Văn Lâm Hai")
        await keys.press("Control+s")
        await page.wait_for_function(
            "document.getElementById('save-status').textContent.startsWith('Phiên đăng nhập')")
        assert await name.input_value() == "Trần Văn Lâm Hai"
        stored = await households_in(CREATE_COMMUNE, "LO-001")
        assert [h["version"] for h in stored] == [1]
    finally:
        await context.close()
