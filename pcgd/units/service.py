"""Loading, resolving and listing administrative units; hamlets and ĐBKK flags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import asyncpg

from pcgd import db
from pcgd.errors import NotFound, UserError
from pcgd.ops import caches
from pcgd.units import sources

KINDS = ("province", "district", "commune")
FIRST_SURVEY_YEAR = 2014  # NĐ 20/2014 took effect on 15/05/2014
KIND_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def check_year(year: int) -> int:
    last = date.today().year + 1
    if not FIRST_SURVEY_YEAR <= year <= last:
        raise UserError(
            f"năm {year} không hợp lệ: năm điều tra từ {FIRST_SURVEY_YEAR} đến {last}"
        )
    return year


def reference_date(year: int) -> date:
    """The day a survey year's unit tree is read on: the end of its data period (30 Sep)."""
    return date(year, 9, 30)


def tier_of(year: int) -> int:
    """3 for the pre-2025 tree (province → district → commune), 2 from 2025 on."""
    return 3 if reference_date(year) <= sources.OLD_VALID_TO else 2


VALID_SQL = (
    "(u.valid_from IS NULL OR u.valid_from <= $1) AND (u.valid_to IS NULL OR u.valid_to >= $1)"
)


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    parent_code: str | None
    lat: float | None = None
    lon: float | None = None

    def ref(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "kind": self.kind}


_UNIT_COLUMNS = (
    "u.id, u.code, u.name, u.kind, u.parent AS parent_id, p.code AS parent_code, u.lat, u.lon"
)


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(**dict(row))


_resolved: dict[tuple[str, int, str | None], Unit] = {}
_by_id: dict[int, Unit] = {}
caches.register("units", _resolved.clear)  # `pcgd units load` run by another process
caches.register("units", _by_id.clear)


_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{1,12}")


async def resolve(code: str, year: int, kind: str | None = None) -> Unit:
    """The unit with that code valid in the survey year (codes repeat across trees and kinds).

    Cached: units change only with `pcgd units load`, which clears the cache.
    """
    if not _CODE_SHAPE.fullmatch(code.strip()):
        # Unit codes are short letters/digits: anything else (a NUL byte, 10 kB of text) is no
        # unit, answered before it reaches the database.
        raise NotFound("mã đơn vị không hợp lệ (chỉ gồm chữ và số, tối đa 12 ký tự)")
    key = (code.strip(), year, kind)
    hit = _resolved.get(key)
    if hit is None:
        hit = await _resolve(code, year, kind)
        if len(_resolved) > 50_000:
            _resolved.clear()
        _resolved[key] = hit
    return hit


async def _resolve(code: str, year: int, kind: str | None) -> Unit:
    check_year(year)
    rows = await db.pool().fetch(
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        f" WHERE u.code = $2 AND {VALID_SQL} AND ($3::text IS NULL OR u.kind = $3)"
        " ORDER BY array_position(ARRAY['commune','district','province'], u.kind::text)",
        reference_date(year),
        code.strip(),
        kind,
    )
    if not rows:
        what = KIND_VI.get(kind or "", "đơn vị")
        raise NotFound(f"không có {what} mã {code.strip()} trong năm điều tra {year}")
    if len(rows) > 1 and kind is None:
        # A 2-digit code is a province, 3 digits a district, 5 a commune: prefer by length.
        by_len = {2: "province", 3: "district", 5: "commune"}.get(len(code.strip()))
        for row in rows:
            if row["kind"] == by_len:
                return _unit(row)
    return _unit(rows[0])


async def get(unit_id: int) -> Unit:
    """The unit with that id; cached like `resolve` (a unit's row changes only with
    `pcgd units load`, whose change generation empties the cache in every process)."""
    hit = _by_id.get(unit_id)
    if hit is not None:
        return hit
    row = await db.pool().fetchrow(
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        " WHERE u.id = $1",
        unit_id,
    )
    if row is None:
        raise NotFound(f"không có đơn vị số {unit_id}")
    if len(_by_id) > 50_000:
        _by_id.clear()
    unit = _by_id[unit_id] = _unit(row)
    return unit


async def list_units(
    year: int, *, parent: Unit | None = None, kind: str | None = None
) -> list[Unit]:
    if kind is not None and kind not in KINDS:
        raise UserError(f"cấp đơn vị không hợp lệ: {kind} (chọn {', '.join(KINDS)})")
    rows = await db.pool().fetch(
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        f" WHERE {VALID_SQL} AND ($2::int IS NULL OR u.parent = $2)"
        " AND ($3::text IS NULL OR u.kind = $3) ORDER BY u.code",
        reference_date(check_year(year)),
        parent.id if parent else None,
        kind,
    )
    return [_unit(r) for r in rows]


async def communes_under(unit: Unit, year: int) -> list[Unit]:
    """Every commune of a unit valid in the year (itself, if it is a commune)."""
    if unit.kind == "commune":
        return [unit]
    rows = await db.pool().fetch(
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        f" WHERE {VALID_SQL} AND u.kind = 'commune'"
        " AND (u.parent = $2 OR p.parent = $2) ORDER BY u.code",
        reference_date(year),
        unit.id,
    )
    return [_unit(r) for r in rows]


async def ancestors(unit: Unit) -> list[Unit]:
    """Parent chain, nearest first."""
    chain: list[Unit] = []
    current = unit
    while current.parent_id is not None:
        current = await get(current.parent_id)
        chain.append(current)
    return chain


# --- loading ---------------------------------------------------------------------------------

_PARENT_KIND = {("commune", True): "province", ("commune", False): "district",
                ("district", False): "province"}


async def load_units() -> dict[str, int]:
    """Upsert both trees and the succession mapping in one transaction (idempotent)."""
    records = [*sources.new_units(), *sources.old_units()]
    pairs = sources.succession()
    async with db.transaction() as conn:
        await conn.execute(
            "CREATE TEMP TABLE unit_stage (code text, name text, kind text, parent_code text,"
            " valid_from date, valid_to date, lat real, lon real, parent_kind text)"
            " ON COMMIT DROP"
        )
        await conn.copy_records_to_table(
            "unit_stage",
            records=[
                (
                    r.code, r.name, r.kind, r.parent_code, r.valid_from, r.valid_to, r.lat, r.lon,
                    _PARENT_KIND.get((r.kind, r.valid_from is not None)),
                )
                for r in records
            ],
        )
        await conn.execute(
            "INSERT INTO admin_unit (code, name, kind, valid_from, valid_to, lat, lon)"
            " SELECT code, name, kind, valid_from, valid_to, lat, lon FROM unit_stage"
            " ON CONFLICT (code, kind, coalesce(valid_from, '1900-01-01'::date)) DO UPDATE SET"
            " name = EXCLUDED.name, valid_to = EXCLUDED.valid_to, lat = EXCLUDED.lat,"
            " lon = EXCLUDED.lon"
        )
        await conn.execute(
            "UPDATE admin_unit u SET parent = p.id FROM unit_stage s, admin_unit p"
            " WHERE u.code = s.code AND u.kind = s.kind"
            " AND u.valid_from IS NOT DISTINCT FROM s.valid_from"
            " AND p.code = s.parent_code AND p.kind = s.parent_kind"
            " AND p.valid_from IS NOT DISTINCT FROM s.valid_from"
            " AND u.parent IS DISTINCT FROM p.id"
        )
        await conn.execute(
            "CREATE TEMP TABLE succ_stage (old_code text, new_code text) ON COMMIT DROP"
        )
        await conn.copy_records_to_table("succ_stage", records=list(pairs))
        await conn.execute(
            "INSERT INTO unit_succession (old_unit, new_unit)"
            " SELECT o.id, n.id FROM succ_stage s"
            " JOIN admin_unit o ON o.code = s.old_code AND o.kind = 'commune'"
            "  AND o.valid_to = $1"
            " JOIN admin_unit n ON n.code = s.new_code AND n.kind = 'commune'"
            "  AND n.valid_from = $2"
            " ON CONFLICT DO NOTHING",
            sources.OLD_VALID_TO,
            sources.NEW_VALID_FROM,
        )
        counts = await conn.fetch(
            "SELECT kind, (valid_from IS NOT NULL) AS new_tree, count(*) AS n FROM admin_unit"
            " GROUP BY 1, 2"
        )
        mapped = await conn.fetchval("SELECT count(*) FROM unit_succession")
    result = {
        f"{'new' if r['new_tree'] else 'old'}_{r['kind']}": r["n"] for r in counts
    }
    result["succession"] = mapped
    _resolved.clear()
    _by_id.clear()
    return result


async def units_loaded() -> bool:
    return bool(await db.pool().fetchval("SELECT count(*) > 10000 FROM admin_unit"))


# --- hamlets and flags -----------------------------------------------------------------------


async def ensure_hamlet(conn: asyncpg.Connection, commune_id: int, name: str) -> int:
    """The hamlet of that name in the commune, created on first use."""
    name = " ".join(name.split())
    row = await conn.fetchval(
        "INSERT INTO hamlet (commune, name, code) VALUES ($1, $2, '')"
        " ON CONFLICT (commune, name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
        commune_id,
        name,
    )
    return int(row)


async def hamlets(commune_id: int) -> list[dict[str, object]]:
    rows = await db.pool().fetch(
        "SELECT id, name, code FROM hamlet WHERE commune = $1 ORDER BY name", commune_id
    )
    return [dict(r) for r in rows]


async def set_dbkk(commune: Unit, year: int, dbkk: bool) -> None:
    if commune.kind != "commune":
        raise UserError(f"{commune.code} is a {commune.kind}; the ĐBKK flag is per commune")
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO commune_year_flag (commune, year, dbkk) VALUES ($1, $2, $3)"
            " ON CONFLICT (commune, year) DO UPDATE SET dbkk = EXCLUDED.dbkk",
            commune.id,
            year,
            dbkk,
        )
        await conn.execute(  # evaluation caches compare this stamp
            "INSERT INTO change_stamp (commune, year, stamp) VALUES ($1, $2, 1)"
            " ON CONFLICT (commune, year) DO UPDATE SET stamp = change_stamp.stamp + 1",
            commune.id,
            year,
        )


async def dbkk_flags(commune_ids: list[int], year: int) -> dict[int, bool]:
    rows = await db.pool().fetch(
        "SELECT commune, dbkk FROM commune_year_flag WHERE commune = ANY($1) AND year = $2",
        commune_ids,
        year,
    )
    return {r["commune"]: r["dbkk"] for r in rows}
