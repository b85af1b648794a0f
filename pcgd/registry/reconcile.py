"""Roll versus registry: who disagrees, and "take the registry's value" through the audited save.

Matching is done in SQL: a roll person and a registry learner of the same school year are the
same person when their personal IDs are equal, or, when either has no ID, when the folded name
and the birth date are equal (two different IDs are never the same person). Completions are
compared with the previous school year's list, whose end-of-year results fall in the survey
year's data period (a grade-5 learner of 2024–2025 who completed primary has
`th_completed_year` 2025 on the 2025 roll).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.errors import Conflict, NotFound, UserError

CATEGORIES: dict[str, str] = {
    "not_in_registry": "Đang đi học theo phiếu nhưng không có trong danh sách trường nào",
    "different_school": "Học trường khác với phiếu điều tra",
    "different_grade": "Học cấp/lớp khác với phiếu điều tra",
    "missing_from_roll": "Học sinh cư trú tại xã nhưng không có trong phiếu điều tra",
    "completion_mismatch": "Hoàn thành/tốt nghiệp ghi ở một nguồn, nguồn kia không ghi",
}
#: roll fields a category's fix copies from the registry (completion: the row's own field)
FIX_FIELDS: dict[str, tuple[str, ...]] = {
    "different_school": ("school_code",),
    "different_grade": ("enrolled_level", "enrolled_grade"),
    "completion_mismatch": (),
}
_REGISTRY_LEVELS = "('MN', 'TH', 'THCS', 'THPT', 'GDTX_THCS', 'GDTX_THPT', 'GDNN')"
_ROLL_LEVEL = (
    "CASE WHEN l.level = 'GDTX' THEN CASE WHEN l.grade IN ('6','7','8','9') THEN 'GDTX_THCS'"
    " ELSE 'GDTX_THPT' END ELSE l.level END"
)


def _final_field(t: str) -> str:
    """SQL: the roll field a learner row `t` of a level's last grade completes, else NULL."""
    return (
        f"CASE WHEN {t}.grade = '5' AND {t}.level = 'MN' THEN 'mn_completed_year'"
        f" WHEN {t}.grade = '5' AND {t}.level = 'TH' THEN 'th_completed_year'"
        f" WHEN {t}.grade = '9' AND {t}.level IN ('THCS', 'GDTX') THEN 'thcs_graduated_year'"
        f" WHEN {t}.grade = '12' AND {t}.level IN ('THPT', 'GDTX') THEN 'thpt_graduated_year'"
        " END"
    )


_FINAL_FIELD = _final_field("l")
_PREV_FIELD = _final_field("p")


_ROLL_SQL = """
CREATE TEMP TABLE reconcile_roll ON COMMIT DROP AS
SELECT py.id AS pyid, py.commune, NULLIF(p.personal_id, '') AS pid, p.name_key, p.birth_date,
       py.enrolled_level AS level, py.enrolled_grade AS grade, py.school_code, s.id AS school,
       py.movement NOT IN ('moved_out', 'deceased') AS counted,
       py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,
       py.thpt_graduated_year
FROM person_year py JOIN person p ON p.id = py.person
LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''
WHERE py.commune = ANY($1::int[]) AND py.year = $2
"""


def _match(how: int, on: str, where: str = "TRUE") -> str:
    """Candidate pairs of a roll row and a learner of this year or last year's final grades;
    `how` 0 (same personal ID) beats 1 (same name and birth date), then the score: same school,
    then the learner's home commune. (`year IN (…)` lets a commune's run use the indexes.)"""
    return f"""
      SELECT r.pyid, r.commune, l.id AS lid, l.year, {how} AS how,
             (r.school IS NOT DISTINCT FROM l.school)::int * 2
             + (r.commune IS NOT DISTINCT FROM l.home_commune)::int AS score
      FROM roll r JOIN learner l ON l.year IN ($2, $2 - 1) AND {on}
      WHERE ({where}) AND (l.year = $2 OR ({_FINAL_FIELD}) IS NOT NULL)"""


_SQL = f"""
WITH roll AS NOT MATERIALIZED (SELECT * FROM reconcile_roll),
cand AS MATERIALIZED (
  {_match(0, "l.personal_id = r.pid")}
  UNION ALL
  {_match(1, "l.name_key = r.name_key AND l.birth_date = r.birth_date",
          "r.pid IS NULL OR l.personal_id IS NULL")}
),
pick AS MATERIALIZED (  -- each learner keeps its best roll row, then each roll row its best
  SELECT DISTINCT ON (year, pyid) year, pyid, lid FROM (
    SELECT DISTINCT ON (lid) * FROM cand ORDER BY lid, how, score DESC, pyid
  ) b ORDER BY year, pyid, how, score DESC, lid
),
listed AS (
  SELECT s.id FROM school s
  WHERE EXISTS (SELECT 1 FROM learner l WHERE l.school = s.id AND l.year = $2)
),
checked AS MATERIALIZED (  -- one pass over the roll: this year's and last year's learner
  SELECT * FROM (
    SELECT r.pyid, l.id AS lid, p.id AS plid, p.completed,
           l.id IS NULL AND r.level IN {_REGISTRY_LEVELS}
             AND (r.school_code = '' OR r.school IN (SELECT id FROM listed)) AS not_in_registry,
           l.id IS NOT NULL AND l.school IS DISTINCT FROM r.school AS different_school,
           l.id IS NOT NULL AND ({_ROLL_LEVEL} <> r.level OR l.grade <> r.grade)
             AS different_grade,
           f.field,
           CASE f.field WHEN 'mn_completed_year' THEN r.mn_completed_year
                        WHEN 'th_completed_year' THEN r.th_completed_year
                        WHEN 'thcs_graduated_year' THEN r.thcs_graduated_year
                        ELSE r.thpt_graduated_year END AS roll_value
    FROM roll r
    LEFT JOIN pick c ON c.pyid = r.pyid AND c.year = $2
    LEFT JOIN learner l ON l.id = c.lid
    LEFT JOIN pick cp ON cp.pyid = r.pyid AND cp.year = $2 - 1
    LEFT JOIN learner p ON p.id = cp.lid
    LEFT JOIN LATERAL (SELECT {_PREV_FIELD} AS field) f ON true
    WHERE r.counted
  ) x
  WHERE not_in_registry OR different_school OR different_grade OR (plid IS NOT NULL AND (
    (completed AND roll_value IS DISTINCT FROM $2) OR (NOT completed AND roll_value = $2)))
),
found AS (SELECT DISTINCT lid, commune FROM cand WHERE year = $2),
rows AS (
  SELECT 'not_in_registry' AS category, pyid, NULL::int AS lid, NULL::text AS field
  FROM checked WHERE not_in_registry
  UNION ALL
  SELECT 'different_school', pyid, lid, NULL FROM checked WHERE different_school
  UNION ALL
  SELECT 'different_grade', pyid, lid, NULL FROM checked WHERE different_grade
  UNION ALL
  SELECT 'completion_mismatch', pyid, plid, field FROM checked
  WHERE plid IS NOT NULL AND ((completed AND roll_value IS DISTINCT FROM $2)
                              OR (NOT completed AND roll_value = $2))
  UNION ALL
  SELECT 'missing_from_roll', NULL, l.id, NULL
  FROM learner l JOIN school s ON s.id = l.school
  LEFT JOIN found f ON f.lid = l.id AND f.commune = l.home_commune
  WHERE l.year = $2 AND s.commune = ANY($1::int[]) AND l.home_commune = s.commune
    AND f.lid IS NULL
)
SELECT category, pyid, lid, field FROM rows
"""
_DETAILS_SQL = f"""
SELECT x.category, x.field, py.id AS pyid, py.person, py.household, h.household_code,
       coalesce(u.code, lu.code) AS commune, coalesce(p.full_name, l.full_name) AS full_name,
       coalesce(p.birth_date, l.birth_date) AS birth_date, p.birth_year,
       coalesce(NULLIF(p.personal_id, ''), l.personal_id) AS personal_id,
       py.enrolled_level, py.enrolled_grade, py.school_code,
       py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,
       py.thpt_graduated_year,
       l.id AS lid, l.year AS l_year, s.code AS l_school, s.name AS l_school_name, l.class_name,
       {_ROLL_LEVEL} AS l_level, l.grade AS l_grade, l.completed AS l_completed
FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) AS x(category, pyid, lid, field)
LEFT JOIN person_year py ON py.id = x.pyid
LEFT JOIN person p ON p.id = py.person
LEFT JOIN household h ON h.id = py.household
LEFT JOIN admin_unit u ON u.id = py.commune
LEFT JOIN learner l ON l.id = x.lid
LEFT JOIN school s ON s.id = l.school
LEFT JOIN admin_unit lu ON lu.id = l.home_commune
ORDER BY commune, array_position(ARRAY['not_in_registry', 'different_school', 'different_grade',
         'completion_mismatch', 'missing_from_roll'], x.category),
         h.household_code, py.position, l.class_name, full_name
"""


async def reconcile(
    commune_ids: list[int], year: int, *, person_year_id: int | None = None
) -> list[dict[str, Any]]:
    """Every disagreement of these communes' roll with the registry for the survey year.

    Rows: `{category, person, roll, registry}` (interfaces.md). The caller checks the scope.
    Matching always looks at the communes' whole roll, so `person_year_id` (one person's rows)
    gives the same answer as the commune's page.
    """
    async with db.transaction() as conn:
        # A temp table with fresh statistics lets the planner choose hash joins at any size.
        await conn.execute("SET LOCAL work_mem = '128MB'")
        await conn.execute(_ROLL_SQL, commune_ids, year)
        await conn.execute("ANALYZE reconcile_roll")
        found = await conn.fetch(_SQL, commune_ids, year)
        if person_year_id is not None:
            found = [r for r in found if r["pyid"] == person_year_id]
        # The few rows found get their details by primary key (a join over the whole roll
        # would be planned on the estimate of how many rows disagree).
        records = await conn.fetch(
            _DETAILS_SQL, *([r[k] for r in found] for k in ("category", "pyid", "lid", "field"))
        )
    return [_row(r, year) for r in records]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _row(r: Any, year: int) -> dict[str, Any]:
    cat = r["category"]
    person = {
        "person_year_id": r["pyid"],
        "person_id": r["person"],
        "household_id": r["household"],
        "household_code": r["household_code"],
        "commune": r["commune"],
        "full_name": r["full_name"],
        "birth_date": _date(r["birth_date"]) or (str(r["birth_year"]) if r["birth_year"] else None),
        "personal_id": r["personal_id"],
    }
    enrolment = {
        "enrolled_level": r["enrolled_level"],
        "enrolled_grade": r["enrolled_grade"],
        "school_code": r["school_code"],
    }
    learner = None
    if r["lid"] is not None:
        learner = {
            "learner_id": r["lid"],
            "school_year": f"{r['l_year']}-{r['l_year'] + 1}",
            "school_code": r["l_school"],
            "school_name": r["l_school_name"],
            "class_name": r["class_name"],
            "enrolled_level": r["l_level"],
            "enrolled_grade": r["l_grade"],
        }
    roll: dict[str, Any] | None
    registry = learner
    if cat == "not_in_registry":
        roll = enrolment
    elif cat == "different_school":
        roll = {"school_code": r["school_code"]}
    elif cat == "different_grade":
        roll = {k: enrolment[k] for k in ("enrolled_level", "enrolled_grade")}
    elif cat == "completion_mismatch":
        field = r["field"]
        roll = {"field": field, field: r[field]}
        registry = {**(registry or {}), "field": field, "completed": r["l_completed"],
                    field: year if r["l_completed"] else None}
    else:  # missing_from_roll
        roll = None
    return {"category": cat, "person": person, "roll": roll, "registry": registry}


def fix_changes(row: dict[str, Any]) -> dict[str, Any]:
    """The roll fields "take the registry's value" would set for a disagreement row."""
    cat = row["category"]
    if cat not in FIX_FIELDS or row["registry"] is None or row["person"]["person_year_id"] is None:
        raise UserError(f"loại khác biệt “{cat}” không sửa tự động được")
    if cat == "completion_mismatch":
        field = row["registry"]["field"]
        return {field: row["registry"][field]}
    return {f: row["registry"][f] for f in FIX_FIELDS[cat]}


async def apply_fix(
    user: CurrentUser | None,
    person_year_id: int,
    category: str,
    learner_id: int,
    *,
    reason: str = "",
) -> dict[str, Any]:
    """Take the registry's value for one disagreement, recomputed now (never trusting a client).

    Goes through `surveys.service.apply_member_fix`: validation, the write gate, the audit
    entry and the roll-up, like every other write to a roll.
    """
    if category not in FIX_FIELDS:
        raise UserError(f"loại khác biệt “{category}” không sửa tự động được")
    row = await db.pool().fetchrow(
        "SELECT commune, year FROM person_year WHERE id = $1", person_year_id
    )
    if row is None:
        raise NotFound(f"không có bản ghi {person_year_id} trong phiếu điều tra")
    if user is not None:
        (await scope_for(user, row["year"])).check(row["commune"])
    found = [
        d for d in await reconcile([row["commune"]], row["year"], person_year_id=person_year_id)
        if d["category"] == category and (d["registry"] or {}).get("learner_id") == learner_id
    ]
    if not found:
        raise Conflict("khác biệt này không còn (có thể đã được sửa)", extra=None)
    changes = fix_changes(found[0])
    why = reason or f"Lấy theo danh sách trường (đối chiếu: {CATEGORIES[category]})"
    from surveys import service as surveys_service  # the one write path (gate, audit)

    await surveys_service.apply_member_fix(user, person_year_id, changes, why)
    return {"person_year_id": person_year_id, "changes": changes}
