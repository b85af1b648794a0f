"""The approval workflow: states, transitions per role and tier, pinned issues, decisions.

Province 96 (Cà Mau), which no other test file uses: 2024 is a 3-tier year (the district
approves), 2025 a 2-tier one (the province approves).
"""

from __future__ import annotations

import datetime

from pcgd import db
from pcgd.units import service as units
from pcgd.workflow import service as workflow

PROVINCE = "96"


async def communes(year: int) -> list[units.Unit]:
    province = await units.resolve(PROVINCE, year, kind="province")
    return await units.communes_under(province, year)


async def test_read_api_defaults_and_decisions(database: str) -> None:
    first, second = (await communes(2025))[:2]
    async with db.pool().acquire() as conn:
        assert await workflow.unit_states(conn, [first.id, second.id], 2025) == {
            first.id: "draft", second.id: "draft"}
        assert await workflow.decisions(conn, [first.id], 2025) == {}
        await conn.execute(
            "INSERT INTO recognition_decision (unit, year, number, decision_date, signer, levels,"
            " evaluation, created_at) VALUES ($1, 2025, '12/QĐ-UBND', $2, 'Nguyễn Văn B',"
            " '{\"th\": 2, \"mn5\": null}', '{\"year\": 2025}', now())",
            first.id, datetime.date(2025, 10, 20),
        )
        try:
            found = await workflow.decisions(conn, [first.id, second.id], 2025)
        finally:
            await conn.execute("DELETE FROM recognition_decision WHERE unit = $1", first.id)
    assert list(found) == [first.id]
    decision = found[first.id]
    assert decision.number == "12/QĐ-UBND" and decision.date == datetime.date(2025, 10, 20)
    assert decision.levels == {"th": 2, "mn5": None} and decision.evaluation == {"year": 2025}


# --- transitions over HTTP, per role and tier --------------------------------------------------

import pytest  # noqa: E402
from httpx import ASGITransport, AsyncClient  # noqa: E402

from tests.factories import login, make_user  # noqa: E402

MEMBERS = [
    {"full_name": "Lê Văn Tám", "birth_date": "1980", "sex": "M", "relation": "chu_ho",
     "th_completed_year": 1991, "thcs_graduated_year": 1995},
    {"full_name": "Lê Thị Chín", "birth_date": "2019-05-01", "sex": "F", "relation": "con",
     "enrolled_level": "TH", "enrolled_grade": "1"},
]


async def as_user(app, role: str, code: str | None, year: int) -> AsyncClient:
    client = AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver.local")
    await login(client, await make_user(role, code, year))
    return client


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


async def _flow(app, year: int, commune: units.Unit, reviewer: tuple[str, str],
                province: str, other_commune: units.Unit) -> None:
    url = f"/api/units/{commune.code}/workflow"
    own = await as_user(app, "commune", commune.code, year)
    other = await as_user(app, "commune", other_commune.code, year)
    rev = await as_user(app, *reviewer, year)
    prov = await as_user(app, "province", province, year)
    made = await own.post(f"/api/communes/{commune.code}/households?year={year}",
                          json={"household_code": f"WF-{year}", "hamlet": "Ấp 1",
                                "address": "", "members": MEMBERS})
    assert made.status_code == 201, made.text
    hid = made.json()["id"]
    pid = made.json()["members"][1]["person_id"]

    r = await own.get(f"{url}?year={year}")
    assert r.status_code == 200 and r.json()["state"] == "draft"
    assert r.json()["actions"] == ["submit"]
    # Wrong state / wrong role / wrong scope.
    assert (await rev.post(f"{url}/approve?year={year}", json={
        "decision_number": "1/QĐ", "decision_date": f"{year}-10-20", "signer": "A"})
    ).status_code == 409
    assert (await rev.post(f"{url}/submit?year={year}", json={})).status_code == 403
    assert (await other.post(f"{url}/submit?year={year}", json={})).status_code == 403
    assert (await other.get(f"{url}?year={year}")).status_code == 403
    assert (await own.post(f"{url}/lock?year={year}", json={})).status_code == 403

    r = await own.post(f"{url}/submit?year={year}", json={})
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    assert (await own.post(f"{url}/submit?year={year}", json={})).status_code == 409
    assert (await own.post(f"{url}/return?year={year}",
                           json={"reason": "x", "issues": []})).status_code == 403
    # Submitted: the roll refuses writes (423), the reviewer cannot edit either.
    body = {"household_code": f"WF-{year}", "hamlet": "Ấp 1", "address": "đổi",
            "version": 1, "members": made.json()["members"]}
    assert (await own.put(f"/api/households/{hid}", json=body)).status_code == 423
    assert (await rev.put(f"/api/households/{hid}", json=body)).status_code in (403, 423)

    # Return with a pinned issue; the commune answers, fixes and resubmits.
    r = await rev.post(f"{url}/return?year={year}", json={
        "reason": "Thiếu dữ liệu", "issues": [
            {"household_id": hid, "text": "Kiểm tra địa chỉ hộ"},
            {"person_id": pid, "text": "Trẻ 6 tuổi chưa có lớp"}]})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["state"] == "returned" and len(view["issues"]) == 2
    assert {i["status"] for i in view["issues"]} == {"open"}
    assert view["issues"][1]["household_id"] == hid
    bad = await rev.post(f"{url}/return?year={year}", json={"reason": "x", "issues": []})
    assert bad.status_code == 409
    issue_id = view["issues"][0]["id"]
    assert (await rev.post(f"/api/workflow/issues/{issue_id}/answer",
                           json={"answer": "x"})).status_code == 403
    assert (await other.post(f"/api/workflow/issues/{issue_id}/answer",
                             json={"answer": "x"})).status_code == 403
    r = await own.post(f"/api/workflow/issues/{issue_id}/answer",
                       json={"answer": "Đã sửa địa chỉ"})
    assert r.status_code == 200
    saved = await own.put(f"/api/households/{hid}", json=body)
    assert saved.status_code == 200, saved.text
    r = await own.post(f"{url}/submit?year={year}", json={})
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    issues = {i["id"]: i for i in r.json()["issues"]}
    assert issues[issue_id]["status"] == "answered"
    assert issues[issue_id]["answer"] == "Đã sửa địa chỉ"

    # Approve: the decision with the snapshot; issues resolved.
    r = await rev.post(f"{url}/approve?year={year}", json={
        "decision_number": f"15/QĐ-{year}", "decision_date": f"{year}-10-20",
        "signer": "Trần Văn Ký"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["state"] == "approved"
    assert view["decision"]["number"] == f"15/QĐ-{year}"
    assert set(view["decision"]["levels"]) == {
        s["standard"] for s in view["decision"]["evaluation"]["standards"]}
    assert view["decision"]["differs"] is False
    assert {i["status"] for i in view["issues"]} == {"resolved"}
    assert (await own.put(f"/api/households/{hid}", json=body)).status_code == 423
    if reviewer[0] != "province":
        assert (await rev.post(f"{url}/lock?year={year}", json={})).status_code == 403
    r = await prov.post(f"{url}/lock?year={year}", json={})
    assert r.status_code == 200 and r.json()["state"] == "locked"
    assert (await prov.post(f"{url}/lock?year={year}", json={})).status_code == 409
    # Unlock: the unit asks, the province (which locked) grants: the roll is returned.
    r = await own.post(f"{url}/unlock-request?year={year}", json={"reason": "Sai số liệu"})
    assert r.status_code == 200 and r.json()["unlock_requests"][0]["status"] == "pending"
    assert (await own.post(f"{url}/unlock?year={year}",
                           json={"grant": True})).status_code == 403
    r = await prov.post(f"{url}/unlock?year={year}", json={"grant": True, "answer": "Đồng ý"})
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert [h["action"] for h in r.json()["history"]] == [
        "unlock_grant", "lock", "approve", "submit", "return", "submit"]
    for c in (own, other, rev, prov):
        await c.aclose()


async def test_flow_2025_two_tier(app) -> None:
    first, second = (await communes(2025))[2:4]
    await _flow(app, 2025, first, ("province", PROVINCE), PROVINCE, second)


async def test_flow_2024_three_tier(app) -> None:
    province = await units.resolve(PROVINCE, 2024, kind="province")
    district = (await units.list_units(2024, parent=province, kind="district"))[0]
    first, second = (await units.communes_under(district, 2024))[:2]
    await _flow(app, 2024, first, ("district", district.code), PROVINCE, second)
    # The district's own step toward the province (3-tier years only).
    url = f"/api/units/{district.code}/workflow?year=2024"
    dist = await as_user(app, "district", district.code, 2024)
    prov = await as_user(app, "province", PROVINCE, 2024)
    r = await dist.get(url)
    assert r.status_code == 200 and r.json()["reviewer"] == "province"
    assert (await dist.post(f"/api/units/{district.code}/workflow/submit?year=2024", json={})
            ).status_code == 200
    assert (await dist.post(f"/api/units/{district.code}/workflow/approve?year=2024", json={
        "decision_number": "2/QĐ", "decision_date": "2024-10-25", "signer": "B"})
    ).status_code == 403
    r = await prov.post(f"/api/units/{district.code}/workflow/approve?year=2024", json={
        "decision_number": "2/QĐ", "decision_date": "2024-10-25", "signer": "B"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    # The province's own step goes to the ministry (the administrator); the province may
    # submit it but not approve it.
    r = await prov.get(f"/api/units/{PROVINCE}/workflow?year=2024")
    assert r.status_code == 200 and r.json()["reviewer"] == "admin"
    assert r.json()["actions"] == ["submit"]
    await dist.aclose()
    await prov.aclose()


async def test_snapshot_stays_when_the_data_changes_and_the_trail_shows_it(app) -> None:
    """The recognised levels are the decision's snapshot: counts recomputed later (a registry
    import, a rule change, a direct repair) change the live evaluation, not the decision."""
    year = 2025
    commune = (await communes(year))[4]
    url = f"/api/units/{commune.code}/workflow?year={year}"
    own = await as_user(app, "commune", commune.code, year)
    prov = await as_user(app, "province", PROVINCE, year)
    admin = await as_user(app, "admin", None, year)
    made = await own.post(f"/api/communes/{commune.code}/households?year={year}",
                          json={"household_code": "SNAP-1", "hamlet": "Ấp 2", "address": "",
                                "members": MEMBERS})
    assert made.status_code == 201
    assert (await own.post(url.replace("?", "/submit?"), json={})).status_code == 200
    r = await prov.post(url.replace("?", "/approve?"), json={
        "decision_number": "7/QĐ", "decision_date": "2025-10-21", "signer": "C"})
    assert r.status_code == 200, r.text
    levels = r.json()["decision"]["levels"]
    assert any(v for v in levels.values())  # the roll gave some level to snapshot
    # The counts vanish behind the workflow's back (and the stamp says so).
    await db.pool().execute(
        "DELETE FROM commune_age_count WHERE commune = $1 AND year = $2", commune.id, year)
    await db.pool().execute(
        "UPDATE change_stamp SET stamp = stamp + 1 WHERE commune = $1 AND year = $2",
        commune.id, year)
    view = (await own.get(url)).json()
    assert view["decision"]["levels"] == levels
    assert view["decision"]["differs"] is True
    assert all(not v for v in view["decision"]["live_levels"].values())
    async with db.pool().acquire() as conn:
        assert (await workflow.decisions(conn, [commune.id], year))[commune.id].levels == levels
    # Admin may do anything, and it is audited like everyone else.
    r = await admin.post(url.replace("?", "/lock?"), json={})
    assert r.status_code == 200 and r.json()["state"] == "locked"
    trail = (await own.get(f"/api/units/{commune.code}/audit?year={year}")).json()
    assert [e["action"] for e in trail[:4]] == [
        "workflow_lock", "decision", "workflow_approve", "workflow_submit"]
    assert set(trail[0]) >= {"at", "user", "action", "source", "reason", "changes"}
    assert trail[0]["changes"] == [
        {"field": "Trạng thái", "before": "approved", "after": "locked"}]
    assert trail[0]["user"].endswith("_admin")
    household = (await own.get(f"/api/households/{made.json()['id']}/audit")).json()
    assert [e["action"] for e in household] == ["create"]
    only = await own.get(f"/api/units/{commune.code}/audit?year={year}&action=decision")
    assert [e["action"] for e in only.json()] == ["decision"]
    bad = await own.get(f"/api/units/{commune.code}/audit?year={year}&date_from=hôm qua")
    assert bad.status_code == 400 and "Từ ngày" in bad.json()["detail"]
    page = await own.get(f"/units/{commune.code}/audit?year={year}&format=xlsx")
    assert page.status_code == 200 and page.content[:2] == b"PK"
    for c in (own, prov, admin):
        await c.aclose()


async def test_periods_default_and_province_edit(app) -> None:
    year = 2025
    commune = (await communes(year))[5]
    own = await as_user(app, "commune", commune.code, year)
    prov = await as_user(app, "province", PROVINCE, year)
    r = await own.get(f"/api/units/{commune.code}/period?year={year}")
    assert r.json()["commune_deadline"] == "2025-10-03" and r.json()["is_default"] is True
    body = {"entry_from": "2024-10-01", "entry_to": "2025-10-06",
            "commune_deadline": "2025-10-06", "district_deadline": "2025-10-08",
            "province_deadline": "2025-10-12"}
    assert (await own.put(f"/api/units/{PROVINCE}/period?year={year}",
                          json=body)).status_code == 403
    r = await prov.put(f"/api/units/{PROVINCE}/period?year={year}", json=body)
    assert r.status_code == 200 and r.json()["province_deadline"] == "2025-10-12"
    view = (await own.get(f"/api/units/{commune.code}/workflow?year={year}")).json()
    assert view["deadline"] == "2025-10-06"
    wrong = await prov.put(f"/api/units/{PROVINCE}/period?year={year}",
                           json={**body, "commune_deadline": "2025-10-20"})
    assert wrong.status_code == 422
    home = await own.get(f"/?year={year}")
    assert "06/10/2025" in home.text
    for c in (own, prov):
        await c.aclose()
