"""One prepared world for the access-control tests (2024, the 3-tier tree):

province 92 (Cần Thơ): district 916 with communes A (31117) and B (31120), district 917 with
commune C (31153); province 94 (Sóc Trăng): district 941 with commune D (31498) and D2 (31501).
Every commune has households with personal IDs, a school with learners, a marked upload copy
and a pending mover-link proposal waiting for it. Names, IDs and birth dates are distinct per
commune, so a test can tell whose data an answer holds (`World.markers`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from pcgd import db
from pcgd.registry.importer import import_file
from pcgd.units import service as units
from surveys import importer
from surveys.roll.fields import COLUMN_NAMES
from tests.factories import PASSWORD, make_user

YEAR = 2024
A, B, C, D, D2 = "31117", "31120", "31153", "31498", "31501"
DISTRICT, OTHER_DISTRICT, PROVINCE, OTHER_PROVINCE = "916", "917", "92", "94"
SURNAME = {A: "Khổng", B: "Lạc", C: "Mạc", D: "Ninh", D2: "Quách"}
PLACE = {A: (DISTRICT, PROVINCE), B: (DISTRICT, PROVINCE), C: (OTHER_DISTRICT, PROVINCE),
         D: ("941", OTHER_PROVINCE), D2: ("941", OTHER_PROVINCE)}


def ids_of(code: str) -> tuple[str, str]:
    """The head's and the child's personal IDs (valid shape: century/sex digit, birth year)."""
    return f"092080{code}1", f"092315{code}2"


def members(code: str) -> list[dict[str, Any]]:
    s = SURNAME[code]
    head_id, child_id = ids_of(code)
    base = {"household_code": f"H{code}-1", "hamlet": "Ấp Một", "residence_type": "thuong_tru"}
    return [
        {**base, "full_name": f"{s} Văn Trưởng", "birth_date": "14/02/1980", "sex": "M",
         "relation": "chu_ho", "personal_id": head_id, "th_completed_year": "1991",
         "thcs_graduated_year": "1995"},
        {**base, "full_name": f"{s} Thị Bé", "birth_date": "07/07/2015", "sex": "F",
         "relation": "con", "personal_id": child_id, "mother_name": "Võ Thị Hiền",
         "enrolled_level": "TH", "enrolled_grade": "4", "school_code": f"T{code}"},
    ]


def roll_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    return out.getvalue().encode()


def table_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@dataclass
class Side:
    """One commune's identifiers."""

    code: str
    district: str
    province: str
    commune_id: int = 0
    household_id: int = 0
    version: int = 1
    child_row: int = 0
    head_row: int = 0
    school: str = ""
    learner_id: int = 0
    token: str = ""
    proposal_id: int = 0
    issue_id: int = 0
    person_id: int = 0
    hamlet_id: int = 0
    markers: list[str] = field(default_factory=list)


@dataclass
class World:
    sides: dict[str, Side]
    users: dict[str, str]  # role → username (commune A, district 916, province 92, admin)

    def markers(self, codes: list[str]) -> list[str]:
        return [m for c in codes for m in self.sides[c].markers]


async def _side(code: str, admin: Any) -> Side:
    from surveys.transfer_pages import _store_annotated

    district, province = PLACE[code]
    side = Side(code, district, province)
    commune = await units.resolve(code, YEAR, kind="commune")
    side.commune_id = commune.id
    side.school = f"T{code}"
    schools = [["Mã trường", "Tên trường", "Cấp học", "Mã xã"],
               [side.school, f"Trường Tiểu học {SURNAME[code]}", "TH", code]]
    assert (await import_file("schools", table_csv(schools), "t.csv", unit=commune,
                              year=YEAR)).ok
    assert (await import_file("classes", table_csv([["Mã trường", "Tên lớp", "Khối"],
                                                   [side.school, "3A", "3"]]), "l.csv",
                              unit=commune, year=YEAR)).ok
    s = SURNAME[code]
    learners = [["Mã trường", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Lớp",
                 "Mã xã cư trú"],
                [side.school, f"{s} Thị Bé", "07/07/2015", "nữ", ids_of(code)[1], "3A", code]]
    done = await import_file("learners", table_csv(learners), "hs.csv", unit=commune, year=YEAR)
    assert done.ok, done.errors
    report = await importer.import_roll(roll_csv(members(code)), "ho.csv", commune=commune,
                                        year=YEAR)
    assert report.written, report.errors
    rows = await db.pool().fetch(
        "SELECT py.id, py.relation, py.household, h.version FROM person_year py"
        " JOIN household h ON h.id = py.household WHERE py.commune = $1 AND py.year = $2",
        commune.id, YEAR,
    )
    side.household_id = rows[0]["household"]
    side.version = rows[0]["version"]
    side.hamlet_id = await db.pool().fetchval(
        "SELECT hamlet FROM household WHERE id = $1", side.household_id)
    side.head_row = next(r["id"] for r in rows if r["relation"] == "chu_ho")
    side.child_row = next(r["id"] for r in rows if r["relation"] != "chu_ho")
    side.person_id = await db.pool().fetchval(
        "SELECT person FROM person_year WHERE id = $1", side.child_row)
    # A reviewer's issue pinned to the household (the workflow's issue routes).
    side.issue_id = await db.pool().fetchval(
        "INSERT INTO workflow_issue (unit, year, household_id, text, created_at, created_by)"
        " VALUES ($1, $2, $3, 'Kiểm tra hộ', now(), 'reviewer') RETURNING id",
        commune.id, YEAR, side.household_id,
    )
    side.learner_id = await db.pool().fetchval(
        "SELECT l.id FROM learner l JOIN school s ON s.id = l.school WHERE s.code = $1",
        side.school,
    )
    # A marked copy of an upload with a warning (a personal ID with a wrong birth-year digit).
    bad = members(code)
    bad[1]["personal_id"] = f"092399{code}2"
    dry = await importer.import_roll(roll_csv(bad), "ho.csv", commune=commune, year=YEAR,
                                     dry_run=True)
    token = _store_annotated(dry, admin, commune, YEAR, "ho.csv")
    assert token is not None
    side.token = token
    head_id, child_id = ids_of(code)
    side.markers = [f"{s} Văn Trưởng", f"{s} Thị Bé", head_id, child_id, "14/02/1980",
                    "1980-02-14", f"H{code}-1"]
    return side


async def _proposal(out_side: Side, in_side: Side, awaiting: Side) -> int:
    return int(await db.pool().fetchval(
        "INSERT INTO mover_link_proposal (year, out_row, in_row, out_commune, in_commune,"
        " awaiting_commune, match, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'name',"
        " 'pending', $7) RETURNING id",
        YEAR, out_side.child_row, in_side.head_row, out_side.commune_id, in_side.commune_id,
        awaiting.commune_id, datetime.now(UTC),
    ))


@pytest.fixture(scope="session")
async def world(database: str) -> World:
    from pcgd.accounts import service as accounts

    users = {
        "commune": await make_user("commune", A, YEAR),
        "district": await make_user("district", DISTRICT, YEAR),
        "province": await make_user("province", PROVINCE, YEAR),
        "admin": await make_user("admin", None, YEAR),
    }
    admin = await accounts.authenticate(users["admin"], PASSWORD)
    sides = {code: await _side(code, admin) for code in (A, B, C, D, D2)}
    # Pending proposals, each waiting for one commune: B (from A), C (from B), D (from D2).
    sides[B].proposal_id = await _proposal(sides[A], sides[B], sides[B])
    sides[C].proposal_id = await _proposal(sides[B], sides[C], sides[C])
    sides[D].proposal_id = await _proposal(sides[D2], sides[D], sides[D])
    return World(sides, users)


VICTIMS = {  # account → communes outside its units: same district, other district, province
    "commune": [B, C, D],
    "district": [C, D],
    "province": [D],
}


async def snapshot(world: World, codes: list[str]) -> str:
    """A digest of everything stored about these communes' people, schools and counts."""
    ids = [world.sides[c].commune_id for c in codes]
    return await db.pool().fetchval(
        """
        SELECT md5(concat_ws('|',
          (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM household h
            WHERE h.commune = ANY($1::int[])),
          (SELECT string_agg(py::text || p::text, ',' ORDER BY py.id) FROM person_year py
            JOIN person p ON p.id = py.person WHERE py.commune = ANY($1::int[])),
          (SELECT string_agg(l::text, ',' ORDER BY l.id) FROM learner l
            JOIN school s ON s.id = l.school WHERE s.commune = ANY($1::int[])),
          (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM school s
            WHERE s.commune = ANY($1::int[])),
          (SELECT string_agg(c::text, ',' ORDER BY c.commune, c.year, c.age)
            FROM commune_age_count c WHERE c.commune = ANY($1::int[])),
          (SELECT string_agg(sp::text, ',' ORDER BY sp.id) FROM survey_period sp
            WHERE sp.commune = ANY($1::int[])),
          (SELECT string_agg(m.id || m.status, ',' ORDER BY m.id) FROM mover_link_proposal m
            WHERE m.awaiting_commune = ANY($1::int[])),
          (SELECT string_agg(w::text, ',' ORDER BY w.id) FROM workflow_issue w
            WHERE w.unit = ANY($1::int[])),
          (SELECT string_agg(d::text, ',' ORDER BY d.id) FROM recognition_decision d
            WHERE d.unit = ANY($1::int[])),
          (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM unlock_request r
            WHERE r.unit = ANY($1::int[]))))
        """,
        ids,
    )


def csrf_token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)
