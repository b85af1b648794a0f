"""`pcgd import roll` and the upload page: every import rule, all-or-nothing, idempotence.

Each test uses its own commune of Quảng Ngãi (51) for 2025, so tests do not see each other.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pcgd import db
from pcgd.errors import Locked
from pcgd.units import service as units
from surveys import importer
from surveys.roll.fields import COLUMN_NAMES
from tests.factories import login, make_user

pytestmark = pytest.mark.usefixtures("database")
YEAR = 2025
PCGD = str(Path(sys.executable).with_name("pcgd"))


async def cli(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    """Run `pcgd ARGS` on the test database without blocking the event loop."""
    proc = await asyncio.create_subprocess_exec(
        PCGD, *args, env={**os.environ, "DATABASE_URL": database},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


def person(code: str, name: str, born: str, sex: str, relation: str, **kw: Any) -> dict[str, Any]:
    return {"household_code": code, "hamlet": kw.pop("hamlet", "Thôn An Phú"),
            "residence_type": "thuong_tru", "full_name": name, "birth_date": born, "sex": sex,
            "relation": relation, **kw}


def family(
    code: str, surname: str = "Nguyễn", pid: str = "", hamlet: str = "Thôn An Phú"
) -> list[dict[str, Any]]:
    """A head, a spouse, a grade-5 pupil (born 2014) and a 6-year-old in grade 1."""
    rows = [
        person(code, f"{surname} Văn Hùng", "1984", "M", "chu_ho", th_completed_year=1995,
               thcs_graduated_year=1999, personal_id=pid),
        person(code, "Trần Thị Lan", "12/03/1986", "F", "vợ", th_completed_year=1997),
        person(code, f"{surname} Văn Minh", "2014-05-02", "M", "con", enrolled_level="TH",
               enrolled_grade="5", father_name=f"{surname} Văn Hùng",
               mother_name="Trần Thị Lan"),
        person(code, f"{surname} Thị Mai", "2019", "F", "con", enrolled_level="TH",
               enrolled_grade="1", mn_completed_year=2025, father_name=f"{surname} Văn Hùng"),
    ]
    for r in rows:
        r["hamlet"] = hamlet
    return rows


def roll_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    return out.getvalue().encode("utf-8")


async def commune(code: str) -> units.Unit:
    return await units.resolve(code, YEAR, kind="commune")


async def run(code: str, rows: list[dict[str, Any]] | bytes, **kw: Any) -> importer.ImportReport:
    content = rows if isinstance(rows, bytes) else roll_csv(rows)
    return await importer.import_roll(
        content, kw.pop("filename", "ho.csv"), commune=await commune(code), year=YEAR, **kw
    )


async def state(code: str) -> dict[str, Any]:
    """Households (code → version, hamlet) and members (name → person id, person_year id)."""
    c = await commune(code)
    rows = await db.pool().fetch(
        "SELECT h.household_code, h.version, m.name AS hamlet, p.full_name, p.id AS person,"
        " py.id AS py, py.enrolled_grade, py.confirmed FROM household h"
        " JOIN hamlet m ON m.id = h.hamlet LEFT JOIN person_year py ON py.household = h.id"
        " LEFT JOIN person p ON p.id = py.person WHERE h.commune = $1 AND h.year = $2",
        c.id, YEAR,
    )
    return {
        "households": {r["household_code"]: (r["version"], r["hamlet"]) for r in rows},
        "members": {r["full_name"]: (r["person"], r["py"], r["enrolled_grade"], r["confirmed"])
                    for r in rows if r["full_name"]},
    }


async def audits(code: str, action: str) -> int:
    c = await commune(code)
    return await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE commune_id = $1 AND action = $2", c.id, action
    )


async def test_clean_import_writes_households_counts_and_one_audit(database: str) -> None:
    code = "21025"
    rows = family("QN-1") + family("QN-2", "Lê") + family("QN-3", "Phạm", hamlet="Thôn Hòa")
    report = await run(code, rows)
    assert report.ok and report.written, report.errors
    assert report.to_json()["households"] == 3 and report.to_json()["persons"] == 12
    assert set(report.to_json()) >= {"households", "persons", "errors", "warnings"}
    assert report.changes.households_created == 3 and report.changes.persons_created == 12
    s = await state(code)
    assert set(s["households"]) == {"QN-1", "QN-2", "QN-3"}
    assert s["households"]["QN-3"] == (1, "Thôn Hòa")
    c = await commune(code)
    roll = await db.pool().fetchval(
        "SELECT sum(roll) FROM commune_age_count WHERE commune = $1 AND year = $2", c.id, YEAR
    )
    assert roll == 12  # counts rebuilt inside the import
    assert await audits(code, "import") == 1
    positions = await db.pool().fetch(
        "SELECT py.position FROM person_year py JOIN household h ON h.id = py.household"
        " WHERE h.commune = $1 AND h.household_code = 'QN-2' ORDER BY py.position", c.id,
    )
    assert [r["position"] for r in positions] == [0, 1, 2, 3]


async def test_errors_list_row_column_reason_and_write_nothing(tmp_path: Path) -> None:
    code = "21028"
    rows = family("E-1")
    rows[2]["enrolled_grade"] = "7"  # grade 7 does not exist in TH (file row 4)
    rows.append(person("E-2", "Đỗ Văn Tư", "1970", "M", "con"))  # household without a head
    rows.append(person("E-3", "Đỗ Văn Năm", "2031", "M", "chu_ho"))  # born in the future
    report = await run(code, rows)
    assert not report.ok and not report.written
    found = {(i.row, i.column) for i in report.errors}
    assert (4, "enrolled_grade") in found
    assert (6, "relation") in found
    assert (7, "birth_date") in found
    assert all(i.message for i in report.errors)
    assert (await state(code))["households"] == {}
    assert await audits(code, "import") == 0
    marked = importer.save_annotated(report, tmp_path / "marked.xlsx")
    assert marked is not None
    import openpyxl

    ws = openpyxl.load_workbook(marked)["DuLieu"]
    grade_col = COLUMN_NAMES.index("enrolled_grade") + 1
    cell = ws.cell(row=4, column=grade_col)
    assert cell.value == "7" and cell.comment is not None and "Lớp" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")


async def test_dry_run_reports_but_writes_nothing() -> None:
    code = "21034"
    report = await run(code, family("D-1"), dry_run=True)
    assert report.ok and not report.written and report.households == 1
    assert (await state(code))["households"] == {}


async def test_reimporting_the_same_file_changes_nothing() -> None:
    code = "21040"
    rows = family("R-1", pid="051084000123") + family("R-2", "Lê")
    assert (await run(code, rows)).written
    before = await state(code)
    again = await run(code, rows)
    assert again.written and not again.changes.any
    assert again.changes.households_unchanged == 2
    assert await state(code) == before  # same ids, same versions
    assert await audits(code, "import_update") == 0
    assert await audits(code, "import") == 2


async def test_changes_are_updates_matched_by_id_or_name_and_birth() -> None:
    code = "21061"
    rows = family("U-1", pid="051084000124") + family("U-2", "Lê") + family("U-3", "Võ")
    assert (await run(code, rows)).written
    before = await state(code)
    changed = family("U-1", pid="051084000124") + family("U-2", "Lê") + family("U-3", "Võ")
    changed[0]["full_name"] = "Nguyễn Văn Hùng Anh"  # renamed: still matched by personal ID
    changed[2]["enrolled_grade"] = "4"  # U-1's pupil: a status change
    del changed[7]  # U-2 loses its youngest
    changed.insert(7, person("U-2", "Lê Văn Tí", "2024", "M", "con"))  # and gains a baby
    changed[8]["hamlet"] = changed[9]["hamlet"] = changed[10]["hamlet"] = "Thôn Mới"
    changed[11]["hamlet"] = "Thôn Mới"
    report = await run(code, changed)
    assert report.written, report.errors
    c = report.changes
    assert (c.households_updated, c.households_unchanged) == (3, 0)
    assert (c.persons_created, c.persons_removed) == (1, 1)
    after = await state(code)
    assert after["members"]["Nguyễn Văn Hùng Anh"][:2] == before["members"]["Nguyễn Văn Hùng"][:2]
    assert after["members"]["Nguyễn Văn Minh"][:2] == before["members"]["Nguyễn Văn Minh"][:2]
    assert after["members"]["Nguyễn Văn Minh"][2] == "4"
    assert "Lê Thị Mai" not in after["members"] and "Lê Văn Tí" in after["members"]
    assert after["households"]["U-1"][0] == 2 and after["households"]["U-3"] == (2, "Thôn Mới")
    assert await audits(code, "import_update") == 3
    # The same corrected file again: nothing more.
    again = await run(code, changed)
    assert not again.changes.any and await state(code) == after


async def test_unchanged_households_are_not_touched() -> None:
    code = "21085"
    rows = family("T-1") + family("T-2", "Lê")
    assert (await run(code, rows)).written
    rows[6]["enrolled_grade"] = "4"  # only T-2's pupil
    report = await run(code, rows)
    assert (report.changes.households_updated, report.changes.households_unchanged) == (1, 1)
    s = await state(code)
    assert s["households"]["T-1"][0] == 1 and s["households"]["T-2"][0] == 2


async def test_a_member_moving_to_another_household_keeps_the_person() -> None:
    code = "21100"
    rows = [
        *family("M-1", pid="051084000125"),
        person("M-2", "Hồ Văn Bảy", "1950", "M", "chu_ho", personal_id="051050000126"),
    ]
    assert (await run(code, rows)).written
    before = await state(code)
    moved = [
        *family("M-1", pid="051084000125")[1:],
        person("M-2", "Hồ Văn Bảy", "1950", "M", "chu_ho", personal_id="051050000126"),
        person("M-2", "Nguyễn Văn Hùng", "1984", "M", "con rể", personal_id="051084000125",
               th_completed_year=1995, thcs_graduated_year=1999),
    ]
    moved[0]["relation"] = "chu_ho"
    report = await run(code, moved)
    assert report.written, report.errors
    after = await state(code)
    assert after["members"]["Nguyễn Văn Hùng"][0] == before["members"]["Nguyễn Văn Hùng"][0]
    assert after["members"]["Nguyễn Văn Hùng"][1] != before["members"]["Nguyễn Văn Hùng"][1]


async def test_form_number_naming_another_commune_is_a_warning() -> None:
    code = "21109"
    rows = family("21025-0007")  # 21025 is Phường Cẩm Thành
    report = await run(code, rows)
    assert report.written
    warning = next(i for i in report.warnings if i.column == "household_code")
    assert warning.row == 2 and "21025" in warning.message and "Cẩm Thành" in warning.message
    assert "21025-0007" in (await state(code))["households"]


async def test_personal_id_counted_in_another_commune_is_a_warning() -> None:
    first, second = "21340", "21343"
    rows = [person("PX-1", "Bùi Văn Sáu", "1990", "M", "chu_ho", personal_id="051090000777")]
    assert (await run(first, rows)).written
    report = await run(second, rows, dry_run=True)
    warning = next(i for i in report.warnings if i.column == "personal_id")
    assert warning.row == 2 and "Sơn Tây (21340)" in warning.message


async def test_a_locked_survey_refuses_the_import() -> None:
    code = "21349"
    c = await commune(code)
    await db.pool().execute(
        "INSERT INTO survey_period (commune, year, status, updated_at)"
        " VALUES ($1, $2, 'locked', now())", c.id, YEAR,
    )
    try:
        with pytest.raises(Locked):
            await run(code, family("L-1"))
    finally:
        await db.pool().execute(
            "DELETE FROM survey_period WHERE commune = $1 AND year = $2", c.id, YEAR
        )
    assert (await state(code))["households"] == {}


async def test_the_national_workbook_is_imported_with_the_same_rules(tmp_path: Path) -> None:
    from surveys.roll import parse_roll, read_table, write_mau_nhap_lieu

    code = "21361"
    header, data = read_table(roll_csv(family("MNL-1", "Đinh") + family("MNL-2", "Mai")), "x.csv")
    parsed = parse_roll(header, data, year=YEAR)
    path = tmp_path / "mau.xlsx"
    write_mau_nhap_lieu(parsed.households, path)
    report = await run(code, path.read_bytes(), filename="mau.xlsx", dry_run=True)
    assert report.format == "mau_nhap_lieu" and report.ok, report.errors
    assert (report.households, report.persons) == (2, 8)


@pytest.mark.slow
async def test_cli_import_json_exit_codes_and_commune_choice(tmp_path: Path, database: str) -> None:
    bad = family("C-1")
    bad[1]["sex"] = "X"
    path = tmp_path / "bad.csv"
    path.write_bytes(roll_csv(bad))
    done = await cli(
        "import", "roll", str(path), "--commune", "21364", "--year", str(YEAR), "--json",
        "--annotate", str(tmp_path / "marked.xlsx"), database=database,
    )
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["errors"] == [{"row": 3, "column": "sex",
                              "message": out["errors"][0]["message"]}]
    assert "Giới tính" in out["errors"][0]["message"]
    assert (tmp_path / "marked.xlsx").is_file()
    good = tmp_path / "good.csv"
    good.write_bytes(roll_csv(family("C-1")))
    done = await cli(
        "import", "roll", str(good), "--commune", "21364", "--year", str(YEAR), "--json",
        database=database,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["households"] == 1
    assert "C-1" in (await state("21364"))["households"]
    missing = await cli(
        "import", "roll", str(tmp_path / "none.csv"), "--commune", "21364", "--year", str(YEAR),
        database=database,
    )
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


async def _csrf(client, url: str) -> str:
    page = await client.get(url, headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


async def test_upload_page_reports_errors_and_serves_the_marked_copy(client) -> None:
    code = "21370"
    await login(client, await make_user("commune", code, YEAR))
    url = f"/communes/{code}/import?year={YEAR}"
    token = await _csrf(client, url)
    bad = family("W-1")
    bad[3]["enrolled_grade"] = "9"
    response = await client.post(
        url, files={"file": ("ho.csv", roll_csv(bad))}, data={"_csrf_token": token},
        headers={"accept": "application/json", "x-csrftoken": token},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["written"] is False
    assert {"row": 5, "column": "enrolled_grade"}.items() <= body["errors"][0].items()
    assert "W-1" not in (await state(code))["households"]
    marked = await client.get(body["annotated_url"])
    assert marked.status_code == 200 and marked.content[:2] == b"PK"
    # Someone of another commune may not fetch it.
    await login(client, await make_user("commune", "21025", YEAR))
    assert (await client.get(body["annotated_url"])).status_code == 403
    assert (await client.get(url, headers={"accept": "text/html"})).status_code == 403


async def test_upload_page_without_script_and_without_csrf(client) -> None:
    code = "21385"
    await login(client, await make_user("commune", code, YEAR))
    url = f"/communes/{code}/import?year={YEAR}"
    refused = await client.post(url, files={"file": ("ho.csv", roll_csv(family("P-1")))})
    assert refused.status_code == 403
    token = await _csrf(client, url)
    page = await client.post(
        url, files={"file": ("ho.csv", roll_csv(family("P-1")))}, data={"_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 200 and "Đã nhập 1 hộ, 4 người" in page.text
    assert "P-1" in (await state(code))["households"]


async def test_a_plain_number_as_form_number_is_not_a_commune_prefix() -> None:
    report = await run("21109", family("21025"), dry_run=True)  # "21025" is just a number here
    assert report.ok and not [i for i in report.warnings if i.column == "household_code"]
    prefixed = await run("21109", family("51_21025_03_0012"), dry_run=True)
    assert [i.row for i in prefixed.warnings if i.column == "household_code"] == [2]
