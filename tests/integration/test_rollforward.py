"""Year roll-forward: who is carried, how pupils advance, what is left to check."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pcgd import db
from pcgd.errors import Locked, UserError
from pcgd.units import service as units
from surveys import exporter, rollforward
from surveys.roll import parse_roll
from surveys.roll.fields import COLUMN_NAMES
from surveys.roll.writer import roll_rows
from tests.factories import login, make_user
from tests.integration.test_import import cli, person, roll_csv

pytestmark = pytest.mark.usefixtures("database")
Y = 2025
COMMUNE = "22015"  # Phường Tuy Hòa, Đắk Lắk (66)


def rows(code: str = "RF-1") -> list[dict[str, Any]]:
    h1 = [
        person(code, "Y Bhăm Niê", "1980", "M", "chu_ho", th_completed_year=1991,
               thcs_graduated_year=1995, personal_id="066080000401", relapse_level="1"),
        person(code, "H Lan Niê", "2020-04-04", "F", "con", enrolled_level="MN",
               enrolled_grade="5", mn_group_completed=4, vn_prep="x", two_sessions="x"),
        person(code, "Y Tú Niê", "2014", "M", "con", enrolled_level="TH", enrolled_grade="5"),
        person(code, "Y Ba Niê", "2016", "M", "con", enrolled_level="TH", enrolled_grade="3",
               school_code="RF-TH", repeating="x", two_sessions="x"),
        person(code, "H Mai Niê", "2010", "F", "con", enrolled_level="THCS", enrolled_grade="9",
               th_completed_year=2021),
        person(code, "Y Bé Niê", "2024", "M", "cháu", enrolled_level="MN", enrolled_grade="NT"),
        person(code, "H Nhỏ Niê", "2023", "F", "cháu", enrolled_level="MN", enrolled_grade="NT"),
        person(code, "Y Đi Niê", "1999", "M", "con", movement="moved_out",
               movement_date="2025-02-01", th_completed_year=2010),
    ]
    h2 = [  # everyone gone: the household is not carried
        person(f"{code}b", "Y Già Ksor", "1935", "M", "chu_ho", movement="deceased",
               movement_date="2025-05-05"),
    ]
    h3 = [
        person(f"{code}c", "Nguyễn Thị Hạnh", "1975", "F", "chu_ho", enrolled_level="XMC",
               enrolled_grade="1"),
        person(f"{code}c", "Nguyễn Văn Lớn", "2008", "M", "con", enrolled_level="THPT",
               enrolled_grade="12", th_completed_year=2019, thcs_graduated_year=2023),
        person(f"{code}c", "Nguyễn Văn Đến", "1990", "M", "em", movement="moved_in",
               movement_date="2025-06-01", th_completed_year=2001),
        person(f"{code}c", "Nguyễn Thị Ba", "2022", "F", "con", enrolled_level="MN",
               enrolled_grade="3"),
    ]
    return h1 + h2 + h3


async def load(code: str, year: int, data: list[dict[str, Any]]) -> units.Unit:
    from surveys import importer

    commune = await units.resolve(code, year, kind="commune")
    await db.pool().execute(
        "INSERT INTO school (code, name, commune, levels, public) VALUES ('RF-TH', 'TH Tuy Hòa',"
        " $1, ARRAY['TH'], true) ON CONFLICT (code) DO NOTHING", commune.id,
    )
    from surveys import service

    service.forget_schools()
    report = await importer.import_roll(roll_csv(data), "rf.csv", commune=commune, year=year)
    assert report.written, report.errors
    return commune


async def carried(commune_id: int, year: int) -> dict[str, dict[str, Any]]:
    found = await db.pool().fetch(
        "SELECT p.full_name, p.id AS person, h.household_code, m.name AS hamlet, py.*"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " JOIN household h ON h.id = py.household JOIN hamlet m ON m.id = h.hamlet"
        " WHERE py.commune = $1 AND py.year = $2", commune_id, year,
    )
    return {r["full_name"]: dict(r) for r in found}


async def test_rollforward_carries_residents_and_advances_pupils() -> None:
    commune = await load(COMMUNE, Y, rows())
    before = await carried(commune.id, Y)
    result = await rollforward.roll_forward(commune, Y)
    assert result.year == Y + 1
    [c] = result.communes
    assert (c.households, c.persons) == (2, 11)
    assert (c.not_carried_persons, c.not_carried_households) == (2, 1)
    now = await carried(commune.id, Y + 1)
    assert "Y Đi Niê" not in now and "Y Già Ksor" not in now
    assert all(not r["confirmed"] for r in now.values())
    assert now["Y Bhăm Niê"]["person"] == before["Y Bhăm Niê"]["person"]  # the same person
    assert now["Y Bhăm Niê"]["household_code"] == "RF-1"

    def status(name: str) -> tuple:
        r = now[name]
        return (r["enrolled_level"], r["enrolled_grade"], r["school_code"])

    assert status("H Lan Niê") == ("TH", "1", "")
    assert (now["H Lan Niê"]["mn_completed_year"], now["H Lan Niê"]["mn_group_completed"]) == (
        2026, 5)
    assert status("Y Tú Niê") == ("THCS", "6", "") and now["Y Tú Niê"]["th_completed_year"] == 2026
    # A repeater (lưu ban) stays in the grade and school; the mark is for one year only.
    assert status("Y Ba Niê") == ("TH", "3", "RF-TH")
    assert (now["Y Ba Niê"]["repeating"], now["Y Ba Niê"]["two_sessions"]) == (False, True)
    # Marks of a level end with it (MN → TH: no more Vietnamese preparation); relapse carries.
    assert (now["H Lan Niê"]["vn_prep"], now["H Lan Niê"]["two_sessions"]) == (False, True)
    assert now["Y Bhăm Niê"]["relapse_level"] == 1
    assert status("H Mai Niê") == ("", "", "")
    assert now["H Mai Niê"]["thcs_graduated_year"] == 2026
    assert now["H Mai Niê"]["th_completed_year"] == 2021
    assert status("Y Bé Niê") == ("MN", "NT", "")  # 2 in 2026: still nursery
    assert status("H Nhỏ Niê") == ("MN", "3", "")
    assert status("Nguyễn Văn Lớn") == ("", "", "")
    assert now["Nguyễn Văn Lớn"]["thpt_graduated_year"] == 2026
    assert status("Nguyễn Thị Hạnh") == ("XMC", "2", "")
    assert now["Nguyễn Thị Hạnh"]["xmc_stage_completed"] == 1
    assert status("Nguyễn Thị Ba") == ("MN", "4", "")
    assert now["Nguyễn Thị Ba"]["mn_group_completed"] == 3
    assert (now["Nguyễn Văn Đến"]["movement"], now["Nguyễn Văn Đến"]["movement_date"]) == (
        "", None)

    # The carried roll obeys every import rule, and the counts of Y+1 were rebuilt.
    households = await exporter.roll_households(commune.id, Y + 1)
    table = [[str(v) for v in r] for r in roll_rows(households)]
    parsed = parse_roll(list(COLUMN_NAMES), table, year=Y + 1, known_schools={"RF-TH"})
    assert parsed.ok, parsed.errors
    roll = await db.pool().fetchval(
        "SELECT sum(roll) FROM commune_age_count WHERE commune = $1 AND year = $2",
        commune.id, Y + 1,
    )
    assert roll == 11

    checks = {c["category"]: c for c in result.checks}
    assert checks["unconfirmed"]["count"] == 11
    assert checks["finished_th"]["count"] == 1
    assert [p["full_name"] for p in checks["finished_th"]["people"]] == ["Y Tú Niê"]
    assert checks["finished_thcs"]["count"] == 1 and checks["finished_thpt"]["count"] == 1
    assert checks["finished_mn"]["count"] == 1 and checks["learners"]["count"] == 1
    assert checks["age6"]["count"] == 1  # H Lan Niê, born 2020
    assert checks["age11"]["count"] == 0 and checks["age15"]["count"] == 0

    # Confirming a row takes it off the list.
    await db.pool().execute(
        "UPDATE person_year SET confirmed = TRUE WHERE id = $1", now["Y Tú Niê"]["id"]
    )
    again = {c["category"]: c for c in await rollforward.checklist([commune.id], Y + 1)}
    assert again["finished_th"]["count"] == 0 and again["unconfirmed"]["count"] == 10


async def test_rollforward_refuses_an_opened_year_unless_replace() -> None:
    commune = await load("22045", Y, rows("RR-1"))
    await rollforward.roll_forward(commune, Y)
    with pytest.raises(UserError, match="đã có dữ liệu"):
        await rollforward.roll_forward(commune, Y)
    # Y changes (a new household), then replace: Y+1 is rebuilt from the new Y.
    from surveys import importer

    linked = await db.pool().fetch(
        "SELECT id FROM person_year WHERE commune = $1 AND year = $2 ORDER BY id LIMIT 2",
        commune.id, Y + 1,
    )  # two linked rows (as movers would be) must not stop the replacement
    await db.pool().execute("UPDATE person_year SET linked = $2 WHERE id = $1",
                            linked[0]["id"], linked[1]["id"])
    extra = [person("RR-9", "Trần Văn Mới", "1970", "M", "chu_ho")]
    assert (await importer.import_roll(roll_csv(extra), "x.csv", commune=commune, year=Y)).written
    result = await rollforward.roll_forward(commune, Y, replace=True)
    assert result.communes[0].households == 3
    codes = await db.pool().fetch(
        "SELECT household_code FROM household WHERE commune = $1 AND year = $2", commune.id, Y + 1
    )
    assert sorted(r["household_code"] for r in codes) == ["RR-1", "RR-1c", "RR-9"]


async def test_rollforward_refuses_a_locked_year() -> None:
    commune = await load("22051", Y, rows("RL-1"))
    await db.pool().execute(
        "INSERT INTO survey_period (commune, year, status, updated_at)"
        " VALUES ($1, $2, 'locked', now())", commune.id, Y + 1,
    )
    with pytest.raises(Locked):
        await rollforward.roll_forward(commune, Y)
    assert await db.pool().fetchval(
        "SELECT count(*) FROM household WHERE commune = $1 AND year = $2", commune.id, Y + 1
    ) == 0


async def test_rollforward_across_the_2025_merger_keeps_codes_apart() -> None:
    """Two 2024 communes that became one in 2025 with the same form number and hamlet name."""
    pair = await db.pool().fetchrow(
        "SELECT s.new_unit, array_agg(o.code ORDER BY o.code) AS olds"
        " FROM unit_succession s JOIN admin_unit o ON o.id = s.old_unit"
        " JOIN admin_unit n ON n.id = s.new_unit JOIN admin_unit np ON np.id = n.parent"
        " WHERE np.code = '56' AND NOT EXISTS (SELECT 1 FROM unit_succession t"
        "  WHERE t.old_unit = s.old_unit AND t.new_unit <> s.new_unit)"
        " GROUP BY s.new_unit HAVING count(*) >= 2 ORDER BY s.new_unit LIMIT 1"
    )
    assert pair is not None
    first, second = pair["olds"][:2]
    a = await load(first, 2024, [person("001", "Lê Văn A", "1970", "M", "chu_ho",
                                        hamlet="Thôn 1")])
    await load(second, 2024, [person("001", "Lê Văn B", "1971", "M", "chu_ho", hamlet="Thôn 1"),
                              person("002", "Lê Văn C", "1972", "M", "chu_ho", hamlet="Thôn 2")])
    b = await units.resolve(second, 2024, kind="commune")
    district = await units.get(a.parent_id or 0)
    province = await units.get(district.parent_id or 0)  # the whole old province: only the
    result = await rollforward.roll_forward(province, 2024)  # communes with data are carried
    [target] = result.communes
    assert sorted(target.sources) == sorted([first, second])
    households = await db.pool().fetch(
        "SELECT h.household_code, m.name FROM household h JOIN hamlet m ON m.id = h.hamlet"
        " WHERE h.commune = $1 AND h.year = 2025 ORDER BY 1", pair["new_unit"],
    )
    assert [(r["household_code"], r["name"]) for r in households] == [
        ("002", "Thôn 2"),
        (f"{first}-001", f"Thôn 1 ({a.name})"),
        (f"{second}-001", f"Thôn 1 ({b.name})"),
    ]


@pytest.mark.slow
async def test_cli_rollforward_of_a_province(database: str) -> None:
    await load("22918", Y, rows("CP-1"))
    await load("22924", Y, rows("CP-2"))
    done = await cli("rollforward", "--unit", "68", "--from-year", str(Y), "--json",
                     database=database)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["year"] == Y + 1 and {c["code"] for c in out["communes"]} == {"22918", "22924"}
    assert out["persons"] == 22
    assert {c["category"] for c in out["checks"]} >= {"unconfirmed", "finished_th"}
    again = await cli("rollforward", "--unit", "68", "--from-year", str(Y), database=database)
    assert again.returncode == 1 and "đã có dữ liệu" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


async def test_rollforward_page(client, tmp_path: Path) -> None:
    commune = await load("22057", Y, rows("RP-1"))
    await login(client, await make_user("commune", "22057", Y))
    url = f"/units/22057/rollforward?year={Y}"
    page = await client.get(url, headers={"accept": "text/html"})
    assert page.status_code == 200 and f"Mở năm điều tra {Y + 1}" in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = await client.post(
        "/units/22057/rollforward", data={"from_year": str(Y), "_csrf_token": token.group(1)},
        headers={"accept": "text/html"},
    )
    assert done.status_code == 200, done.text
    assert "Đã mở năm 2026" in done.text and "Vừa hoàn thành tiểu học" in done.text
    assert await db.pool().fetchval(
        "SELECT count(*) FROM person_year WHERE commune = $1 AND year = $2", commune.id, Y + 1
    ) == 11
    again = await client.post(
        "/units/22057/rollforward", data={"from_year": str(Y), "_csrf_token": token.group(1)},
        headers={"accept": "text/html"},
    )
    assert again.status_code == 400 and "đã có dữ liệu" in again.text
    await login(client, await make_user("commune", "22060", Y))
    assert (await client.get(url, headers={"accept": "text/html"})).status_code == 403
