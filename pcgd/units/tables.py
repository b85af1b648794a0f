"""Administrative units of both trees: the pre-2025 3-tier list and the 2025 2-tier list.

Codes are reused between trees (Hà Nội is 01 in both), so a unit is identified by its code plus
the date it is valid on; every lookup resolves a code among units valid in a survey year.
"""

from piccolo.columns import (
    Boolean,
    Date,
    Integer,
    Real,
    Serial,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table


class AdminUnit(Table, tablename="admin_unit"):
    id = Serial(primary_key=True)
    code = Varchar(length=10, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=10)  # province | district | commune
    parent = ForeignKey("self", on_delete=OnDelete.restrict, null=True)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    lat = Real(null=True, default=None)
    lon = Real(null=True, default=None)


class UnitSuccession(Table, tablename="unit_succession"):
    """Old (pre-2025) commune → new commune it was merged into (many-to-many in edge cases)."""

    id = Serial(primary_key=True)
    old_unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    new_unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)


class Hamlet(Table, tablename="hamlet"):
    """Thôn / tổ dân phố inside a commune, created on demand when a roll names it."""

    id = Serial(primary_key=True)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    code = Varchar(length=50, default="")


class CommuneYearFlag(Table, tablename="commune_year_flag"):
    """Per commune and survey year: the especially-difficult (ĐBKK) flag."""

    id = Serial(primary_key=True)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    dbkk = Boolean(default=False)
