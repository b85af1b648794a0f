"""The counts the forms need beyond the stored ones, defined once as named SQL conditions.

The stored per-commune, per-age counts (`commune_age_count`, `surveys.rollup.sql.CONDITIONS`)
stay the single source of every figure the engine evaluates. The forms also split those figures
by grade, school place and sex/ethnicity; those splits are computed here from `person_year` with
the same derived row and the same PPC / minority definitions (imported, not copied), and kept in
a per-process cache keyed by the communes' change stamps, like the evaluation cache.

School place (standards.md §2): a resident enrolled at a school of another commune (or of an
unknown school) studies **nơi khác**; every other resident is **tại chỗ** (people no longer at
school count where they live). **Nơi khác đến** counts non-residents whose current school lies
in the commune; they are keyed by the school's commune, with the prefix `in_`.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import numpy as np

from pcgd import db
from pcgd.standards.metrics import DISABLED_SUFFIX, MAX_AGE
from surveys.rollup import sql as rollup

AWAY = "(enrolled_level <> '' AND school_commune IS DISTINCT FROM commune)"
N = rollup.NUMERATORS

# Facts of a row computed once (a layer between the derived row and the counts), so the many
# counts below test ready booleans; the definitions are the roll-up's own SQL snippets.
FLAGS: dict[str, str] = {
    "f_ppc": rollup.PPC,
    "f_ppc_d": rollup.PPC_D,
    "f_out": rollup.OUT,
    "f_away": AWAY,
    "f_fem": "sex = 'F'",
    "f_mino": rollup.MINORITY,
    "f_dropped": "(enrolled_level = '' AND dropout IS NOT NULL)",
    "f_thcs": "enrolled_level IN ('THCS','GDTX_THCS')",
    **{f"n_{name}": f"({cond})" for name, cond in N.items()},
}
TH, THCS, MN, XMC, YOUTH, ALL = (6, 14), (11, 18), (0, 6), (15, 60), (0, 18), (0, 61)

# name → (ages the forms print it for, condition). Counted inside the PPC group, and again
# inside the disabled-able group (suffix `_d`) that the `unable_only` policy adds, exactly as
# the engine does with the stored numerators. Outside its ages a count is not computed.
PPC_SPLITS: dict[str, tuple[tuple[int, int], str]] = {
    "mn_att_here": (MN, "n_mn_attending AND NOT f_away"),
    "mn_att_away": (MN, "n_mn_attending AND f_away"),
    "mn_att_female": (MN, "n_mn_attending AND f_fem"),
    "mn_att_minority": (MN, "n_mn_attending AND f_mino"),
    **{f"th{g}_here": (TH, f"enrolled_level = 'TH' AND grade = '{g}' AND NOT f_away")
       for g in range(1, 6)},
    **{f"th{g}_away": (TH, f"enrolled_level = 'TH' AND grade = '{g}' AND f_away")
       for g in range(1, 6)},
    "th_done_here": (TH, "n_th_completed AND NOT f_away"),
    "th_done_away": (TH, "n_th_completed AND f_away"),
    "th_in_primary": (TH, "enrolled_level = 'TH' AND hgc < 5"),
    "th_drop": (TH, "f_dropped AND dropout BETWEEN 1 AND 5"),
    "never_school": (TH, "enrolled_level = '' AND hgc = 0 AND dropout IS NULL AND xmc = 0"),
    **{f"thcs{g}_here": (THCS, f"f_thcs AND grade = '{g}' AND NOT f_away") for g in range(6, 10)},
    **{f"thcs{g}_away": (THCS, f"f_thcs AND grade = '{g}' AND f_away") for g in range(6, 10)},
    "thcs_done_here": (THCS, "n_thcs_graduated AND NOT f_away"),
    "thcs_done_away": (THCS, "n_thcs_graduated AND f_away"),
    "studying_here": (THCS, "n_studying AND NOT f_away"),
    "studying_away": (THCS, "n_studying AND f_away"),
    "thcs_drop": (THCS, "f_dropped AND dropout BETWEEN 6 AND 9"),
    "ppc_fm": (XMC, "f_fem AND f_mino"),
    "lit1_female": (XMC, "n_lit1 AND f_fem"),
    "lit1_minority": (XMC, "n_lit1 AND f_mino"),
    "lit1_fm": (XMC, "n_lit1 AND f_fem AND f_mino"),
    "lit2_female": (XMC, "n_lit2 AND f_fem"),
    "lit2_minority": (XMC, "n_lit2 AND f_mino"),
    "lit2_fm": (XMC, "n_lit2 AND f_fem AND f_mino"),
    "xmc_learning": (XMC, "enrolled_level = 'XMC'"),
}

# Counted over the whole roll (not a PPC split).
ROLL_SPLITS: dict[str, tuple[tuple[int, int], str]] = {
    "dis_able_enrolled": (YOUTH, "disability = 'able' AND NOT f_out AND enrolled_level <> ''"),
    "th_done_out": (TH, "n_th_completed AND NOT f_ppc AND NOT f_ppc_d"),
    "th_pupils": (ALL, "NOT f_out AND enrolled_level = 'TH'"),
    "th_pupils_disabled": (ALL, "NOT f_out AND enrolled_level = 'TH' AND disability <> ''"),
    "thcs_pupils": (ALL, "NOT f_out AND f_thcs"),
    # lưu ban (TH-M1 rows 32–34): pupils repeating a primary grade, by school place
    "th_repeat_here": (TH, "NOT f_out AND enrolled_level = 'TH' AND repeating AND NOT f_away"),
    "th_repeat_away": (TH, "NOT f_out AND enrolled_level = 'TH' AND repeating AND f_away"),
}

# Non-residents at a school of the commune (keyed by the school's commune).
INCOMING: dict[str, tuple[tuple[int, int], str]] = {
    "in_mn_att": (MN, "n_mn_attending"),
    "in_mn_done": (MN, "mn_done"),
    **{f"in_th{g}": (TH, f"enrolled_level = 'TH' AND grade = '{g}'") for g in range(1, 6)},
    "in_th_done": (TH, "n_th_completed"),
    **{f"in_thcs{g}": (THCS, f"f_thcs AND grade = '{g}'") for g in range(6, 10)},
    "in_thcs_done": (THCS, "n_thcs_graduated"),
    "in_studying": (THCS, "n_studying"),
    "in_th_repeat": (TH, "enrolled_level = 'TH' AND repeating"),
}

RESIDENT_COUNTS: dict[str, tuple[tuple[int, int], str]] = {
    **{name: (ages, f"f_ppc AND {cond}") for name, (ages, cond) in PPC_SPLITS.items()},
    **{name + DISABLED_SUFFIX: (ages, f"f_ppc_d AND {cond}")
       for name, (ages, cond) in PPC_SPLITS.items()},
    **ROLL_SPLITS,
}
NAMES: tuple[str, ...] = (*RESIDENT_COUNTS, *INCOMING)
#: the ages each computed count exists for (the data object refuses others)
BANDS: dict[str, tuple[int, int]] = {
    name: ages for name, (ages, _) in {**RESIDENT_COUNTS, **INCOMING}.items()
}


def _rows(where: str, *, hamlet: bool = False) -> str:
    """The surveys' derived row, the grade, the dropout grade (and the hamlet), with FLAGS."""
    base = (
        f"SELECT {rollup.DERIVED}, py.enrolled_grade AS grade, py.dropout_grade AS dropout"
        + (", h.hamlet" if hamlet else "")
        + " FROM person_year py JOIN person p ON p.id = py.person"
        + (" JOIN household h ON h.id = py.household" if hamlet else "")
        + " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        f" WHERE {where} AND py.year >= p.birth_year OFFSET 0"
    )
    flags = ", ".join(f"{cond} AS {name}" for name, cond in FLAGS.items())
    return f"SELECT d.*, {flags} FROM ({base}) d OFFSET 0"


def _counts(conditions: dict[str, tuple[tuple[int, int], str]], skip: tuple[str, ...] = ()
            ) -> str:
    """count(*) FILTER per name, the cheap age test first (it short-circuits most rows);
    names in `skip` are written as 0 (not needed under the rule set's policy)."""
    out = []
    for name, ((lo, hi), cond) in conditions.items():
        if name in skip:
            out.append(f"0::bigint AS {name}")
            continue
        guard = "" if (lo, hi) == ALL else f"age BETWEEN {lo} AND {hi} AND "
        out.append(f"count(*) FILTER (WHERE {guard}{cond}) AS {name}")
    return ",\n    ".join(out)


_RESIDENT_ROWS = _rows("py.commune = ANY($1::int[]) AND py.year = $2")
RESIDENT_SQL = (
    f"SELECT commune, age,\n    {_counts(RESIDENT_COUNTS)}\n"
    f"FROM ({_RESIDENT_ROWS}) r GROUP BY commune, age"
)
#: the same without the disabled-able twins, which only the `unable_only` policy reads
TWINS = tuple(name + DISABLED_SUFFIX for name in PPC_SPLITS)
RESIDENT_SQL_NO_TWINS = (
    f"SELECT commune, age,\n    {_counts(RESIDENT_COUNTS, TWINS)}\n"
    f"FROM ({_RESIDENT_ROWS}) r GROUP BY commune, age"
)
# A commune's literacy forms have a row per hamlet: the bands' populations and literacy splits.
_HAMLET: dict[str, tuple[tuple[int, int], str]] = {
    **{n + s: (XMC, f"{g} AND {cond}")
       for n, cond in {"ppc": "TRUE", "lit1": "n_lit1", "lit2": "n_lit2", "ppc_female": "f_fem",
                       "ppc_minority": "f_mino",
                       **{k: PPC_SPLITS[k][1] for k in ("ppc_fm", "lit1_female", "lit1_minority",
                                                         "lit1_fm", "lit2_female",
                                                         "lit2_minority", "lit2_fm")}}.items()
       for s, g in (("", "f_ppc"), (DISABLED_SUFFIX, "f_ppc_d"))},
}
_HAMLET_WHERE = "py.commune = $1 AND py.year = $2 AND py.year - p.birth_year BETWEEN 15 AND 60"
HAMLET_SQL = (
    f"SELECT hamlet, age,\n    {_counts(_HAMLET)}\n"
    f"FROM ({_rows(_HAMLET_WHERE, hamlet=True)}) r GROUP BY hamlet, age"
)
INCOMING_SQL = (
    f"SELECT school_commune AS commune, age,\n    {_counts(INCOMING)}\n"
    f"FROM ({_rows('py.year = $1 AND py.school_code <> ' + repr(''))}) r"
    " WHERE school_commune <> commune AND NOT f_out GROUP BY school_commune, age"
)
HAMLET_NAMES: tuple[str, ...] = tuple(_HAMLET)
HAMLET_BANDS: dict[str, tuple[int, int]] = {n: a for n, (a, _) in _HAMLET.items()}

Matrix = np.ndarray  # ages (0..MAX_AGE) × names, int64
AGES = MAX_AGE + 1
RESIDENT_NAMES: tuple[str, ...] = tuple(RESIDENT_COUNTS)
INCOMING_NAMES: tuple[str, ...] = tuple(INCOMING)


def _matrices(rows: Sequence[asyncpg.Record], n: int) -> dict[int, Matrix]:
    """Rows (key, age, count…) → key → AGES × n matrix."""
    out: dict[int, Matrix] = {}
    for r in rows:
        m = out.get(r[0])
        if m is None:
            m = out[r[0]] = np.zeros((AGES, n), dtype=np.int64)
        m[r[1]] = r[2:]
    return out


async def fetch(query: str, *args: object, few: bool = False) -> list[asyncpg.Record]:
    """Run a counting query. For one or a few communes (`few`), hash joins are turned off for
    the statement: with the age guards the planner underestimates the rows and joins the
    whole `person` table by hash, where an index lookup per row is several times faster."""
    if not few:
        return await db.pool().fetch(query, *args)
    async with db.transaction() as conn:
        await conn.execute("SET LOCAL enable_hashjoin = off")
        return await conn.fetch(query, *args)


# --- caches keyed by change stamps ---------------------------------------------------------

_resident: dict[tuple[int, int, bool], tuple[int, Matrix]] = {}
_incoming: dict[int, tuple[tuple[int, int], dict[int, Matrix]]] = {}


async def _stamps(commune_ids: Sequence[int], year: int) -> dict[int, int]:
    rows = await db.pool().fetch(
        "SELECT commune, stamp FROM change_stamp WHERE commune = ANY($1::int[]) AND year = $2",
        list(commune_ids), year,
    )
    found = {r["commune"]: r["stamp"] for r in rows}
    return {c: found.get(c, 0) for c in commune_ids}


async def resident_counts(commune_ids: Sequence[int], year: int, *, twins: bool = False
                          ) -> dict[int, Matrix]:
    """The residents' splits per commune (AGES × RESIDENT_NAMES), recomputed only for
    communes whose counts changed since they were last read. `twins`: also count the
    disabled-able twins (the `unable_only` policy); otherwise those columns are 0."""
    stamps = await _stamps(commune_ids, year)
    stale = [c for c in commune_ids
             if (hit := _resident.get((c, year, twins))) is None or hit[0] != stamps[c]]
    if stale:
        query = RESIDENT_SQL if twins else RESIDENT_SQL_NO_TWINS
        fresh = _matrices(await fetch(query, stale, year, few=len(stale) <= 3),
                          len(RESIDENT_NAMES))
        for c in stale:
            _resident[(c, year, twins)] = (
                stamps[c], fresh.get(c, np.zeros((AGES, len(RESIDENT_NAMES)), dtype=np.int64))
            )
    return {c: _resident[(c, year, twins)][1] for c in commune_ids}


async def incoming_counts(commune_ids: Sequence[int], year: int) -> dict[int, Matrix]:
    """Non-residents studying at the communes' schools, per school commune (AGES ×
    INCOMING_NAMES).

    They may live in any commune, so the whole year's roll is read once and kept until any
    commune's counts change (the year's stamps, summed) or the registry does.
    """
    mark = await db.pool().fetchrow(
        "SELECT coalesce(sum(stamp) FILTER (WHERE year = $1), 0)::bigint AS roll,"
        " coalesce(max(stamp) FILTER (WHERE year = 0), 0)::bigint AS registry"
        " FROM change_stamp WHERE year IN ($1, 0)", year,
    )
    key = (int(mark["roll"]), int(mark["registry"]))
    hit = _incoming.get(year)
    if hit is None or hit[0] != key:
        found = _matrices(await db.pool().fetch(INCOMING_SQL, year), len(INCOMING_NAMES))
        hit = _incoming[year] = (key, found)
    empty = np.zeros((AGES, len(INCOMING_NAMES)), dtype=np.int64)
    return {c: hit[1].get(c, empty) for c in commune_ids}


_hamlets: dict[tuple[int, int], tuple[int, dict[int, Matrix]]] = {}


async def hamlet_counts(commune_id: int, year: int) -> dict[int, Matrix]:
    """Per hamlet of one commune (AGES × HAMLET_NAMES): the populations and literacy splits
    of the literacy forms, whose commune-level forms have one row per hamlet (kept until the
    commune's counts change)."""
    stamp = (await _stamps([commune_id], year))[commune_id]
    hit = _hamlets.get((commune_id, year))
    if hit is None or hit[0] != stamp:
        found = _matrices(await fetch(HAMLET_SQL, commune_id, year, few=True),
                          len(HAMLET_NAMES))
        hit = _hamlets[(commune_id, year)] = (stamp, found)
    return hit[1]


def forget() -> None:
    """Drop the caches (tests that change rows behind the stamps' back)."""
    _resident.clear()
    _incoming.clear()
    _hamlets.clear()
