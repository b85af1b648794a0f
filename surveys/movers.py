"""People who move between communes, and people recorded twice: linking and merging.

The guarantee that nobody is counted in two communes' PPC for one year is the unique index
`person_year_counted_once` (person, year) over rows not moved out/deceased; this module makes the
two records of one human being the same `person` so that the index can apply:
- "chuyển đi" (`move_out`) records the move and its destination; when the destination commune
  (same province) already has the person, both rows are linked and the persons merged;
- a link between two communes that the acting user does not both cover is never made at once:
  it becomes a *proposal* (`surveys.proposals`) that the other commune, or a level above it,
  confirms; until then neither record changes and each commune sees only its own record;
- after an import, `link_movers` links moved-in rows to unlinked moved-out rows of another
  commune of the province (and moved-out rows to the destination they name);
- `find_duplicates` lists, per province, pairs of rows that look like one person but are two:
  counted twice (must be merged) or a moved-out row with an unlinked counterpart;
- `merge` resolves a pair: different communes → the other row becomes "moved out" to the kept
  row's commune (which becomes "moved in" if it had no movement), both linked, one person; same
  commune → the duplicate row is deleted (a household head cannot be deleted this way).

Same person is the one rule of `surveys.roll.identity` (across households: the same personal ID,
or agreeing names, births and a parent's name, with no contradicting IDs).
When persons are merged, the kept row's person stays and empty personal ID / parent names are
filled from the other; counts are rebuilt for every commune and year whose rows changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from pcgd import db
from pcgd.accounts.scope import Scope, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import Forbidden, NotFound, UserError, ValidationFailed
from pcgd.units import service as units
from surveys import gate
from surveys.roll.identity import by_name_sql, same_person_sql
from surveys.rollup import service as rollup

COUNTED = "{a}.movement NOT IN ('moved_out', 'deceased')"


@dataclass(slots=True)
class LinkResult:
    pairs: int = 0
    proposals: int = 0  # cross-commune pairs left for the other commune to confirm
    touched: set[tuple[int, int]] = field(default_factory=set)  # (commune, year) to recount

    @property
    def communes(self) -> set[int]:
        return {c for c, _ in self.touched}


async def province_communes(conn: asyncpg.Connection, commune_ids: Iterable[int], year: int
                            ) -> list[int]:
    """Every commune (valid in `year`) of the provinces these communes belong to."""
    rows = await conn.fetch(
        "SELECT DISTINCT CASE WHEN pu.kind = 'province' THEN pu.id ELSE pu.parent END AS province"
        " FROM admin_unit u JOIN admin_unit pu ON pu.id = u.parent WHERE u.id = ANY($1::int[])",
        list(commune_ids),
    )
    provinces = [r["province"] for r in rows if r["province"] is not None]
    found = await conn.fetch(
        "SELECT u.id FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        f" WHERE u.kind = 'commune' AND {units.VALID_SQL}"
        " AND (u.parent = ANY($2::int[]) OR p.parent = ANY($2::int[]))",
        units.reference_date(year), provinces,
    )
    return [r["id"] for r in found]


async def merge_persons(conn: asyncpg.Connection, keep: int, other: int) -> bool:
    """Make `other`'s rows `keep`'s (filling keep's blank ID/parents); False if that would count
    one person twice in some year (then both persons stay, only the rows are linked)."""
    if keep == other:
        return True
    try:
        async with conn.transaction():  # a savepoint: a conflict leaves everything as it was
            await conn.execute("UPDATE person_year SET person = $1 WHERE person = $2", keep, other)
            await conn.execute(
                "UPDATE person k SET personal_id = coalesce(k.personal_id, o.personal_id),"
                " father_name = CASE WHEN k.father_name = '' THEN o.father_name"
                "  ELSE k.father_name END,"
                " mother_name = CASE WHEN k.mother_name = '' THEN o.mother_name"
                "  ELSE k.mother_name END"
                " FROM person o WHERE k.id = $1 AND o.id = $2",
                keep, other,
            )
            await conn.execute("DELETE FROM person WHERE id = $1", other)
    except asyncpg.UniqueViolationError:
        return False
    return True


async def _rows_of_person(conn: asyncpg.Connection, person: int) -> set[tuple[int, int]]:
    rows = await conn.fetch("SELECT commune, year FROM person_year WHERE person = $1", person)
    return {(r["commune"], r["year"]) for r in rows}


async def refresh_counts(conn: asyncpg.Connection, touched: Iterable[tuple[int, int]]) -> None:
    by_year: dict[int, set[int]] = {}
    for commune, year in touched:
        by_year.setdefault(year, set()).add(commune)
    for year, communes in sorted(by_year.items()):
        await rollup.rebuild_communes(conn, sorted(communes), year)


async def _bump(conn: asyncpg.Connection, household_ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE household SET version = version + 1, updated_at = $2 WHERE id = ANY($1::int[])",
        list(household_ids), datetime.now(UTC),
    )


async def _is_closed(
    conn: asyncpg.Connection, cache: dict[int, bool], commune_id: int, year: int
) -> bool:
    """Whether the gate would refuse a write (batch linking skips such communes)."""
    if commune_id not in cache:
        cache[commune_id] = not await gate.is_open(conn, commune_id, year)
    return cache[commune_id]


async def link_pair(
    conn: asyncpg.Connection, out_row: asyncpg.Record, in_row: asyncpg.Record,
    user: CurrentUser | None,
) -> set[tuple[int, int]]:
    """Link a moved-out row to the row where the person now lives; returns what to recount.

    The destination row becomes "moved in" (dated like the move out) when it had no movement;
    the person of the destination row is kept. Callers skip pairs in a locked commune.
    """
    year = out_row["year"]
    await conn.execute(
        "UPDATE person_year SET linked = $2, moved_to_commune = coalesce(moved_to_commune, $3)"
        " WHERE id = $1",
        out_row["id"], in_row["id"], in_row["commune"],
    )
    set_moved_in = in_row["movement"] == ""
    await conn.execute(
        "UPDATE person_year SET linked = $2,"
        " movement = CASE WHEN $3 THEN 'moved_in' ELSE movement END,"
        " movement_date = CASE WHEN $3 THEN $4 ELSE movement_date END WHERE id = $1",
        in_row["id"], out_row["id"], set_moved_in, out_row["movement_date"],
    )
    touched = await _rows_of_person(conn, out_row["person"])
    merged = await merge_persons(conn, in_row["person"], out_row["person"])
    touched |= {(out_row["commune"], year), (in_row["commune"], year)}
    await _bump(conn, [out_row["household"], in_row["household"]])
    for row, other in ((out_row, in_row), (in_row, out_row)):
        await audit.record(
            conn, user, "link_mover", "person_year", row["id"], commune_id=row["commune"],
            year=year,
            after={"linked": other["id"], "commune": other["commune"], "merged": merged,
                   "moved_in": set_moved_in and row is in_row},
        )
    return touched


_ROW = (
    "py.id, py.person, py.household, py.commune, py.year, py.movement, py.movement_date,"
    " py.moved_to_commune, py.linked, py.relation"
)


async def may_link_directly(user: CurrentUser | None, communes: Iterable[int], year: int) -> bool:
    """True when the acting user covers every commune of the pair (the CLI operator does)."""
    if user is None:
        return True
    scope = await scope_for(user, year)
    return all(scope.allows(c) for c in communes)


async def propose_pair(
    conn: asyncpg.Connection, out_row: asyncpg.Record, in_row: asyncpg.Record,
    user: CurrentUser, match: str,
) -> int | None:
    """Record a cross-commune link for the other side to confirm; its id (None if refused).

    Nothing of either record changes. The side the user does not cover must confirm.
    """
    year = out_row["year"]
    scope = await scope_for(user, year)
    awaiting = in_row["commune"] if scope.allows(out_row["commune"]) else out_row["commune"]
    own = out_row if awaiting == in_row["commune"] else in_row
    found = await conn.fetchrow(
        "INSERT INTO mover_link_proposal (year, out_row, in_row, out_commune, in_commune,"
        " awaiting_commune, match, status, created_at, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)"
        " ON CONFLICT (out_row, in_row) DO NOTHING RETURNING id",
        year, out_row["id"], in_row["id"], out_row["commune"], in_row["commune"], awaiting,
        match, datetime.now(UTC), user.id,
    )
    if found is None:
        existing = await conn.fetchrow(
            "SELECT id, status FROM mover_link_proposal WHERE out_row = $1 AND in_row = $2",
            out_row["id"], in_row["id"],
        )
        return existing["id"] if existing and existing["status"] == "pending" else None
    await audit.record(
        conn, user, "propose_link", "person_year", own["id"], commune_id=own["commune"],
        year=year, after={"proposal": found["id"], "awaiting_commune": awaiting, "match": match},
    )
    return int(found["id"])


_LINK_SQL = f"""
WITH mine AS (
    SELECT py.id, py.person, py.commune, py.movement, py.moved_to_commune
    FROM person_year py
    WHERE py.commune = ANY($1::int[]) AND py.year = $3 AND py.linked IS NULL
      AND py.movement IN ('moved_in', 'moved_out')
    UNION ALL
    SELECT i.id, i.person, i.commune, i.movement, i.moved_to_commune
    FROM person_year o JOIN person_year i ON i.commune = o.moved_to_commune AND i.year = $3
    WHERE o.moved_to_commune = ANY($1::int[]) AND o.year = $3 AND o.movement = 'moved_out'
      AND o.linked IS NULL AND i.movement = '' AND i.linked IS NULL
),
cand AS (
    SELECT m.id AS mine, q.id AS person FROM mine m JOIN person pm ON pm.id = m.person
    JOIN person q ON q.personal_id = pm.personal_id AND q.id <> pm.id
    UNION
    SELECT m.id, q.id FROM mine m JOIN person pm ON pm.id = m.person
    JOIN person q ON q.name_key = pm.name_key AND q.id <> pm.id
)
SELECT DISTINCT
    CASE WHEN m.movement = 'moved_out' THEN m.id ELSE t.id END AS out_id,
    CASE WHEN m.movement = 'moved_out' THEN t.id ELSE m.id END AS in_id,
    coalesce(pm.personal_id = pt.personal_id, FALSE) AS by_id
FROM cand c JOIN mine m ON m.id = c.mine
JOIN person_year t ON t.person = c.person AND t.year = $3
JOIN person pm ON pm.id = m.person JOIN person pt ON pt.id = t.person
WHERE t.commune = ANY($2::int[]) AND t.commune <> m.commune AND t.linked IS NULL
  AND {same_person_sql("pm", "pt")}
  AND (
    (m.movement = 'moved_out' AND {COUNTED.format(a="t")}
     AND (t.movement = 'moved_in' OR m.moved_to_commune = t.commune)
     AND (m.moved_to_commune IS NULL OR m.moved_to_commune = t.commune))
    OR (m.movement <> 'moved_out' AND t.movement = 'moved_out'
     AND (m.movement = 'moved_in' OR t.moved_to_commune = m.commune)
     AND (t.moved_to_commune IS NULL OR t.moved_to_commune = m.commune))
  )
"""


async def link_movers(
    conn: asyncpg.Connection, commune_ids: Sequence[int], year: int, *,
    user: CurrentUser | None = None,
) -> LinkResult:
    """Link the unambiguous mover pairs touching these communes (one pair per row at most).

    A pair is a moved-out row (unlinked, destination unset or the other row's commune) and an
    unlinked row of another commune of the province that is counted there and is either marked
    moved in or is in the destination the moved-out row names. Candidates are found through the
    person indexes (personal ID, name key), so a commune's import does not scan the province.
    """
    result = LinkResult()
    scope_ids = await province_communes(conn, commune_ids, year)
    if not scope_ids:
        return result
    pairs = await conn.fetch(_LINK_SQL, list(commune_ids), scope_ids, year)
    outs = Counter(r["out_id"] for r in pairs)
    ins = Counter(r["in_id"] for r in pairs)
    locked: dict[int, bool] = {}
    for pair in pairs:
        if outs[pair["out_id"]] != 1 or ins[pair["in_id"]] != 1:
            continue  # ambiguous: left to the duplicates report
        rows = {
            r["id"]: r
            for r in await conn.fetch(
                f"SELECT {_ROW} FROM person_year py WHERE py.id = ANY($1::int[])",
                [pair["out_id"], pair["in_id"]],
            )
        }
        if any([await _is_closed(conn, locked, r["commune"], year) for r in rows.values()]):
            continue  # a closed commune is not changed: left to the duplicates report
        await gate.check_open(conn, [r["commune"] for r in rows.values()], year)
        out_row, in_row = rows[pair["out_id"]], rows[pair["in_id"]]
        if user is not None and not await may_link_directly(
            user, (out_row["commune"], in_row["commune"]), year
        ):
            match = "personal_id" if pair["by_id"] else "name"
            if await propose_pair(conn, out_row, in_row, user, match) is not None:
                result.proposals += 1
            continue
        result.touched |= await link_pair(conn, out_row, in_row, user)
        result.pairs += 1
    return result


# --- "chuyển đi" ---------------------------------------------------------------------------------


async def _row(conn: asyncpg.Connection | asyncpg.Pool, person_year_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {_ROW}, p.birth_date, p.birth_year FROM person_year py"
        " JOIN person p ON p.id = py.person WHERE py.id = $1",
        person_year_id,
    )
    if row is None:
        raise NotFound(f"không có bản ghi {person_year_id}")
    return row


read_row = _row  # one person-year row with the fields linking needs


async def member(person_year_id: int) -> dict[str, Any]:
    """One member row for the "chuyển đi" page."""
    row = await db.pool().fetchrow(
        "SELECT py.id, py.commune AS commune_id, py.household AS household_id, py.year,"
        " py.movement, py.movement_date, h.household_code, p.full_name, p.birth_year"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " JOIN household h ON h.id = py.household WHERE py.id = $1",
        person_year_id,
    )
    if row is None:
        raise NotFound(f"không có bản ghi {person_year_id}")
    return dict(row)


async def year_of(person_year_id: int) -> int:
    year = await db.pool().fetchval("SELECT year FROM person_year WHERE id = $1", person_year_id)
    if year is None:
        raise NotFound(f"không có bản ghi {person_year_id}")
    return int(year)


HIDDEN_ROW = "không có bản ghi này hoặc bản ghi nằm ngoài phạm vi của tài khoản"


async def scoped_year(user: CurrentUser, person_year_id: int) -> int:
    """The year of a person-year row the user may see; a missing row and one outside the
    user's units answer the same 403 (the administrator gets the plain 404)."""
    row = None
    if 0 < person_year_id < 2**31:
        row = await db.pool().fetchrow(
            "SELECT commune, year FROM person_year WHERE id = $1", person_year_id
        )
    if row is None:
        if user.is_admin:
            raise NotFound(f"không có bản ghi {person_year_id}")
        raise Forbidden(HIDDEN_ROW)
    if not (await scope_for(user, row["year"])).allows(row["commune"]):
        raise Forbidden(HIDDEN_ROW)
    return int(row["year"])


def _check_date(when: date, year: int, row: asyncpg.Record) -> None:
    end = date(year, 9, 30)
    problems = []
    if when > end:
        problems.append(f"sau ngày cuối kỳ số liệu {end:%d/%m/%Y}")
    born = row["birth_date"] or date(row["birth_year"], 1, 1)
    if when < born:
        problems.append("trước ngày sinh")
    if problems:
        raise ValidationFailed(
            "ngày chuyển đi không hợp lệ",
            [{"row": -1, "field": "movement_date", "message": f"Ngày biến động: {p}"}
             for p in problems],
        )


@dataclass(slots=True)
class MoveResult:
    person_year_id: int
    moved_to: str | None
    linked_to: int | None
    linked_commune: str | None
    proposal: int | None = None  # a link waiting for the destination commune to confirm

    def to_json(self) -> dict[str, Any]:
        return {"person_year_id": self.person_year_id, "movement": "moved_out",
                "moved_to_commune": self.moved_to, "linked": self.linked_to,
                "linked_commune": self.linked_commune, "proposal": self.proposal}


async def move_out(
    user: CurrentUser | None,
    scope: Scope | None,
    person_year_id: int,
    *,
    movement_date: date,
    to_commune: str | None = None,
    reason: str = "",
) -> MoveResult:
    """Record that a member moved out (optionally naming the destination commune) and link
    them to their record there when the destination is in the same province."""
    row = await _row(db.pool(), person_year_id)
    year = row["year"]
    if scope is not None:
        scope.check(row["commune"])
    dest = None
    if to_commune:
        dest = await units.resolve(to_commune, year, kind="commune")
        if dest.id == row["commune"]:
            raise UserError("xã chuyển đến trùng với xã hiện tại")
    _check_date(movement_date, year, row)
    linked_to = linked_commune = proposal = None
    async with db.transaction() as conn:
        await gate.check_open(conn, [row["commune"]], year)
        await rollup.subtract_households(conn, [row["household"]])
        await conn.execute(
            "UPDATE person_year SET movement = 'moved_out', movement_date = $2,"
            " moved_to_commune = $3, confirmed = TRUE WHERE id = $1",
            person_year_id, movement_date, dest.id if dest else None,
        )
        await _bump(conn, [row["household"]])
        await rollup.add_households(conn, [row["household"]])
        await audit.record(
            conn, user, "move_out", "person_year", person_year_id, commune_id=row["commune"],
            year=year, before={"movement": row["movement"]},
            after={"movement": "moved_out", "movement_date": movement_date,
                   "moved_to_commune": dest.code if dest else None},
            reason=reason,
        )
        if (
            dest is not None and row["linked"] is None
            and not await _is_closed(conn, {}, dest.id, year)
        ):
            found = await _destination_match(conn, person_year_id, dest.id, year)
            if found is not None:
                out_row = await _row(conn, person_year_id)
                if user is not None and not await may_link_directly(
                    user, (out_row["commune"], dest.id), year
                ):
                    match = "personal_id" if found["by_id"] else "name"
                    proposal = await propose_pair(conn, out_row, found, user, match)
                else:
                    await gate.check_open(conn, [dest.id], year)
                    await refresh_counts(conn, await link_pair(conn, out_row, found, user))
                    linked_to, linked_commune = found["id"], dest.code
    return MoveResult(person_year_id, dest.code if dest else None, linked_to, linked_commune,
                      proposal)


async def _destination_match(
    conn: asyncpg.Connection, person_year_id: int, dest_id: int, year: int
) -> asyncpg.Record | None:
    """The single counted, unlinked row of the destination that is this person, if any."""
    if dest_id not in await province_communes(
        conn, [await conn.fetchval("SELECT commune FROM person_year WHERE id = $1",
                                   person_year_id)], year
    ):
        return None  # another province: the move is recorded, nothing to link
    rows = await conn.fetch(
        f"SELECT {_ROW}, coalesce(po.personal_id = pi.personal_id, FALSE) AS by_id"
        " FROM person_year o JOIN person po ON po.id = o.person,"
        " person_year py JOIN person pi ON pi.id = py.person"
        f" WHERE o.id = $1 AND py.commune = $2 AND py.year = $3 AND py.linked IS NULL"
        f" AND {COUNTED.format(a='py')} AND py.person <> o.person"
        f" AND {same_person_sql('po', 'pi')}",
        person_year_id, dest_id, year,
    )
    return rows[0] if len(rows) == 1 else None


# --- duplicates ----------------------------------------------------------------------------------

# Two equi-joins (hashable) rather than one join on an OR: a province has a million rows.
_DUPLICATES_SQL = f"""
WITH r AS (
    SELECT py.id, py.person, py.commune, py.movement, py.linked, p.personal_id, p.name_key,
           p.full_name, p.birth_year, p.birth_date, p.father_name, p.mother_name
    FROM person_year py JOIN person p ON p.id = py.person
    WHERE py.year = $2 AND py.commune = ANY($1::int[]) AND py.movement <> 'deceased'
),
pairs AS (
    SELECT a.id AS a, b.id AS b, 'personal_id' AS match
    FROM r a JOIN r b ON b.personal_id = a.personal_id
    WHERE a.id < b.id AND a.person <> b.person
    UNION ALL
    SELECT a.id, b.id, 'name'
    FROM r a JOIN r b ON b.name_key = a.name_key AND b.birth_year = a.birth_year
    WHERE a.id < b.id AND a.person <> b.person AND {by_name_sql("a", "b")}
),
found AS (
    SELECT DISTINCT ON (p.a, p.b) p.a, p.b, p.match, a.commune,
           CASE WHEN a.movement <> 'moved_out' AND b.movement <> 'moved_out'
                THEN 'counted_twice' ELSE 'unlinked_move' END AS kind
    FROM pairs p JOIN r a ON a.id = p.a JOIN r b ON b.id = p.b
    WHERE NOT (a.movement = 'moved_out' AND b.movement = 'moved_out')
      AND (a.movement <> 'moved_out' OR (a.linked IS NULL AND b.linked IS NULL
                                         AND a.commune <> b.commune))
      AND (b.movement <> 'moved_out' OR (a.linked IS NULL AND b.linked IS NULL
                                         AND a.commune <> b.commune))
    ORDER BY p.a, p.b, p.match DESC
)
SELECT a, b, match, kind FROM found ORDER BY kind, commune, a LIMIT $3
"""

_DETAIL_SQL = """
SELECT py.id, py.commune AS commune_id, u.code AS commune, u.name AS commune_name,
       py.household AS household_id, h.household_code, m.name AS hamlet, py.relation,
       p.id AS person_id, p.full_name, p.birth_date, p.birth_year, p.sex,
       coalesce(p.personal_id, '') AS personal_id, p.father_name, p.mother_name,
       py.movement, py.movement_date, py.enrolled_level, py.enrolled_grade, py.linked
FROM person_year py JOIN person p ON p.id = py.person JOIN household h ON h.id = py.household
JOIN hamlet m ON m.id = h.hamlet JOIN admin_unit u ON u.id = py.commune
WHERE py.id = ANY($1::int[])
"""


def _side(row: asyncpg.Record) -> dict[str, Any]:
    d = dict(row)
    d["birth"] = row["birth_date"].strftime("%d/%m/%Y") if row["birth_date"] else str(
        row["birth_year"]
    )
    d["birth_date"] = row["birth_date"].isoformat() if row["birth_date"] else None
    d["movement_date"] = row["movement_date"].isoformat() if row["movement_date"] else None
    return d


async def find_duplicates(province: units.Unit, year: int, *, limit: int = 2000
                          ) -> list[dict[str, Any]]:
    """Candidate pairs in the communes of a province (or of any unit) for the year."""
    communes = [c.id for c in await units.communes_under(province, year)]
    async with db.pool().acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        pairs = await conn.fetch(_DUPLICATES_SQL, communes, year, limit)
        ids = sorted({r["a"] for r in pairs} | {r["b"] for r in pairs})
        detail = {r["id"]: _side(r) for r in await conn.fetch(_DETAIL_SQL, ids)} if ids else {}
    return [
        {"kind": r["kind"], "match": r["match"], "same_commune":
         detail[r["a"]]["commune_id"] == detail[r["b"]]["commune_id"],
         "a": detail[r["a"]], "b": detail[r["b"]]}
        for r in pairs
    ]


@dataclass(slots=True)
class MergeResult:
    kept: int
    other: int
    action: str  # 'moved_out' | 'deleted' | 'linked'
    merged_persons: bool

    def to_json(self) -> dict[str, Any]:
        return {"kept": self.kept, "other": self.other, "action": self.action,
                "merged_persons": self.merged_persons}


async def merge(
    user: CurrentUser | None,
    scope: Scope | None,
    keep_id: int,
    other_id: int,
    *,
    movement_date: date | None = None,
    reason: str = "",
) -> MergeResult:
    """Resolve a duplicate pair, keeping `keep_id` as the record where the person is counted."""
    if keep_id == other_id:
        raise UserError("hai bản ghi phải khác nhau")
    try:
        keep, other = await _row(db.pool(), keep_id), await _row(db.pool(), other_id)
    except NotFound:
        if scope is None or scope.commune_ids is None:
            raise
        raise Forbidden(HIDDEN_ROW) from None
    if scope is not None:
        scope.check(keep["commune"])
        scope.check(other["commune"])
    year = keep["year"]
    if other["year"] != year:
        raise UserError("hai bản ghi thuộc hai năm điều tra khác nhau")
    if keep["movement"] in ("moved_out", "deceased"):
        raise UserError("bản ghi được giữ phải là bản ghi đang được tính (không chuyển đi/chết)")
    if scope is not None:
        scope.check(keep["commune"])
        scope.check(other["commune"])
    same_commune = keep["commune"] == other["commune"]
    if same_commune and other["relation"] == "chu_ho":
        raise UserError("bản ghi trùng là chủ hộ: hãy sửa hộ đó trước rồi mới gộp")
    period_end = date(year, 9, 30)
    when = (
        movement_date or keep["movement_date"] or other["movement_date"]
        or min(date.today(), period_end)
    )
    async with db.transaction() as conn:
        await gate.check_open(conn, [other["commune"], keep["commune"]], year)
        households = sorted({keep["household"], other["household"]})
        await rollup.subtract_households(conn, households)
        touched = {
            (r["commune"], r["year"])
            for r in await conn.fetch(
                "SELECT commune, year FROM person_year WHERE person = $1"
                " AND NOT (household = ANY($2::int[]))",
                other["person"], households,
            )
        }
        if same_commune:
            await conn.execute("UPDATE person_year SET linked = NULL WHERE linked = $1", other_id)
            await conn.execute("DELETE FROM person_year WHERE id = $1", other_id)
            action = "deleted"
        else:
            action = "linked" if other["movement"] == "moved_out" else "moved_out"
            await conn.execute(
                "UPDATE person_year SET movement = 'moved_out',"
                " movement_date = CASE WHEN movement = 'moved_out' AND movement_date IS NOT NULL"
                "  THEN movement_date ELSE $2 END,"
                " moved_to_commune = $3, linked = $4, confirmed = TRUE WHERE id = $1",
                other_id, when, keep["commune"], keep_id,
            )
            await conn.execute(
                "UPDATE person_year SET linked = $2,"
                " movement = CASE WHEN movement = '' THEN 'moved_in' ELSE movement END,"
                " movement_date = CASE WHEN movement = '' THEN $3 ELSE movement_date END"
                " WHERE id = $1",
                keep_id, other_id, when,
            )
        merged = await merge_persons(conn, keep["person"], other["person"])
        if same_commune and not merged:
            raise UserError("không gộp được: người trùng còn được tính ở nơi khác năm khác")
        await _bump(conn, households)
        await rollup.add_households(conn, households)
        await refresh_counts(conn, touched)
        for row, role in ((keep, "kept"), (other, action)):
            await audit.record(
                conn, user, "merge_duplicate", "person_year", row["id"],
                commune_id=row["commune"], year=year,
                after={"role": role, "kept": keep_id, "other": other_id,
                       "merged_persons": merged},
                reason=reason,
            )
    return MergeResult(keep_id, other_id, action, merged)
