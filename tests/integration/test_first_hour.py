"""What a new user hits in the first hour (issue 9), one test per defect, over HTTP.

Thừa Thiên Huế (province 46) in both trees, which no other test uses: in 2024 Phường Tây Lộc
(19750, district 475) and Phường Hương Vinh (20014); in 2025 Phường Phú Xuân (19753), which Tây
Lộc was merged into. Data in both years is what made the old-tree accounts crash.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import get_user
from pcgd.units import service as units
from tests.factories import PASSWORD, login, make_user

OLD, NEW = 2024, 2025
OLD_COMMUNE, OLD_DISTRICT, NEW_COMMUNE = "19750", "475", "19753"  # 19750 became part of 19753
ROLL_COMMUNE = "20014"  # rolled forward from 2024 into 2025 (same code in both trees)
HTML = {"accept": "text/html"}
ENGLISH = re.compile(r"internal error|outside your units|not found|unknown (unit|commune)|"
                     r"survey year \d|login required|Traceback", re.I)


def household(code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "household_code": code,
        "hamlet": "Tổ 1",
        "address": "3 Lê Duẩn",
        "members": [
            {"full_name": "Hoàng Văn Tâm", "birth_date": "04/05/1980", "sex": "M",
             "relation": "chu_ho", "th_completed_year": 1991, "thcs_graduated_year": 1995},
            {"full_name": "Hoàng Thị Na", "birth_date": "2016-02-01", "sex": "F",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "3"},
        ],
    }
    body.update(changes)
    return body


async def as_user(client: httpx.AsyncClient, role: str, code: str | None, year: int) -> str:
    username = await make_user(role, code, year)
    await login(client, username)
    return username


@pytest.fixture(scope="module")
async def seeded(app, database: str) -> dict[str, int]:
    """Households in both trees (an admin saves them through the API)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as admin:
        await as_user(admin, "admin", None, NEW)
        ids = {}
        for code, year, hh in ((OLD_COMMUNE, OLD, "TL-1"), (OLD_COMMUNE, OLD, "TL-2"),
                               (NEW_COMMUNE, NEW, "PX-1"), (ROLL_COMMUNE, OLD, "HV-1")):
            r = await admin.post(f"/api/communes/{code}/households?year={year}",
                                 json=household(hh))
            assert r.status_code == 201, r.text
            ids[hh] = r.json()["id"]
    return ids


# --- defects 1 and 6: the home page and the default year --------------------------------------


@pytest.mark.parametrize(("role", "code", "year", "expected"), [
    ("district", OLD_DISTRICT, OLD, OLD),
    ("commune", OLD_COMMUNE, OLD, OLD),
    ("province", "46", OLD, OLD),
    ("commune", NEW_COMMUNE, NEW, NEW),
    ("admin", None, NEW, None),
])
async def test_home_opens_for_every_role_on_its_latest_year(
    client, seeded, role: str, code: str | None, year: int, expected: int | None
) -> None:
    await as_user(client, role, code, year)
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200, page.text[:500]
    assert "Đăng xuất" in page.text and not ENGLISH.search(page.text)
    shown = int(re.search(r'id="home-year">(\d{4})<', page.text).group(1))
    if expected is not None:
        assert shown == expected
    assert f'<option value="{shown}" selected>' in page.text  # shown in the year selector


async def test_scope_follows_the_succession_both_ways(seeded) -> None:
    old = await get_user(await db.pool().fetchval(
        "SELECT id FROM user_account WHERE username = $1",
        await make_user("district", OLD_DISTRICT, OLD)))
    new = await get_user(await db.pool().fetchval(
        "SELECT id FROM user_account WHERE username = $1",
        await make_user("commune", NEW_COMMUNE, NEW)))
    phu_xuan = await units.resolve(NEW_COMMUNE, NEW, kind="commune")
    tay_loc = await units.resolve(OLD_COMMUNE, OLD, kind="commune")
    assert (await scope_for(old, NEW)).allows(phu_xuan.id)
    assert (await scope_for(new, OLD)).allows(tay_loc.id)


async def test_pages_without_year_open_the_latest_year_with_data(client, seeded) -> None:
    await as_user(client, "commune", OLD_COMMUNE, OLD)
    for url in (f"/communes/{OLD_COMMUNE}/households", f"/units/{OLD_COMMUNE}/board",
                f"/communes/{OLD_COMMUNE}/import", f"/communes/{OLD_COMMUNE}/export",
                f"/registry/reconcile?code={OLD_COMMUNE}", f"/units/{OLD_COMMUNE}/rollforward"):
        page = await client.get(url, headers=HTML)
        assert page.status_code == 200, (url, page.text[:300])
        assert "2024" in page.text and not ENGLISH.search(page.text), url
    listed = await client.get(f"/api/communes/{OLD_COMMUNE}/households")
    assert listed.status_code == 200 and {h["household_code"] for h in listed.json()} == {
        "TL-1", "TL-2"}
    # The menu's entries land on the user's own pages for the year.
    board = await client.get(f"/go/board?year={OLD}")
    assert board.status_code in (301, 302, 303, 307)
    assert board.headers["location"] == f"/units/{OLD_COMMUNE}/board?year={OLD}"


async def test_the_year_selector_keeps_the_page_and_follows_the_succession(client, seeded) -> None:
    await as_user(client, "district", OLD_DISTRICT, OLD)
    stay = await client.get("/year", params={"year": OLD, "next": f"/units/{OLD_COMMUNE}/board"})
    assert stay.headers["location"] == f"/units/{OLD_COMMUNE}/board?year={OLD}"
    moved = await client.get(
        "/year", params={"year": NEW, "next": f"/communes/{OLD_COMMUNE}/households?year={OLD}"})
    assert moved.headers["location"] == f"/communes/{NEW_COMMUNE}/households?year={NEW}"
    page = await client.get(moved.headers["location"], headers=HTML)
    assert page.status_code == 200 and "PX-1" in page.text


async def test_login_next_keeps_the_query_string(client, seeded) -> None:
    target = f"/communes/{OLD_COMMUNE}/households?year={OLD}&q=tam"
    away = await client.get(target, headers=HTML)
    assert away.status_code in (302, 303, 307)
    location = away.headers["location"]
    assert location.startswith("/login?next=")
    form = await client.get(location, headers=HTML)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    nxt = re.search(r'name="next" value="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    assert nxt == target
    username = await make_user("commune", OLD_COMMUNE, OLD)
    done = await client.post("/login", data={"username": username, "password": PASSWORD,
                                             "next": nxt, "_csrf_token": token})
    assert done.status_code in (302, 303) and done.headers["location"] == target


async def test_error_pages_are_vietnamese_inside_the_layout(client, seeded) -> None:
    await as_user(client, "commune", OLD_COMMUNE, OLD)
    for url, status in ((f"/units/{OLD_COMMUNE}/board?year={NEW}", 404),
                        ("/no/such/page", 404),
                        (f"/units/{ROLL_COMMUNE}/board?year={OLD}", 403),
                        (f"/communes/{ROLL_COMMUNE}/households?year={OLD}", 403)):
        page = await client.get(url, headers=HTML)
        assert page.status_code == status, url
        assert "Đăng xuất" in page.text and 'class="mainnav"' in page.text, url
        assert not ENGLISH.search(page.text), (url, ENGLISH.search(page.text))
    # A 500 too: Vietnamese, in the layout, nothing of the exception shown.
    import pcgd.web.controllers as web

    async def broken(*_: object) -> None:
        raise RuntimeError("boom: internal details")

    original, web.home_context = web.home_context, broken
    try:
        page = await client.get("/", headers=HTML)
    finally:
        web.home_context = original
    assert page.status_code == 500 and "Đăng xuất" in page.text and "Lỗi hệ thống" in page.text
    assert "boom" not in page.text and not ENGLISH.search(page.text)
    api = await client.get(f"/api/units/{OLD_COMMUNE}/evaluation?year={NEW}")
    assert api.status_code == 404 and not ENGLISH.search(api.json()["detail"])
    assert (await client.get("/favicon.ico")).headers["content-type"] == "image/x-icon"


# --- defect 2: rolling an old commune forward -----------------------------------------------


async def test_rollforward_of_a_2024_commune_into_2025(client, seeded) -> None:
    await as_user(client, "commune", ROLL_COMMUNE, OLD)
    url = f"/units/{ROLL_COMMUNE}/rollforward"
    page = await client.get(url, headers=HTML)
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post(url, data={"from_year": str(OLD), "_csrf_token": token},
                             headers=HTML)
    assert done.status_code == 200, done.text[:500]
    assert "Đã mở năm 2025" in done.text
    target = await units.resolve(ROLL_COMMUNE, NEW, kind="commune")
    assert await db.pool().fetchval(
        "SELECT count(*) FROM household WHERE commune = $1 AND year = $2", target.id, NEW) == 1


# --- defect 3: the admin's household list -------------------------------------------------------


async def test_admin_household_list_in_both_years(client, seeded) -> None:
    await as_user(client, "admin", None, NEW)
    for code, year, expected in ((OLD_COMMUNE, OLD, "TL-1"), (NEW_COMMUNE, NEW, "PX-1")):
        page = await client.get(f"/communes/{code}/households?year={year}", headers=HTML)
        assert page.status_code == 200 and expected in page.text
        api = await client.get(f"/api/communes/{code}/households?year={year}")
        assert api.status_code == 200 and expected in {h["household_code"] for h in api.json()}


# --- defect 4: text longer than its column ------------------------------------------------------


LONG = "Nguyễn " + "Văn " * 60 + "An"  # 249 characters


async def test_too_long_text_is_a_422_with_row_field_and_reason(client, seeded) -> None:
    await as_user(client, "commune", OLD_COMMUNE, OLD)
    body = household("TL-LONG")
    body["members"][1]["full_name"] = LONG
    body["address"] = "x" * 301
    r = await client.post(f"/api/communes/{OLD_COMMUNE}/households?year={OLD}", json=body)
    assert r.status_code == 422, r.text
    errors = {(e["row"], e["field"]): e["message"] for e in r.json()["extra"]}
    assert errors[(1, "full_name")] == f"Họ và tên: dài {len(LONG)} ký tự, tối đa 200 ký tự"
    assert any(f == "address" and "tối đa 300" in m for (_, f), m in errors.items())
    check = await client.post(
        f"/api/communes/{OLD_COMMUNE}/households/validate?year={OLD}", json=body)
    assert any(e["field"] == "full_name" and e["row"] == 1 for e in check.json()["errors"])
    # An existing household: PUT the same.
    saved = (await client.get(f"/api/households/{seeded['TL-1']}")).json()
    saved["members"][0]["father_name"] = "Ông " * 70
    put = await client.put(f"/api/households/{seeded['TL-1']}", json=saved)
    assert put.status_code == 422 and put.json()["extra"][0]["field"] == "father_name"


async def test_too_long_text_in_a_file_is_an_error_of_import_and_dry_run(seeded) -> None:
    from surveys import importer
    from surveys.roll.fields import COLUMN_NAMES

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=[c for c in COLUMN_NAMES if c != "household_version"])
    w.writeheader()
    w.writerow({"household_code": "TL-F1", "hamlet": "Tổ 2", "residence_type": "thuong_tru",
                "full_name": LONG, "birth_date": "1990", "sex": "F", "relation": "chu_ho"})
    commune = await units.resolve(OLD_COMMUNE, OLD, kind="commune")
    for dry in (True, False):
        report = await importer.import_roll(out.getvalue().encode(), "ho.csv", commune=commune,
                                            year=OLD, dry_run=dry)
        assert [(e.row, e.column) for e in report.errors] == [(2, "full_name")]
        assert "tối đa 200 ký tự" in report.errors[0].message and not report.written


# --- defect 5: a form number another household uses -----------------------------------------------


async def test_a_taken_form_number_is_an_error_on_its_field_while_typing(client, seeded) -> None:
    await as_user(client, "commune", OLD_COMMUNE, OLD)
    body = household("TL-1")  # TL-1 exists
    check = await client.post(
        f"/api/communes/{OLD_COMMUNE}/households/validate?year={OLD}", json=body)
    assert check.json()["ok"] is False
    assert [(e["row"], e["field"]) for e in check.json()["errors"]] == [(-1, "household_code")]
    own = await client.post(
        f"/api/communes/{OLD_COMMUNE}/households/validate?year={OLD}&household={seeded['TL-1']}",
        json=body)
    assert own.json()["ok"] is True  # editing TL-1 itself is fine
    saved = await client.post(f"/api/communes/{OLD_COMMUNE}/households?year={OLD}", json=body)
    assert saved.status_code == 422
    assert saved.json()["extra"] == [{"row": -1, "field": "household_code",
                                      "message": check.json()["errors"][0]["message"]}]


# --- defect 8: PUT takes what GET gave --------------------------------------------------------


async def test_put_accepts_the_get_representation(client, seeded) -> None:
    await as_user(client, "commune", OLD_COMMUNE, OLD)
    url = f"/api/households/{seeded['TL-2']}"
    got = (await client.get(url)).json()
    assert {"id", "commune", "year", "residence_type", "warnings"} <= got.keys()
    got["address"] = "5 Lê Duẩn"
    put = await client.put(url, json=got)
    assert put.status_code == 200, put.text
    assert put.json()["address"] == "5 Lê Duẩn" and put.json()["version"] == got["version"] + 1
    again = put.json()
    for field, wrong in (("id", seeded["TL-1"]), ("commune", NEW_COMMUNE), ("year", NEW)):
        bad = await client.put(url, json={**again, field: wrong})
        assert bad.status_code == 422, field
        assert bad.json()["extra"][0]["field"] == field
    assert (await client.get(url)).json()["version"] == again["version"]  # nothing written


async def test_put_outside_the_units_is_403_before_the_body_is_read(client, seeded) -> None:
    await as_user(client, "commune", NEW_COMMUNE, NEW)
    url = f"/api/households/{seeded['HV-1']}"
    for body in ({"nonsense": True}, {"household_code": 5}, household("X")):
        r = await client.put(url, json=body)
        assert r.status_code == 403, (body, r.text)


# --- defect 7: an older file does not silently revert newer edits -------------------------------


async def test_reimporting_an_older_export_reports_conflicts(client, seeded, tmp_path) -> None:
    from surveys import exporter, importer
    from surveys.roll import read_table

    await as_user(client, "commune", OLD_COMMUNE, OLD)
    commune = await units.resolve(OLD_COMMUNE, OLD, kind="commune")
    for fmt, name in (("roll", "a.csv"), ("mau_nhap_lieu", "b.xlsx"), ("roll_vi", "c.xlsx")):
        path = tmp_path / name
        await exporter.export_roll(commune.id, OLD, path, fmt)
        header, rows = read_table(path.read_bytes(), name) if fmt != "mau_nhap_lieu" else (
            None, None)
        if header is not None:
            assert header[-1] in ("household_version", "Phiên bản hộ")
            assert all(r[-1] for r in rows)
    # Someone edits TL-1 after the export.
    url = f"/api/households/{seeded['TL-1']}"
    current = (await client.get(url)).json()
    current["members"][1]["enrolled_grade"] = "4"
    assert (await client.put(url, json=current)).status_code == 200
    username = (await client.get("/api/auth/me")).json()["username"]
    for name in ("a.csv", "b.xlsx", "c.xlsx"):
        content = (tmp_path / name).read_bytes()
        report = await importer.import_roll(content, name, commune=commune, year=OLD)
        assert not report.written, name
        assert [(c["household_code"], c["changed_by"]) for c in report.conflicts] == [
            ("TL-1", username)], name
        [issue] = [e for e in report.errors if e.column == "household_version"]
        assert "TL-1" in issue.message and username in issue.message
        assert (await client.get(url)).json()["members"][1]["enrolled_grade"] == "4"
    forced = await importer.import_roll((tmp_path / "a.csv").read_bytes(), "a.csv",
                                        commune=commune, year=OLD, overwrite_newer=True)
    assert forced.written and forced.changes.households_updated == 1
    assert (await client.get(url)).json()["members"][1]["enrolled_grade"] == "3"
