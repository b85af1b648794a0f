"""The unit browser (province → district → commune) and its JSON API."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.response import Template

from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.units import service
from pcgd.web.security import login_required


class UnitOut(msgspec.Struct):
    code: str
    name: str
    kind: str
    parent: str | None


def _out(u: service.Unit) -> UnitOut:
    return UnitOut(u.code, u.name, u.kind, u.parent_code)


class UnitApi(Controller):
    path = "/api/units"
    guards = [login_required]
    tags = ["units"]

    @get("/")
    async def list_units(
        self, user: CurrentUser, year: int | None = None, parent: str | None = None,
        kind: str | None = None,
    ) -> list[UnitOut]:
        """Units valid in a survey year (provinces when neither parent nor kind is given)."""
        year = await default_year(user, year, parent)
        parent_unit = await service.resolve(parent, year) if parent else None
        if parent_unit is None and kind is None:
            kind = "province"
        return [_out(u) for u in await service.list_units(year, parent=parent_unit, kind=kind)]


class UnitPages(Controller):
    path = "/units"
    guards = [login_required]
    include_in_schema = False

    @get("/")
    async def browse(
        self, user: CurrentUser, year: int | None = None, code: str | None = None
    ) -> Template:
        year = await default_year(user, year, code)
        unit = await service.resolve(code, year) if code else None
        trail = [*reversed(await service.ancestors(unit)), unit] if unit else []
        children = (
            await service.list_units(year, parent=unit)
            if unit
            else await service.list_units(year, kind="province")
        )
        return Template(
            template_name="units.html",
            context={
                "user": user,
                "year": year,
                "unit": unit,
                "trail": trail,
                "children": children,
                "tier": service.tier_of(year),
                "hamlets": (
                    await service.hamlets(unit.id) if unit and unit.kind == "commune" else []
                ),
            },
        )
