"""The household API and entry pages over HTTP: 201/200, 409 stale version, 422 field errors,
403 outside the user's units, 423 locked, the validate-as-you-type route and the list filters.

Communes of province 79 (2025) that no other test file uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from pcgd import db
from pcgd.units import service as units
from tests.factories import login, make_user

YEAR = 2025
HOME = "26758"  # Phường Cầu Ông Lãnh
OTHER = "26737"  # Phường Tân Định: another commune's data


def household(code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "household_code": code,
        "hamlet": "Khu phố 1",
        "address": "12 Nguyễn Thái Bình",
        "members": [
            {"full_name": "Nguyễn Văn A", "birth_date": "12/03/1985", "sex": "M",
             "relation": "chu_ho", "th_completed_year": 1996, "thcs_graduated_year": 2000},
            {"full_name": "Trần Thị Bích", "birth_date": "1987", "sex": "F", "relation": "vợ"},
            {"full_name": "Nguyễn Minh Khôi", "birth_date": "2019-07-05", "sex": "M",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "1"},
        ],
    }
    body.update(changes)
    return body


@pytest.fixture
async def staff(client, database: str) -> Any:
    """A commune user of HOME, logged in on `client`."""
    await login(client, await make_user("commune", HOME, YEAR))
    return client


async def create(client, code: str, commune: str = HOME, **changes: Any) -> dict[str, Any]:
    r = await client.post(
        f"/api/communes/{commune}/households?year={YEAR}", json=household(code, **changes)
    )
    assert r.status_code == 201, r.text
    return r.json()


async def count_households(commune: str) -> int:
    unit = await units.resolve(commune, YEAR, kind="commune")
    return int(await db.pool().fetchval(
        "SELECT count(*) FROM household WHERE commune = $1 AND year = $2", unit.id, YEAR
    ))


async def test_create_read_update_and_search(staff) -> None:
    made = await create(staff, "API-1")
    assert made["version"] == 1 and len(made["members"]) == 3
    assert [m["relation"] for m in made["members"]] == ["chu_ho", "vợ", "con"]
    assert made["members"][0]["birth_date"] == "1985-03-12"  # dd/mm/yyyy accepted, ISO back

    got = (await staff.get(f"/api/households/{made['id']}")).json()
    assert got["household_code"] == "API-1" and got["hamlet"] == "Khu phố 1"

    # Search ignores case and diacritics.
    found = (await staff.get(
        f"/api/communes/{HOME}/households", params={"year": YEAR, "q": "nguyen van a"}
    )).json()
    assert [h["household_code"] for h in found] == ["API-1"]
    assert found[0]["head"] == "Nguyễn Văn A"

    body = household("API-1", version=got["version"])
    body["members"] = [
        {**m, "person_id": g["person_id"]}
        for m, g in zip(body["members"], got["members"], strict=True)
    ]
    body["members"].append(
        {"full_name": "Nguyễn Thị Mai", "birth_date": "2021", "sex": "F", "relation": "con"}
    )
    r = await staff.put(f"/api/households/{made['id']}", json=body)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["version"] == 2 and len(saved["members"]) == 4
    # Existing people keep their identity; only the new member is a new person.
    assert [m["person_id"] for m in saved["members"][:3]] == [
        m["person_id"] for m in got["members"]
    ]


async def test_stale_version_is_409_and_nothing_is_overwritten(staff) -> None:
    made = await create(staff, "API-2")
    first = household("API-2", version=1, address="Địa chỉ của người thứ nhất")
    r = await staff.put(f"/api/households/{made['id']}", json=first)
    assert r.status_code == 200 and r.json()["version"] == 2

    stale = household("API-2", version=1, address="Địa chỉ của người thứ hai")
    r = await staff.put(f"/api/households/{made['id']}", json=stale)
    assert r.status_code == 409
    err = r.json()
    assert err["status_code"] == 409 and err["extra"]["current_version"] == 2
    assert err["extra"]["current"]["address"] == "Địa chỉ của người thứ nhất"
    now = (await staff.get(f"/api/households/{made['id']}")).json()
    assert now["version"] == 2 and now["address"] == "Địa chỉ của người thứ nhất"

    # Deleting with a stale version is refused the same way.
    r = await staff.delete(f"/api/households/{made['id']}", params={"version": 1})
    assert r.status_code == 409


async def test_two_members_naming_one_person_is_422(staff) -> None:
    made = await create(staff, "API-DUP")
    body = household("API-DUP", version=made["version"])
    body["members"][2]["person_id"] = made["members"][1]["person_id"]
    body["members"][1]["person_id"] = made["members"][1]["person_id"]
    r = await staff.put(f"/api/households/{made['id']}", json=body)
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["extra"]] == [(2, "person_id")]
    now = (await staff.get(f"/api/households/{made['id']}")).json()
    assert now["version"] == made["version"] and len(now["members"]) == 3


async def test_field_errors_are_422_and_write_nothing(staff) -> None:
    before = await count_households(HOME)
    bad = household("API-3")
    bad["members"][2]["birth_date"] = "31/02/2019"
    bad["members"][1]["relation"] = "chu_ho"  # two heads
    r = await staff.post(f"/api/communes/{HOME}/households?year={YEAR}", json=bad)
    assert r.status_code == 422
    extra = r.json()["extra"]
    where = {(e["row"], e["field"]) for e in extra}
    assert (2, "birth_date") in where and (1, "relation") in where
    assert all(e["message"] for e in extra)
    assert "không tồn tại" in next(e["message"] for e in extra if e["field"] == "birth_date")
    assert await count_households(HOME) == before

    await create(staff, "API-4")
    r = await staff.post(f"/api/communes/{HOME}/households?year={YEAR}", json=household("API-4"))
    assert r.status_code == 422
    assert r.json()["extra"][0]["field"] == "household_code"

    # A PUT without the version it read is a field error too.
    made = await create(staff, "API-5")
    r = await staff.put(f"/api/households/{made['id']}", json=household("API-5"))
    assert r.status_code == 422 and r.json()["extra"][0]["field"] == "version"


async def test_outside_the_users_units_is_403(app, staff) -> None:
    # Data of another commune, made by that commune's own user.
    other_name = await make_user("commune", OTHER, YEAR)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t.local") as other:
        await login(other, other_name)
        theirs = await create(other, "OTHER-1", commune=OTHER)

    hid = theirs["id"]
    assert (await staff.get(f"/api/households/{hid}")).status_code == 403
    body = household("OTHER-1", version=1, address="x")
    assert (await staff.put(f"/api/households/{hid}", json=body)).status_code == 403
    assert (await staff.delete(f"/api/households/{hid}")).status_code == 403
    r = await staff.get(f"/api/communes/{OTHER}/households?year={YEAR}")
    assert r.status_code == 403 and r.json()["status_code"] == 403
    r = await staff.post(f"/api/communes/{OTHER}/households?year={YEAR}", json=household("X"))
    assert r.status_code == 403
    r = await staff.post(
        f"/api/communes/{OTHER}/households/validate?year={YEAR}", json=household("X")
    )
    assert r.status_code == 403
    page = await staff.get(f"/households/{hid}", headers={"accept": "text/html"})
    assert page.status_code == 403 and "ngoài phạm vi" in page.text
    page = await staff.get(f"/communes/{OTHER}/households?year={YEAR}")
    assert page.status_code == 403
    # Untouched.
    assert (await count_households(OTHER)) >= 1


async def test_locked_survey_is_423(staff) -> None:
    made = await create(staff, "API-6")
    unit = await units.resolve(HOME, YEAR, kind="commune")
    await db.pool().execute(
        "INSERT INTO survey_period (commune, year, status, updated_at) VALUES ($1, $2, 'locked',"
        " now()) ON CONFLICT (commune, year) DO UPDATE SET status = 'locked'",
        unit.id, YEAR,
    )
    try:
        r = await staff.put(
            f"/api/households/{made['id']}", json=household("API-6", version=1, address="y")
        )
        assert r.status_code == 423
        page = await staff.get(f"/households/{made['id']}")
        assert "đã khóa" in page.text
    finally:
        await db.pool().execute(
            "UPDATE survey_period SET status = 'draft' WHERE commune = $1 AND year = $2",
            unit.id, YEAR,
        )


async def test_api_refuses_non_json_bodies(staff) -> None:
    r = await staff.post(
        f"/api/communes/{HOME}/households?year={YEAR}", content=b"household_code=X",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415


async def test_validate_route_checks_without_writing(staff) -> None:
    before = await count_households(HOME)
    draft = household("API-7")
    draft["members"][2]["birth_date"] = "2019-13-01"
    draft["members"][2]["enrolled_grade"] = "7"  # TH has grades 1–5
    r = await staff.post(f"/api/communes/{HOME}/households/validate?year={YEAR}", json=draft)
    assert r.status_code == 200
    out = r.json()
    assert out["ok"] is False
    fields = {(e["row"], e["field"]) for e in out["errors"]}
    assert (2, "birth_date") in fields and (2, "enrolled_grade") in fields
    assert await count_households(HOME) == before

    # A personal ID already used by another household of the commune is a warning.
    await create(staff, "API-8", members=[
        {"full_name": "Lê Văn Tám", "birth_date": "1980", "sex": "M", "relation": "chu_ho",
         "personal_id": "079080000123"},
    ])
    draft = household("API-9")
    draft["members"][0]["personal_id"] = "079080000123"
    out = (await staff.post(
        f"/api/communes/{HOME}/households/validate?year={YEAR}", json=draft
    )).json()
    assert out["ok"] is True
    assert any(w["field"] == "personal_id" and "API-8" in w["message"] for w in out["warnings"])


async def test_entry_pages_render_and_filter(staff) -> None:
    made = await create(staff, "PAGE-1", members=[
        {"full_name": "Phạm Thị Hồng", "birth_date": "1990", "sex": "F", "relation": "chu_ho"},
        {"full_name": "Phạm Gia Huy", "birth_date": "2019", "sex": "M", "relation": "con",
         "disability": "unable"},
    ])
    base = f"/communes/{HOME}/households"
    page = await staff.get(base, params={"year": YEAR})
    assert page.status_code == 200
    assert f'href="/households/{made["id"]}"' in page.text and "Khu phố 1" in page.text

    async def codes(**params: str) -> set[str]:
        r = await staff.get(base, params={"year": YEAR, **params})
        assert r.status_code == 200
        return {c for c in ("PAGE-1", "API-1", "API-4") if f">{c}</a>" in r.text}

    assert "PAGE-1" in await codes(q="PHAM GIA")
    assert "PAGE-1" not in await codes(q="nguyen van a")
    assert "PAGE-1" in await codes(status="disabled")
    assert "PAGE-1" not in await codes(age="15-18")
    assert "PAGE-1" in await codes(age="6", hamlet="Khu phố 1")
    assert "PAGE-1" not in await codes(hamlet="Khu phố 9")

    form = await staff.get(f"/households/{made['id']}")
    assert form.status_code == 200 and 'id="entry-data"' in form.text
    assert "Phạm Gia Huy" in form.text
    new = await staff.get(f"{base}/new", params={"year": YEAR})
    assert new.status_code == 200 and "Phiếu điều tra hộ mới" in new.text


async def test_problem_filter_lists_households_with_warnings(staff) -> None:
    # Two households sharing a personal ID: both are flagged, each naming the other.
    await create(staff, "PROB-1", members=[
        {"full_name": "Võ Văn Một", "birth_date": "1970", "sex": "M", "relation": "chu_ho",
         "personal_id": "079070000555"},
    ])
    await create(staff, "PROB-2", members=[
        {"full_name": "Võ Văn Hai", "birth_date": "1971", "sex": "M", "relation": "chu_ho",
         "personal_id": "079070000555"},
    ])
    await create(staff, "PROB-3", members=[
        {"full_name": "Võ Văn Ba", "birth_date": "1972", "sex": "M", "relation": "chu_ho"},
    ])
    r = await staff.get(
        f"/communes/{HOME}/households", params={"year": YEAR, "problems": "1", "q": "vo van"}
    )
    assert r.status_code == 200
    assert ">PROB-1</a>" in r.text and ">PROB-2</a>" in r.text and ">PROB-3</a>" not in r.text
    assert "Số định danh: 0790••••0555 đã có ở hộ PROB-2" in r.text  # a list: masked
    assert "Số định danh: 0790••••0555 đã có ở hộ PROB-1" in r.text
    r = await staff.get(f"/communes/{HOME}/households", params={"year": YEAR, "q": "vo van"})
    assert ">PROB-3</a>" in r.text  # the filter, not the search, left it out


async def test_pages_need_login(client) -> None:
    client.cookies.clear()
    r = await client.get(f"/communes/{HOME}/households?year={YEAR}",
                         headers={"accept": "text/html"})
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


async def test_workbook_fields_round_trip_through_the_api(staff) -> None:
    """Issue 10's fields: POST answer == GET; a rule broken gives 422 naming row and field."""
    made = await create(staff, "API-WB", members=[
        {"full_name": "Nguyễn Văn A", "birth_date": "12/03/1985", "sex": "M",
         "relation": "chu_ho", "phone": "0912 345 678", "religion": "Phật giáo",
         "priority_group": "Hộ nghèo", "disability": "able", "disability_types": "1, 3",
         "disability_certificate": True, "relapse_level": 2},
        {"full_name": "Nguyễn Minh Khôi", "birth_date": "2019-07-05", "sex": "M",
         "relation": "con", "enrolled_level": "TH", "enrolled_grade": "1", "repeating": True,
         "two_sessions": "x"},
    ])
    head, child = made["members"]
    assert (head["disability_types"], head["disability_certificate"], head["relapse_level"],
            head["phone"], head["religion"], head["priority_group"]) == (
        "mobility,vision", True, 2, "0912 345 678", "Phật giáo", "Hộ nghèo")
    assert (child["repeating"], child["two_sessions"], child["vn_prep"]) == (True, True, False)
    got = (await staff.get(f"/api/households/{made['id']}")).json()
    assert got["members"] == made["members"]

    bad = await staff.post(f"/api/communes/{HOME}/households?year={YEAR}", json=household(
        "API-WB2", members=[{"full_name": "Lê Văn B", "birth_date": "2015", "sex": "M",
                             "relation": "chu_ho", "relapse_level": 1}]))
    assert bad.status_code == 422
    assert {"row": 0, "field": "relapse_level",
            "message": "Tái mù chữ mức: chỉ ghi cho người từ 15 tuổi trở lên (tuổi 10)"} in (
        bad.json()["extra"])
