"""Opening survey year Y+1 from year Y for a commune or a whole province (`pcgd rollforward`).

Every resident of Y is carried into a new household of Y+1 (same form number, hamlet and
address) as the same `person`; people recorded as moved out or deceased in Y are not carried
(nor households left empty). Carried rows have no movement (a mover of Y is a resident now) and
are `confirmed = false` ("chưa xác nhận") until staff confirm them. Schooling advances one year:

- MN: NT → NT while the child is under 3 in Y+1, else group 3; 3 → 4 → 5, recording the group
  completed; 5 → TH grade 1 with `mn_completed_year = Y+1`.
- TH 1–4 → next grade; TH 5 → THCS 6 with `th_completed_year = Y+1`.
- THCS / GDTX_THCS 6–8 → next grade; 9 → `thcs_graduated_year = Y+1`, enrolment left blank
  (the next school is unknown: the check list asks for it).
- THPT / GDTX_THPT 10–11 → next grade; 12 → `thpt_graduated_year = Y+1`, enrolment blank.
- XMC stage 1 → stage 2 with stage 1 completed; stage 2 → stage 2 completed, enrolment blank.
- GDNN and people not enrolled are carried as they are. The school code is kept while the
  level stays the same, cleared when it changes.

Completion years are Y+1, not Y: a survey's enrolment is the school year starting in September
of the survey year, so a pupil in grade 5 in survey Y finishes primary in May of Y+1 (the same
convention as the roll: a grade-1 pupil of survey 2025 has `mn_completed_year = 2025`).

From 2024 to 2025 the unit tree changes: each old commune goes to its successor (via the unit
succession); when several old communes become one, form numbers that collide get the old
commune's code as prefix and hamlet names that collide get the old commune's name.
Year Y+1 must be empty for each target commune unless `replace` (then its Y+1 data is deleted
first). Counts are rebuilt; one audit entry per commune.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import Forbidden, UserError
from pcgd.units import service as units
from surveys import gate
from surveys.importer import next_ids
from surveys.rollup import service as rollup

# (level, grade) → (next level, next grade, what was completed)
STEPS: tuple[tuple[str, str, str, str, str], ...] = (
    ("MN", "3", "MN", "4", "mn3"),
    ("MN", "4", "MN", "5", "mn4"),
    ("MN", "5", "TH", "1", "mn"),
    *((("TH", str(g), "TH", str(g + 1), "")) for g in range(1, 5)),
    ("TH", "5", "THCS", "6", "th"),
    *((lv, str(g), lv, str(g + 1), "") for lv in ("THCS", "GDTX_THCS") for g in range(6, 9)),
    ("THCS", "9", "", "", "thcs"),
    ("GDTX_THCS", "9", "", "", "thcs"),
    *((lv, str(g), lv, str(g + 1), "") for lv in ("THPT", "GDTX_THPT") for g in (10, 11)),
    ("THPT", "12", "", "", "thpt"),
    ("GDTX_THPT", "12", "", "", "thpt"),
    ("XMC", "1", "XMC", "2", "xmc1"),
    ("XMC", "2", "", "", "xmc2"),
)
_STEPS_SQL = ", ".join(
    f"('{a}', '{b}', '{c}', '{d}', '{e}')" for a, b, c, d, e in STEPS
)

_CARRY_SQL = f"""
INSERT INTO person_year (
    person, household, commune, year, position, relation, residence_type, disability,
    movement, movement_date, enrolled_level, enrolled_grade, school_code,
    mn_completed_year, mn_group_completed, th_completed_year, thcs_graduated_year,
    thpt_graduated_year, gdnn_completed_year, xmc_stage_completed, dropout_grade, dropout_year,
    confirmed)
SELECT o.person, m.new_id, m.commune, $1::int, o.position, o.relation, o.residence_type,
    o.disability, '', NULL,
    coalesce(s.next_level, o.enrolled_level),
    CASE WHEN o.enrolled_level = 'MN' AND o.enrolled_grade = 'NT'
         THEN CASE WHEN $1::int - p.birth_year >= 3 THEN '3' ELSE 'NT' END
         ELSE coalesce(s.next_grade, o.enrolled_grade) END,
    CASE WHEN s.next_level IS NULL OR s.next_level = o.enrolled_level THEN o.school_code
         ELSE '' END,
    CASE WHEN s.done = 'mn' THEN coalesce(o.mn_completed_year, $1::int)
         ELSE o.mn_completed_year END,
    CASE WHEN s.done = 'mn' THEN 5
         WHEN s.done = 'mn3' THEN greatest(o.mn_group_completed, 3)
         WHEN s.done = 'mn4' THEN greatest(o.mn_group_completed, 4)
         ELSE o.mn_group_completed END,
    CASE WHEN s.done = 'th' THEN coalesce(o.th_completed_year, $1::int)
         ELSE o.th_completed_year END,
    CASE WHEN s.done = 'thcs' THEN coalesce(o.thcs_graduated_year, $1::int)
         ELSE o.thcs_graduated_year END,
    CASE WHEN s.done = 'thpt' THEN coalesce(o.thpt_graduated_year, $1::int)
         ELSE o.thpt_graduated_year END,
    o.gdnn_completed_year,
    CASE WHEN s.done = 'xmc1' THEN greatest(o.xmc_stage_completed, 1)
         WHEN s.done = 'xmc2' THEN 2 ELSE o.xmc_stage_completed END,
    o.dropout_grade, o.dropout_year, FALSE
FROM person_year o
JOIN rf_map m ON m.old_id = o.household
JOIN person p ON p.id = o.person
LEFT JOIN (VALUES {_STEPS_SQL}) AS s(level, grade, next_level, next_grade, done)
    ON s.level = o.enrolled_level AND s.grade = o.enrolled_grade
WHERE o.movement NOT IN ('moved_out', 'deceased')
"""

_SOURCE_SQL = """
SELECT h.id, h.commune, h.household_code, m.name AS hamlet, h.address,
       count(py.id) FILTER (WHERE py.movement NOT IN ('moved_out', 'deceased')) AS carried,
       count(py.id) FILTER (WHERE py.movement IN ('moved_out', 'deceased')) AS left
FROM household h JOIN hamlet m ON m.id = h.hamlet
LEFT JOIN person_year py ON py.household = h.id
WHERE h.commune = ANY($1::int[]) AND h.year = $2
GROUP BY h.id, m.name ORDER BY h.id
"""


@dataclass(slots=True)
class CommuneResult:
    code: str
    name: str
    sources: list[str]
    households: int = 0
    persons: int = 0
    not_carried_persons: int = 0
    not_carried_households: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "from": self.sources,
            "households": self.households, "persons": self.persons,
            "not_carried_persons": self.not_carried_persons,
            "not_carried_households": self.not_carried_households,
        }


@dataclass(slots=True)
class RollForwardResult:
    from_year: int
    year: int
    communes: list[CommuneResult] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "from_year": self.from_year,
            "year": self.year,
            "households": sum(c.households for c in self.communes),
            "persons": sum(c.persons for c in self.communes),
            "communes": [c.to_json() for c in self.communes],
            "checks": self.checks,
        }


async def with_data(communes: Sequence[units.Unit], year: int) -> list[units.Unit]:
    """The communes that have households in `year` (only those are carried)."""
    rows = await db.pool().fetch(
        "SELECT DISTINCT commune FROM household WHERE commune = ANY($1::int[]) AND year = $2",
        [c.id for c in communes], year,
    )
    found = {r["commune"] for r in rows}
    return [c for c in communes if c.id in found]


async def targets_for(
    sources: Sequence[units.Unit], year: int
) -> dict[int, tuple[units.Unit, list[units.Unit]]]:
    """Target commune of year `year` for each source commune: target id → (target, sources)."""
    ref = units.reference_date(year)
    pool = db.pool()
    ids = [s.id for s in sources]
    valid = {
        r["id"]
        for r in await pool.fetch(
            f"SELECT u.id FROM admin_unit u WHERE u.id = ANY($2::int[]) AND {units.VALID_SQL}",
            ref, ids,
        )
    }
    succ: dict[int, list[int]] = defaultdict(list)
    for r in await pool.fetch(
        "SELECT s.old_unit, s.new_unit FROM unit_succession s JOIN admin_unit u ON u.id ="
        f" s.new_unit WHERE s.old_unit = ANY($2::int[]) AND {units.VALID_SQL}",
        ref, [i for i in ids if i not in valid],
    ):
        succ[r["old_unit"]].append(r["new_unit"])
    out: dict[int, tuple[units.Unit, list[units.Unit]]] = {}
    for s in sources:
        if s.id in valid:
            target_id = s.id
        elif len(succ[s.id]) == 1:
            target_id = succ[s.id][0]
        elif not succ[s.id]:
            raise UserError(f"không tìm được xã của năm {year} kế tiếp {s.name} ({s.code})")
        else:
            raise UserError(
                f"{s.name} ({s.code}) được chia cho {len(succ[s.id])} xã mới năm {year}: hãy"
                " xuất danh sách rồi nhập vào từng xã mới"
            )
        if target_id not in out:
            out[target_id] = (await units.get(target_id), [])
        out[target_id][1].append(s)
    return out


def _rename(rows: list[asyncpg.Record], sources: list[units.Unit]) -> list[dict[str, Any]]:
    """New form number and hamlet per carried household (prefixes only where names collide)."""
    by_id = {s.id: s for s in sources}
    plural = len(sources) > 1
    code_sources = Counter()
    hamlet_sources = Counter()
    if plural:
        code_sources.update({(r["household_code"], r["commune"]) for r in rows})
        hamlet_sources.update({(r["hamlet"], r["commune"]) for r in rows})
    codes = Counter(code for code, _ in code_sources)
    hamlets = Counter(name for name, _ in hamlet_sources)
    out = []
    for r in rows:
        src = by_id[r["commune"]]
        code, hamlet = r["household_code"], r["hamlet"]
        if codes[code] > 1:
            code = f"{src.code}-{code}"
        if hamlets[hamlet] > 1:
            hamlet = f"{hamlet} ({src.name})"
        out.append({"old_id": r["id"], "code": code, "hamlet": hamlet, "address": r["address"]})
    return out


async def _clear_year(conn: asyncpg.Connection, commune_id: int, year: int) -> None:
    """Delete a commune's rows of one year (--replace), then persons nobody refers to."""
    await conn.execute(
        "UPDATE person_year y SET linked = NULL FROM person_year d"
        " WHERE y.linked = d.id AND d.commune = $1 AND d.year = $2",
        commune_id, year,
    )
    people = await conn.fetch(
        "DELETE FROM person_year WHERE commune = $1 AND year = $2 RETURNING person",
        commune_id, year,
    )
    await conn.execute("DELETE FROM household WHERE commune = $1 AND year = $2", commune_id, year)
    await conn.execute(
        "DELETE FROM person p USING unnest($1::int[]) AS d(id) WHERE p.id = d.id"
        " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id)",
        list({r["person"] for r in people}),
    )


async def roll_forward(
    unit: units.Unit,
    from_year: int,
    *,
    user: CurrentUser | None = None,
    scope: Scope | None = None,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> RollForwardResult:
    """Open `from_year + 1` for every commune under `unit` (resolved in `from_year`)."""
    year = from_year + 1
    units.check_year(year)
    sources = await with_data(await units.communes_under(unit, from_year), from_year)
    if not sources:
        raise UserError(f"{unit.name} ({unit.code}) chưa có dữ liệu hộ năm {from_year}")
    targets = await targets_for(sources, year)
    if scope is not None and scope.year == year:
        for target, _ in targets.values():
            if not scope.allows(target.id):
                raise Forbidden(f"{target.name} năm {year} nằm ngoài phạm vi của tài khoản")
    result = RollForwardResult(from_year, year)
    now = datetime.now(UTC)
    try:
        async with db.transaction() as conn:
            existing = await conn.fetch(
                "SELECT DISTINCT u.code, u.name FROM household h JOIN admin_unit u"
                " ON u.id = h.commune WHERE h.commune = ANY($1::int[]) AND h.year = $2",
                list(targets), year,
            )
            if existing and not replace:
                names = ", ".join(f"{r['name']} ({r['code']})" for r in existing[:5])
                more = f" và {len(existing) - 5} xã khác" if len(existing) > 5 else ""
                raise UserError(
                    f"năm {year} đã có dữ liệu: {names}{more}; dùng --replace (thay thế) nếu"
                    " muốn làm lại (xã mới gộp từ nhiều xã cũ: mở năm cho cả huyện/tỉnh cũ)"
                )
            for done, (target, srcs) in enumerate(targets.values(), start=1):
                await gate.check_open(conn, [target.id], year)
                await audit.set_source(conn, f"chuyển năm từ {from_year}")
                result.communes.append(
                    await _carry_commune(conn, target, srcs, from_year, now, user, replace)
                )
                if on_progress:
                    on_progress(done, len(targets))
            await rollup.rebuild_communes(conn, list(targets), year)
    except asyncpg.UniqueViolationError as exc:
        raise UserError(
            f"có người sẽ được tính hai lần năm {year} (đã có ở xã khác năm {year});"
            " hãy xử lý báo cáo trùng lặp rồi làm lại"
        ) from exc
    result.checks = await checklist(list(targets), year)
    return result


async def _carry_commune(
    conn: asyncpg.Connection,
    target: units.Unit,
    sources: list[units.Unit],
    from_year: int,
    now: datetime,
    user: CurrentUser | None,
    replace: bool,
) -> CommuneResult:
    year = from_year + 1
    out = CommuneResult(target.code, target.name, [s.code for s in sources])
    if replace:
        await _clear_year(conn, target.id, year)
    rows = await conn.fetch(_SOURCE_SQL, [s.id for s in sources], from_year)
    carried = [r for r in rows if r["carried"]]
    out.not_carried_households = len(rows) - len(carried)
    out.not_carried_persons = sum(r["left"] for r in rows)
    plan = _rename(carried, sources)
    names = sorted({p["hamlet"] for p in plan})
    await conn.execute(
        "INSERT INTO hamlet (commune, name, code) SELECT $1, n, '' FROM unnest($2::text[]) n"
        " ON CONFLICT (commune, name) DO NOTHING",
        target.id, names,
    )
    hamlets = {
        r["name"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, name FROM hamlet WHERE commune = $1 AND name = ANY($2::text[])",
            target.id, names,
        )
    }
    ids = await next_ids(conn, "household", len(plan))
    await conn.copy_records_to_table(
        "household",
        records=[
            (hid, target.id, year, hamlets[p["hamlet"]], p["code"], p["address"], 1, now)
            for hid, p in zip(ids, plan, strict=True)
        ],
        columns=("id", "commune", "year", "hamlet", "household_code", "address", "version",
                 "updated_at"),
    )
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS rf_map (old_id int, new_id int, commune int)"
        " ON COMMIT DROP"
    )
    await conn.execute("TRUNCATE rf_map")
    await conn.copy_records_to_table(
        "rf_map", records=[(p["old_id"], hid, target.id) for hid, p in zip(ids, plan, strict=True)]
    )
    status = await conn.execute(_CARRY_SQL, year)
    out.households = len(plan)
    out.persons = int(status.split()[-1])
    await audit.record(
        conn, user, "rollforward", "commune", target.code, commune_id=target.id, year=year,
        after={"from_year": from_year, **out.to_json()},
    )
    return out


# --- what to check -------------------------------------------------------------------------------

CHECKS: tuple[tuple[str, str, str], ...] = (
    ("unconfirmed", "Chưa xác nhận (mang sang từ năm trước)", "TRUE"),
    ("finished_mn", "Vừa hoàn thành chương trình mầm non, mang sang lớp 1: kiểm tra đã vào lớp 1",
     "py.mn_completed_year = $2 AND py.enrolled_level = 'TH'"),
    ("finished_th", "Vừa hoàn thành tiểu học, mang sang lớp 6: kiểm tra kết quả và trường",
     "py.th_completed_year = $2 AND py.enrolled_level = 'THCS'"),
    ("finished_thcs", "Vừa tốt nghiệp THCS: ghi nơi học tiếp (THPT, GDTX, GDNN) nếu có",
     "py.thcs_graduated_year = $2 AND py.enrolled_level = ''"),
    ("finished_thpt", "Vừa tốt nghiệp THPT: kiểm tra kết quả và nơi học tiếp",
     "py.thpt_graduated_year = $2 AND py.enrolled_level = ''"),
    ("learners", "Đang học GDNN hoặc XMC: kiểm tra còn học, đã hoàn thành chưa",
     "py.enrolled_level IN ('GDNN', 'XMC')"),
    ("age5", "Tròn 5 tuổi: kiểm tra học lớp mẫu giáo 5 tuổi", "$2 - p.birth_year = 5"),
    ("age6", "Tròn 6 tuổi: kiểm tra vào lớp 1", "$2 - p.birth_year = 6"),
    ("age11", "Tròn 11 tuổi: kiểm tra hoàn thành chương trình tiểu học",
     "$2 - p.birth_year = 11"),
    ("age14", "Tròn 14 tuổi: kiểm tra học THCS hoặc lớp xóa mù chữ", "$2 - p.birth_year = 14"),
    ("age15", "Tròn 15 tuổi: kiểm tra tốt nghiệp THCS", "$2 - p.birth_year = 15"),
)
REMINDERS = (
    "Thêm trẻ sinh trong kỳ số liệu (từ 01/10 năm trước đến 30/09) và người mới chuyển đến.",
    "Ghi “chuyển đi” hoặc “chết” cho người không còn ở xã.",
)


async def checklist(
    commune_ids: Sequence[int], year: int, *, limit: int = 200
) -> list[dict[str, Any]]:
    """What staff still have to check in `year`: unconfirmed rows by category, with people."""
    where = (
        "py.commune = ANY($1::int[]) AND py.year = $2 AND NOT py.confirmed"
        " AND py.movement NOT IN ('moved_out', 'deceased')"
    )
    counts_sql = ", ".join(f"count(*) FILTER (WHERE {cond}) AS {key}" for key, _, cond in CHECKS)
    pool = db.pool()
    counts = await pool.fetchrow(
        f"SELECT {counts_sql} FROM person_year py JOIN person p ON p.id = py.person"
        f" WHERE {where}",
        list(commune_ids), year,
    )
    out = []
    for key, label, cond in CHECKS:
        n = counts[key] if counts else 0
        people = []
        if n and key != "unconfirmed":
            rows = await pool.fetch(
                "SELECT py.id AS person_year_id, u.code AS commune, h.id AS household_id,"
                " h.household_code, p.full_name, p.birth_year, py.enrolled_level,"
                " py.enrolled_grade FROM person_year py JOIN person p ON p.id = py.person"
                " JOIN household h ON h.id = py.household JOIN admin_unit u ON u.id = py.commune"
                f" WHERE {where} AND {cond} ORDER BY u.code, h.household_code, py.position"
                " LIMIT $3",
                list(commune_ids), year, limit,
            )
            people = [dict(r) for r in rows]
        out.append({"category": key, "label": label, "count": n, "people": people,
                    "truncated": n > len(people) and key != "unconfirmed"})
    return out
