"""Roll versus registry: every category, the matching rules, and the audited fix (province 15)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pcgd import db
from pcgd.registry.reconcile import reconcile
from tests.factories import login, make_user
from tests.integration.test_registry_support import (
    YEAR,
    add_household,
    commune_id,
    run_import,
)

R = "04744"  # Xã Yên Thành, tỉnh Lào Cai (15)
R2 = "04750"  # Xã Bảo Ái
PID = {n: f"01521{n:07d}" for n in range(1, 10)}
LEARNER_HEADER = ["Mã trường", "Họ và tên", "Ngày sinh", "Số định danh", "Cấp học", "Khối",
                  "Hoàn thành/Tốt nghiệp", "Mã xã cư trú"]


def child(name: str, born: dt.date, pid: str | None, level: str, grade: str, school: str,
          **extra: object) -> dict[str, object]:
    return {"full_name": name, "birth_date": born, "personal_id": pid, "enrolled_level": level,
            "enrolled_grade": grade, "school_code": school, **extra}


@pytest.fixture(scope="module")
async def case(database: str) -> dict[str, int]:
    schools = [["Mã trường", "Tên trường", "Cấp học", "Mã xã"],
               ["T15R-TH", "TH Yên Thành", "TH", R], ["T15R-CS", "THCS Yên Thành", "THCS", R],
               ["T15R-PT", "THPT Yên Thành", "THPT", R], ["T15R2-TH", "TH Bảo Ái", "TH", R2]]
    assert (await run_import("schools", schools, "15")).ok
    ids = await add_household(R, "YT-001", [
        {"full_name": "Hoàng Văn Cha", "birth_date": dt.date(1985, 1, 2), "relation": "chu_ho",
         "sex": "M", "personal_id": "015085000001"},
        child("Hoàng Văn An", dt.date(2017, 3, 1), PID[1], "TH", "3", "T15R-TH"),
        child("Hoàng Văn Bình", dt.date(2016, 4, 1), PID[2], "TH", "4", "T15R-TH"),
        child("Hoàng Thị Chi", dt.date(2013, 5, 1), None, "THCS", "7", "T15R-CS"),
        child("Hoàng Văn Dũng", dt.date(2015, 6, 1), PID[4], "TH", "5", "T15R-TH"),
        child("Hoàng Thị Em", dt.date(2014, 7, 1), PID[5], "THCS", "6", "T15R-CS"),
        child("Hoàng Thị Giang", dt.date(2014, 8, 1), PID[6], "THCS", "6", "T15R-CS",
              th_completed_year=YEAR),
        child("Hoàng Thị Hà", dt.date(2018, 9, 1), PID[7], "TH", "2", "T15R-TH"),
        child("Hoàng Văn Nam", dt.date(2016, 2, 1), PID[8], "TH", "4", "T15R2-TH"),
        child("Hoàng Thị Oanh", dt.date(2010, 2, 1), PID[9], "THPT", "10", "T15R-PT"),
    ])
    learners = [
        LEARNER_HEADER,
        ["T15R-TH", "Hoàng Văn An", "01/03/2017", PID[1], "TH", "3", "", R],
        ["T15R2-TH", "Hoàng Văn Bình", "01/04/2016", PID[2], "TH", "4", "", R],
        ["T15R-CS", "Hoàng Thị Chi", "01/05/2013", "", "THCS", "8", "", R],
        ["T15R-CS", "Hoàng Thị Em", "01/07/2014", PID[5], "THCS", "6", "", R],
        ["T15R-CS", "Hoàng Thị Giang", "01/08/2014", PID[6], "THCS", "6", "", R],
        ["T15R-TH", "Hoàng Thị Hà", "01/09/2018", "015218999999", "TH", "2", "", R],
        ["T15R-TH", "Lò Văn Khánh", "12/12/2017", "", "TH", "3", "", R],
        ["T15R-TH", "Lò Văn Lâm", "12/11/2017", "", "TH", "3", "", R2],
    ]
    result = await run_import("learners", learners, "15")
    assert result.ok, result.errors
    last_year = [
        LEARNER_HEADER,
        ["T15R-TH", "Hoàng Thị Em", "01/07/2014", PID[5], "TH", "5", "Hoàn thành", R],
        ["T15R-TH", "Hoàng Thị Giang", "01/08/2014", PID[6], "TH", "5", "", R],
    ]
    result = await run_import("learners", last_year, "15", year=YEAR - 1)
    assert result.ok, result.errors
    return ids


def by_category(rows: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["category"], set()).add(r["person"]["full_name"])
    return out


async def test_every_category_and_the_matching_rules(case: dict[str, int]) -> None:
    rows = await reconcile([await commune_id(R)], YEAR)
    assert by_category(rows) == {
        "not_in_registry": {"Hoàng Văn Dũng", "Hoàng Thị Hà", "Hoàng Văn Nam"},
        "different_school": {"Hoàng Văn Bình"},
        "different_grade": {"Hoàng Thị Chi"},  # matched on name + birth date (no ID)
        "completion_mismatch": {"Hoàng Thị Em", "Hoàng Thị Giang"},
        # Hà's learner has another ID: never the same person. Lâm lives in R2: not reported.
        "missing_from_roll": {"Lò Văn Khánh", "Hoàng Thị Hà"},
    }
    # Oanh's THPT school has no learner list: the registry cannot speak for it.
    assert all(r["person"]["full_name"] != "Hoàng Thị Oanh" for r in rows)
    bình = next(r for r in rows if r["category"] == "different_school")
    assert bình["roll"] == {"school_code": "T15R-TH"}
    assert bình["registry"]["school_code"] == "T15R2-TH"
    chi = next(r for r in rows if r["category"] == "different_grade")
    assert (chi["roll"]["enrolled_grade"], chi["registry"]["enrolled_grade"]) == ("7", "8")
    em = next(r for r in rows if r["person"]["full_name"] == "Hoàng Thị Em")
    assert em["roll"]["th_completed_year"] is None and em["registry"]["th_completed_year"] == YEAR
    giang = next(r for r in rows if r["person"]["full_name"] == "Hoàng Thị Giang")
    assert giang["roll"]["th_completed_year"] == YEAR
    assert giang["registry"]["th_completed_year"] is None


async def test_fix_takes_the_registry_value_through_the_audited_save(
    case: dict[str, int], client
) -> None:
    username = await make_user("commune", R, YEAR)
    await login(client, username)
    rows = await reconcile([await commune_id(R)], YEAR)
    target = next(r for r in rows if r["category"] == "different_school")
    version = await db.pool().fetchval("SELECT version FROM household WHERE id = $1",
                                       case["household"])
    body = {"year": YEAR, "category": "different_school",
            "person_year_id": target["person"]["person_year_id"],
            "learner_id": target["registry"]["learner_id"]}
    response = await client.post("/api/registry/reconcile/fix", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == {"school_code": "T15R2-TH"}
    assert await db.pool().fetchval("SELECT school_code FROM person_year WHERE id = $1",
                                    case["Hoàng Văn Bình"]) == "T15R2-TH"
    assert await db.pool().fetchval("SELECT version FROM household WHERE id = $1",
                                    case["household"]) > version
    audit = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE commune_id = $1 AND year = $2 AND username = $3",
        await commune_id(R), YEAR, username)
    assert audit >= 1
    again = await client.post("/api/registry/reconcile/fix", json=body)
    assert again.status_code == 409  # nothing left to fix
    after = by_category(await reconcile([await commune_id(R)], YEAR))
    assert "different_school" not in after

    em = next(r for r in rows if r["person"]["full_name"] == "Hoàng Thị Em")
    response = await client.post("/api/registry/reconcile/fix", json={
        "year": YEAR, "category": "completion_mismatch",
        "person_year_id": em["person"]["person_year_id"],
        "learner_id": em["registry"]["learner_id"]})
    assert response.status_code == 200, response.text
    assert await db.pool().fetchval("SELECT th_completed_year FROM person_year WHERE id = $1",
                                    case["Hoàng Thị Em"]) == YEAR

    dung = next(r for r in rows if r["category"] == "not_in_registry")
    refused = await client.post("/api/registry/reconcile/fix", json={
        "year": YEAR, "category": "not_in_registry",
        "person_year_id": dung["person"]["person_year_id"], "learner_id": 0})
    assert refused.status_code == 400


async def test_fix_from_the_page_and_scope(case: dict[str, int], client) -> None:
    outsider = await make_user("commune", R2, YEAR)
    await login(client, outsider)
    assert (await client.get(f"/api/registry/communes/{R}/reconcile?year={YEAR}")).status_code == (
        403)
    rows = await reconcile([await commune_id(R)], YEAR)
    chi = next(r for r in rows if r["category"] == "different_grade")
    body = {"year": YEAR, "category": "different_grade",
            "person_year_id": chi["person"]["person_year_id"],
            "learner_id": chi["registry"]["learner_id"]}
    assert (await client.post("/api/registry/reconcile/fix", json=body)).status_code == 403

    await login(client, await make_user("commune", R, YEAR))
    page = await client.get(f"/registry/reconcile?code={R}&year={YEAR}",
                            headers={"accept": "text/html"})
    assert page.status_code == 200 and "Lấy theo trường" in page.text
    assert "Hoàng Thị Chi" in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {**{k: str(v) for k, v in body.items()}, "code": R, "_csrf_token": token.group(1)}
    response = await client.post("/registry/reconcile/fix", data=form,
                                 headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    grade = await db.pool().fetchrow(
        "SELECT enrolled_level, enrolled_grade FROM person_year WHERE id = $1",
        case["Hoàng Thị Chi"])
    assert tuple(grade) == ("THCS", "8")
    api = await client.get(f"/api/registry/communes/{R}/reconcile?year={YEAR}")
    assert api.status_code == 200
    assert "different_grade" not in {r["category"] for r in api.json()}


async def test_pages_and_api_of_the_registry(case: dict[str, int], client) -> None:
    await login(client, await make_user("commune", R, YEAR))
    page = await client.get(f"/registry?code={R}&year={YEAR}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "TH Yên Thành" in page.text
    assert "Điều kiện bảo đảm" in page.text
    school = await client.get(f"/registry/schools/T15R-TH?year={YEAR}",
                              headers={"accept": "text/html"})
    assert school.status_code == 200 and "Lò Văn Khánh" in school.text
    assert "<h1>TH Yên Thành" in school.text
    api = await client.get(f"/api/registry/schools/T15R-TH/learners?year={YEAR}")
    assert api.status_code == 200 and api.json()["total"] == 4
    other = await client.get(f"/api/registry/schools/T15R2-TH?year={YEAR}")
    assert other.status_code == 403  # a school of another commune
    conditions = await client.get(f"/api/registry/communes/{R}/conditions?year={YEAR}")
    assert conditions.status_code == 200 and conditions.json()["xmc"] == []
    upload = await client.post(
        f"/api/registry/import/classes?unit={R}&year={YEAR}&dry_run=true",
        files={"file": ("lop.csv", "Mã trường,Tên lớp,Khối\nT15R-TH,3A,3\n".encode())},
        headers={"x-csrftoken": "api"},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["dry_run"] is True and upload.json()["errors"] == []
    form_page = await client.get(f"/registry/import?code={R}&year={YEAR}",
                                 headers={"accept": "text/html"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text)
    assert form_page.status_code == 200 and token is not None
    sent = await client.post(
        "/registry/import",
        data={"_csrf_token": token.group(1), "kind": "classes", "code": R, "year": str(YEAR),
              "dry_run": "1"},
        files={"file": ("lop.csv", "Mã trường,Tên lớp,Khối\nT15R-TH,3A,9\n".encode())},
        headers={"accept": "text/html"},
    )
    assert sent.status_code == 422 and "không phải khối của cấp TH" in sent.text
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/registry/communes/{code}/reconcile" in schema.json()["paths"]


async def test_fix_without_user_goes_through_the_gate(case: dict[str, int]) -> None:
    """A fix from the CLI (no user) takes the one write path: refused while the roll is
    locked, else one audited save (source: the reconciliation) and a version bump."""
    from pcgd.errors import Locked
    from pcgd.registry import reconcile as module
    from pcgd.workflow.trail import changes

    assert not hasattr(module, "_update_member")  # no second write path
    commune = await commune_id(R)
    rows = await reconcile([commune], YEAR)
    giang = next(r for r in rows if r["person"]["full_name"] == "Hoàng Thị Giang")
    version = await db.pool().fetchval("SELECT version FROM household WHERE id = $1",
                                       case["household"])
    await db.pool().execute(
        "INSERT INTO survey_period (commune, year, status, updated_at)"
        " VALUES ($1, $2, 'locked', now())", commune, YEAR)
    try:
        with pytest.raises(Locked):
            await module.apply_fix(None, giang["person"]["person_year_id"],
                                   "completion_mismatch", giang["registry"]["learner_id"])
    finally:
        await db.pool().execute(
            "DELETE FROM survey_period WHERE commune = $1 AND year = $2", commune, YEAR)
    before = await db.pool().fetchval("SELECT max(id) FROM audit_entry")
    result = await module.apply_fix(None, giang["person"]["person_year_id"],
                                    "completion_mismatch", giang["registry"]["learner_id"])
    assert result["changes"] == {"th_completed_year": None}
    assert await db.pool().fetchval("SELECT th_completed_year FROM person_year WHERE id = $1",
                                    case["Hoàng Thị Giang"]) is None
    assert await db.pool().fetchval("SELECT version FROM household WHERE id = $1",
                                    case["household"]) == version + 1
    [entry] = await db.pool().fetch(
        "SELECT username, source, before, after FROM audit_entry WHERE id > $1", before)
    assert entry["username"] == "system" and entry["source"] == "sửa theo đối chiếu"
    diff = changes(entry["before"], entry["after"])
    assert [d for d in diff if d["field"].startswith("Hoàng Thị Giang")] == [
        {"field": "Hoàng Thị Giang: Năm hoàn thành tiểu học", "before": "2025", "after": ""}]


@pytest.mark.slow
async def test_cli_reconcile_json_and_user_errors(case: dict[str, int], database: str) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    pcgd = str(Path(sys.executable).with_name("pcgd"))
    done = await asyncio.to_thread(
        subprocess.run, [pcgd, "reconcile", "--commune", R, "--year", str(YEAR), "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {"category", "person", "roll", "registry"} == set(rows[0])
    assert "missing_from_roll" in {r["category"] for r in rows}
    bad = await asyncio.to_thread(
        subprocess.run, [pcgd, "reconcile", "--commune", "99999", "--year", str(YEAR)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr
