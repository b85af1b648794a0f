"""Movers and duplicates: linking, merging, and nobody counted in two communes' PPC."""

from __future__ import annotations

import json
import re
from datetime import date

import asyncpg
import pytest

from pcgd import db
from pcgd.errors import UserError
from pcgd.units import service as units
from surveys import movers
from tests.factories import login, make_user
from tests.integration.test_import import YEAR, cli, commune, person, run

pytestmark = pytest.mark.usefixtures("database")


def head(code: str, name: str = "Phan Văn Cha", pid: str = "") -> dict:
    return person(code, name, "1980", "M", "chu_ho", th_completed_year=1991, personal_id=pid)


def child(code: str, **kw) -> dict:
    return person(code, "Phan Văn Tèo", "2015-07-07", "M", "con", enrolled_level="TH",
                  enrolled_grade="5", mother_name="Võ Thị Mẹ", **kw)


async def row_of(code: str, name: str) -> dict:
    c = await commune(code)
    found = await db.pool().fetchrow(
        "SELECT py.*, p.full_name FROM person_year py JOIN person p ON p.id = py.person"
        " WHERE py.commune = $1 AND py.year = $2 AND p.full_name = $3", c.id, YEAR, name,
    )
    assert found is not None, (code, name)
    return dict(found)


async def count(code: str, metric: str) -> int:
    c = await commune(code)
    return await db.pool().fetchval(
        f"SELECT coalesce(sum({metric}), 0) FROM commune_age_count"
        " WHERE commune = $1 AND year = $2", c.id, YEAR,
    )


async def test_moving_out_to_a_commune_that_has_the_person_links_them() -> None:
    a, b = "21157", "21172"
    assert (await run(a, [head("MA-1"), child("MA-1", personal_id="051215000901")])).written
    assert (await run(b, [head("MB-1", "Lý Văn Chú"),
                          child("MB-1", personal_id="051215000901")])).written
    out = await row_of(a, "Phan Văn Tèo")
    assert await count(a, "ppc") == 2
    result = await movers.move_out(None, None, out["id"], movement_date=date(2025, 6, 1),
                                   to_commune=b)
    there = await row_of(b, "Phan Văn Tèo")
    assert result.linked_to == there["id"] and result.linked_commune == b
    here = await row_of(a, "Phan Văn Tèo")
    assert (here["movement"], here["linked"], here["moved_to_commune"]) == (
        "moved_out", there["id"], (await commune(b)).id)
    assert (there["movement"], there["movement_date"], there["linked"]) == (
        "moved_in", date(2025, 6, 1), here["id"])
    assert here["person"] == there["person"]  # one person now
    assert await count(a, "ppc") == 1 and await count(a, "moved_out") == 1
    assert await count(b, "moved_in") == 1
    # The index now forbids counting the child in both communes.
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.pool().execute("UPDATE person_year SET movement = '' WHERE id = $1", here["id"])


async def test_move_out_checks_the_date_and_the_destination() -> None:
    from pcgd.errors import ValidationFailed

    a = "21388"
    assert (await run(a, [head("MD-1")])).written
    target = await row_of(a, "Phan Văn Cha")
    with pytest.raises(ValidationFailed):
        await movers.move_out(None, None, target["id"], movement_date=date(2025, 10, 2))
    with pytest.raises(UserError, match="trùng"):
        await movers.move_out(None, None, target["id"], movement_date=date(2025, 5, 1),
                              to_commune=a)
    assert (await row_of(a, "Phan Văn Cha"))["movement"] == ""


async def test_an_import_links_a_moved_in_person_to_the_moved_out_record() -> None:
    a, b = "21181", "21196"
    girl = {"mother_name": "Đặng Thị Lành", "th_completed_year": 2023,
            "enrolled_level": "THCS", "enrolled_grade": "7"}
    left = [head("LA-1", "Đặng Văn Bố"),
            person("LA-1", "Đặng Thị Hoa", "03/03/2012", "F", "con", movement="moved_out",
                   movement_date="2025-04-01", **girl)]
    arrived = [head("LB-1", "Trịnh Văn Dượng"),
               person("LB-1", "Đặng Thị Hoa", "03/03/2012", "F", "cháu", movement="moved_in",
                      movement_date="2025-04-02", **girl)]
    assert (await run(a, left)).written
    report = await run(b, arrived)
    assert report.written and report.changes.movers_linked == 1
    out, into = await row_of(a, "Đặng Thị Hoa"), await row_of(b, "Đặng Thị Hoa")
    assert (out["linked"], into["linked"]) == (into["id"], out["id"])
    assert out["person"] == into["person"]
    # Both files again: nothing changes.
    assert not (await run(b, arrived)).changes.any
    assert not (await run(a, left)).changes.any


async def test_duplicates_report_and_merge_across_communes() -> None:
    a, b = "21205", "21211"
    assert (await run(a, [head("DA-1", pid="051080000902"),
                          child("DA-1", personal_id="051215000903")])).written
    second = await run(b, [head("DB-1", "Lý Văn Chú"),
                           child("DB-1", personal_id="051215000903")])
    assert any(i.column == "personal_id" and "Ba Gia" in i.message for i in second.warnings)
    province = await units.resolve("51", YEAR, kind="province")
    pairs = [p for p in await movers.find_duplicates(province, YEAR)
             if {p["a"]["commune"], p["b"]["commune"]} == {a, b}]
    assert len(pairs) == 1
    assert (pairs[0]["kind"], pairs[0]["match"]) == ("counted_twice", "personal_id")
    keep, other = await row_of(b, "Phan Văn Tèo"), await row_of(a, "Phan Văn Tèo")
    result = await movers.merge(None, None, keep["id"], other["id"],
                                movement_date=date(2025, 8, 1))
    assert result.action == "moved_out" and result.merged_persons
    kept, gone = await row_of(b, "Phan Văn Tèo"), await row_of(a, "Phan Văn Tèo")
    assert (gone["movement"], gone["moved_to_commune"], gone["linked"]) == (
        "moved_out", (await commune(b)).id, kept["id"])
    assert (kept["movement"], kept["linked"], kept["person"]) == (
        "moved_in", gone["id"], gone["person"])
    assert not [p for p in await movers.find_duplicates(province, YEAR)
                if {p["a"]["commune"], p["b"]["commune"]} == {a, b}]
    assert await count(a, "ppc") == 1 and await count(b, "ppc") == 2
    # Commune A re-imports its old file, where the child still lives there: refused.
    again = await run(a, [head("DA-1", pid="051080000902"),
                          child("DA-1", personal_id="051215000903")])
    assert not again.written
    error = next(i for i in again.errors if i.column == "movement")
    assert error.row == 3 and "Ba Gia" not in error.message and b in error.message
    assert (await row_of(a, "Phan Văn Tèo"))["movement"] == "moved_out"


async def test_duplicates_in_one_commune_are_merged_by_deleting_one_record() -> None:
    c = "21220"
    dup = person("DC-2", "Phan Văn Tèo", "2015-07-07", "M", "cháu", mother_name="Võ Thị Mẹ",
                 enrolled_level="TH", enrolled_grade="5")
    assert (await run(c, [head("DC-1"), child("DC-1"), head("DC-2", "Lý Văn Ông"), dup])).written
    province = await units.resolve("51", YEAR, kind="province")
    [pair] = [p for p in await movers.find_duplicates(province, YEAR)
              if p["a"]["commune"] == c and p["b"]["commune"] == c]
    assert pair["same_commune"] and pair["match"] == "name"
    unit = await commune(c)
    rows = await db.pool().fetch(
        "SELECT py.id, h.household_code, h.version FROM person_year py JOIN person p"
        " ON p.id = py.person JOIN household h ON h.id = py.household"
        " WHERE py.commune = $1 AND p.full_name = 'Phan Văn Tèo' ORDER BY h.household_code",
        unit.id,
    )
    heads = await db.pool().fetch(
        "SELECT py.id FROM person_year py JOIN household h ON h.id = py.household"
        " WHERE h.commune = $1 AND py.relation = 'chu_ho' ORDER BY h.household_code", unit.id,
    )
    with pytest.raises(UserError, match="chủ hộ"):
        await movers.merge(None, None, heads[0]["id"], heads[1]["id"])
    result = await movers.merge(None, None, rows[0]["id"], rows[1]["id"])
    assert result.action == "deleted"
    left = await db.pool().fetch(
        "SELECT py.id FROM person_year py JOIN person p ON p.id = py.person"
        " WHERE py.commune = $1 AND p.full_name = 'Phan Văn Tèo'", unit.id,
    )
    assert [r["id"] for r in left] == [rows[0]["id"]]
    assert await count(c, "ppc") == 3
    version = await db.pool().fetchval(
        "SELECT version FROM household WHERE commune = $1 AND household_code = 'DC-2'", unit.id
    )
    assert version == rows[1]["version"] + 1


async def test_duplicates_page_merge_form_and_scope(client) -> None:
    a, b = "21235", "21238"
    assert (await run(a, [head("PA-1"), child("PA-1", personal_id="051215000904")])).written
    assert (await run(b, [head("PB-1", "Lý Văn Chú"),
                          child("PB-1", personal_id="051215000904")])).written
    await login(client, await make_user("commune", a, YEAR))
    url = f"/provinces/51/duplicates?year={YEAR}"
    assert (await client.get(url, headers={"accept": "text/html"})).status_code == 403
    await login(client, await make_user("province", "51", YEAR))
    page = await client.get(url, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Được tính ở hai nơi" in page.text
    keep, other = await row_of(b, "Phan Văn Tèo"), await row_of(a, "Phan Văn Tèo")
    assert f'value="{keep["id"]}"' in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"year": str(YEAR), "keep": str(keep["id"]), "other": str(other["id"]),
            "_csrf_token": token.group(1)}
    done = await client.post("/provinces/51/duplicates/merge", data=form,
                             headers={"accept": "text/html"}, follow_redirects=False)
    assert done.status_code in (302, 303), done.text
    assert (await row_of(a, "Phan Văn Tèo"))["movement"] == "moved_out"
    after = await client.get(done.headers["location"], headers={"accept": "text/html"})
    assert "ghi chuyển đi và liên kết" in after.text
    api = await client.get(f"/api/provinces/51/duplicates?year={YEAR}")
    assert api.status_code == 200
    assert not [p for p in api.json() if {p["a"]["commune"], p["b"]["commune"]} == {a, b}]


async def test_move_out_api(client) -> None:
    a, b = "21244", "21250"
    assert (await run(a, [head("AA-1"), child("AA-1", personal_id="051215000905")])).written
    assert (await run(b, [head("AB-1", "Lý Văn Chú"),
                          child("AB-1", personal_id="051215000905")])).written
    target = await row_of(a, "Phan Văn Tèo")
    url = f"/api/person-years/{target['id']}/move-out"
    await login(client, await make_user("commune", b, YEAR))
    body = {"movement_date": "2025-07-01", "to_commune": b}
    assert (await client.post(url, json=body)).status_code == 403
    await login(client, await make_user("commune", a, YEAR))
    bad = await client.post(url, json={"movement_date": "2025-12-01"})
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "movement_date"
    done = await client.post(url, json=body)
    assert done.status_code == 200, done.text
    # Commune A does not cover B: the link waits for B to confirm (nothing of B changes).
    assert done.json()["linked"] is None and done.json()["proposal"] is not None
    assert done.json()["moved_to_commune"] == b
    assert (await row_of(b, "Phan Văn Tèo"))["linked"] is None
    await login(client, await make_user("commune", b, YEAR))
    listed = await client.get(f"/api/communes/{b}/link-proposals?year={YEAR}")
    assert listed.status_code == 200
    [proposal] = listed.json()
    assert proposal["direction"] == "incoming" and proposal["other_commune"]["code"] == a
    confirm = await client.post(f"/api/link-proposals/{proposal['id']}/confirm", json={})
    assert confirm.status_code == 200, confirm.text
    assert (await row_of(a, "Phan Văn Tèo"))["linked"] == (await row_of(b, "Phan Văn Tèo"))["id"]


@pytest.mark.slow
async def test_cli_duplicates_json(database: str) -> None:
    a, b = "21289", "21292"
    assert (await run(a, [head("CA-1"), child("CA-1", personal_id="051215000906")])).written
    assert (await run(b, [head("CB-1", "Lý Văn Chú"),
                          child("CB-1", personal_id="051215000906")])).written
    done = await cli("duplicates", "--province", "51", "--year", str(YEAR), "--json",
                     database=database)
    assert done.returncode == 0, done.stderr
    pairs = [p for p in json.loads(done.stdout) if {p["a"]["commune"], p["b"]["commune"]} ==
             {a, b}]
    assert len(pairs) == 1 and pairs[0]["a"]["personal_id"] == "051215000906"
    wrong = await cli("duplicates", "--province", "21289", "--year", str(YEAR),
                      database=database)
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1


async def test_move_out_page(client) -> None:
    a, b = "21325", "21334"
    assert (await run(a, [head("FA-1"), child("FA-1", personal_id="051215000907")])).written
    assert (await run(b, [head("FB-1", "Lý Văn Chú"),
                          child("FB-1", personal_id="051215000907")])).written
    target = await row_of(a, "Phan Văn Tèo")
    await login(client, await make_user("commune", a, YEAR))
    url = f"/person-years/{target['id']}/move-out"
    page = await client.get(url, headers={"accept": "text/html"})
    assert page.status_code == 200 and "Phan Văn Tèo" in page.text
    assert f'<option value="{b}">' in page.text  # the province's communes are offered
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = await client.post(
        url, data={"movement_date": "2025-09-01", "to_commune": b,
                   "_csrf_token": token.group(1)},
        headers={"accept": "text/html"}, follow_redirects=False,
    )
    assert done.status_code in (302, 303), done.text
    assert done.headers["location"].startswith(f"/households/{target['household']}?moved=")
    moved, there = await row_of(a, "Phan Văn Tèo"), await row_of(b, "Phan Văn Tèo")
    assert (moved["movement"], moved["linked"]) == ("moved_out", None)  # waits for B
    await login(client, await make_user("commune", b, YEAR))
    assert (await client.get(url, headers={"accept": "text/html"})).status_code == 403
    page = await client.get(f"/communes/{b}/link-proposals?year={YEAR}",
                            headers={"accept": "text/html"})
    assert page.status_code == 200 and "Chờ xã này xác nhận" in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    pid = re.search(r'action="/link-proposals/(\d+)"', page.text)
    assert token is not None and pid is not None
    done = await client.post(
        f"/link-proposals/{pid.group(1)}",
        data={"code": b, "year": str(YEAR), "decision": "confirm",
              "_csrf_token": token.group(1)},
        headers={"accept": "text/html"}, follow_redirects=False,
    )
    assert done.status_code in (302, 303), done.text
    moved = await row_of(a, "Phan Văn Tèo")
    assert (moved["movement"], moved["linked"]) == ("moved_out", there["id"])


async def test_a_saved_moved_in_person_is_linked_at_once(client) -> None:
    a, b = "21181", "21196"
    boy = {"mother_name": "Lò Thị Mai", "th_completed_year": 2024,
           "enrolled_level": "THCS", "enrolled_grade": "6"}
    left = [head("SV-1", "Lò Văn Bố"),
            person("SV-1", "Lò Văn Sáng", "05/05/2013", "M", "con", movement="moved_out",
                   movement_date="2025-03-01", **boy)]
    assert (await run(a, left)).written
    await login(client, await make_user("commune", b, YEAR))
    body = {
        "household_code": "SV-2", "hamlet": "Bản Mới",
        "members": [
            {"full_name": "Lò Văn Chú", "birth_date": "1979", "sex": "M", "relation": "chu_ho"},
            {"full_name": "Lò Văn Sáng", "birth_date": "05/05/2013", "sex": "M",
             "relation": "cháu", "movement": "moved_in", "movement_date": "02/03/2025", **boy},
        ],
    }
    saved = await client.post(f"/api/communes/{b}/households?year={YEAR}", json=body)
    assert saved.status_code == 201, saved.text
    out, into = await row_of(a, "Lò Văn Sáng"), await row_of(b, "Lò Văn Sáng")
    # B does not cover A: a proposal, nothing linked yet.
    assert (out["linked"], into["linked"]) == (None, None)
    await login(client, await make_user("province", "51", YEAR))  # the level above
    [proposal] = (await client.get(f"/api/communes/{a}/link-proposals?year={YEAR}")).json()
    assert proposal["can_decide"] and proposal["own"]["full_name"] == "Lò Văn Sáng"
    assert (await client.post(f"/api/link-proposals/{proposal['id']}/confirm",
                              json={})).status_code == 200
    out, into = await row_of(a, "Lò Văn Sáng"), await row_of(b, "Lò Văn Sáng")
    assert (out["linked"], into["linked"]) == (into["id"], out["id"])
    assert out["person"] == into["person"]
    # The household read now names the person as stored after the merge.
    again = await client.get(f"/api/households/{saved.json()['id']}")
    assert again.json()["members"][1]["person_id"] == into["person"]
