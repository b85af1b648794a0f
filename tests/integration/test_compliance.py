"""The evaluation API and the board pages on a small hand-made commune roll (2025, tỉnh 46).

Every number asserted here follows from the households below by hand: two 6-year-olds of whom
one is in grade 1 (th.grade1_age6 1/2 fails, short by 1), one 14-year-old in grade 9 (passes).
"""

from __future__ import annotations

import re

import pytest

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn, MemberIn
from tests.factories import login, make_user

YEAR = 2025
COMMUNE = "19960"  # Phường Phú Bài, tỉnh 46 (Huế)
OTHER_COMMUNE = "19969"  # Phường Thanh Thủy, same province
HTML = {"accept": "text/html"}


async def current(username: str) -> CurrentUser:
    uid = await db.pool().fetchval("SELECT id FROM user_account WHERE username = $1", username)
    user = await accounts.get_user(uid)
    assert user is not None
    return user


def _households() -> list[HouseholdIn]:
    return [
        HouseholdIn(household_code="CP-1", hamlet="Tổ 3", members=[
            MemberIn(full_name="Trần Văn An", birth_date="1980", sex="M", relation="chu_ho",
                     th_completed_year=1991, thcs_graduated_year=1995),
            MemberIn(full_name="Trần Thị Bình", birth_date="2019", sex="F", relation="con",
                     enrolled_level="TH", enrolled_grade="1", mn_completed_year=2025),
            MemberIn(full_name="Trần Văn Cường", birth_date="2011", sex="M", relation="con",
                     enrolled_level="THCS", enrolled_grade="9", th_completed_year=2022),
        ]),
        HouseholdIn(household_code="CP-2", hamlet="Tổ 5", members=[
            MemberIn(full_name="Hồ Thị Dung", birth_date="1992", sex="F", relation="chu_ho",
                     th_completed_year=2003, thcs_graduated_year=2007),
            MemberIn(full_name="Hồ Văn Em", birth_date="2019", sex="M", relation="con"),
        ]),
    ]


@pytest.fixture(scope="module")
async def roll(database: str) -> dict[str, object]:
    """The commune's roll, its commune user and an outsider."""
    commune = await units.resolve(COMMUNE, YEAR, kind="commune")
    name = await make_user("commune", COMMUNE, YEAR)
    user = await current(name)
    scope = await scope_for(user, YEAR)
    saved = [
        await surveys.create_household(user, scope, commune, YEAR, h) for h in _households()
    ]
    return {
        "commune": commune,
        "user": name,
        "outsider": await make_user("commune", OTHER_COMMUNE, YEAR),
        "province_user": await make_user("province", "46", YEAR),
        "households": {h.household_code: h.id for h in saved},
    }


def _row(result: dict, criterion: str, level: int) -> dict:
    return next(
        r for s in result["standards"] for r in s["criteria"]
        if r["id"] == criterion and r["level"] == level
    )


async def test_evaluation_api(client, roll) -> None:
    await login(client, roll["user"])
    res = await client.get(f"/api/units/{COMMUNE}/evaluation", params={"year": YEAR})
    assert res.status_code == 200, res.text
    result = res.json()
    assert result["profile"] == "nd20-2tier" and result["has_data"] is True
    grade1 = _row(result, "th.grade1_age6", 1)
    assert (grade1["numerator"], grade1["denominator"], grade1["passed"]) == (1, 2, False)
    assert grade1["shortfall"] == 1 and grade1["rate"] == 50.0
    age14 = _row(result, "th.completed_age14", 1)
    assert (age14["numerator"], age14["denominator"], age14["passed"]) == (1, 1, True)
    th = next(s for s in result["standards"] if s["standard"] == "th")
    assert th["level"] == 0

    res = await client.get(
        f"/api/units/{COMMUNE}/shortfall", params={"year": YEAR, "criterion": "th.grade1_age6"}
    )
    assert res.status_code == 200, res.text
    people = res.json()["people"]
    assert [p["full_name"] for p in people] == ["Hồ Văn Em"]
    assert people[0]["household_id"] == roll["households"]["CP-2"]


async def test_board_page_commune(client, roll) -> None:
    await login(client, roll["user"])
    res = await client.get(f"/units/{COMMUNE}/board", params={"year": YEAR}, headers=HTML)
    assert res.status_code == 200, res.text
    page = res.text
    assert "Phường Phú Bài" in page and "nd20-2tier" in page
    assert 'data-dbkk="false"' in page
    # The failing criterion: its rate, threshold, shortfall and a link to the people behind it.
    row = re.search(r'<tr data-criterion="th.grade1_age6" data-level="1"[^>]*>(.*?)</tr>',
                    page, re.S)
    assert row is not None
    assert 'data-passed="false"' in row.group(0)
    assert "1/2" in row.group(1) and "50,00%" in row.group(1) and "≥ 90%" in row.group(1)
    assert "còn thiếu 1 người" in row.group(1)
    assert "/board/people?year=2025&amp;criterion=th.grade1_age6" in row.group(1)
    passed = re.search(r'<tr data-criterion="th.completed_age14" data-level="1"[^>]*>', page)
    assert passed is not None and 'data-passed="true"' in passed.group(0)
    # Unverified rules (TH L3 remaining_age11, every MN 3–5 row) carry the badge and a tooltip.
    assert re.search(r'class="badge unverified"[^>]*title="Chưa kiểm chứng[^"]*"', page)
    assert "chưa kiểm chứng" in page
    # Standards × levels matrix, conditions and the THCS prerequisite are shown.
    assert 'id="matrix"' in page and "✗ Chưa đạt" in page
    assert "Tiêu chuẩn tiên quyết" in page and "Điều kiện (TT 07/2016)" in page
    # THCS rates pass (nobody aged 15–18) but TH is at level 0: the level says why it fails.
    thcs = re.search(r'<tr data-standard="thcs">(.*?)</tr>', page, re.S)
    assert thcs is not None and 'data-state="fail"' in thcs.group(1)
    assert "các tỷ lệ đạt nhưng tiêu chuẩn tiên quyết chưa đạt" in page


async def test_people_page(client, roll) -> None:
    await login(client, roll["user"])
    res = await client.get(
        f"/units/{COMMUNE}/board/people",
        params={"year": YEAR, "criterion": "th.grade1_age6"}, headers=HTML,
    )
    assert res.status_code == 200, res.text
    page = res.text
    assert "Hồ Văn Em" in page and "Trần Thị Bình" not in page
    assert f'href="/households/{roll["households"]["CP-2"]}"' in page
    assert "Tổ 5" in page and "chưa vào học lớp 1" in page
    missing = await client.get(
        f"/units/{COMMUNE}/board/people", params={"year": YEAR, "criterion": "nope"},
        headers=HTML,
    )
    assert missing.status_code == 404


async def test_province_board_drills_to_communes(client, roll) -> None:
    await login(client, roll["province_user"])
    res = await client.get("/units/46/board", params={"year": YEAR}, headers=HTML)
    assert res.status_code == 200, res.text
    page = res.text
    assert 'id="children"' in page
    assert f'href="/units/{COMMUNE}/board?year={YEAR}"' in page
    assert re.search(r'<tr data-criterion="th.share_l1"', page)
    res = await client.get(f"/units/{COMMUNE}/board", params={"year": YEAR}, headers=HTML)
    assert res.status_code == 200


async def test_outsider_gets_403(client, roll) -> None:
    await login(client, roll["outsider"])
    page = await client.get(f"/units/{COMMUNE}/board", params={"year": YEAR}, headers=HTML)
    assert page.status_code == 403
    assert "phạm vi" in page.text and "<html" in page.text
    people = await client.get(
        f"/units/{COMMUNE}/board/people",
        params={"year": YEAR, "criterion": "th.grade1_age6"}, headers=HTML,
    )
    assert people.status_code == 403
    assert (await client.get("/units/46/board", params={"year": YEAR})).status_code == 403
    api = await client.get(f"/api/units/{COMMUNE}/evaluation", params={"year": YEAR})
    assert api.status_code == 403


async def test_board_needs_login(client, roll) -> None:
    client.cookies.clear()
    res = await client.get(f"/units/{COMMUNE}/board", params={"year": YEAR}, headers=HTML)
    assert res.status_code in (302, 303) and res.headers["location"].startswith("/login")
