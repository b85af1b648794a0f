"""The built-in boundaries committed in geo/data/ (see geo/README.md and geo/build/provinces.py).

Read once per process; never from npm or the network. Pure: no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, shape

DATA = Path(__file__).parent / "data"
SOURCE_VI = "Natural Earth 1:10m (phạm vi công cộng)"


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    geom: Any  # shapely (Multi)Polygon, WGS84, mainland and coastal islands, no archipelago
    coastal: bool


@dataclass(frozen=True, slots=True)
class Archipelago:
    """Quần đảo Hoàng Sa / Trường Sa: Vietnamese territory, drawn on every map of Vietnam."""

    key: str  # hoang_sa | truong_sa
    name: str  # Vietnamese label
    province: str  # the province it belongs to (same code in both trees: 48, 56)
    old_district: str
    new_commune: str
    geom: Any
    region: Any  # a lon/lat box around it: parts inside are drawn in its inset


REGIONS = {
    "hoang_sa": box(110.6, 15.2, 113.5, 17.5),
    "truong_sa": box(110.6, 6.0, 118.0, 12.2),
}

# Real positions of the three pre-2025 communes of huyện Trường Sa, whose centroids in the unit
# list are placeholders at Khánh Hòa's: Trường Sa Lớn, Song Tử Tây and Sinh Tồn islands.
TRUONG_SA_COMMUNES = {
    "22736": (111.9167, 8.6458),
    "22737": (114.3306, 11.4292),
    "22739": (114.3292, 9.8833),
}


def _read(name: str) -> list[dict[str, Any]]:
    doc = json.loads((DATA / f"{name}.geojson").read_text(encoding="utf-8"))
    return list(doc["features"])


@lru_cache(maxsize=2)
def provinces(tree: int) -> dict[str, Province]:
    """The provinces of a tree (3: the 63 until 30/06/2025, 2: the 34 from 01/07/2025)."""
    name = "provinces-63" if tree == 3 else "provinces-34"
    out = {}
    for feat in _read(name):
        p = feat["properties"]
        out[p["code"]] = Province(p["code"], p["name"], shape(feat["geometry"]), p["coastal"])
    return out


@lru_cache(maxsize=1)
def archipelagos() -> tuple[Archipelago, ...]:
    found = []
    for feat in _read("islands"):
        p = feat["properties"]
        found.append(Archipelago(
            p["key"], p["name"], p["province"], p["old_district"], p["new_commune"],
            shape(feat["geometry"]), REGIONS[p["key"]],
        ))
    return tuple(found)


@lru_cache(maxsize=1)
def neighbours() -> Any:
    """Neighbouring countries (grey background), without any East Sea island."""
    return shapely.union_all([shape(f["geometry"]) for f in _read("neighbours")])


def province_with_islands(code: str, tree: int) -> Any:
    """A province's outline plus the archipelago that belongs to it (Đà Nẵng, Khánh Hòa)."""
    geom = provinces(tree)[code].geom
    extra = [a.geom for a in archipelagos() if a.province == code]
    return shapely.union_all([geom, *extra]) if extra else geom


def archipelago_of_unit(code: str, kind: str, tree: int) -> Any | None:
    """The island geometry of a unit that is (part of) an archipelago, else None."""
    for arch in archipelagos():
        if tree == 2 and kind == "commune" and code == arch.new_commune:
            return arch.geom
        if tree == 3 and kind == "district" and code == arch.old_district:
            return arch.geom
    if tree == 3 and kind == "commune" and code in TRUONG_SA_COMMUNES:
        return truong_sa_commune(code)
    return None


@lru_cache(maxsize=4)
def truong_sa_commune(code: str) -> Any:
    """The Trường Sa islands nearest each pre-2025 commune's real position, plus that spot."""
    arch = next(a for a in archipelagos() if a.key == "truong_sa")
    points = {c: shapely.Point(xy) for c, xy in TRUONG_SA_COMMUNES.items()}
    mine = [points[code].buffer(0.03)]
    for part in shapely.get_parts(arch.geom):
        nearest = min(points, key=lambda c: points[c].distance(part))
        if nearest == code:
            mine.append(part)
    return shapely.union_all(mine)


def is_archipelago_part(part: Any) -> str | None:
    """Which archipelago's inset a polygon part belongs to (by where it lies), if any."""
    point = part.representative_point()
    for key, region in REGIONS.items():
        if region.contains(point):
            return key
    return None
