"""The demo province's registry: classes, teachers, rooms and learners built from its roll.

Learners are the roll's enrolled pupils at the communes' schools (one INSERT … SELECT, no
round trip per row), classes follow from them, teachers and rooms from the classes. A few
disagreements are planted so the reconciliation page has something to show, and the TT 07
conditions fail in one or two communes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import asyncpg

from pcgd import db
from pcgd.registry.codes import meets_training_standard

CLASS_SIZE_SQL = (
    "CASE WHEN level = 'MN' AND grade = 'NT' THEN 20 WHEN level = 'MN' THEN 28"
    " WHEN level = 'TH' THEN 32 WHEN level = 'THCS' THEN 40 ELSE 42 END"
)
CLASS_PREFIX_SQL = (
    "CASE level WHEN 'MN' THEN CASE grade WHEN '5' THEN 'Lá ' WHEN '4' THEN 'Chồi '"
    " WHEN '3' THEN 'Mầm ' ELSE 'Nhà trẻ ' END WHEN 'GDTX' THEN 'GDTX ' || grade"
    " WHEN 'GDNN' THEN 'Nghề ' ELSE grade END"
)
_PUPILS_SQL = """
CREATE TEMP TABLE demo_pupil ON COMMIT DROP AS
SELECT py.id AS pyid, py.commune, py.school_code, py.enrolled_grade AS grade,
       CASE WHEN py.enrolled_level LIKE 'GDTX%' THEN 'GDTX' ELSE py.enrolled_level END AS level,
       py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,
       py.thpt_graduated_year, NULLIF(p.personal_id, '') AS pid, p.full_name, p.name_key,
       p.birth_date, p.sex
FROM person_year py JOIN person p ON p.id = py.person
WHERE py.commune = ANY($1::int[]) AND py.year = $2 AND py.movement NOT IN ('moved_out', 'deceased')
  AND (py.enrolled_level IN ('MN', 'TH', 'THCS', 'THPT', 'GDTX_THCS', 'GDTX_THPT', 'GDNN')
       OR $2 IN (py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,
                 py.thpt_graduated_year))
"""
_LEARNERS_SQL = f"""
INSERT INTO learner (school, year, personal_id, full_name, name_key, birth_date, sex,
                     class_name, level, grade, completed, home_commune)
SELECT school, $2,
       CASE WHEN level = 'MN' AND pyid % 10 = 0 THEN NULL ELSE pid END,
       full_name, name_key, birth_date, sex,
       {CLASS_PREFIX_SQL} || CASE WHEN idx < 26 THEN chr(65 + idx) ELSE (idx + 1)::text END,
       level, grade, false, commune
FROM (
  SELECT *, (rn % greatest(1, ceil(n::numeric / {CLASS_SIZE_SQL})::int))::int AS idx
  FROM (
    SELECT s.id AS school, d.pyid, d.pid, d.full_name, d.name_key, d.birth_date, d.sex,
           d.commune, d.level, d.grade,
           row_number() OVER w - 1 AS rn, count(*) OVER w AS n
    FROM demo_pupil d JOIN school s ON s.code = d.school_code
    WHERE s.commune = ANY($1::int[])
      AND d.level IN ('MN', 'TH', 'THCS', 'THPT', 'GDTX', 'GDNN')
    WINDOW w AS (PARTITION BY s.id, d.level, d.grade ORDER BY d.name_key, d.pyid)
  ) ranked
) assigned
"""
_CLASSES_SQL = """
INSERT INTO school_class (school, year, name, level, grade, combined, room, two_sessions,
                          min_equipment, pupils)
SELECT school, $1, class_name, level, grade, level = 'TH' AND count(*) < 10,
       'P' || lpad(row_number() OVER (PARTITION BY school ORDER BY level, grade, class_name)::text,
                   2, '0'),
       level IN ('MN', 'TH'), level = 'MN' AND grade = '5', least(count(*), 32767)
FROM learner WHERE year = $1 AND school = ANY($2::int[])
GROUP BY school, class_name, level, grade
"""
_COMPLETIONS_SQL = """
INSERT INTO learner (school, year, personal_id, full_name, name_key, birth_date, sex,
                     class_name, level, grade, completed, home_commune)
SELECT fs.id, $2 - 1, d.pid, d.full_name, d.name_key, d.birth_date, d.sex, '', v.level, v.grade,
       true, d.commune
FROM demo_pupil d
CROSS JOIN LATERAL (VALUES ('MN', '5', d.mn_completed_year), ('TH', '5', d.th_completed_year),
                           ('THCS', '9', d.thcs_graduated_year),
                           ('THPT', '12', d.thpt_graduated_year)) v(level, grade, done)
JOIN (SELECT DISTINCT ON (s.commune, lv) s.commune, lv AS level, s.id
      FROM school s, unnest(s.levels) lv WHERE s.commune = ANY($1::int[])
      ORDER BY s.commune, lv, s.id) fs ON fs.commune = d.commune AND fs.level = v.level
WHERE v.done = $2
"""

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = {"F": ("Thị", "Thu", "Ngọc", "Thanh", "Minh"), "M": ("Văn", "Đức", "Minh", "Quang")}
GIVEN = {"F": ("Hoa", "Lan", "Hương", "Mai", "Thảo", "Hạnh", "Linh", "Yến", "Trang", "Nga"),
         "M": ("Hùng", "Dũng", "Nam", "Sơn", "Tuấn", "Long", "Hải", "Bình", "Quân", "Thắng")}
SUBJECTS = {"TH": ("Tiếng Anh", "Âm nhạc", "Mĩ thuật", "Giáo dục thể chất", "Tin học"),
            "THCS": ("Ngữ văn", "Toán", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí",
                     "Giáo dục công dân", "Công nghệ", "Tin học", "Giáo dục thể chất"),
            "THPT": ("Toán", "Ngữ văn", "Tiếng Anh", "Vật lí", "Hóa học", "Sinh học")}
EXTRA_TEACHERS = {"MN": 1.0, "TH": 0.5, "THCS": 0.9, "THPT": 1.2, "GDTX": 0.8, "GDNN": 0.5}
ROOM_RATIO = {"MN": 1.0, "TH": 1.0, "THCS": 0.75, "THPT": 0.8, "GDTX": 0.8, "GDNN": 0.8}


@dataclass(frozen=True, slots=True)
class _Class:
    school: int
    commune: int
    level: str
    grade: str
    name: str


async def build_registry_demo(commune_ids: list[int], year: int, seed: int) -> None:
    """Classes, teachers, rooms and learners for the schools of these communes (idempotent)."""
    rng = random.Random(seed * 7919 + year)
    ids = sorted(commune_ids)
    async with db.transaction() as conn:
        await _ensure_schools(conn, ids, year)
        schools = await conn.fetch(
            "SELECT id, code, commune, levels FROM school WHERE commune = ANY($1::int[])", ids
        )
        school_ids = [r["id"] for r in schools]
        for table in ("learner", "school_class", "school_staff", "school_facility"):
            await conn.execute(
                f"DELETE FROM {table} WHERE year = $1 AND school = ANY($2::int[])",
                year, school_ids,
            )
        await conn.execute(
            "DELETE FROM learner WHERE year = $1 AND school = ANY($2::int[]) AND class_name = ''",
            year - 1, school_ids,
        )
        await conn.execute("SET LOCAL work_mem = '128MB'")
        await conn.execute(_PUPILS_SQL, ids, year)
        await conn.execute(_LEARNERS_SQL, ids, year)
        await conn.execute(_COMPLETIONS_SQL, ids, year)
        await conn.execute(_CLASSES_SQL, year, school_ids)
        rows = await conn.fetch(
            "SELECT c.school, s.commune, c.level, c.grade, c.name FROM school_class c"
            " JOIN school s ON s.id = c.school WHERE c.year = $1 AND c.school = ANY($2::int[])"
            " ORDER BY c.school, c.level, c.grade, c.name",
            year, school_ids,
        )
        classes = [_Class(**dict(r)) for r in rows]
        failing = rng.sample(ids, min(len(ids) // 3, 2)) if len(ids) >= 3 else []
        await _staff(conn, rng, year, schools, classes, failing[1:2])
        await _facilities(conn, year, schools, classes, failing[:1])
        if len(failing) > 1:
            await conn.execute(
                "UPDATE school_class SET min_equipment = false WHERE id = (SELECT c.id FROM"
                " school_class c JOIN school s ON s.id = c.school WHERE s.commune = $1"
                " AND c.year = $2 AND c.level = 'MN' AND c.grade = '5' ORDER BY c.id LIMIT 1)",
                failing[1], year,
            )
        for n, commune in enumerate(ids[:2]):
            await _plant(conn, commune, year, full=n == 0)
    # Fresh statistics: the first reconciliation after a demo build must not plan on guesses.
    for table in ("learner", "school_class", "school_staff", "school_facility"):
        await db.pool().execute(f"ANALYZE {table}")


async def _ensure_schools(conn: asyncpg.Connection, ids: list[int], year: int) -> None:
    """Communes without any school get one per level (MN, TH, THCS) and their pupils' codes."""
    bare = await conn.fetch(
        "SELECT u.id, u.code, u.name FROM admin_unit u WHERE u.id = ANY($1::int[])"
        " AND NOT EXISTS (SELECT 1 FROM school s WHERE s.commune = u.id)",
        ids,
    )
    names = {"MN": "Trường Mầm non", "TH": "Trường Tiểu học", "THCS": "Trường THCS"}
    for unit in bare:
        for level, label in names.items():
            code = f"{unit['code']}{level}"
            await conn.execute(
                "INSERT INTO school (code, name, commune, levels, public) VALUES"
                " ($1, $2, $3, $4, true) ON CONFLICT (code) DO NOTHING",
                code, f"{label} {unit['name']}", unit["id"], [level],
            )
            await conn.execute(
                "UPDATE person_year SET school_code = $1 WHERE commune = $2 AND year = $3"
                " AND school_code = '' AND (enrolled_level = $4"
                "  OR ($4 = 'THCS' AND enrolled_level = 'GDTX_THCS'))",
                code, unit["id"], year, level,
            )


def _name(rng: random.Random) -> tuple[str, str]:
    sex = rng.choice("FFFM")  # most teachers are women
    return (f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}", sex)


def _qualification(rng: random.Random, level: str) -> str:
    if level == "MN":
        return rng.choices(("college", "university", "postgrad"), (45, 53, 2))[0]
    return rng.choices(("university", "postgrad"), (93, 7))[0]


async def _staff(
    conn: asyncpg.Connection, rng: random.Random, year: int, schools: list[asyncpg.Record],
    classes: list[_Class], untrained_in: list[int],
) -> None:
    """A homeroom teacher per class (two in preschool), subject teachers, managers, staff."""
    by_school: dict[int, list[_Class]] = {}
    for c in classes:
        by_school.setdefault(c.school, []).append(c)
    planted = set(untrained_in)
    records: list[tuple] = []
    for school in schools:
        mine = by_school.get(school["id"], [])
        main = mine[0].level if mine else (school["levels"] or ["TH"])[0]
        plan: list[tuple[str, str, str, str, str | None]] = [
            ("principal", main, "", "", None), ("vice_principal", main, "", "", None)
        ]
        for c in mine:
            plan += [("teacher", c.level, c.name, "", None)] * (2 if c.level == "MN" else 1)
        for level in sorted({c.level for c in mine}):
            count = sum(1 for c in mine if c.level == level)
            options = SUBJECTS.get(level, ("",))
            for i in range(round(count * EXTRA_TEACHERS[level])):
                untrained = school["commune"] in planted and level == "THCS" and i == 0
                if untrained:
                    planted.discard(school["commune"])
                plan.append(("teacher", level, "", options[i % len(options)],
                             "intermediate" if untrained else None))
        plan += [("staff", main, "", "", "college"), ("staff", main, "", "", "intermediate")]
        for seq, (role, level, class_name, subjects, qualification) in enumerate(plan, 1):
            full_name, sex = _name(rng)
            q = qualification or _qualification(rng, level)
            born = dt.date(year - rng.randint(24, 58), rng.randint(1, 12), rng.randint(1, 28))
            records.append((
                school["id"], year, f"{school['code']}-{seq:03d}", full_name, born, sex, role,
                level, rng.choices(("permanent", "contract"), (85, 15))[0], q,
                meets_training_standard(q, level, year),
                rng.choices(("excellent", "good", "pass"), (35, 50, 15))[0], subjects, class_name,
            ))
    await conn.copy_records_to_table(
        "school_staff", records=records,
        columns=["school", "year", "staff_code", "full_name", "birth_date", "sex", "role",
                 "level", "employment", "qualification", "meets_standard", "rating", "subjects",
                 "class_name"],
    )


async def _facilities(
    conn: asyncpg.Connection, year: int, schools: list[asyncpg.Record], classes: list[_Class],
    short_of_rooms: list[int],
) -> None:
    """Classrooms by the class count (too few primary rooms in the planted commune), others."""
    counts: dict[int, dict[str, int]] = {}
    for c in classes:
        per = counts.setdefault(c.school, {})
        per[c.level] = per.get(c.level, 0) + 1
    records: list[tuple] = []
    for school in schools:
        per = counts.get(school["id"], {})
        rooms = 0
        for level, n in per.items():
            ratio = 0.6 if level == "TH" and school["commune"] in short_of_rooms else (
                ROOM_RATIO[level])
            rooms += math.floor(n * ratio) if ratio < 0.7 else math.ceil(n * ratio)
        solid = round(rooms * 0.8)
        pupils = sum(per.values()) * 30
        sid = school["id"]
        records += [
            (sid, year, "classroom_solid", "", solid, solid * 54.0),
            (sid, year, "classroom_semi", "", rooms - solid, (rooms - solid) * 48.0),
            (sid, year, "library", "", 1, 60.0),
            (sid, year, "equipment", "", 1, 48.0),
            (sid, year, "medical", "", 1, 24.0),
            (sid, year, "toilet", "", 2, 40.0),
            (sid, year, "playground", "", 1, 300.0 + pupils),
            (sid, year, "office", "", 2, 60.0),
        ]
    await conn.copy_records_to_table(
        "school_facility", records=records,
        columns=["school", "year", "room_type", "level", "count", "area"],
    )


async def _plant(conn: asyncpg.Connection, commune: int, year: int, *, full: bool) -> None:
    """A few disagreements: a missing learner, a wrong grade; in one commune also a learner
    absent from the roll, another school, and a completion the registry does not record."""
    own = (
        "SELECT l.id FROM learner l JOIN school s ON s.id = l.school WHERE s.commune = $1"
        " AND l.home_commune = $1"
    )
    await conn.execute(
        f"DELETE FROM learner WHERE id = ({own} AND l.year = $2 AND l.level = 'TH'"
        " ORDER BY l.id LIMIT 1)", commune, year,
    )
    await conn.execute(
        "UPDATE learner SET grade = CASE WHEN grade = '9' THEN '8' ELSE (grade::int + 1)::text END"
        f" WHERE id = ({own} AND l.year = $2 AND l.level = 'THCS' ORDER BY l.id DESC LIMIT 1)",
        commune, year,
    )
    if not full:
        return
    await conn.execute(
        "INSERT INTO learner (school, year, personal_id, full_name, name_key, birth_date, sex,"
        " class_name, level, grade, completed, home_commune)"
        " SELECT l.school, l.year, NULL, $3, $4, $5, 'F', l.class_name, l.level, l.grade, false,"
        f" $1 FROM learner l WHERE l.id = ({own} AND l.year = $2 AND l.level = 'TH'"
        " AND l.grade = '3' ORDER BY l.id LIMIT 1)",
        commune, year, "Lò Thị Ánh Tuyết", "lo thi anh tuyet", dt.date(year - 8, 4, 17),
    )
    await conn.execute(
        "UPDATE learner SET completed = false"
        f" WHERE id = ({own} AND l.year = $2 - 1 AND l.completed AND l.level = 'TH'"
        " ORDER BY l.id LIMIT 1)", commune, year,
    )
    other = await conn.fetchval(
        "SELECT id FROM school WHERE commune = $1 AND 'TH' = ANY(levels) ORDER BY id OFFSET 1"
        " LIMIT 1", commune,
    )
    if other is not None:
        await conn.execute(
            f"UPDATE learner SET school = $3 WHERE id = ({own} AND l.year = $2 AND l.level = 'TH'"
            " AND l.school <> $3 ORDER BY l.id DESC LIMIT 1)", commune, year, other,
        )
