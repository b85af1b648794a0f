"""Builders shared by the registry tests (no tests here): files, imports, roll households."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from pcgd import db
from pcgd.common.text import name_key
from pcgd.registry.importer import import_file
from pcgd.registry.schemas import ImportResult
from pcgd.units import service as units

YEAR = 2025


def csv_bytes(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[("" if c is None else str(c)) for c in r] for r in rows])
    return out.getvalue().encode("utf-8")


async def run_import(
    kind: str, rows: list[list[object]], unit_code: str, *, year: int = YEAR,
    dry_run: bool = False, filename: str = "list.csv",
) -> ImportResult:
    unit = await units.resolve(unit_code, year)
    return await import_file(
        kind, csv_bytes(rows), filename, unit=unit, year=year, dry_run=dry_run
    )


async def commune_id(code: str, year: int = YEAR) -> int:
    return (await units.resolve(code, year, kind="commune")).id


async def add_household(
    commune_code: str, code: str, members: list[dict[str, Any]], *, year: int = YEAR
) -> dict[str, Any]:
    """A roll household written straight into the tables; returns ids by member name."""
    commune = await commune_id(commune_code, year)
    async with db.transaction() as conn:
        hamlet = await units.ensure_hamlet(conn, commune, "Thôn Một")
        household = await conn.fetchval(
            "INSERT INTO household (commune, year, hamlet, household_code, address, version,"
            " updated_at) VALUES ($1, $2, $3, $4, '', 1, now()) RETURNING id",
            commune, year, hamlet, code,
        )
        ids: dict[str, Any] = {"household": household}
        for position, m in enumerate(members):
            birth = m.get("birth_date")
            person = await conn.fetchval(
                "INSERT INTO person (full_name, name_key, birth_date, birth_year, sex, ethnicity,"
                " personal_id, father_name, mother_name) VALUES ($1, $2, $3, $4, $5, '', $6,"
                " '', '') RETURNING id",
                m["full_name"], name_key(m["full_name"]), birth,
                birth.year if isinstance(birth, dt.date) else m["birth_year"], m.get("sex", "F"),
                m.get("personal_id"),
            )
            ids[m["full_name"]] = await conn.fetchval(
                "INSERT INTO person_year (person, household, commune, year, position, relation,"
                " residence_type, disability, movement, enrolled_level, enrolled_grade,"
                " school_code, mn_completed_year, th_completed_year, thcs_graduated_year,"
                " thpt_graduated_year, confirmed) VALUES ($1, $2, $3, $4, $5, $6, 'thuong_tru',"
                " '', '', $7, $8, $9, $10, $11, $12, $13, true) RETURNING id",
                person, household, commune, year, position, m.get("relation", "con"),
                m.get("enrolled_level", ""), m.get("enrolled_grade", ""),
                m.get("school_code", ""), m.get("mn_completed_year"),
                m.get("th_completed_year"), m.get("thcs_graduated_year"),
                m.get("thpt_graduated_year"),
            )
    return ids
