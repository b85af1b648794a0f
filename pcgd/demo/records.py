"""Turning a generated commune roll into COPY-ready row tuples.

Row building is the Python-heavy half of the load, so it avoids creating objects per value:
small integers and NULLs come from one shared pool of int objects (numpy fancy indexing on an
object array), strings are already shared objects, and rows are made by `zip` over columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat

import numpy as np

from pcgd.demo.generator import CommuneSpec, generate_commune
from surveys.roll.fields import (
    FIELD,
    HOUSEHOLD_COLUMNS,
    PERSON_BULK_COLUMNS,
    PERSON_YEAR_BULK_COLUMNS,
    STATUS_COLUMNS,
)

__all__ = ["HOUSEHOLD_COLUMNS", "PERSON_COLUMNS", "PERSON_YEAR_COLUMNS", "build_chunk"]

# The import's COPY column lists (one definition); the demo lets person_year take its serial id.
PERSON_COLUMNS = PERSON_BULK_COLUMNS
PERSON_YEAR_COLUMNS = PERSON_YEAR_BULK_COLUMNS[1:]
_INT_COLUMNS = frozenset(n for n, t in STATUS_COLUMNS if t == "int") | {"birth_year"}

# Index v + 1 holds the int v (index 0 holds None): every year, grade and position is shared.
_POOL_SIZE = 3000
_INTS = np.array([None, *range(_POOL_SIZE - 1)], dtype=object)


def small_ints(values: np.ndarray) -> list[int | None]:
    """-1 → None, else the int, as shared objects (values must be below the pool size)."""
    return _INTS[values + 1].tolist()


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """One commune's share of the load: what to generate and which ids it was given."""

    spec: CommuneSpec
    year: int
    as_of: date
    seed: int
    household_base: int
    person_base: int
    hamlet_ids: tuple[int, ...]  # by the spec's hamlet index
    now: datetime


@dataclass(slots=True)
class Chunk:
    households: list[tuple]
    persons: list[tuple]
    person_years: list[tuple]


def _column(values: dict[str, np.ndarray], name: str, n: int) -> list:
    """One COPY column: the generator's values, or the field's blank when it makes none (a
    field added to surveys.roll.fields loads as blank until the generator learns it)."""
    if name not in values:
        field = FIELD[name]
        blank = False if field.kind == "flag" else None if field.sql in ("int", "date") else ""
        return [blank] * n
    return small_ints(values[name]) if name in _INT_COLUMNS else values[name].tolist()


def build_chunk(job: ChunkJob) -> Chunk:
    """Generate one commune and build its rows (runs in a worker thread during the load)."""
    roll = generate_commune(job.spec, job.year, job.as_of, job.seed)
    h, n = roll.n_households, roll.n_persons
    hh, p, py = roll.households, roll.persons, roll.person_years
    commune, year = job.spec.id, job.year
    hamlet_ids = np.array(job.hamlet_ids, dtype=object)
    households = list(
        zip(
            range(job.household_base, job.household_base + h),
            repeat(commune), repeat(year),
            hamlet_ids[hh["hamlet"]].tolist(),
            hh["household_code"].tolist(),
            hh["address"].tolist(),
            repeat(1), repeat(job.now),
            strict=False,  # the repeat() columns are endless; the range sets the length
        )
    )
    person_ids = range(job.person_base, job.person_base + n)
    persons = list(
        zip(
            person_ids,
            *(_column(p, c, n) for c in PERSON_COLUMNS[1:]),
            strict=True,
        )
    )
    person_years = list(
        zip(
            person_ids,
            (py["household"] + job.household_base).tolist(),
            repeat(commune), repeat(year),
            small_ints(py["position"]),
            repeat(True),
            *(_column(py, c, n) for c in PERSON_YEAR_COLUMNS[6:]),
            strict=False,  # the repeat() columns are endless; the range sets the length
        )
    )
    return Chunk(households, persons, person_years)
