"""Hole 1: reading and rewriting another commune's resident through mover linking.

The attack: a commune account saves a household with a member whose name, birth year and
mother's name match a resident of another commune of the province, then records that member as
moved out to that commune. Before the fix the records were merged at once: the attacker's GET
showed the other resident's personal ID, birth date and father's name, and a PUT rewrote them.
"""

from __future__ import annotations

from pcgd import db
from pcgd.units import service as units
from surveys import importer
from tests.factories import login, make_user
from tests.security.conftest import YEAR, roll_csv

ATTACKER, VICTIM = "31123", "31154"  # district 916 and district 917 of province 92
SECRET_ID, SECRET_FATHER = "092315031542", "Đặng Văn Bí Mật"


async def _victim_row() -> dict:
    row = await db.pool().fetchrow(
        "SELECT py.id, py.movement, py.linked, h.version, p.full_name, p.personal_id,"
        " p.birth_date, p.father_name FROM person_year py JOIN person p ON p.id = py.person"
        " JOIN household h ON h.id = py.household JOIN admin_unit u ON u.id = py.commune"
        " WHERE u.code = $1 AND py.year = $2 AND p.full_name = 'Đặng Thị Nạn'",
        VICTIM, YEAR,
    )
    return dict(row)


async def test_linking_never_reads_or_changes_another_commune(client) -> None:
    victim = await units.resolve(VICTIM, YEAR, kind="commune")
    base = {"household_code": "V-1", "hamlet": "Ấp Hai", "residence_type": "thuong_tru"}
    rows = [
        {**base, "full_name": "Đặng Văn Bí Mật", "birth_date": "1982", "sex": "M",
         "relation": "chu_ho", "th_completed_year": "1993"},
        {**base, "full_name": "Đặng Thị Nạn", "birth_date": "07/07/2015", "sex": "F",
         "relation": "con", "personal_id": SECRET_ID, "father_name": SECRET_FATHER,
         "mother_name": "Lê Thị Mẹ", "enrolled_level": "TH", "enrolled_grade": "4"},
    ]
    assert (await importer.import_roll(roll_csv(rows), "v.csv", commune=victim,
                                       year=YEAR)).written
    before = await _victim_row()

    await login(client, await make_user("commune", ATTACKER, YEAR))
    body = {"household_code": "X-1", "hamlet": "Ấp Một", "members": [
        {"full_name": "Trần Văn Giả", "birth_date": "1980", "sex": "M", "relation": "chu_ho"},
        {"full_name": "Đặng Thị Nạn", "birth_date": "2015", "sex": "F", "relation": "con",
         "mother_name": "Lê Thị Mẹ", "enrolled_level": "TH", "enrolled_grade": "4"},
    ]}
    saved = await client.post(f"/api/communes/{ATTACKER}/households?year={YEAR}", json=body)
    assert saved.status_code == 201, saved.text
    member = saved.json()["members"][1]
    moved = await client.post(f"/api/person-years/{member['person_year_id']}/move-out",
                              json={"movement_date": "2024-06-01", "to_commune": VICTIM})
    assert moved.status_code == 200, moved.text
    mine = await client.get(f"/api/households/{saved.json()['id']}")
    leaked = [s for s in (SECRET_ID, SECRET_FATHER, "2015-07-07") if s in mine.text]
    print(f"\nmove-out answer linked={moved.json()['linked']};"
          f" the other commune's details in the attacker's GET: {leaked}")
    assert moved.json()["linked"] is None and moved.json()["proposal"] is not None
    assert mine.status_code == 200
    for secret in (SECRET_ID, SECRET_FATHER, "2015-07-07"):
        assert secret not in mine.text
    # A PUT of the attacker's own household (with the member's person id) changes only it.
    current = mine.json()
    current["members"][1].update(full_name="Đặng Thị Đổi", personal_id="092315099999")
    put = {k: current[k] for k in ("household_code", "hamlet", "address", "version")}
    put["members"] = [{k: v for k, v in m.items() if k != "person_year_id"}
                      for m in current["members"]]
    assert (await client.put(f"/api/households/{current['id']}", json=put)).status_code == 200
    after = await _victim_row()
    print(f"the other commune's row after the attacker's PUT changed: {after != before}"
          f" (version {before['version']} → {after['version']})")
    assert after == before  # name, ID, birth date, movement, version 1: untouched

    # The proposal shows the attacker only its own record and the other commune's name.
    mine_list = await client.get(f"/api/communes/{ATTACKER}/link-proposals?year={YEAR}")
    [proposal] = mine_list.json()
    assert proposal["direction"] == "outgoing" and not proposal["can_decide"]
    assert SECRET_ID not in mine_list.text and "Bí Mật" not in mine_list.text
    # The attacker cannot confirm its own proposal; the victim's list shows no attacker data.
    confirm = await client.post(f"/api/link-proposals/{proposal['id']}/confirm", json={})
    assert confirm.status_code == 403
    await login(client, await make_user("commune", VICTIM, YEAR))
    theirs = await client.get(f"/api/communes/{VICTIM}/link-proposals?year={YEAR}")
    [incoming] = theirs.json()
    assert incoming["direction"] == "incoming" and incoming["can_decide"]
    assert incoming["own"]["full_name"] == "Đặng Thị Nạn" and "Giả" not in theirs.text
    refused = await client.post(f"/api/link-proposals/{incoming['id']}/refuse", json={})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert await _victim_row() == before


async def test_a_shared_person_changed_by_one_commune_is_audited_on_both(client) -> None:
    """After the other commune confirmed, the person is shared: a change is audited there."""
    district = await units.resolve("916", YEAR, kind="district")
    a, b = [u.code for u in await units.list_units(YEAR, parent=district)][3:5]  # unused here
    sides = {}
    for code, household in ((a, "S-1"), (b, "S-2")):
        commune = await units.resolve(code, YEAR, kind="commune")
        base = {"household_code": household, "hamlet": "Ấp Ba", "residence_type": "thuong_tru"}
        rows = [
            {**base, "full_name": f"Chủ Hộ {household}", "birth_date": "1975", "sex": "M",
             "relation": "chu_ho", "th_completed_year": "1986"},
            {**base, "full_name": "Tô Văn Chung", "birth_date": "03/03/2012", "sex": "M",
             "relation": "con", "mother_name": "Hà Thị Mẹ", "enrolled_level": "THCS",
             "enrolled_grade": "6", "th_completed_year": "2023"},
        ]
        assert (await importer.import_roll(roll_csv(rows), "s.csv", commune=commune,
                                           year=YEAR)).written
        sides[code] = commune
    await login(client, await make_user("commune", a, YEAR))
    # A records the move to B: a proposal (A does not cover B), confirmed by the district.
    hid = await db.pool().fetchval(
        "SELECT id FROM household WHERE commune = $1 AND household_code = 'S-1'", sides[a].id
    )
    current = (await client.get(f"/api/households/{hid}")).json()
    moved = await client.post(
        f"/api/person-years/{current['members'][1]['person_year_id']}/move-out",
        json={"movement_date": "2024-03-01", "to_commune": b},
    )
    assert moved.status_code == 200 and moved.json()["proposal"], moved.text
    await login(client, await make_user("district", "916", YEAR))
    [proposal] = (await client.get(f"/api/communes/{b}/link-proposals?year={YEAR}")).json()
    assert (await client.post(f"/api/link-proposals/{proposal['id']}/confirm",
                              json={})).status_code == 200
    # ... now one person: A corrects the name, and B's side has an audit entry of it.
    await login(client, await make_user("commune", a, YEAR))
    current = (await client.get(f"/api/households/{hid}")).json()
    put = {k: current[k] for k in ("household_code", "hamlet", "address", "version")}
    put["members"] = [{k: v for k, v in m.items() if k != "person_year_id"}
                      for m in current["members"]]
    put["members"][1]["full_name"] = "Tô Văn Trung"
    assert (await client.put(f"/api/households/{hid}", json=put)).status_code == 200
    audited = await db.pool().fetch(
        "SELECT commune_id, before->>'full_name' AS old, after->>'full_name' AS new"
        " FROM audit_entry WHERE action = 'update_shared_person'"
        " AND commune_id = ANY($1::int[])", [sides[a].id, sides[b].id],
    )
    assert {r["commune_id"] for r in audited} == {sides[a].id, sides[b].id}
    assert all((r["old"], r["new"]) == ("Tô Văn Chung", "Tô Văn Trung") for r in audited)
    other_version = await db.pool().fetchval(
        "SELECT version FROM household WHERE commune = $1 AND household_code = 'S-2'",
        sides[b].id,
    )
    assert other_version >= 3  # created, linked, then the shared change
