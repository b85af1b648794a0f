"""Pages every role shares: health and the home page."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.units import service as units
from pcgd.web.security import load_user

ROLE_LABELS = {
    "commune": "Cán bộ cấp xã",
    "district": "Ban chỉ đạo cấp huyện",
    "province": "Cấp tỉnh",
    "admin": "Quản trị hệ thống",
}


@get("/health", exclude_from_auth=True, tags=["system"])
async def health() -> dict[str, str]:
    """200 when the database answers."""
    await db.pool().fetchval("SELECT 1")
    return {"status": "ok"}


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = await load_user(request)
    if user is None:
        return Redirect(path="/login")
    asked = request.query_params.get("year")
    year = int(asked) if asked and asked.isdigit() else await latest_year(user)
    return Template(template_name="home.html", context=await home_context(user, year))


async def latest_year(user: CurrentUser) -> int:
    """The most recent survey year with households the user may see (else this year).

    A user landing on an empty year would think their data is gone.
    """
    years = await db.pool().fetch(  # the count table is small: one row per commune, year, age
        "SELECT DISTINCT year FROM commune_age_count ORDER BY year DESC"
    )
    for row in years:
        scope = await scope_for(user, row["year"])
        if await db.pool().fetchval(
            "SELECT EXISTS (SELECT 1 FROM household h WHERE h.year = $1"
            f" AND {scope.sql('h.commune', 2)})",
            row["year"], scope.param(),
        ):
            return int(row["year"])
    return date.today().year


async def home_context(user: CurrentUser, year: int) -> dict[str, Any]:
    """The user's own unit and the units directly under it, in the survey year's tree."""
    unit = await units.get(user.unit_id) if user.unit_id else None
    if unit is None:
        children = await units.list_units(year, kind="province")
    elif unit.kind == "commune":
        children = []
    else:
        children = await units.list_units(year, parent=unit)
    return {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role),
        "unit": unit,
        "children": children,
        "year": year,
    }
