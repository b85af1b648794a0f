"""Polygon rings as flat coordinate arrays, shared by the SVG and PNG writers.

One pass of shapely's vectorised functions over all shapes; no per-vertex Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely


def rings(geoms: Sequence[Any]) -> list[list[np.ndarray]]:
    """Per geometry, its rings (exterior and holes of every polygon) as (n, 2) arrays."""
    arr = np.asarray(geoms, dtype=object)
    out: list[list[np.ndarray]] = [[] for _ in range(len(arr))]
    if not len(arr):
        return out
    polys, poly_of = shapely.get_parts(arr, return_index=True)
    keep = shapely.get_type_id(polys) == 3  # polygons only
    polys, poly_of = polys[keep], poly_of[keep]
    if not len(polys):
        return out
    ring_geoms, ring_of = shapely.get_rings(polys, return_index=True)
    coords, coord_of = shapely.get_coordinates(ring_geoms, return_index=True)
    cuts = np.flatnonzero(np.diff(coord_of)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(coords)]))
    owners = poly_of[ring_of[coord_of[starts]]]
    for owner, a, b in zip(owners.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if b - a >= 4:
            out[owner].append(coords[a:b])
    return out


def svg_d(geom_rings: list[np.ndarray]) -> str:
    """SVG path data, coordinates to 0.1 unit ('M x y x y … Z' per ring)."""
    parts = []
    for ring in geom_rings:
        values = np.round(ring[:-1], 1).ravel().tolist()
        parts.append("M" + " ".join(f"{v:g}" for v in values) + "Z")
    return "".join(parts)
