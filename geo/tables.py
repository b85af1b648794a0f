"""Boundaries stored per administrative unit: imported real shapes and generated schematic cells.

A shape belongs to one `admin_unit` row, so it covers the survey years that unit is valid in
(the pre-2025 tree or the 2025 tree). Geometry is WKB in WGS84 (no PostGIS needed).
"""

from piccolo.columns import BigInt, Boolean, Bytea, Integer, Serial, Text, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table

from pcgd.units.tables import AdminUnit


class GeoShape(Table, tablename="geo_shape"):
    id = Serial(primary_key=True)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.cascade, unique=True)
    geom = Bytea()  # WKB, EPSG:4326
    schematic = Boolean()  # True: Voronoi cell / built-in outline, not an official boundary
    source = Text(default="")  # "voronoi", "natural-earth", or the imported file's name
    updated_at = Timestamptz()


class GeoVersion(Table, tablename="geo_version"):
    """One row whose counter moves with every shape change: map caches compare it."""

    id = Integer(primary_key=True)
    version = BigInt(default=0)
