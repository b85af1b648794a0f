"""The one "same person" rule: its cases, and its Python and SQL renderings agreeing on them."""

from __future__ import annotations

import unicodedata
from datetime import date

import msgspec
import pytest

from pcgd import db
from pcgd.common.text import name_key, squash
from surveys.roll import identity

pytestmark = pytest.mark.usefixtures("database")


class P(msgspec.Struct, frozen=True):
    full_name: str
    birth_year: int
    birth_date: date | None = None
    personal_id: str = ""
    father_name: str = ""
    mother_name: str = ""


HUNG = P("Nguyễn Văn Hùng", 2015, date(2015, 3, 4), father_name="Nguyễn Văn Ba")
# (a, b, same within a household, same across households, why)
CASES: list[tuple[P, P, bool, bool, str]] = [
    (HUNG, HUNG, True, True, "identical"),
    (HUNG, msgspec.structs.replace(HUNG, full_name="Nguyễn Văn Hưng"), False, False,
     "a tone mark makes another name"),
    (HUNG, msgspec.structs.replace(HUNG, full_name="Nguyen Van Hung"), True, True,
     "typed without diacritics"),
    (HUNG, msgspec.structs.replace(HUNG, full_name="NGUYỄN  VĂN HÙNG"), True, True,
     "case and spacing"),
    (HUNG, msgspec.structs.replace(HUNG, full_name=unicodedata.normalize("NFD", HUNG.full_name)),
     True, True, "decomposed diacritics"),
    (HUNG, msgspec.structs.replace(HUNG, birth_date=None), True, True, "year only"),
    (HUNG, msgspec.structs.replace(HUNG, birth_date=date(2015, 3, 5)), False, False,
     "another birth date"),
    (HUNG, msgspec.structs.replace(HUNG, birth_year=2016, birth_date=None), False, False,
     "another birth year"),
    (HUNG, msgspec.structs.replace(HUNG, father_name=""), True, False,
     "across households a parent must agree"),
    (msgspec.structs.replace(HUNG, father_name="", mother_name="Lê Thị Mai"),
     msgspec.structs.replace(HUNG, father_name="", mother_name="lê thị mai"), True, True,
     "the mother's name agrees"),
    (msgspec.structs.replace(HUNG, personal_id="001215000001"),
     msgspec.structs.replace(HUNG, personal_id="001215000002"), False, False,
     "two different personal IDs never"),
    (msgspec.structs.replace(HUNG, personal_id="001215000001"),
     P("Trần Thị Lan", 1990, personal_id="001215000001"), True, True, "the same personal ID"),
    (msgspec.structs.replace(HUNG, personal_id="001215000001"), HUNG, True, True,
     "one ID missing"),
]


@pytest.mark.parametrize(("a", "b", "within", "across", "why"), CASES, ids=[c[4] for c in CASES])
def test_rule(a: P, b: P, within: bool, across: bool, why: str) -> None:
    assert identity.same_person(a, b, across_households=False) is within, why
    assert identity.same_person(b, a, across_households=False) is within, why
    assert identity.same_person(a, b, across_households=True) is across, why
    assert identity.same_person(b, a, across_households=True) is across, why


def _row(alias: str, p: P, first: int) -> str:
    cols = ("personal_id", "name_key", "full_name", "birth_year", "birth_date", "father_name",
            "mother_name")
    types = ("text", "text", "text", "int", "date", "text", "text")
    values = ", ".join(f"${first + i}::{t} AS {c}" for i, (c, t) in enumerate(zip(cols, types,
                                                                               strict=True)))
    return f"(SELECT {values}) {alias}"


def _args(p: P) -> list[object]:
    name = squash(p.full_name)  # stored the way the reader stores it
    return [p.personal_id or None, name_key(name), name, p.birth_year, p.birth_date,
            p.father_name, p.mother_name]


async def test_sql_agrees_with_python() -> None:
    sql = (f"SELECT {identity.same_person_sql('a', 'b')} AS same, "
           f"{identity.by_name_sql('a', 'b')} AS by_name FROM {_row('a', HUNG, 1)}, "
           f"{_row('b', HUNG, 8)}")
    for a, b, _, across, why in CASES:
        for x, y in ((a, b), (b, a)):
            row = await db.pool().fetchrow(sql, *_args(x), *_args(y))
            assert row["same"] is across, why
            assert row["by_name"] is identity.by_name(x, y, across_households=True), why
