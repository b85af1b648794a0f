"""Shapes of units (stored, generated or built in), boundary imports, and choropleth maps.

Shapes: a unit's stored row in `geo_shape` (imported = real, or a generated schematic cell),
else for provinces the built-in Natural Earth outline. Cells are generated per province on first
use and stored; any import in a province drops that province's schematic cells so they are
rebuilt around the real shapes. Prepared page geometry is cached per process and follows the
`geo_version` counter, so a map is redrawn from memory until a shape changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo import boundaries, classes, importer, layout, schematic
from pcgd import db
from pcgd.accounts.service import CurrentUser
from pcgd.common.vn import fmt_pct
from pcgd.compliance import service as compliance
from pcgd.errors import Forbidden, NotFound, UserError
from pcgd.standards import load_rules
from pcgd.units import service as units

LEVELS = ("province", "district", "commune")
KIND_WORD = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
KIND_WORDS_VI = {"province": "tỉnh, thành phố", "district": "huyện, quận, thị xã, thành phố",
                 "commune": "xã, phường, thị trấn", "commune2": "xã, phường, đặc khu"}
NATIONAL = "VN"


@dataclass(frozen=True, slots=True)
class Shape:
    geom: Any
    schematic: bool
    source: str


# --- stored shapes ----------------------------------------------------------------------------


async def version() -> int:
    return int(await db.pool().fetchval("SELECT version FROM geo_version WHERE id = 1") or 0)


_shapes: dict[int, Shape] = {}
_shapes_version = [-1]


async def _stored(unit_ids: Sequence[int], current: int) -> dict[int, Shape]:
    """Stored shapes of these units, from the process cache while the version holds."""
    if _shapes_version[0] != current:
        _shapes.clear()
        _shapes_version[0] = current
    missing = [i for i in unit_ids if i not in _shapes]
    if missing:
        rows = await db.pool().fetch(
            "SELECT unit, geom, schematic, source FROM geo_shape WHERE unit = ANY($1::int[])",
            missing,
        )
        if rows:
            geoms = shapely.from_wkb([bytes(r["geom"]) for r in rows])
            for r, g in zip(rows, geoms, strict=True):
                _shapes[r["unit"]] = Shape(g, r["schematic"], r["source"])
    return {i: _shapes[i] for i in unit_ids if i in _shapes}


def builtin_province(unit: units.Unit, tree: int) -> Shape:
    found = boundaries.provinces(tree)
    if unit.code not in found:
        raise NotFound(f"không có ranh giới dựng sẵn cho tỉnh mã {unit.code}")
    return Shape(boundaries.province_with_islands(unit.code, tree), True, "natural-earth")


async def shapes_for(unit_list: Sequence[units.Unit], year: int) -> list[Shape]:
    """One shape per unit, in order; schematic cells are generated (and stored) when missing."""
    tree = units.tier_of(year)
    current = await version()
    stored = await _stored([u.id for u in unit_list], current)
    lacking = [u for u in unit_list if u.kind != "province" and u.id not in stored]
    if lacking:
        for province in await _provinces_of(lacking, year):
            await build_schematic(province, year)
        current = await version()
        stored = await _stored([u.id for u in unit_list], current)
    out = []
    for u in unit_list:
        if u.id in stored:
            out.append(stored[u.id])
        elif u.kind == "province":
            out.append(builtin_province(u, tree))
        else:
            raise NotFound(f"chưa dựng được hình của {u.name} ({u.code})")
    return out


async def _provinces_of(unit_list: Sequence[units.Unit], year: int) -> list[units.Unit]:
    rows = await db.pool().fetch(
        "SELECT DISTINCT coalesce(gp.id, p.id, u.id) AS id FROM admin_unit u"
        " LEFT JOIN admin_unit p ON p.id = u.parent LEFT JOIN admin_unit gp ON gp.id = p.parent"
        " WHERE u.id = ANY($1::int[])",
        [u.id for u in unit_list],
    )
    return [await units.get(r["id"]) for r in rows]


async def build_schematic(province: units.Unit, year: int) -> int:
    """Voronoi cells for the province's districts and communes that have no stored shape."""
    tree = units.tier_of(year)
    communes = await units.communes_under(province, year)
    districts = await units.list_units(year, parent=province, kind="district") if tree == 3 else []
    everyone = [province, *districts, *communes]
    rows = await db.pool().fetch(
        "SELECT unit, geom FROM geo_shape WHERE unit = ANY($1::int[]) AND NOT schematic",
        [u.id for u in everyone],
    )
    real = {r["unit"]: shapely.from_wkb(bytes(r["geom"])) for r in rows}
    outline = real.get(province.id)
    if outline is None:
        outline = boundaries.provinces(tree)[province.code].geom
    made = await asyncio.to_thread(_cells, tree, outline, districts, communes, real)
    if not made:
        return 0
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO geo_shape (unit, geom, schematic, source) VALUES ($1, $2, true, $3)"
            " ON CONFLICT (unit) DO NOTHING",
            [(uid, shapely.to_wkb(g), source) for uid, (g, source) in made.items()],
        )
        await conn.execute("UPDATE geo_version SET version = version + 1 WHERE id = 1")
    return len(made)


def _cells(
    tree: int, outline: Any, districts: list[units.Unit], communes: list[units.Unit],
    real: dict[int, Any],
) -> dict[int, tuple[Any, str]]:
    """Schematic shapes of every district and commune without a real one (pure, CPU-bound)."""
    land = _land(tree)
    made: dict[int, tuple[Any, str]] = {}
    shapes: dict[int, Any] = dict(real)
    pool: list[units.Unit] = []
    containers: list[tuple[Any, list[units.Unit]]] = []
    real_districts = {d.id for d in districts if d.id in real}
    for c in communes:
        if c.id in real:
            continue
        island = boundaries.archipelago_of_unit(c.code, "commune", tree)
        if island is not None:
            made[c.id] = (island, "natural-earth")
            shapes[c.id] = island
        elif c.parent_id in real_districts:
            continue
        else:
            pool.append(c)
    taken = [g for uid, g in real.items() if uid in real_districts] + [
        g for c in communes if (g := real.get(c.id)) is not None
        and c.parent_id not in real_districts
    ]
    base = outline.difference(shapely.union_all(taken)) if taken else outline
    containers.append((base, pool))
    for d in districts:
        if d.id not in real_districts:
            continue
        inside = [c for c in communes if c.parent_id == d.id and c.id not in real]
        holes = [real[c.id] for c in communes if c.parent_id == d.id and c.id in real]
        area = real[d.id].difference(shapely.union_all(holes)) if holes else real[d.id]
        containers.append((area, inside))
    for area, members in containers:
        pts = [(c.lon or 0.0, c.lat or 0.0) for c in members]
        for c, cell in zip(members, schematic.cells(area, pts, land), strict=True):
            made[c.id] = (cell, "voronoi")
            shapes[c.id] = cell
    for d in districts:
        if d.id in real:
            continue
        island = boundaries.archipelago_of_unit(d.code, "district", tree)
        parts = [shapes[c.id] for c in communes if c.parent_id == d.id and c.id in shapes]
        if island is not None:
            made[d.id] = (island, "natural-earth")
        elif parts:
            made[d.id] = (shapely.coverage_union_all(parts) if len(parts) > 1 else parts[0],
                          "voronoi")
        else:  # a district without communes (island districts): a disk at its centre
            made[d.id] = (shapely.Point(d.lon or 0.0, d.lat or 0.0).buffer(0.03, quad_segs=4),
                          "voronoi")
    return made


_land_cache: dict[int, Any] = {}


def _land(tree: int) -> Any:
    if tree not in _land_cache:
        geoms = [p.geom for p in boundaries.provinces(tree).values()]
        land = shapely.union_all(geoms)
        shapely.prepare(land)
        _land_cache[tree] = land
    return _land_cache[tree]


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    level: str
    year: int
    years: str  # the survey years the shapes apply to
    field: str
    by: str
    matched: int
    unmatched_features: list[dict[str, Any]]
    units_without_shape: list[dict[str, str]]
    repaired: list[int]
    notes: list[str]
    dry_run: bool
    written: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "unmatched_features": self.unmatched_features,
            "units_without_shape": self.units_without_shape,
            "level": self.level,
            "year": self.year,
            "years": self.years,
            "field": self.field,
            "by": self.by,
            "repaired_features": [i + 1 for i in self.repaired],
            "notes": self.notes,
            "dry_run": self.dry_run,
            "written": self.written,
        }


def may_import(user: CurrentUser | None) -> bool:
    return user is None or user.is_admin or user.role == "province"


async def import_boundaries(
    path: Path,
    level: str,
    year: int,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    dry_run: bool = False,
    user: CurrentUser | None = None,
    display_name: str | None = None,
) -> ImportReport:
    """Match a boundary file's features to units of a level and (unless dry run) store them.

    `user` None is the command line (every unit); a province account may only import shapes of
    its own province's units; other roles are refused.
    """
    if level not in LEVELS:
        raise UserError(f"cấp '{level}' không hợp lệ: province, district hoặc commune")
    if code_field and name_field:
        raise UserError("chỉ dùng một trong hai: --code-field hoặc --name-field")
    units.check_year(year)
    tree = units.tier_of(year)
    if level == "district" and tree == 2:
        raise UserError(f"năm {year} theo mô hình hai cấp: không còn cấp huyện")
    if not may_import(user):
        raise Forbidden("chỉ tài khoản cấp tỉnh hoặc quản trị được nhập ranh giới")
    name = display_name or path.name
    features = await asyncio.to_thread(importer.read, path, display_name=name)
    every = await _candidates(level, year)
    own_province = await _own_province(user, year)
    allowed = [c for c in every if own_province is None or c.province == own_province.code]
    outside = [c for c in every if own_province is not None and c.province != own_province.code]
    provinces = boundaries.provinces(tree)

    def province_of(geom: Any) -> str | None:
        point = geom.representative_point()
        for code, p in provinces.items():
            if p.geom.contains(point):
                return code
        return None

    matching = await asyncio.to_thread(
        importer.match, features, allowed, level, code_field=code_field, name_field=name_field,
        province_of=province_of, outside=outside,
    )
    shapes = importer.merged_geometries(features, matching)
    touched = {c.province for c in allowed if c.code in shapes}
    if own_province is not None:
        touched = {own_province.code}
    elif level == "province":
        touched = {c.province for c in allowed}
    real = await _real_codes(level, year)
    without = [
        {"code": c.code, "name": c.name}
        for c in allowed if c.province in touched and c.code not in shapes and c.code not in real
    ]
    notes = [n for n in [features.crs_note] if n]
    if features.repaired:
        notes.append(f"đã sửa hình không hợp lệ của {len(features.repaired)} đối tượng")
    first, last = _years_of(tree)
    report = ImportReport(
        level=level, year=year, years=f"{first}–{last}" if last else f"từ {first}",
        field=matching.field, by=matching.by, matched=len(shapes),
        unmatched_features=matching.unmatched, units_without_shape=without,
        repaired=features.repaired, notes=notes, dry_run=dry_run,
    )
    if dry_run or not shapes:
        return report
    await _store(shapes, level, year, name, touched, user, report)
    report.written = True
    return report


def _years_of(tree: int) -> tuple[int, int | None]:
    if tree == 3:
        return units.FIRST_SURVEY_YEAR, 2024
    return 2025, None


async def _candidates(level: str, year: int) -> list[importer.Candidate]:
    rows = await db.pool().fetch(
        "SELECT u.code, u.name, u.lon, u.lat, coalesce(gp.code, p.code, u.code) AS province"
        " FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
        " LEFT JOIN admin_unit gp ON gp.id = p.parent"
        f" WHERE u.kind = $2 AND {units.VALID_SQL} ORDER BY u.code",
        units.reference_date(year), level,
    )
    return [importer.Candidate(r["code"], r["name"], r["province"], r["lon"], r["lat"])
            for r in rows]


async def _real_codes(level: str, year: int) -> set[str]:
    """Units of the level that already have an imported (real) shape."""
    rows = await db.pool().fetch(
        "SELECT u.code FROM geo_shape s JOIN admin_unit u ON u.id = s.unit"
        f" WHERE NOT s.schematic AND u.kind = $2 AND {units.VALID_SQL}",
        units.reference_date(year), level,
    )
    return {r["code"] for r in rows}


async def _own_province(user: CurrentUser | None, year: int) -> units.Unit | None:
    """None for the command line and admins; the province of a province account."""
    if user is None or user.is_admin:
        return None
    if user.role != "province" or user.unit_id is None:
        raise Forbidden("chỉ tài khoản cấp tỉnh hoặc quản trị được nhập ranh giới")
    unit = await units.get(user.unit_id)
    try:
        return await units.resolve(unit.code, year, kind="province")
    except NotFound as exc:
        raise Forbidden("tỉnh của tài khoản không có trong danh mục năm này") from exc


async def _store(
    shapes: dict[str, Any], level: str, year: int, source: str, provinces: set[str],
    user: CurrentUser | None, report: ImportReport,
) -> None:
    from pcgd.audit import service as audit

    ref = units.reference_date(year)
    async with db.transaction() as conn:
        ids = await conn.fetch(
            f"SELECT u.id, u.code FROM admin_unit u WHERE u.kind = $2 AND u.code = ANY($3::text[])"
            f" AND {units.VALID_SQL}",
            ref, level, list(shapes),
        )
        by_code = {r["code"]: r["id"] for r in ids}
        await conn.executemany(
            "INSERT INTO geo_shape (unit, geom, schematic, source, updated_at)"
            " VALUES ($1, $2, false, $3, now()) ON CONFLICT (unit) DO UPDATE SET"
            " geom = EXCLUDED.geom, schematic = false, source = EXCLUDED.source,"
            " updated_at = now()",
            [(by_code[c], shapely.to_wkb(g), source) for c, g in shapes.items() if c in by_code],
        )
        # Cells of lower units in those provinces are redrawn around the real shapes.
        await conn.execute(
            "DELETE FROM geo_shape s USING admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent"
            " LEFT JOIN admin_unit gp ON gp.id = p.parent"
            " WHERE s.unit = u.id AND s.schematic AND u.kind <> 'province'"
            f" AND coalesce(gp.code, p.code) = ANY($2::text[]) AND {units.VALID_SQL}",
            ref, sorted(provinces),
        )
        await conn.execute("UPDATE geo_version SET version = version + 1 WHERE id = 1")
        await audit.record(
            conn, user, "import", "geo_shape", f"{level}:{year}", year=year,
            after={"file": source, "level": level, "matched": sorted(shapes),
                   "unmatched": len(report.unmatched_features)},
        )


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# --- maps -------------------------------------------------------------------------------------


@dataclass
class MapData:
    """A map's content before drawing: the units, their classes, and the page."""

    target: units.Unit | None  # None: the whole country
    year: int
    classification: classes.Classification
    kind: str  # kind of the mapped units
    unit_list: list[units.Unit]
    page: layout.Page
    schematic: bool
    source_line: str = ""
    key: tuple[Any, ...] = field(default_factory=tuple)


_prepared: dict[tuple[Any, ...], layout.Prepared] = {}


async def resolve_target(
    code: str, year: int, user: CurrentUser | None = None
) -> units.Unit | None:
    """The unit a map is drawn for (None: the country), after the user's scope is checked.

    Scope comes first, so a unit outside the account's reach answers 403 whatever its kind.
    """
    from pcgd.accounts.scope import require_unit

    if code.strip().upper() == NATIONAL:
        if user is not None and not user.is_admin:
            raise Forbidden("chỉ tài khoản quản trị xem được bản đồ cả nước")
        return None
    unit = await units.resolve(code, year)
    if user is not None:
        await require_unit(user, unit, year)
    if unit.kind == "commune":
        raise UserError(
            f"{unit.name} là cấp xã: bản đồ vẽ các đơn vị trực thuộc một tỉnh, một huyện"
            " hoặc cả nước (--unit VN)"
        )
    return unit


async def mapped_units(
    target: units.Unit | None, year: int, communes: bool
) -> tuple[list[units.Unit], list[dict[str, Any]], str]:
    """The units a map shows and their evaluation results."""
    tree = units.tier_of(year)
    if target is None and not communes:
        provinces = await units.list_units(year, kind="province")
        results = [await compliance.evaluate_unit(p, year) for p in provinces]
        return provinces, results, "province"
    if target is None:
        shown = await units.list_units(year, kind="commune")
    elif target.kind == "province" and tree == 3 and not communes:
        result = await compliance.evaluate_unit(target, year, with_children=True)
        districts = await units.list_units(year, parent=target, kind="district")
        by_code = {r["unit"]["code"]: r for r in result["children"]}
        return districts, [by_code[d.code] for d in districts], "district"
    else:
        shown = await units.communes_under(target, year)
    results = await compliance.evaluate_communes(shown, year)
    return shown, list(results), "commune"


def _share_word(kind: str, tree: int) -> str:
    """What a share criterion of the mapped units counts (their lower units)."""
    return "huyện" if kind == "province" and tree == 3 else "xã"


def _tooltip(v: classes.UnitValue, cls: classes.Classification, selection_label: str) -> str:
    parts = [v.name]
    if not v.has_data:
        parts.append("chưa có dữ liệu")
    else:
        parts.append("chưa đạt chuẩn" if v.level == 0 else f"công nhận mức độ {v.level}")
        if cls.is_rate:
            rate = fmt_pct(v.rate)
            parts.append(f"{selection_label}: {rate}")
    return " · ".join(parts)


def _short(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "Thị xã ", "Thị trấn ", "Huyện ", "Quận ", "Xã ",
                   "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


async def build_map(
    code: str,
    year: int,
    selection: classes.Selection,
    *,
    communes: bool = False,
    user: CurrentUser | None = None,
    compact: bool = False,
) -> MapData:
    """Evaluate the units under `code` (or the country) and lay the page out."""
    units.check_year(year)
    tree = units.tier_of(year)
    target = await resolve_target(code, year, user)
    shown, results, kind = await mapped_units(target, year, communes)
    book = load_rules()
    classification = classes.classify(
        results, selection, book, year=year, kind_word=_share_word(kind, tree)
    )
    shapes = await shapes_for(shown, year)
    is_schematic = any(s.schematic for s in shapes)
    label = (classes.criterion_label(book, selection.criterion, _share_word(kind, tree))
             if selection.criterion else "")
    unit_inputs = []
    for u, v, s in zip(shown, classification.values, shapes, strict=True):
        attrs = {"data-code": u.code, "data-level": str(v.level), "data-kind": u.kind,
                 "data-has-data": "true" if v.has_data else "false"}
        if classification.is_rate:
            attrs["data-rate"] = "" if v.rate is None else f"{v.rate:g}"
        attrs["data-name"] = u.name
        unit_inputs.append(layout.UnitInput(
            u.code, u.name, u.kind, s.geom, v.klass, attrs,
            _tooltip(v, classification, label), _short(u.name),
            href=f"/units/{u.code}/board?year={year}",
        ))
    national = target is None
    place = "Cả nước" if national else target.name
    count = f"{len(shown):,}".replace(",", ".")
    inp = layout.MapInput(
        title=classification.title,
        subtitle=f"{place} · {count} "
                 f"{KIND_WORDS_VI['commune2' if kind == 'commune' and tree == 2 else kind]}"
                 f" · năm điều tra {year}",
        date_line=f"Thời điểm: 30/09/{year}",
        source_line=_source_line(year, shapes),
        schematic=is_schematic,
        national=national,
        units=unit_inputs,
        classes=classification.classes,
        kind_word=KIND_WORD[kind],
        tree=tree,
        outlines=_outlines(target, kind, tree, shown, shapes),
        context=None if national else await _context(target, year, tree),
        highlight=None if national else _province_outline(target, tree),
        compact=compact,
    )
    current = await version()
    key = (current, tree, code.strip().upper(), communes, compact,
           hashlib.sha1(",".join(u.code for u in shown).encode()).hexdigest())
    prepared = _prepared.get(key)
    if prepared is None:
        prepared = await asyncio.to_thread(layout.prepare, inp)
        if len(_prepared) > 64:
            _prepared.clear()
        _prepared[key] = prepared
    page = layout.build_page(inp, prepared)
    page.title = f"{classification.title} · {inp.subtitle}"
    page.description = f"{inp.date_line}. {inp.source_line}" + (
        f" {layout.SCHEMATIC_CAPTION}." if is_schematic else "")
    return MapData(target, year, classification, kind, shown, page, is_schematic,
                   inp.source_line, key)


def _source_line(year: int, shapes: Sequence[Shape]) -> str:
    sources = {s.source for s in shapes}
    parts = [f"Nguồn: số liệu điều tra PCGD-XMC năm {year}, đánh giá theo NĐ 20/2014/NĐ-CP"]
    borders = [f"ranh giới tỉnh: {boundaries.SOURCE_VI}"]
    if "voronoi" in sources:
        borders.append("ô xã, huyện: sơ đồ Voronoi quanh tọa độ trung tâm đơn vị")
    imported = sorted(s for s in sources if s not in ("voronoi", "natural-earth"))
    if imported:
        borders.append("ranh giới nhập từ tệp " + ", ".join(imported[:3]))
    return "; ".join(parts + borders) + "."


def _outlines(
    target: units.Unit | None, kind: str, tree: int, shown: Sequence[units.Unit],
    shapes: Sequence[Shape],
) -> Any | None:
    """Borders of the level above, drawn over small shapes (provinces over all communes)."""
    if target is None and kind == "commune":
        return [p.geom for p in boundaries.provinces(tree).values()]
    if target is not None and target.kind == "province" and kind == "commune" and tree == 3:
        by_district: dict[int | None, list[Any]] = {}
        for u, s in zip(shown, shapes, strict=True):
            by_district.setdefault(u.parent_id, []).append(s.geom)
        return [shapely.coverage_union_all(np.asarray(g)) for g in by_district.values()]
    return None


def _province_outline(target: units.Unit | None, tree: int) -> Any | None:
    code = None if target is None else (
        target.code if target.kind == "province" else target.parent_code)
    found = boundaries.provinces(tree).get(code or "")
    return None if found is None else found.geom


async def _context(target: units.Unit | None, year: int, tree: int) -> list[tuple[str, Any]]:
    """What lies around a province or district map, faint: the other provinces and, around a
    district, the other districts of its province."""
    provinces = boundaries.provinces(tree)
    own = target.code if target is not None and target.kind == "province" else (
        target.parent_code if target is not None else None
    )
    around = [(_short(p.name), p.geom) for c, p in provinces.items() if c != own]
    if target is not None and target.kind == "district":
        province = await units.get(target.parent_id) if target.parent_id else None
        if province is not None:
            siblings = [d for d in await units.list_units(year, parent=province, kind="district")
                        if d.id != target.id]
            shapes = await shapes_for(siblings, year)
            around += [(_short(d.name), s.geom) for d, s in zip(siblings, shapes, strict=True)]
    return around


async def render(data: MapData, fmt: str, *, links: bool = False, scale: float = 1.5) -> bytes:
    """The map as PNG or SVG bytes (prepared geometry reused from the cache)."""
    from geo import png as png_writer  # matplotlib: loaded on the first PNG, not at start-up
    from geo import svg as svg_writer

    prepared = _prepared.get(data.key)
    cache = prepared.cache if prepared is not None else {}
    if fmt == "svg":
        if "d" not in cache:
            from geo.paths import rings, svg_d

            cache["d"] = [svg_d(r) for r in rings([s.geom for s in data.page.shapes])]
        return svg_writer.render(data.page, links=links, shape_d=cache["d"]).encode("utf-8")
    if fmt == "png":
        if "paths" not in cache:
            cache["paths"] = png_writer.paths_of([s.geom for s in data.page.shapes])
        return await asyncio.to_thread(
            png_writer.render, data.page, scale=scale, shape_paths=cache["paths"]
        )
    raise UserError(f"định dạng '{fmt}' không hỗ trợ: .png hoặc .svg")
