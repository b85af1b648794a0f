"""When two person records are one human being: the one rule, in Python and in SQL.

Used by the upload check (a household listing someone twice), the re-import match (which stored
member a file row updates) and the movers' links and duplicate report across communes. The rule:

1. Two records with the same personal ID are the same person; two different IDs never are.
2. Otherwise the names must agree and so must the birth: same year, and the same date where both
   have one. Names agree case- and spacing-insensitively with their diacritics (Hùng and Hưng are
   two names), except that a name typed without any diacritics matches its accented spelling
   (commune staff on old keyboards type "Nguyen Van Hung").
3. Across households (another household, another commune) name and birth are not enough — a
   common name is shared by many children born the same year — so a parent's name must agree
   too. Within one household name and birth are enough.

`same_person_sql` renders rules 1–3 (across households) for two aliases of the `person` table;
`tests/integration/test_identity.py` runs both renderings on the same pairs.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from pcgd.common.text import name_cmp, name_key, squash

__all__ = ["by_id", "by_name", "by_name_sql", "same_name", "same_person", "same_person_sql"]


class Person(Protocol):
    """What the rule reads (a `RollPerson` has it)."""

    full_name: str
    birth_year: int
    birth_date: dt.date | None
    personal_id: str
    father_name: str
    mother_name: str


def same_name(a: str, b: str) -> bool:
    """Names agree: folded keys equal, and equal with diacritics unless one was typed without."""
    a, b = squash(a), squash(b)
    key = name_key(a)
    if not key or key != name_key(b):
        return False
    return a.lower() == key or b.lower() == key or name_cmp(a) == name_cmp(b)


def _same_parent(a: Person, b: Person) -> bool:
    return bool(
        (a.father_name and name_cmp(a.father_name) == name_cmp(b.father_name))
        or (a.mother_name and name_cmp(a.mother_name) == name_cmp(b.mother_name))
    )


def by_id(a: Person, b: Person) -> bool:
    """Rule 1's positive half: the same personal ID."""
    return bool(a.personal_id) and a.personal_id == b.personal_id


def by_name(a: Person, b: Person, *, across_households: bool) -> bool:
    """Rules 2–3: no conflicting IDs, names and births agree (and a parent across households)."""
    return (
        not (a.personal_id and b.personal_id and a.personal_id != b.personal_id)
        and a.birth_year == b.birth_year
        and (a.birth_date is None or b.birth_date is None or a.birth_date == b.birth_date)
        and same_name(a.full_name, b.full_name)
        and (not across_households or _same_parent(a, b))
    )


def same_person(a: Person, b: Person, *, across_households: bool) -> bool:
    """The whole rule."""
    return by_id(a, b) or by_name(a, b, across_households=across_households)


def _cmp_sql(column: str) -> str:
    return f"lower(normalize({column}, NFC))"


def by_name_sql(a: str, b: str) -> str:
    """SQL of `by_name(across_households=True)` for aliases `a`, `b` of `person`.

    It starts with the equi-join on (name_key, birth_year) so that a planner can hash it; blank
    personal IDs are stored as NULL and a name without diacritics is one whose lower case is its
    key (names are stored single-spaced).
    """
    return f"""(
    {a}.name_key <> '' AND {a}.name_key = {b}.name_key AND {a}.birth_year = {b}.birth_year
    AND ({a}.birth_date IS NULL OR {b}.birth_date IS NULL OR {a}.birth_date = {b}.birth_date)
    AND ({a}.personal_id IS NULL OR {b}.personal_id IS NULL OR {a}.personal_id = {b}.personal_id)
    AND (lower({a}.full_name) = {a}.name_key OR lower({b}.full_name) = {b}.name_key
         OR {_cmp_sql(f"{a}.full_name")} = {_cmp_sql(f"{b}.full_name")})
    AND (({a}.father_name <> '' AND {_cmp_sql(f"{a}.father_name")} = {_cmp_sql(f"{b}.father_name")})
         OR ({a}.mother_name <> ''
             AND {_cmp_sql(f"{a}.mother_name")} = {_cmp_sql(f"{b}.mother_name")}))
)"""


def same_person_sql(a: str, b: str) -> str:
    """SQL of `same_person(across_households=True)` for aliases `a`, `b` of `person`."""
    same_id = f"{a}.personal_id IS NOT NULL AND {a}.personal_id = {b}.personal_id"
    return f"(({same_id}) OR {by_name_sql(a, b)})"
