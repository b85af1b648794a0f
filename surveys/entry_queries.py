"""Read-side queries of the household entry pages: filtered lists, hamlet counts, problems.

The write path stays in `surveys.service`; this module only reads. Filters are whitelisted SQL
fragments (never user text in SQL) and every list query is restricted by the caller's `Scope`.
"Has problems" re-runs the save's rules on each stored household (cached per version, so a list
view after a save re-checks only what changed) and flags personal IDs shared by households.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.common.masking import mask_id
from surveys.roll.fields import COLUMN_NAMES
from surveys.roll.text import name_key
from surveys.roll.validate import parse_roll_rows
from surveys.roll.values import format_date

# Age = survey year − birth year (standards.md §1). Bands follow the criteria's bands.
AGE_BANDS: dict[str, tuple[str, int, int]] = {
    "0-4": ("Dưới 5 tuổi", 0, 4),
    "5": ("5 tuổi (MN 5 tuổi)", 5, 5),
    "6": ("6 tuổi (vào lớp 1)", 6, 6),
    "6-10": ("6–10 tuổi", 6, 10),
    "11-14": ("11–14 tuổi", 11, 14),
    "15-18": ("15–18 tuổi (THCS)", 15, 18),
    "15-35": ("15–35 tuổi (XMC mức 1)", 15, 35),
    "15-60": ("15–60 tuổi (XMC mức 2)", 15, 60),
    "61+": ("Trên 60 tuổi", 61, 200),
}

# A household matches a status when at least one member has it.
STATUSES: dict[str, tuple[str, str]] = {
    "unconfirmed": ("Chưa xác nhận (chuyển từ năm trước)", "NOT py.confirmed"),
    "moved_in": ("Có người chuyển đến", "py.movement = 'moved_in'"),
    "moved_out": ("Có người chuyển đi", "py.movement = 'moved_out'"),
    "deceased": ("Có người đã chết", "py.movement = 'deceased'"),
    "disabled": ("Có người khuyết tật", "py.disability <> ''"),
    "tam_tru": ("Có người tạm trú", "py.residence_type = 'tam_tru'"),
    "dropout": ("Có người bỏ học", "py.dropout_year IS NOT NULL"),
}


@dataclass(slots=True)
class Problems:
    """What the roll rules say about one stored household."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.errors) + len(self.warnings)


@dataclass(slots=True)
class ListRow:
    id: int
    household_code: str
    hamlet: str
    address: str
    head: str
    members: int
    unconfirmed: int
    version: int
    updated_at: dt.datetime | None
    problems: Problems = field(default_factory=Problems)


@dataclass(slots=True)
class ListPage:
    rows: list[ListRow]
    total: int  # households matching the filters (all pages)


def _like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    scope: Scope,
    commune_id: int,
    year: int,
    *,
    q: str = "",
    hamlet: str = "",
    age: str = "",
    status: str = "",
    only_ids: Collection[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ListPage:
    """Households of a commune matching the list page's filters, in form-number order.

    `q` matches any member's name ignoring case and diacritics, or the form number; unknown
    `age`/`status` values are ignored (they come from a select the page renders).
    """
    scope.check(commune_id)
    band = AGE_BANDS.get(age)
    status_sql = STATUSES[status][1] if status in STATUSES else "TRUE"
    key = _like(name_key(q)) if q.strip() else ""
    code_like = _like(q.strip())
    rows = await db.pool().fetch(
        "SELECT h.id, h.household_code, m.name AS hamlet, h.address, h.version, h.updated_at,"
        " coalesce(max(p.full_name) FILTER (WHERE py.relation = 'chu_ho'), '') AS head,"
        " count(py.id) AS members, count(py.id) FILTER (WHERE NOT py.confirmed) AS unconfirmed,"
        " count(*) OVER () AS total"
        " FROM household h JOIN hamlet m ON m.id = h.hamlet"
        " LEFT JOIN person_year py ON py.household = h.id LEFT JOIN person p ON p.id = py.person"
        f" WHERE h.commune = $1 AND h.year = $2 AND {scope.sql('h.commune', 3)}"
        " AND ($4 = '' OR m.name = $4)"
        " AND ($5::int[] IS NULL OR h.id = ANY($5::int[]))"
        " GROUP BY h.id, m.name"
        " HAVING ($6 = '' OR bool_or(p.name_key LIKE '%' || $6 || '%')"
        "   OR h.household_code ILIKE '%' || $7 || '%')"
        " AND ($8::int IS NULL OR coalesce(bool_or($2 - p.birth_year BETWEEN $8 AND $9), false))"
        f" AND coalesce(bool_or({status_sql}), false)"
        " ORDER BY length(h.household_code), h.household_code LIMIT $10 OFFSET $11",
        commune_id, year, scope.param(), hamlet.strip(),
        None if only_ids is None else list(only_ids),
        key, code_like, band[1] if band else None, band[2] if band else None, limit, offset,
    )
    total = int(rows[0]["total"]) if rows else 0
    if not rows and offset:
        total = await _count(scope, commune_id, year)  # past the end: still say how many exist
    return ListPage([_list_row(r) for r in rows], total)


def _list_row(r: Mapping[str, Any]) -> ListRow:
    return ListRow(
        id=r["id"], household_code=r["household_code"], hamlet=r["hamlet"], address=r["address"],
        head=r["head"], members=r["members"], unconfirmed=r["unconfirmed"], version=r["version"],
        updated_at=r["updated_at"],
    )


async def _count(scope: Scope, commune_id: int, year: int) -> int:
    return int(await db.pool().fetchval(
        f"SELECT count(*) FROM household h WHERE h.commune = $1 AND h.year = $2"
        f" AND {scope.sql('h.commune', 3)}",
        commune_id, year, scope.param(),
    ))


async def hamlet_counts(commune_id: int, year: int) -> list[dict[str, Any]]:
    """Every hamlet of the commune with its households and people in the survey year."""
    rows = await db.pool().fetch(
        "SELECT m.id, m.name, m.code, count(DISTINCT h.id) AS households,"
        " count(py.id) AS persons"
        " FROM hamlet m LEFT JOIN household h ON h.hamlet = m.id AND h.year = $2"
        " LEFT JOIN person_year py ON py.household = h.id"
        " WHERE m.commune = $1 GROUP BY m.id ORDER BY m.name",
        commune_id, year,
    )
    return [dict(r) for r in rows]


async def schools_of(commune_id: int) -> list[dict[str, str]]:
    """The registry's schools located in the commune (suggestions for the school code cell)."""
    rows = await db.pool().fetch(
        "SELECT code, name FROM school WHERE commune = $1 ORDER BY code", commune_id
    )
    return [{"code": r["code"], "name": r["name"]} for r in rows]


async def survey_status(commune_id: int, year: int) -> str:
    """The approval workflow state ('draft' when nothing is recorded), as the gate reads it."""
    from surveys import gate

    return (await gate.states(db.pool(), [commune_id], year))[commune_id]


def closed_message(status: str, year: int, role: str = "") -> str:
    """'' while the roll can be edited (by this role), else why not, in Vietnamese."""
    from surveys import gate

    if role in gate.REVIEWERS:
        return ("Tài khoản cấp huyện/tỉnh chỉ xem và duyệt sổ hộ của xã, không sửa được:"
                " ý kiến gửi xã bằng cách trả lại sổ kèm vấn đề.")
    return "" if status in gate.WRITABLE else gate.locked_message(status, year)


async def personal_ids_elsewhere(
    commune_id: int, year: int, ids: Collection[str], exclude_household: int | None
) -> dict[str, str]:
    """personal_id → form number of another household of the commune using it this year."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await db.pool().fetch(
        "SELECT p.personal_id, h.household_code FROM person p"
        " JOIN person_year py ON py.person = p.id JOIN household h ON h.id = py.household"
        " WHERE p.personal_id = ANY($1::text[]) AND py.commune = $2 AND py.year = $3"
        " AND ($4::int IS NULL OR py.household <> $4)",
        wanted, commune_id, year, exclude_household,
    )
    return {r["personal_id"]: r["household_code"] for r in rows}


async def household_code_taken(
    commune_id: int, year: int, code: str, exclude_household: int | None
) -> bool:
    """Whether another household of the commune already uses this form number this year."""
    if not code.strip():
        return False
    return bool(await db.pool().fetchval(
        "SELECT EXISTS (SELECT 1 FROM household WHERE commune = $1 AND year = $2"
        " AND household_code = $3 AND ($4::int IS NULL OR id <> $4))",
        commune_id, year, code.strip(), exclude_household,
    ))


async def learner_as_member(learner_id: int, commune_id: int, year: int) -> dict[str, Any] | None:
    """A learner living in the commune (school list) as a new household member for the form."""
    row = await db.pool().fetchrow(
        "SELECT l.full_name, l.birth_date, l.sex, coalesce(l.personal_id, '') AS personal_id,"
        " CASE WHEN l.level = 'GDTX' THEN CASE WHEN l.grade IN ('6','7','8','9')"
        " THEN 'GDTX_THCS' ELSE 'GDTX_THPT' END ELSE l.level END AS enrolled_level,"
        " l.grade AS enrolled_grade, s.code AS school_code"
        " FROM learner l JOIN school s ON s.id = l.school"
        " WHERE l.id = $1 AND l.home_commune = $2 AND l.year = $3",
        learner_id, commune_id, year,
    )
    if row is None:
        return None
    member = dict(row)
    member["birth_date"] = row["birth_date"].isoformat() if row["birth_date"] else ""
    member["confirmed"] = True
    return member


# --- problems of stored households --------------------------------------------------------------

_ROLL_SQL = """
SELECT h.id AS household_id, h.household_code, m.name AS hamlet, h.address, p.full_name,
       p.birth_date, p.birth_year, p.sex, p.ethnicity, coalesce(p.personal_id, '') AS personal_id,
       p.father_name, p.mother_name, py.relation, py.residence_type, py.disability, py.movement,
       py.movement_date, py.enrolled_level, py.enrolled_grade, py.school_code,
       py.mn_completed_year, py.mn_group_completed, py.th_completed_year, py.thcs_graduated_year,
       py.thpt_graduated_year, py.gdnn_completed_year, py.xmc_stage_completed, py.dropout_grade,
       py.dropout_year
FROM household h JOIN hamlet m ON m.id = h.hamlet
JOIN person_year py ON py.household = h.id JOIN person p ON p.id = py.person
WHERE h.id = ANY($1::int[])
ORDER BY h.id, py.position, py.id
"""

_SHARED_IDS_SQL = """
WITH used AS (
    SELECT DISTINCT p.personal_id, h.id, h.household_code
    FROM person p JOIN person_year py ON py.person = p.id JOIN household h ON h.id = py.household
    WHERE h.commune = $1 AND h.year = $2 AND p.personal_id <> ''
)
SELECT personal_id, id, household_code
FROM (SELECT *, count(*) OVER (PARTITION BY personal_id) AS n FROM used) u
WHERE n > 1 ORDER BY personal_id, household_code
"""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _member(r: Mapping[str, Any]) -> dict[str, str]:
    values = {name: _text(r.get(name)) for name in COLUMN_NAMES}
    values["birth_date"] = format_date(r["birth_date"], r["birth_year"])
    values["movement_date"] = format_date(r["movement_date"])
    return values


def _check(members: list[dict[str, str]], year: int, schools: Collection[str] | None) -> Problems:
    """The rules a save applies, on one stored household (messages as the form shows them)."""
    found = Problems()
    for issue in parse_roll_rows(members, year=year, known_schools=schools).issues:
        (found.errors if issue.severity == "error" else found.warnings).append(issue.message)
    return found


# (commune, year) → household id → (version it was checked at, problems); a save bumps the
# version, so only the households saved since the last look are checked again.
_checked: dict[tuple[int, int], dict[int, tuple[int, Problems]]] = {}


async def problems(
    commune_id: int, year: int, known_schools: Collection[str] | None
) -> dict[int, Problems]:
    """Errors and warnings of the commune's stored households, by household id.

    Each household is checked with the save's rules (cached per version); a personal ID shared
    by households of the commune is flagged on all of them.
    """
    versions = {
        r["id"]: r["version"]
        for r in await db.pool().fetch(
            "SELECT id, version FROM household WHERE commune = $1 AND year = $2",
            commune_id, year,
        )
    }
    cache = _checked.setdefault((commune_id, year), {})
    for gone in cache.keys() - versions.keys():
        del cache[gone]
    stale = [hid for hid, v in versions.items() if cache.get(hid, (None,))[0] != v]
    if stale:
        members: dict[int, list[dict[str, str]]] = {hid: [] for hid in stale}
        for r in await db.pool().fetch(_ROLL_SQL, stale):
            members[r["household_id"]].append(_member(r))
        for hid in stale:
            cache[hid] = (versions[hid], _check(members[hid], year, known_schools))
    found = {hid: Problems(list(p.errors), list(p.warnings))
             for hid, (_, p) in cache.items() if p.count}
    shared: dict[str, list[tuple[int, str]]] = {}
    for r in await db.pool().fetch(_SHARED_IDS_SQL, commune_id, year):
        shared.setdefault(r["personal_id"], []).append((r["id"], r["household_code"]))
    for pid, households in shared.items():
        for hid, _ in households:
            others = ", ".join(c for h, c in households if h != hid)
            message = f"Số định danh: {mask_id(pid)} đã có ở hộ {others}"  # a list: masked
            found.setdefault(hid, Problems()).warnings.append(message)
    return found
