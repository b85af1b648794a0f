"""Reading boundary files (GeoJSON, GeoPackage, Shapefile, zipped Shapefile) and matching features
to units by code, or by name within their province ignoring case and diacritics.

No database here: the service passes the candidate units in and writes what comes out. Every
problem becomes a Vietnamese message that names the feature and the reason.
"""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from pcgd.common.text import fold
from pcgd.errors import UserError

MAX_BYTES = 100 * 1024 * 1024
MAX_FEATURES = 20_000
SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
LEVEL_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
VIETNAM_BOX = (100.0, 5.0, 120.0, 25.0)
_PREFIXES = (
    "thanh pho", "tinh", "quan", "huyen", "thi xa", "thi tran", "xa", "phuong", "dac khu",
)
_PREFIX_RE = re.compile(r"^(?:" + "|".join(_PREFIXES) + r")\s+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A unit a feature may match: its code, name, province code and centroid."""

    code: str
    name: str
    province: str
    lon: float | None
    lat: float | None


@dataclass
class Features:
    names: list[str]  # column names (without geometry)
    columns: dict[str, list[Any]]
    geoms: list[Any]  # WGS84, repaired; None where unusable
    problems: dict[int, str]  # feature index → why its geometry is unusable
    repaired: list[int]
    crs_note: str


@dataclass
class Matching:
    field: str
    by: str  # "code" | "name"
    matches: dict[str, list[int]] = field(default_factory=dict)  # unit code → feature indexes
    unmatched: list[dict[str, Any]] = field(default_factory=list)


def name_key(name: str) -> str:
    """'Xã Tân Lập' → 'tan lap'; 'PHƯỜNG  Hòa Bình' → 'hoa binh'."""
    text = " ".join(fold(str(name)).replace("-", " ").split())
    return _PREFIX_RE.sub("", text)


def code_key(value: Any, level: str) -> str | None:
    """A file's code value as a GSO code of the level ('1', 1.0, ' 01 ' → '01')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return text.split(".")[0].zfill(CODE_WIDTH[level])
    return text or None


# --- reading ----------------------------------------------------------------------------------


def read(path: Path, *, display_name: str | None = None) -> Features:
    """The features of a boundary file in WGS84, with repaired geometry and problems listed."""
    import geopandas as gpd

    name = display_name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"tệp '{name}': không nhận dạng được định dạng (cần .geojson, .json, .gpkg, .shp"
            " hoặc .zip chứa Shapefile)"
        )
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"tệp '{name}' quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB)")
    target = str(path)
    if suffix == ".zip":
        target = _zip_target(path, name)
    elif suffix == ".shp":
        missing = [s for s in (".shx", ".dbf") if not _sibling(path, s)]
        if missing:
            raise UserError(
                f"tệp '{name}': Shapefile thiếu tệp đi kèm {', '.join(missing)}"
                " (nén cả bộ .shp, .shx, .dbf, .prj thành một tệp .zip rồi nhập)"
            )
    try:
        import pyogrio

        info = pyogrio.read_info(target)
        if info["features"] > MAX_FEATURES:
            raise UserError(
                f"tệp '{name}' có {info['features']} đối tượng, quá giới hạn {MAX_FEATURES}"
            )
        frame = gpd.read_file(target)
    except UserError:
        raise
    except Exception as exc:  # GDAL's reasons are English and technical: say it plainly
        raise UserError(
            f"không đọc được tệp '{name}' như GeoJSON, GeoPackage hay Shapefile"
            " (tệp hỏng hoặc sai định dạng)"
        ) from exc
    if len(frame) == 0:
        raise UserError(f"tệp '{name}' không có đối tượng nào")
    crs_note = ""
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise UserError(
                f"tệp '{name}' không ghi hệ tọa độ và tọa độ không phải kinh độ, vĩ độ"
                " (Shapefile cần kèm tệp .prj)"
            )
        crs_note = "tệp không ghi hệ tọa độ: coi là WGS84 (kinh độ, vĩ độ)"
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        try:
            source = frame.crs.name
            frame = frame.to_crs(4326)
        except Exception as exc:
            raise UserError(f"tệp '{name}': không chuyển được hệ tọa độ sang WGS84") from exc
        crs_note = f"đã chuyển hệ tọa độ {source} sang WGS84"
    columns = [c for c in frame.columns if c != frame.geometry.name]
    geoms, problems, repaired = _repair(list(frame.geometry.values))
    return Features(
        names=columns,
        columns={c: list(frame[c].values) for c in columns},
        geoms=geoms,
        problems=problems,
        repaired=repaired,
        crs_note=crs_note,
    )


def _sibling(path: Path, suffix: str) -> bool:
    return any(path.with_suffix(s).exists() for s in (suffix, suffix.upper()))


def _zip_target(path: Path, name: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.startswith("__MACOSX")]
    except zipfile.BadZipFile as exc:
        raise UserError(f"tệp '{name}' không phải tệp .zip hợp lệ") from exc
    shp = [m for m in members if m.lower().endswith(".shp")]
    other = [m for m in members if m.lower().endswith((".geojson", ".json", ".gpkg"))]
    if len(shp) == 1:
        return f"/vsizip/{path}/{shp[0]}"
    if not shp and len(other) == 1:
        return f"/vsizip/{path}/{other[0]}"
    if len(shp) > 1:
        raise UserError(f"tệp '{name}' chứa {len(shp)} Shapefile: mỗi lần nhập một lớp")
    raise UserError(f"tệp '{name}' không chứa Shapefile (.shp) hay GeoJSON")


def _repair(raw: list[Any]) -> tuple[list[Any], dict[int, str], list[int]]:
    """Polygons only; invalid ones made valid; what cannot be used is reported, not dropped."""
    out: list[Any] = []
    problems: dict[int, str] = {}
    repaired: list[int] = []
    for i, geom in enumerate(raw):
        if geom is None or geom.is_empty:
            problems[i] = "không có hình"
            out.append(None)
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            repaired.append(i)
        polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"
                 and not g.is_empty and g.area > 0]
        if geom.geom_type == "GeometryCollection":
            polys = [p for sub in shapely.get_parts(geom) for p in shapely.get_parts(sub)
                     if p.geom_type == "Polygon" and p.area > 0]
        if not polys:
            problems[i] = f"không phải vùng (kiểu {_geom_vi(geom.geom_type)})"
            out.append(None)
            continue
        merged = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        minx, miny, maxx, maxy = merged.bounds
        bx0, by0, bx1, by1 = VIETNAM_BOX
        if maxx < bx0 or minx > bx1 or maxy < by0 or miny > by1:
            problems[i] = "nằm ngoài lãnh thổ Việt Nam (kiểm tra hệ tọa độ)"
            out.append(None)
            continue
        out.append(merged)
    return out, problems, repaired


def _geom_vi(kind: str) -> str:
    return {"Point": "điểm", "MultiPoint": "điểm", "LineString": "đường",
            "MultiLineString": "đường"}.get(kind, kind)


# --- matching ---------------------------------------------------------------------------------


def match(
    features: Features,
    candidates: Sequence[Candidate],
    level: str,
    *,
    code_field: str | None,
    name_field: str | None,
    province_of: Any,
    outside: Sequence[Candidate] = (),
) -> Matching:
    """Which unit each feature is. `province_of(geom)` names the province a shape lies in.

    Without a field given, the column whose values match the most unit codes is used, else the
    one matching the most names. `outside`: units the user may not change (named as such).
    """
    beyond = {c.code for c in outside} | {name_key(c.name) for c in outside}
    refused = "đơn vị ngoài phạm vi của tài khoản"
    for given in (code_field, name_field):
        if given is not None and given not in features.columns:
            raise UserError(
                f"tệp không có cột '{given}' (các cột: {', '.join(features.names) or 'không có'})"
            )
    by_code = {c.code: c for c in candidates}
    by_name: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_name.setdefault(name_key(c.name), []).append(c)
    if code_field is None and name_field is None:
        code_field, name_field = _guess(features, by_code, by_name, level)
    result = Matching(field=code_field or name_field or "", by="code" if code_field else "name")
    values = features.columns[result.field]
    for i, value in enumerate(values):
        geom = features.geoms[i]
        shown = "" if value is None else str(value)
        if geom is None:
            result.unmatched.append({"feature": i + 1, "value": shown,
                                     "reason": features.problems.get(i, "không có hình")})
            continue
        if code_field:
            key = code_key(value, level)
            unit = by_code.get(key or "")
            if unit is None:
                reason = refused if key in beyond else f"không có {LEVEL_VI[level]} mã '{shown}'"
                result.unmatched.append({"feature": i + 1, "value": shown, "reason": reason})
                continue
        else:
            found = by_name.get(name_key(shown), [])
            unit = _within_province(found, geom, province_of)
            if unit is None:
                if not found:
                    reason = refused if name_key(shown) in beyond else (
                        f"không có {LEVEL_VI[level]} tên '{shown}'")
                else:
                    reason = (f"có {len(found)} {LEVEL_VI[level]} tên '{shown}' mà hình không"
                              " nằm trong tỉnh của đơn vị nào")
                result.unmatched.append({"feature": i + 1, "value": shown, "reason": reason})
                continue
        result.matches.setdefault(unit.code, []).append(i)
    return result


def _within_province(found: list[Candidate], geom: Any, province_of: Any) -> Candidate | None:
    """Among units of one name, the one in the province the shape lies in (nearest if several)."""
    if not found:
        return None
    province = province_of(geom)
    inside = [c for c in found if c.province == province]
    if len(found) == 1 and (province is None or inside):
        return found[0]
    if not inside:
        return None
    if len(inside) == 1:
        return inside[0]
    point = geom.representative_point()
    return min(inside, key=lambda c: math.inf if c.lon is None else
               (c.lon - point.x) ** 2 + (c.lat - point.y) ** 2)


def _guess(
    features: Features, by_code: dict[str, Candidate], by_name: dict[str, list[Candidate]],
    level: str,
) -> tuple[str | None, str | None]:
    best_code = max(
        features.names, default=None,
        key=lambda c: sum(1 for v in features.columns[c] if code_key(v, level) in by_code),
    )
    n = len(features.geoms)
    if best_code is not None and sum(
        1 for v in features.columns[best_code] if code_key(v, level) in by_code
    ) * 2 >= n:
        return best_code, None
    texts = [c for c in features.names if any(isinstance(v, str) for v in features.columns[c])]
    best_name = max(
        texts, default=None,
        key=lambda c: sum(1 for v in features.columns[c] if name_key(str(v)) in by_name),
    )
    if best_name is not None and any(
        name_key(str(v)) in by_name for v in features.columns[best_name]
    ):
        return None, best_name
    raise UserError(
        "không tìm thấy cột mã hay tên đơn vị trong tệp: chỉ rõ bằng --code-field hoặc"
        f" --name-field (các cột: {', '.join(features.names) or 'không có'})"
    )


def merged_geometries(features: Features, matching: Matching) -> dict[str, Any]:
    """One shape per matched unit (several features of one unit are joined)."""
    out = {}
    for code, indexes in matching.matches.items():
        geoms = [features.geoms[i] for i in indexes]
        out[code] = geoms[0] if len(geoms) == 1 else shapely.union_all(np.asarray(geoms))
    return out


def save_upload(content: bytes, filename: str) -> tuple[Path, Path]:
    """An uploaded file in a fresh temporary folder (its suffix kept for the reader)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"tệp '{filename}': không nhận dạng được định dạng (cần .geojson, .json, .gpkg"
            " hoặc .zip chứa Shapefile)"
        )
    if suffix == ".shp":
        raise UserError(
            f"tệp '{filename}': Shapefile cần kèm .shx, .dbf, .prj: nén cả bộ thành .zip rồi tải"
        )
    if len(content) > MAX_BYTES:
        raise UserError(f"tệp '{filename}' quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB)")
    folder = Path(tempfile.mkdtemp(prefix="pcgd-geo-"))
    path = folder / f"upload{suffix}"
    path.write_bytes(content)
    return folder, path
