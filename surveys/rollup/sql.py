"""The SQL of the indicator counts, generated from one table of metric conditions.

Each person_year row is reduced to a few derived facts (age, highest grade completed, whether
it is in the PPC core or the disabled-able group); every metric is then a `count(*) FILTER`.
The same SELECT serves the full rebuild and the per-household delta applied on each save.
"""

from __future__ import annotations

from pcgd.standards.metrics import DISABLED_SUFFIX, MAX_AGE, NUMERATOR_METRICS
from surveys.roll.fields import DISABILITY_TYPE_NAMES

GENERAL_LEVELS = "('TH','THCS','THPT','GDTX_THCS','GDTX_THPT')"

# Derived facts of one row (standards.md §3), computed once per row.
DERIVED = f"""
    py.commune, py.year, py.household,
    least(py.year - p.birth_year, {MAX_AGE}) AS age,
    p.sex, p.ethnicity, py.disability, py.movement, py.enrolled_level, py.residence_type,
    coalesce(xmc_stage_completed, 0) AS xmc,
    greatest(coalesce(py.mn_group_completed, 0),
             CASE WHEN py.mn_completed_year IS NOT NULL THEN 5 ELSE 0 END) AS mn_group,
    (py.mn_completed_year IS NOT NULL OR py.mn_group_completed = 5) AS mn_done,
    (py.thpt_graduated_year IS NOT NULL) AS thpt_done,
    (py.gdnn_completed_year IS NOT NULL) AS gdnn_done,
    greatest(
        CASE WHEN py.th_completed_year IS NOT NULL THEN 5 ELSE 0 END,
        CASE WHEN py.thcs_graduated_year IS NOT NULL THEN 9 ELSE 0 END,
        CASE WHEN py.thpt_graduated_year IS NOT NULL THEN 12 ELSE 0 END,
        CASE WHEN py.enrolled_level IN {GENERAL_LEVELS} AND py.enrolled_grade ~ '^[0-9]+$'
             THEN py.enrolled_grade::int - 1 ELSE 0 END,
        coalesce(py.dropout_grade - 1, 0)
    ) AS hgc,
    s.commune AS school_commune,
    py.disability_types, py.repeating, py.two_sessions, py.vn_prep, py.relapse_level
"""

# Numerator conditions (inside the PPC group), keyed by the engine's metric names.
NUMERATORS: dict[str, str] = {
    "mn_attending": "enrolled_level IN ('MN','TH')",
    "mn_enrolled": "enrolled_level = 'MN'",
    "mn_completed": "mn_done",
    "grade1_plus": f"(hgc >= 1 OR enrolled_level IN {GENERAL_LEVELS})",
    "th_completed": "hgc >= 5",
    "th_completed_or_enrolled": "(hgc >= 5 OR enrolled_level = 'TH')",
    "lit1": "(hgc >= 3 OR xmc >= 1)",
    "lit2": "(hgc >= 5 OR xmc >= 2)",
    "thcs_graduated": "hgc >= 9",
    "studying": "(enrolled_level IN ('TH','THCS','THPT','GDTX_THPT','GDNN')"
    " OR thpt_done OR gdnn_done)",
    "mn_group_ge3": "mn_group >= 3",
    "mn_group_ge4": "mn_group >= 4",
    "mn_group_ge5": "mn_group >= 5",
}
assert tuple(NUMERATORS) == NUMERATOR_METRICS, "keep in step with pcgd.standards.metrics"

OUT = "movement IN ('moved_out','deceased')"
PPC = f"NOT {OUT} AND disability = ''"
PPC_D = f"NOT {OUT} AND disability = 'able'"
MINORITY = "ethnicity NOT IN ('', 'Kinh')"
ENROLLED = "enrolled_level <> ''"

# Every stored count: the engine's metrics plus the splits the official forms need.
CONDITIONS: dict[str, str] = {
    "roll": "TRUE",
    "ppc": PPC,
    "ppc_d": PPC_D,
    **{name: f"{PPC} AND {cond}" for name, cond in NUMERATORS.items()},
    **{name + DISABLED_SUFFIX: f"{PPC_D} AND {cond}" for name, cond in NUMERATORS.items()},
    "roll_female": "sex = 'F'",
    "roll_minority": MINORITY,
    "roll_disabled": "disability <> ''",
    "roll_disabled_able": "disability = 'able'",
    "roll_disabled_enrolled": f"disability <> '' AND {ENROLLED}",
    "roll_tam_tru": "residence_type = 'tam_tru'",
    "moved_in": "movement = 'moved_in'",
    "moved_out": "movement = 'moved_out'",
    "deceased": "movement = 'deceased'",
    "ppc_female": f"{PPC} AND sex = 'F'",
    "ppc_minority": f"{PPC} AND {MINORITY}",
    "enrolled": f"NOT {OUT} AND {ENROLLED}",
    "enrolled_here": f"NOT {OUT} AND {ENROLLED} AND school_commune = commune",
    "enrolled_elsewhere": f"NOT {OUT} AND {ENROLLED} AND school_commune IS DISTINCT FROM commune",
    # The official workbook's facts (issue 10); new counts go last: the table's column order.
    **{f"disabled_type_{code}": f"disability <> '' AND '{code}' = ANY(string_to_array("
       "disability_types, ','))" for code in DISABILITY_TYPE_NAMES},
    "repeaters": f"NOT {OUT} AND repeating",
    "mn_two_sessions": f"NOT {OUT} AND enrolled_level = 'MN' AND two_sessions",
    "mn_vn_prep": f"NOT {OUT} AND enrolled_level = 'MN' AND vn_prep",
    "relapse_lit1": f"NOT {OUT} AND relapse_level = 1",
    "relapse_lit2": f"NOT {OUT} AND relapse_level = 2",
}
#: the counts added after the table was created (migration surveys_2026_12_02t17_30)
ADDED_COLUMNS: tuple[str, ...] = (
    *(f"disabled_type_{code}" for code in DISABILITY_TYPE_NAMES), "repeaters",
    "mn_two_sessions", "mn_vn_prep", "relapse_lit1", "relapse_lit2",
)
COLUMNS: tuple[str, ...] = tuple(CONDITIONS)


def _rows(where: str) -> str:
    # OFFSET 0 keeps the subquery from being inlined into every FILTER: the derived facts are
    # computed once per row instead of once per count.
    return (
        f"SELECT {DERIVED} FROM person_year py JOIN person p ON p.id = py.person"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        f" WHERE {where} AND py.year >= p.birth_year OFFSET 0"
    )


def people_rows(where: str) -> str:
    """The derived rows with who they are: for name lists behind a shortfall."""
    return (
        f"SELECT {DERIVED}, py.id AS person_year_id, py.position, p.id AS person_id,"
        " p.full_name, p.birth_year, py.enrolled_grade, h.household_code, m.name AS hamlet"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " JOIN household h ON h.id = py.household JOIN hamlet m ON m.id = h.hamlet"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        f" WHERE {where} AND py.year >= p.birth_year"
    )


def aggregate(where: str, *, group: str = "commune, year, age", sign: str = "") -> str:
    """SELECT group…, one count per column, over the person_year rows matching `where`."""
    counts = ",\n    ".join(
        f"{sign}count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in CONDITIONS.items()
    )
    return f"SELECT {group},\n    {counts}\nFROM ({_rows(where)}) r\nGROUP BY {group}"


def upsert_delta(where: str, sign: str) -> str:
    """Add (sign '') or subtract (sign '-') the counts of the matching rows."""
    cols = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO commune_age_count AS t (commune, year, age, {cols})\n"
        f"{aggregate(where, sign=sign)}\n"
        f"ON CONFLICT (commune, year, age) DO UPDATE SET {updates}"
    )


def _flags(sign: str = "", *, named: bool = True) -> str:
    """One 0/1 value per count for a single row (`sign` '-' negates): the per-row form of
    `aggregate`'s FILTERs, which a save sums itself."""
    return ", ".join(
        f"{sign}CASE WHEN {cond} THEN 1 ELSE 0 END" + (f" AS {name}" if named else "")
        for name, cond in CONDITIONS.items()
    )


def snapshot(where: str) -> str:
    """The matching rows' counts, negated, one commune_age_count row per person-year row (a
    save's 'before', to be added back by `apply_change`).

    Per row, not per age: a FILTERed aggregate costs more to set up than the few rows of one
    household cost to count (executor start-up dominates a save's statements)."""
    return (
        "SELECT array_agg(ROW(commune, year, age, "
        f"{_flags('-', named=False)})::commune_age_count) FROM ({_rows(where)}) r"
    )


def apply_change(where: str, before: str) -> str:
    """Add the matching rows' counts plus `before` (the negated rows from `snapshot`) in one
    upsert, skipping ages whose counts did not change."""
    cols = ", ".join(COLUMNS)
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    changed = " OR ".join(f"sum({c}) <> 0" for c in COLUMNS)
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO commune_age_count AS t (commune, year, age, {cols})\n"
        f"SELECT commune, year, age, {sums} FROM (\n"
        f"SELECT commune, year, age, {_flags()} FROM ({_rows(where)}) r\n"
        f"UNION ALL SELECT * FROM unnest({before})) d\n"
        f"GROUP BY commune, year, age HAVING {changed}\n"
        f"ON CONFLICT (commune, year, age) DO UPDATE SET {updates}"
    )


def apply_added(where: str) -> str:
    """Add the matching rows' counts (a new household: nothing to take away, and every age
    present has at least its `roll` count)."""
    cols = ", ".join(COLUMNS)
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO commune_age_count AS t (commune, year, age, {cols})\n"
        f"SELECT commune, year, age, {sums} FROM (\n"
        f"SELECT commune, year, age, {_flags()} FROM ({_rows(where)}) r) d\n"
        "GROUP BY commune, year, age\n"
        f"ON CONFLICT (commune, year, age) DO UPDATE SET {updates}"
    )


def bump_stamp(commune: str, year: str) -> str:
    """Mark a commune's counts as changed (evaluation caches compare stamps)."""
    return (
        f"INSERT INTO change_stamp (commune, year, stamp) VALUES ({commune}, {year}, 1)"
        " ON CONFLICT (commune, year) DO UPDATE SET stamp = change_stamp.stamp + 1"
    )


def table_ddl() -> str:
    """The summary table (used to write its migration)."""
    cols = ",\n    ".join(f"{c} integer NOT NULL DEFAULT 0" for c in COLUMNS)
    return (
        "CREATE TABLE commune_age_count (\n    commune integer NOT NULL REFERENCES admin_unit"
        " (id) ON DELETE RESTRICT,\n    year integer NOT NULL,\n    age smallint NOT NULL,\n"
        f"    {cols},\n    PRIMARY KEY (commune, year, age)\n)"
    )
