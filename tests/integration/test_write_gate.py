"""Every write path to a commune's roll passes the one gate (surveys/gate.py).

For each path: refused while the roll is submitted and while it is locked, with nothing
written (the communes' data and the audit trail stay byte-for-byte the same); allowed while
draft, with the audit entries the path promises, each with the right before/after.

Province 66 (Đắk Lắk), 2025: no other test file uses it.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import msgspec
import pytest

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.accounts.service import CurrentUser
from pcgd.errors import Forbidden, Locked
from pcgd.ops import caches
from pcgd.units import service as units
from pcgd.workflow.trail import changes
from surveys import importer, movers, proposals, rollforward, service
from surveys.roll.fields import COLUMN_NAMES
from surveys.schemas import HouseholdIn

YEAR = 2025
PROVINCE = "66"
USER = CurrentUser(id=0, username="gate-test", role="commune", unit_id=None, unit_code=None,
                   unit_name=None, unit_kind="commune")
ALL = Scope(YEAR, None)


def household(code: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"household_code": code, "hamlet": "Thôn 1", "address": "", "members": [
        {"full_name": f"Y {code} Niê", "birth_date": "1980", "sex": "M", "relation": "chu_ho",
         "th_completed_year": 1991, "thcs_graduated_year": 1995},
        {"full_name": f"H {code} Êban", "birth_date": "2016-04-04", "sex": "F",
         "relation": "con", "enrolled_level": "TH", "enrolled_grade": "3",
         "mother_name": "H Mai Êban"},
        *extra]}


def roll_csv(code: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    writer.writerow({"household_code": code, "hamlet": "Thôn 2", "full_name": f"Y {code} Mlô",
                     "birth_date": "1975", "sex": "M", "relation": "chu_ho",
                     "residence_type": "thuong_tru",
                     "th_completed_year": "1986", "thcs_graduated_year": "1990"})
    return out.getvalue().encode()


@pytest.fixture(scope="module")
async def place(database: str) -> dict[str, units.Unit]:
    province = await units.resolve(PROVINCE, YEAR, kind="province")
    x, y = (await units.communes_under(province, YEAR))[:2]
    return {"x": x, "y": y}


async def create(commune: units.Unit, code: str, *extra: dict[str, Any],
                 user: CurrentUser = USER) -> Any:
    return await service.create_household(
        user, ALL, commune, YEAR, msgspec.convert(household(code, *extra), HouseholdIn))


@contextlib.asynccontextmanager
async def closed(commune_ids: list[int], state: str, year: int = YEAR) -> AsyncIterator[None]:
    await db.pool().executemany(
        "INSERT INTO survey_period (commune, year, status, updated_at) VALUES ($1, $2, $3, now())"
        " ON CONFLICT (commune, year) DO UPDATE SET status = $3",
        [(c, year, state) for c in commune_ids])
    try:
        yield
    finally:
        await db.pool().execute(
            "UPDATE survey_period SET status = 'draft' WHERE commune = ANY($1::int[])"
            " AND year = $2", commune_ids, year)


async def snapshot(commune_ids: list[int]) -> str:
    return await db.pool().fetchval(
        """SELECT md5(concat_ws('|',
             (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM household h
               WHERE h.commune = ANY($1::int[])),
             (SELECT string_agg(py::text || p::text, ',' ORDER BY py.id) FROM person_year py
               JOIN person p ON p.id = py.person WHERE py.commune = ANY($1::int[])),
             (SELECT string_agg(c::text, ',' ORDER BY c.commune, c.year, c.age)
               FROM commune_age_count c WHERE c.commune = ANY($1::int[])),
             (SELECT count(*) FROM audit_entry)))""",
        commune_ids)


async def last_id() -> int:
    return int(await db.pool().fetchval("SELECT coalesce(max(id), 0) FROM audit_entry"))


async def entries_after(first: int) -> list[dict[str, Any]]:
    rows = await db.pool().fetch(
        "SELECT action, entity, entity_id, commune_id, before, after, source FROM audit_entry"
        " WHERE id > $1 AND action <> 'view_personal' ORDER BY id", first)
    return [dict(r) for r in rows]


async def row_of(commune: units.Unit, name: str) -> int:
    return int(await db.pool().fetchval(
        "SELECT py.id FROM person_year py JOIN person p ON p.id = py.person"
        " WHERE py.commune = $1 AND py.year = $2 AND p.full_name = $3 ORDER BY py.id DESC",
        commune.id, YEAR, name))


Write = Callable[[], Awaitable[Any]]


async def check_path(closed_ids: list[int], touched: list[int], write: Write,
                     *, year: int = YEAR) -> list[dict[str, Any]]:
    """Refused (423, nothing written) when submitted and when locked; the entries when open."""
    for state in ("submitted", "locked", "approved"):
        before = await snapshot(touched)
        async with closed(closed_ids, state, year):
            with pytest.raises(Locked) as refused:
                await write()
        assert "không sửa được" in str(refused.value)
        assert await snapshot(touched) == before, f"{state}: something was written"
    first = await last_id()
    await write()
    return await entries_after(first)


async def test_household_save_update_delete(place) -> None:
    x = place["x"]
    made: dict[str, Any] = {}

    async def do_create() -> None:
        made["h"] = await create(x, "G-1")

    [entry] = await check_path([x.id], [x.id], do_create)
    assert (entry["action"], entry["entity"], entry["before"]) == ("create", "household", None)
    assert entry["source"] == "nhập tay"
    assert {"field": "Số phiếu", "before": "", "after": "G-1"} in changes(None, entry["after"])

    h = made["h"]
    body = msgspec.to_builtins(h)
    body["address"] = "Buôn Ea Kmát"
    data = msgspec.convert({k: body[k] for k in (
        "household_code", "hamlet", "address", "version", "members")}, HouseholdIn)

    async def do_update() -> None:
        await service.update_household(USER, ALL, h.id, data, reason="sửa địa chỉ")

    [entry] = await check_path([x.id], [x.id], do_update)
    assert entry["action"] == "update" and entry["entity_id"] == str(h.id)
    assert changes(entry["before"], entry["after"]) == [
        {"field": "Địa chỉ", "before": "", "after": "Buôn Ea Kmát"},
        {"field": "Phiên bản", "before": "1", "after": "2"}]

    async def do_delete() -> None:
        await service.delete_household(USER, ALL, h.id, version=2)

    [entry] = await check_path([x.id], [x.id], do_delete)
    assert entry["action"] == "delete" and entry["after"] is None
    assert '"Buôn Ea Kmát"' in entry["before"]


async def test_reviewers_do_not_edit(place) -> None:
    reviewer = dataclasses.replace(USER, role="district")
    with pytest.raises(Forbidden):
        await service.create_household(reviewer, ALL, place["x"], YEAR,
                                       msgspec.convert(household("G-R"), HouseholdIn))


async def test_import(place) -> None:
    x = place["x"]

    async def do_import() -> None:
        report = await importer.import_roll(roll_csv("G-IMP"), "ho-gate.csv", commune=x,
                                            year=YEAR)
        assert report.written, report.errors

    entries = await check_path([x.id], [x.id], do_import)
    assert [e["action"] for e in entries] == ["import"]
    assert entries[0]["source"] == "nhập tệp ho-gate.csv"


async def test_member_fix(place) -> None:
    """The reconciliation's fix (pcgd.registry.reconcile.apply_fix) takes this path."""
    x = place["x"]
    await create(x, "G-FIX")
    child = await row_of(x, "H G-FIX Êban")

    async def do_fix() -> None:
        await service.apply_member_fix(None, child, {"enrolled_grade": "4"}, "theo trường")

    [entry] = await check_path([x.id], [x.id], do_fix)
    assert entry["source"] == "sửa theo đối chiếu"
    assert changes(entry["before"], entry["after"]) == [
        {"field": "Phiên bản", "before": "1", "after": "2"},
        {"field": "H G-FIX Êban: Lớp", "before": "3", "after": "4"}]


async def test_move_out_and_linking_in_both_communes(place) -> None:
    x, y = place["x"], place["y"]
    await create(x, "G-MOVE")
    child = await row_of(x, "H G-MOVE Êban")

    async def do_move() -> None:
        await movers.move_out(None, None, child, movement_date=date(2025, 3, 1), reason="đi")

    [entry] = await check_path([x.id], [x.id], do_move)
    assert entry["action"] == "move_out"
    assert entry["before"] == '{"movement": ""}' and '"moved_out"' in entry["after"]

    # The save in Y naming the mover links both records in the same transaction: refused
    # while Y is closed; while X is closed the save is made but X is left unchanged.
    mover = {"full_name": "H G-MOVE Êban", "birth_date": "2016-04-04", "sex": "F",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "3",
             "movement": "moved_in", "movement_date": "2025-03-01", "mother_name": "H Mai Êban"}

    async def do_save_and_link() -> None:
        await create(y, "G-IN", mover, user=dataclasses.replace(USER, id=-1, role="admin"))

    entries = await check_path([y.id], [x.id, y.id], do_save_and_link)
    # One save, one transaction: the household's entry and one per linked record.
    assert [e["action"] for e in entries] == ["create", "link_mover", "link_mover"]
    assert {e["commune_id"] for e in entries[1:]} == {x.id, y.id}
    linked = await db.pool().fetchval("SELECT linked FROM person_year WHERE id = $1", child)
    assert linked == await row_of(y, "H G-MOVE Êban")


async def test_merge(place) -> None:
    x = place["x"]
    await create(x, "G-M1")
    await create(x, "G-M2", {"full_name": "H G-M1 Êban", "birth_date": "2016-04-04",
                             "sex": "F", "relation": "cháu"})
    keep = await row_of(x, "H G-M1 Êban")
    other = int(await db.pool().fetchval(
        "SELECT py.id FROM person_year py JOIN person p ON p.id = py.person"
        " WHERE py.commune = $1 AND p.full_name = 'H G-M1 Êban' AND py.id <> $2", x.id, keep))

    async def do_merge() -> None:
        await movers.merge(None, None, keep, other, reason="trùng")

    entries = await check_path([x.id], [x.id], do_merge)
    assert [e["action"] for e in entries] == ["merge_duplicate", "merge_duplicate"]
    assert {e["entity_id"] for e in entries} == {str(keep), str(other)}


async def test_roll_forward(place) -> None:
    x = place["x"]

    async def do_roll() -> None:
        await rollforward.roll_forward(x, YEAR, replace=True)

    entries = await check_path([x.id], [x.id], do_roll, year=YEAR + 1)
    assert [e["action"] for e in entries] == ["rollforward"]
    assert entries[0]["source"] == f"chuyển năm từ {YEAR}" and entries[0]["before"] is None


async def test_api_answers_423_before_validation(client, place) -> None:
    from tests.factories import login, make_user

    x = place["x"]
    await login(client, await make_user("commune", x.code, YEAR))
    async with closed([x.id], "submitted"):
        caches.clear_all()  # as the next request of every worker does after the change
        r = await client.post(f"/api/communes/{x.code}/households?year={YEAR}",
                              json={"household_code": "", "hamlet": "", "members": []})
        assert r.status_code == 423 and "đã nộp" in r.json()["detail"]
        page = await client.get(f"/communes/{x.code}/households?year={YEAR}")
        assert "đã nộp, chờ duyệt" in page.text


async def test_confirming_a_link_proposal(place) -> None:
    """A proposal confirmed by the level above links records of both communes."""
    x, y = place["x"], place["y"]
    await create(x, "G-P1")
    out_row = await row_of(x, "H G-P1 Êban")
    await movers.move_out(None, None, out_row, movement_date=date(2025, 4, 1))
    mover = {"full_name": "H G-P1 Êban", "birth_date": "2016-04-04", "sex": "F",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "3",
             "movement": "moved_in", "movement_date": "2025-04-01", "mother_name": "H Mai Êban"}
    await create(y, "G-P2", mover)  # USER covers neither commune: a proposal, not a link
    proposal = await db.pool().fetchval(
        "SELECT id FROM mover_link_proposal WHERE out_row = $1 AND status = 'pending'", out_row)
    assert proposal is not None
    admin = dataclasses.replace(USER, id=-1, role="admin")

    async def do_confirm() -> None:
        await proposals.decide(admin, proposal, confirm=True)

    for state in ("submitted", "locked"):  # the moved-out side closed: refused as well
        before = await snapshot([x.id, y.id])
        async with closed([x.id], state):
            with pytest.raises(Locked):
                await do_confirm()
        assert await snapshot([x.id, y.id]) == before
    entries = await check_path([y.id], [x.id, y.id], do_confirm)
    assert [e["action"] for e in entries] == ["link_mover", "link_mover"]
    assert {e["commune_id"] for e in entries} == {x.id, y.id}
