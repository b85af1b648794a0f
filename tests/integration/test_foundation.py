"""Migrations, login, CSRF and the scope filter on a real PostgreSQL."""

from __future__ import annotations

import re

from pcgd import db
from pcgd.migrate import upgrade
from tests.factories import PASSWORD, login, make_user

YEAR = 2025


def household(code: str, hamlet: str = "Thôn 1") -> dict[str, object]:
    return {
        "household_code": code,
        "hamlet": hamlet,
        "address": "Số 1",
        "members": [
            {"full_name": "Nguyễn Văn An", "birth_date": "1980-05-02", "sex": "M",
             "relation": "chu_ho"},
            {"full_name": "Trần Thị Bình", "birth_date": "15/07/1982", "sex": "F",
             "relation": "vợ"},
            {"full_name": "Nguyễn Minh Châu", "birth_date": "2014", "sex": "F",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "5"},
        ],
    }


async def test_migrations_are_idempotent_and_create_tables(database: str) -> None:
    await upgrade()
    tables = {
        r["tablename"]
        for r in await db.pool().fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
    }
    assert {"admin_unit", "household", "person", "person_year", "user_account",
            "audit_entry", "commune_age_count", "school"} <= tables
    fk = await db.pool().fetchval(
        "SELECT confdeltype FROM pg_constraint WHERE conrelid = 'person_year'::regclass"
        " AND contype = 'f' AND conkey = ARRAY[(SELECT attnum FROM pg_attribute"
        " WHERE attrelid = 'person_year'::regclass AND attname = 'person')]"
    )
    assert fk in ("r", b"r")  # ON DELETE RESTRICT


async def test_units_resolve_per_year(database: str) -> None:
    from pcgd.units import service as units

    old = await units.resolve("01", 2024)
    new = await units.resolve("01", 2025)
    assert old.kind == new.kind == "province" and old.id != new.id
    districts = await units.list_units(2024, parent=old)
    assert districts and all(d.kind == "district" for d in districts)
    communes = await units.list_units(2025, parent=new)
    assert len(communes) > 100 and all(c.kind == "commune" for c in communes)


async def test_api_login_good_and_bad_password(client, database: str) -> None:
    username = await make_user("commune", "00004", YEAR)
    bad = await client.post("/api/auth/login", json={"username": username, "password": "nope"})
    assert bad.status_code == 401 and bad.json()["status_code"] == 401
    good = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert good.status_code == 200
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "pcgd_session" in cookie
    me = await client.get("/api/auth/me")
    assert me.json()["unit_code"] == "00004"


async def test_html_login_requires_csrf_token(client, database: str) -> None:
    username = await make_user("commune", "00004", YEAR)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    rejected = await client.post(
        "/login", data={"username": username, "password": PASSWORD}
    )
    assert rejected.status_code == 403
    accepted = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert accepted.status_code in (301, 302, 303) and "pcgd_session" in accepted.headers.get(
        "set-cookie", ""
    )


async def test_api_rejects_non_json_writes(client, database: str) -> None:
    await login(client, await make_user("commune", "00004", YEAR))
    r = await client.post(
        f"/api/communes/00004/households?year={YEAR}", content=b"household_code=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415


async def test_commune_user_cannot_see_another_commune(client, database: str) -> None:
    await login(client, await make_user("commune", "00008", YEAR))
    created = await client.post(f"/api/communes/00008/households?year={YEAR}",
                                json=household("SC-1"))
    assert created.status_code == 201, created.text
    hid = created.json()["id"]

    await login(client, await make_user("commune", "00025", YEAR))
    assert (await client.get(f"/api/households/{hid}")).status_code == 403
    assert (await client.get(f"/api/communes/00008/households?year={YEAR}")).status_code == 403
    listed = await client.get(f"/api/communes/00025/households?year={YEAR}")
    assert listed.status_code == 200 and listed.json() == []

    await login(client, await make_user("province", "01", YEAR))
    seen = await client.get(f"/api/households/{hid}")
    assert seen.status_code == 200 and len(seen.json()["members"]) == 3


async def test_errors_are_json_without_traceback(client, database: str) -> None:
    await login(client, await make_user("commune", "00004", YEAR))
    r = await client.get("/api/households/999999999")
    assert r.status_code == 403  # a missing household answers like one outside the units
    body = r.json()
    assert set(body) == {"status_code", "detail", "extra"} and "Traceback" not in r.text


async def test_health_and_offline_openapi(client, database: str) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    spec = (await client.get("/schema/openapi.json")).json()
    assert "/api/auth/login" in spec["paths"]
    assert "/api/households/{household_id}" in spec["paths"]


async def test_saved_answer_equals_what_is_stored(client, database: str) -> None:
    await login(client, await make_user("commune", "00004", YEAR))
    created = await client.post(f"/api/communes/00004/households?year={YEAR}",
                                json=household("EQ-1"))
    assert created.status_code == 201, created.text
    body = created.json()
    stored = (await client.get(f"/api/households/{body['id']}")).json()
    body.pop("warnings"), stored.pop("warnings")
    assert body == stored
    edit = {**household("EQ-1"), "version": body["version"]}
    edit["members"][0]["person_id"] = body["members"][0]["person_id"]
    edit["members"][0]["ethnicity"] = "Tày"
    updated = (await client.put(f"/api/households/{body['id']}", json=edit)).json()
    again = (await client.get(f"/api/households/{body['id']}")).json()
    updated.pop("warnings"), again.pop("warnings")
    assert updated == again and again["version"] == 2
    assert again["members"][0]["ethnicity"] == "Tày"
    assert again["members"][0]["person_id"] == body["members"][0]["person_id"]
    entries = await db.pool().fetch(
        "SELECT action, before, after FROM audit_entry WHERE entity = 'household'"
        " AND entity_id = $1 ORDER BY id", str(body["id"]),
    )
    assert [e["action"] for e in entries] == ["create", "update"]
    import json

    before, after = json.loads(entries[1]["before"]), json.loads(entries[1]["after"])
    assert before["members"][0].get("ethnicity", "") == ""
    assert after["members"][0]["ethnicity"] == "Tày"


async def test_home_opens_on_the_latest_year_with_data(client, database: str) -> None:
    from pcgd.units import service as units
    from surveys.rollup import service as rollup

    await login(client, await make_user("commune", "00025", YEAR))
    created = await client.post(f"/api/communes/00025/households?year={YEAR}",
                                json=household("HY-1"))
    assert created.status_code == 201
    commune = await units.resolve("00025", YEAR, kind="commune")
    await rollup.rebuild([commune.id], YEAR)
    page = await client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert f'<option value="{YEAR}" selected>' in page.text  # the layout's year selector
    assert f"/communes/00025/households?year={YEAR}" in page.text


async def test_viewing_personal_ids_does_not_become_the_next_saves_before(
    client, database: str
) -> None:
    """Opening a household with IDs is audited (view_personal); the next save's `before` is still
    the household as it was, not that view's entry."""
    import json

    await login(client, await make_user("commune", "00004", YEAR))
    data = household("EQ-2")
    data["members"][0]["personal_id"] = "001080000123"  # type: ignore[index]
    created = await client.post(f"/api/communes/00004/households?year={YEAR}", json=data)
    assert created.status_code == 201, created.text
    body = created.json()
    seen = (await client.get(f"/api/households/{body['id']}")).json()
    edit = {**data, "version": seen["version"]}
    edit["members"][1]["ethnicity"] = "Tày"  # type: ignore[index]
    assert (await client.put(f"/api/households/{body['id']}", json=edit)).status_code == 200
    entries = await db.pool().fetch(
        "SELECT action, before FROM audit_entry WHERE entity = 'household'"
        " AND entity_id = $1 ORDER BY id", str(body["id"]),
    )
    assert [e["action"] for e in entries] == ["create", "view_personal", "update"]
    before = json.loads(entries[2]["before"])
    assert before["household_code"] == "EQ-2"
    assert before["members"][1].get("ethnicity", "") == ""
    # The trail on screen shows exactly the one change (nothing derived, nothing spurious).
    from pcgd.workflow.trail import changes

    after = await db.pool().fetchval(
        "SELECT after FROM audit_entry WHERE entity = 'household' AND entity_id = $1"
        " AND action = 'update'", str(body["id"]))
    expected = [("Phiên bản", "1", "2"), ("Trần Thị Bình: Dân tộc", "", "Tày")]
    shown = changes(entries[2]["before"], after)
    assert [(c["field"], c["before"], c["after"]) for c in shown] == expected
    # A snapshot `before` (households written in bulk) has no derived birth_year: still one change.
    snapshot = {**before, "members": [
        {k: v for k, v in m.items() if k != "birth_year"} for m in before["members"]]}
    shown = changes(json.dumps(snapshot), after)
    assert [(c["field"], c["before"], c["after"]) for c in shown] == expected
