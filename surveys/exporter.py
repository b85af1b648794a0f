"""Reading a commune's roll back out of the database, and writing it as a file.

The stored roll becomes `RollHousehold`s (the same values an import produces), so the roll
writers of `surveys.roll` can write it and `import(export(x))` reproduces `x`: households in the
order they were first stored (their ids follow file order), members in their stored position.

Formats (`FORMATS`): `roll` (.csv or .xlsx, "pcgd roll v1", exact round trip) and
`mau_nhap_lieu` (.xlsx, the national entry workbook; it cannot hold every roll field, e.g. the
mother's name, so its round trip is not exact) and `roll_vi` (.xlsx, the roll for people:
Vietnamese headers and values, real dates; imports back unchanged). Every format carries each
household's stored version, so a later import can tell which households changed since.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from pcgd import db
from pcgd.errors import UserError
from surveys.roll import (
    RollHousehold,
    RollPerson,
    write_mau_nhap_lieu,
    write_roll,
    write_roll_vi,
)
from surveys.roll.fields import FIELDS, PERSON_COLUMNS
from surveys.service import STATUS_FIELDS

FORMATS = ("roll", "mau_nhap_lieu", "roll_vi")

_PERSON_SELECT = tuple(
    "coalesce(p.personal_id, '') AS personal_id" if n == "personal_id" else f"p.{n}"
    for n, _ in PERSON_COLUMNS if n not in ("name_key", "birth_year")
)
_ROLL_SELECT = f"""
SELECT h.id AS household_id, h.household_code, m.name AS hamlet, h.address, h.version,
       py.id AS person_year_id, py.person AS person_id, py.position, py.confirmed,
       p.birth_year, {", ".join(_PERSON_SELECT)},
       {", ".join("py." + f for f in STATUS_FIELDS)}
FROM household h
JOIN hamlet m ON m.id = h.hamlet
LEFT JOIN person_year py ON py.household = h.id
LEFT JOIN person p ON p.id = py.person
"""
_ROLL_SQL = _ROLL_SELECT + "WHERE h.commune = $1 AND h.year = $2 ORDER BY h.id, py.position, py.id"
# Some codes only: joined to the list (hashable), not `= ANY(array)` tested on every row.
_ROLL_CODES_SQL = (
    _ROLL_SELECT.replace("FROM household h", "FROM unnest($3::text[]) AS c(code)"
                         " JOIN household h ON h.household_code = c.code")
    + "WHERE h.commune = $1 AND h.year = $2 ORDER BY h.id, py.position, py.id"
)


@dataclass(slots=True)
class StoredMember:
    """A stored member: the roll values plus the ids an update needs."""

    person: RollPerson
    person_id: int
    person_year_id: int
    position: int
    confirmed: bool


@dataclass(slots=True)
class StoredHousehold:
    id: int
    household_code: str
    hamlet: str
    address: str
    version: int
    members: list[StoredMember]

    def roll(self) -> RollHousehold:
        return RollHousehold(
            self.household_code, self.hamlet, self.address, [m.person for m in self.members],
            self.version,
        )


_STORED = tuple(
    f.name for f in FIELDS if f.table in ("household", "person", "person_year")
)


def _person(row: asyncpg.Record) -> RollPerson:
    return RollPerson(
        **{name: row[name] for name in _STORED},
        birth_year=row["birth_year"],
        household_version=row["version"],
    )


async def stored_households(
    conn: asyncpg.Connection | asyncpg.Pool,
    commune_id: int,
    year: int,
    codes: Sequence[str] | None = None,
) -> list[StoredHousehold]:
    """The commune's households of the year with members (only `codes` when given)."""
    if codes is None:
        rows = await conn.fetch(_ROLL_SQL, commune_id, year)
    else:
        rows = await conn.fetch(_ROLL_CODES_SQL, commune_id, year, list(codes))
    out: list[StoredHousehold] = []
    current: StoredHousehold | None = None
    for row in rows:
        if current is None or current.id != row["household_id"]:
            current = StoredHousehold(
                row["household_id"], row["household_code"], row["hamlet"], row["address"],
                row["version"], [],
            )
            out.append(current)
        if row["person_year_id"] is None:
            continue  # a household without members (none is ever left so, but be safe)
        current.members.append(
            StoredMember(
                _person(row), row["person_id"], row["person_year_id"], row["position"],
                row["confirmed"],
            )
        )
    return out


async def roll_households(commune_id: int, year: int) -> list[RollHousehold]:
    """The roll as households; one without members has no roll row and is left out."""
    return [h.roll() for h in await stored_households(db.pool(), commune_id, year) if h.members]


def output_format(path: str | Path, fmt: str | None) -> str:
    """Which writer a file name asks for; UserError for combinations that cannot work."""
    suffix = Path(path).suffix.lower()
    fmt = (fmt or "roll").strip().lower().replace("-", "_")
    if fmt not in FORMATS:
        raise UserError(f"định dạng “{fmt}” không hỗ trợ (roll, roll_vi hoặc mau_nhap_lieu)")
    if fmt == "roll" and suffix not in (".csv", ".xlsx"):
        raise UserError(f"{Path(path).name}: định dạng roll ghi ra .csv hoặc .xlsx")
    if fmt in ("mau_nhap_lieu", "roll_vi") and suffix != ".xlsx":
        raise UserError(
            f"{Path(path).name}: định dạng {fmt} ghi ra .xlsx (không ghi được .xls kiểu cũ)"
        )
    return fmt


def write_households(households: Sequence[RollHousehold], path: str | Path, fmt: str) -> None:
    if fmt == "mau_nhap_lieu":
        write_mau_nhap_lieu(households, path)
    elif fmt == "roll_vi":
        write_roll_vi(households, path)
    else:
        write_roll(households, path)


async def export_roll(
    commune_id: int, year: int, path: str | Path, fmt: str | None = None
) -> tuple[int, int]:
    """Write the commune's roll to `path`; returns (households, persons)."""
    fmt = output_format(path, fmt)
    households = await roll_households(commune_id, year)
    await asyncio.to_thread(write_households, households, path, fmt)  # off the event loop
    return len(households), sum(len(h.members) for h in households)


async def export_bytes(commune_id: int, year: int, suffix: str, fmt: str) -> bytes:
    """The export as bytes, for a download (the writers want a path)."""
    with tempfile.TemporaryDirectory(prefix="pcgd-export-") as tmp:
        path = Path(tmp) / f"roll{suffix}"
        await export_roll(commune_id, year, path, fmt)
        return path.read_bytes()
