"""Schematic cells for units without a real boundary: Voronoi cells of their centroids.

No open source carries commune or district polygons of Vietnam; a cell is the area nearer to a
unit's centroid than to any other's, clipped to the area that holds them (the province, or a real
district). Every map that shows them says it is only a sketch. Pure: no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.ops import nearest_points

OFFSHORE_DISK = 0.02  # degrees (≈ 2 km): an island commune far from the outline gets a disk
SNAP_SEA = 0.03  # degrees: a centroid this close to the outline, in the sea, is pulled in
SPREAD = 0.004  # degrees: radius on which units sharing one centroid are spread
INSET = 0.004  # degrees: how far inside the outline a pulled-in centroid is put


def spread_duplicates(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Units that share a centroid (placeholders in the old list) are put on a small circle."""
    groups: dict[tuple[float, float], list[int]] = {}
    for i, p in enumerate(points):
        groups.setdefault((round(p[0], 6), round(p[1], 6)), []).append(i)
    out = list(points)
    for members in groups.values():
        if len(members) < 2:
            continue
        for k, i in enumerate(members):
            angle = 2 * math.pi * k / len(members)
            x, y = points[i]
            out[i] = (x + SPREAD * math.cos(angle), y + SPREAD * math.sin(angle))
    return out


def cells(
    container: Any, points: Sequence[tuple[float, float]], land: Any | None = None
) -> list[Any]:
    """One non-empty cell per point (lon, lat), clipped to `container`.

    A point outside the container is pulled just inside it when it lies on other land (the
    built-in outlines keep a few old lines) or barely off the coast; an island far off the coast
    gets a small disk of its own instead of a slice of the mainland.
    """
    if not points:
        return []
    pts = spread_duplicates(points)
    geoms = shapely.points(np.asarray(pts, dtype=float))
    inside = shapely.contains_xy(container, *np.asarray(pts).T) if not container.is_empty else (
        np.zeros(len(pts), dtype=bool)
    )
    inner = container.buffer(-INSET) if not container.is_empty else container
    if inner.is_empty:
        inner = container
    seeds: list[Any] = []
    seed_index: list[int] = []
    result: list[Any] = [None] * len(pts)
    for i, point in enumerate(geoms):
        if inside[i]:
            seeds.append(point)
            seed_index.append(i)
            continue
        on_land = land is not None and land.contains(point)
        if not container.is_empty and (on_land or container.distance(point) <= SNAP_SEA):
            seeds.append(nearest_points(inner, point)[0])
            seed_index.append(i)
        else:
            result[i] = point.buffer(OFFSHORE_DISK, quad_segs=4)
    if len(seeds) == 1:
        result[seed_index[0]] = container
    elif seeds:
        seeds = _separate(seeds)
        frame = shapely.box(*container.bounds).buffer(1.0)
        diagram = shapely.voronoi_polygons(
            shapely.MultiPoint(seeds), extend_to=frame, ordered=True
        )
        raw = list(shapely.get_parts(diagram))
        shapely.prepare(container)
        clipped = shapely.intersection(np.asarray(raw, dtype=object), container)
        for i, cell, seed in zip(seed_index, clipped, seeds, strict=True):
            cell = _polygons(cell)
            result[i] = cell if cell is not None else seed.buffer(OFFSHORE_DISK, quad_segs=4)
    return result


def _separate(seeds: list[Any]) -> list[Any]:
    """Pulled-in seeds can land on the same spot: nudge repeats apart so each keeps a cell."""
    seen: dict[tuple[float, float], int] = {}
    out = []
    for s in seeds:
        key = (round(s.x, 7), round(s.y, 7))
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(s if n == 0 else shapely.Point(s.x + 1e-4 * n, s.y + 1e-4 * n))
    return out


def _polygons(geom: Any) -> Any | None:
    """Only the areal parts of an intersection (it can leave lines and points behind)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
