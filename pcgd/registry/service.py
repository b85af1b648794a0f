"""Registry reads for pages and the API, and the public entry points of the domain.

Every read of a school's people goes through a `Scope` (the communes a user may see).
Imports, conditions, reconciliation and the demo live in their own modules; they are re-exported
here so callers have one place to import from.
"""

from __future__ import annotations

from typing import Any

from pcgd import db
from pcgd.accounts.scope import Scope
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.common.masking import mask_id
from pcgd.errors import Forbidden, NotFound
from pcgd.registry.conditions import commune_conditions, engine_conditions
from pcgd.registry.demo import build_registry_demo
from pcgd.registry.importer import import_file
from pcgd.registry.reconcile import CATEGORIES, apply_fix, reconcile
from pcgd.registry.schemas import (
    ClassOut,
    FacilityOut,
    LearnerOut,
    SchoolDetail,
    SchoolSummary,
    StaffOut,
)
from pcgd.units import service as units

__all__ = [
    "CATEGORIES",
    "apply_fix",
    "build_registry_demo",
    "commune_conditions",
    "engine_conditions",
    "import_file",
    "learners_of",
    "reconcile",
    "school_detail",
    "schools_of",
]

_SUMMARY_SQL = """
SELECT s.id, s.code, s.name, s.levels, s.public, u.code AS commune, s.address,
       s.satellite_sites, s.two_sessions,
       (SELECT count(*) FROM school_class c WHERE c.school = s.id AND c.year = $2) AS classes,
       (SELECT count(*) FROM school_staff t WHERE t.school = s.id AND t.year = $2
          AND t.role = 'teacher') AS teachers,
       (SELECT count(*) FROM school_staff t WHERE t.school = s.id AND t.year = $2
          AND t.role = 'teacher' AND t.meets_standard) AS teachers_trained,
       (SELECT coalesce(sum(f.count), 0) FROM school_facility f WHERE f.school = s.id
          AND f.year = $2 AND f.room_type LIKE 'classroom%') AS classrooms,
       (SELECT count(*) FROM learner l WHERE l.school = s.id AND l.year = $2) AS learners
FROM school s LEFT JOIN admin_unit u ON u.id = s.commune
"""


def _summary(r: Any) -> SchoolSummary:
    d = dict(r)
    d.pop("id")
    d["levels"] = list(d["levels"] or [])
    return SchoolSummary(**d)


async def schools_of(scope: Scope, commune: units.Unit, year: int) -> list[SchoolSummary]:
    """The schools of a commune with their counts for the school year."""
    scope.check(commune.id)
    rows = await db.pool().fetch(
        _SUMMARY_SQL + " WHERE s.commune = $1 ORDER BY s.levels[1], s.name", commune.id, year
    )
    return [_summary(r) for r in rows]


async def _school(scope: Scope, code: str, year: int) -> Any:
    row = await db.pool().fetchrow(_SUMMARY_SQL + " WHERE s.code = $1", code, year)
    if row is None:
        raise NotFound(f"không có trường mã {code}")
    commune = await db.pool().fetchval("SELECT commune FROM school WHERE id = $1", row["id"])
    if commune is None and scope.commune_ids is not None:
        raise Forbidden("trường chưa gắn với xã nào (chỉ quản trị xem được)")
    if commune is not None:
        scope.check(commune)
    return row


async def school_detail(scope: Scope, code: str, year: int) -> SchoolDetail:
    """A school with its classes, staff and rooms for the school year."""
    row = await _school(scope, code, year)
    pool = db.pool()
    classes = await pool.fetch(
        "SELECT c.name, c.level, c.grade, c.combined, c.room, c.two_sessions, c.min_equipment,"
        " c.pupils, (SELECT count(*) FROM learner l WHERE l.school = c.school AND l.year = c.year"
        " AND l.class_name = c.name) AS learners FROM school_class c"
        " WHERE c.school = $1 AND c.year = $2",
        row["id"], year,
    )
    staff = await pool.fetch(
        "SELECT staff_code, full_name, birth_date, sex, role, level, employment, qualification,"
        " meets_standard, rating, subjects, class_name FROM school_staff"
        " WHERE school = $1 AND year = $2"
        " ORDER BY array_position(ARRAY['principal','vice_principal','teacher','staff'], role),"
        " full_name",
        row["id"], year,
    )
    rooms = await pool.fetch(
        "SELECT room_type, level, count, area::float8 AS area FROM school_facility"
        " WHERE school = $1 AND year = $2 ORDER BY room_type, level",
        row["id"], year,
    )
    return SchoolDetail(
        school=_summary(row),
        year=year,
        classes=sorted((ClassOut(**dict(c)) for c in classes), key=_class_order),
        staff=[StaffOut(**dict(s)) for s in staff],
        facilities=[FacilityOut(**dict(f)) for f in rooms],
    )


def _class_order(c: ClassOut) -> tuple:
    levels = ("MN", "TH", "THCS", "THPT", "GDTX", "GDNN")
    grade = -1 if c.grade == "NT" else int(c.grade) if c.grade.isdigit() else 99
    return (levels.index(c.level) if c.level in levels else 9, grade, c.name)


async def learners_of(
    scope: Scope, code: str, year: int, *, offset: int = 0, limit: int = 200,
    class_name: str | None = None,
) -> tuple[int, list[LearnerOut]]:
    """One page of a school's learners (and how many there are)."""
    row = await _school(scope, code, year)
    where = "l.school = $1 AND l.year = $2 AND ($3::text IS NULL OR l.class_name = $3)"
    total = await db.pool().fetchval(
        f"SELECT count(*) FROM learner l WHERE {where}", row["id"], year, class_name
    )
    rows = await db.pool().fetch(
        "SELECT l.id, l.personal_id, l.full_name, l.birth_date, l.sex, l.class_name, l.level,"
        " l.grade, l.completed, u.code AS home_commune FROM learner l"
        f" LEFT JOIN admin_unit u ON u.id = l.home_commune WHERE {where}"
        " ORDER BY l.class_name, l.name_key, l.id OFFSET $4 LIMIT $5",
        row["id"], year, class_name, max(offset, 0), min(max(limit, 1), 1000),
    )
    # A list: personal IDs masked (the full one only in `learner`, one person, audited).
    return total, [LearnerOut(**{**dict(r), "personal_id": mask_id(r["personal_id"]) or None})
                   for r in rows]


async def learner(user: CurrentUser, scope: Scope, learner_id: int) -> LearnerOut:
    """One learner with the full personal ID, for a user whose scope covers the school."""
    row = None
    if 0 < learner_id < 2**31:
        row = await db.pool().fetchrow(
            "SELECT l.id, l.personal_id, l.full_name, l.birth_date, l.sex, l.class_name, l.level,"
            " l.grade, l.completed, u.code AS home_commune, s.commune AS school_commune, l.year"
            " FROM learner l JOIN school s ON s.id = l.school"
            " LEFT JOIN admin_unit u ON u.id = l.home_commune WHERE l.id = $1",
            learner_id,
        )
    if row is None or row["school_commune"] is None or not scope.allows(row["school_commune"]):
        if row is None and scope.commune_ids is None:
            raise NotFound(f"không có học sinh {learner_id}")
        raise Forbidden("không có học sinh này hoặc học sinh nằm ngoài phạm vi của tài khoản")
    if row["personal_id"]:
        async with db.transaction() as conn:
            await audit.record(conn, user, "view_personal", "learner", learner_id,
                               commune_id=row["school_commune"], year=row["year"],
                               after={"personal_ids": 1})
    data = {k: row[k] for k in LearnerOut.__struct_fields__}
    return LearnerOut(**data)
