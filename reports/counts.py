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
HERE = f"NOT {AWAY}"
FEMALE = "sex = 'F'"
MINORITY = rollup.MINORITY
OUT = rollup.OUT
N = rollup.NUMERATORS
DROPPED = "(enrolled_level = '' AND dropout IS NOT NULL)"

# Counted inside the PPC group (and again inside the disabled-able group, suffix `_d`, which
# the `unable_only` policy adds, exactly as the engine does with the stored numerators).
PPC_SPLITS: dict[str, str] = {
    "mn_att_here": f"{N['mn_attending']} AND {HERE}",
    "mn_att_away": f"{N['mn_attending']} AND {AWAY}",
    "mn_att_female": f"{N['mn_attending']} AND {FEMALE}",
    "mn_att_minority": f"{N['mn_attending']} AND {MINORITY}",
    **{f"th{g}_here": f"enrolled_level = 'TH' AND grade = '{g}' AND {HERE}" for g in range(1, 6)},
    **{f"th{g}_away": f"enrolled_level = 'TH' AND grade = '{g}' AND {AWAY}" for g in range(1, 6)},
    "th_done_here": f"{N['th_completed']} AND {HERE}",
    "th_done_away": f"{N['th_completed']} AND {AWAY}",
    "th_in_primary": "enrolled_level = 'TH' AND hgc < 5",
    "th_drop": f"{DROPPED} AND dropout BETWEEN 1 AND 5",
    "never_school": "enrolled_level = '' AND hgc = 0 AND dropout IS NULL AND xmc = 0",
    **{f"thcs{g}_here": f"enrolled_level IN ('THCS','GDTX_THCS') AND grade = '{g}' AND {HERE}"
       for g in range(6, 10)},
    **{f"thcs{g}_away": f"enrolled_level IN ('THCS','GDTX_THCS') AND grade = '{g}' AND {AWAY}"
       for g in range(6, 10)},
    "thcs_done_here": f"{N['thcs_graduated']} AND {HERE}",
    "thcs_done_away": f"{N['thcs_graduated']} AND {AWAY}",
    "studying_here": f"{N['studying']} AND {HERE}",
    "studying_away": f"{N['studying']} AND {AWAY}",
    "thcs_drop": f"{DROPPED} AND dropout BETWEEN 6 AND 9",
    "ppc_fm": f"{FEMALE} AND {MINORITY}",
    "lit1_female": f"{N['lit1']} AND {FEMALE}",
    "lit1_minority": f"{N['lit1']} AND {MINORITY}",
    "lit1_fm": f"{N['lit1']} AND {FEMALE} AND {MINORITY}",
    "lit2_female": f"{N['lit2']} AND {FEMALE}",
    "lit2_minority": f"{N['lit2']} AND {MINORITY}",
    "lit2_fm": f"{N['lit2']} AND {FEMALE} AND {MINORITY}",
    "xmc_learning": "enrolled_level = 'XMC'",
}

# Counted over the whole roll (not a PPC split).
ROLL_SPLITS: dict[str, str] = {
    "roll_fm": f"{FEMALE} AND {MINORITY}",
    "dis_able_enrolled": f"disability = 'able' AND NOT {OUT} AND enrolled_level <> ''",
    "th_done_out": f"{N['th_completed']} AND NOT ({rollup.PPC}) AND NOT ({rollup.PPC_D})",
    "th_pupils": f"NOT {OUT} AND enrolled_level = 'TH'",
    "th_pupils_disabled": f"NOT {OUT} AND enrolled_level = 'TH' AND disability <> ''",
    "thcs_pupils": f"NOT {OUT} AND enrolled_level IN ('THCS','GDTX_THCS')",
}

# Non-residents at a school of the commune (keyed by the school's commune).
INCOMING: dict[str, str] = {
    "in_mn_att": N["mn_attending"],
    "in_mn_done": "mn_done",
    **{f"in_th{g}": f"enrolled_level = 'TH' AND grade = '{g}'" for g in range(1, 6)},
    "in_th_done": N["th_completed"],
    **{f"in_thcs{g}": f"enrolled_level IN ('THCS','GDTX_THCS') AND grade = '{g}'"
       for g in range(6, 10)},
    "in_thcs_done": N["thcs_graduated"],
    "in_studying": N["studying"],
}

RESIDENT_COUNTS: dict[str, str] = {
    **{name: f"{rollup.PPC} AND {cond}" for name, cond in PPC_SPLITS.items()},
    **{name + DISABLED_SUFFIX: f"{rollup.PPC_D} AND {cond}" for name, cond in PPC_SPLITS.items()},
    **ROLL_SPLITS,
}
NAMES: tuple[str, ...] = (*RESIDENT_COUNTS, *INCOMING)


def _rows(where: str, *, hamlet: bool = False) -> str:
    """The surveys' derived row plus the grade, the dropout grade (and the hamlet)."""
    return (
        f"SELECT {rollup.DERIVED}, py.enrolled_grade AS grade, py.dropout_grade AS dropout"
        + (", h.hamlet" if hamlet else "")
        + " FROM person_year py JOIN person p ON p.id = py.person"
        + (" JOIN household h ON h.id = py.household" if hamlet else "")
        + " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        f" WHERE {where} AND py.year >= p.birth_year OFFSET 0"
    )


def _counts(conditions: dict[str, str]) -> str:
    return ",\n    ".join(f"count(*) FILTER (WHERE {c}) AS {n}" for n, c in conditions.items())


RESIDENT_SQL = (
    f"SELECT commune, age,\n    {_counts(RESIDENT_COUNTS)}\n"
    f"FROM ({_rows('py.commune = ANY($1::int[]) AND py.year = $2')}) r GROUP BY commune, age"
)
HAMLET_SQL = (
    "SELECT hamlet, age,\n    count(*) AS roll,\n"
    f"    count(*) FILTER (WHERE {rollup.PPC}) AS ppc,\n"
    f"    count(*) FILTER (WHERE {rollup.PPC_D}) AS ppc_d,\n"
    f"    count(*) FILTER (WHERE {FEMALE}) AS roll_female,\n"
    f"    count(*) FILTER (WHERE {MINORITY}) AS roll_minority,\n"
    + ",\n".join(
        f"    count(*) FILTER (WHERE {rollup.PPC} AND {c}) AS {n},"
        f" count(*) FILTER (WHERE {rollup.PPC_D} AND {c}) AS {n}{DISABLED_SUFFIX}"
        for n, c in {**{k: N[k] for k in ("lit1", "lit2")},
                     "ppc_female": FEMALE, "ppc_minority": MINORITY,
                     **{k: PPC_SPLITS[k] for k in ("ppc_fm", "lit1_female", "lit1_minority",
                                                    "lit1_fm", "lit2_female", "lit2_minority",
                                                    "lit2_fm")}}.items()
    )
    + f"\nFROM ({_rows('py.commune = $1 AND py.year = $2', hamlet=True)}) r GROUP BY hamlet, age"
)
INCOMING_SQL = (
    f"SELECT school_commune AS commune, age,\n    {_counts(INCOMING)}\n"
    f"FROM ({_rows('py.year = $1 AND py.school_code <> ' + repr(''))}) r"
    f" WHERE school_commune <> commune AND NOT {OUT} GROUP BY school_commune, age"
)
HAMLET_NAMES: tuple[str, ...] = (
    "roll", "ppc", "ppc_d", "roll_female", "roll_minority",
    *(n + s for n in ("lit1", "lit2", "ppc_female", "ppc_minority", "ppc_fm", "lit1_female",
                      "lit1_minority", "lit1_fm", "lit2_female", "lit2_minority", "lit2_fm")
      for s in ("", DISABLED_SUFFIX)),
)

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


# --- caches keyed by change stamps ---------------------------------------------------------

_resident: dict[tuple[int, int], tuple[int, Matrix]] = {}
_incoming: dict[int, tuple[tuple[int, int], dict[int, Matrix]]] = {}


async def _stamps(commune_ids: Sequence[int], year: int) -> dict[int, int]:
    rows = await db.pool().fetch(
        "SELECT commune, stamp FROM change_stamp WHERE commune = ANY($1::int[]) AND year = $2",
        list(commune_ids), year,
    )
    found = {r["commune"]: r["stamp"] for r in rows}
    return {c: found.get(c, 0) for c in commune_ids}


async def resident_counts(commune_ids: Sequence[int], year: int) -> dict[int, Matrix]:
    """The residents' splits per commune (AGES × RESIDENT_NAMES), recomputed only for
    communes whose counts changed since they were last read."""
    stamps = await _stamps(commune_ids, year)
    stale = [c for c in commune_ids
             if (hit := _resident.get((c, year))) is None or hit[0] != stamps[c]]
    if stale:
        fresh = _matrices(await db.pool().fetch(RESIDENT_SQL, stale, year), len(RESIDENT_NAMES))
        for c in stale:
            _resident[(c, year)] = (
                stamps[c], fresh.get(c, np.zeros((AGES, len(RESIDENT_NAMES)), dtype=np.int64))
            )
    return {c: _resident[(c, year)][1] for c in commune_ids}


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


async def hamlet_counts(commune_id: int, year: int) -> dict[int, Matrix]:
    """Per hamlet of one commune (AGES × HAMLET_NAMES): the populations and literacy splits
    of the literacy forms, whose commune-level forms have one row per hamlet."""
    return _matrices(await db.pool().fetch(HAMLET_SQL, commune_id, year), len(HAMLET_NAMES))


def forget() -> None:
    """Drop the caches (tests that change rows behind the stamps' back)."""
    _resident.clear()
    _incoming.clear()
