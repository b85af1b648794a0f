"""Pages every role shares: health, the home page, the menu's targets and the year switch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from litestar import Request, get
from litestar.response import File, Redirect, Template

from pcgd import db
from pcgd.accounts.scope import open_units, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import data_years, default_year, latest_year
from pcgd.errors import NotFound, UserError
from pcgd.units import service as units
from pcgd.web.security import load_user, login_required

ROLE_LABELS = {
    "commune": "Cán bộ cấp xã",
    "district": "Ban chỉ đạo cấp huyện",
    "province": "Cấp tỉnh",
    "admin": "Quản trị hệ thống",
}
KIND_VI = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
STATIC = Path(__file__).parent / "static"

__all__ = ["home", "home_context", "latest_year"]


@get("/health", exclude_from_auth=True, tags=["system"])
async def health() -> dict[str, str]:
    """200 when the database answers."""
    await db.pool().fetchval("SELECT 1")
    return {"status": "ok"}


@get("/favicon.ico", include_in_schema=False, exclude_from_auth=True)
async def favicon() -> File:
    return File(
        STATIC / "favicon.ico", media_type="image/x-icon", content_disposition_type="inline"
    )


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any], year: int | None = None) -> Template | Redirect:
    user = await load_user(request)
    if user is None:
        return Redirect(path="/login")
    year = await default_year(user, year)
    return Template(template_name="home.html", context=await home_context(user, year))


async def home_context(user: CurrentUser, year: int) -> dict[str, Any]:
    """What the user may open in the year; a commune's home shows its progress at a glance."""
    unit = await units.get(user.unit_id) if user.unit_id else None
    opened = await open_units(user, year)
    if user.is_admin:
        opened = await _with_data(opened, year)
    progress = None
    children: list[dict[str, Any]] = []
    if len(opened) == 1 and opened[0].kind == "commune":
        progress = await commune_progress(opened[0], year)
    elif len(opened) == 1:
        children = await _children_with_data(opened[0], year)
    return {
        "deadline": await _deadline(opened[0], year) if len(opened) == 1 else None,
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, ""),
        "unit": unit,
        "opened": opened,
        "progress": progress,
        "children": children,
        "kind_vi": KIND_VI,
        "year": year,
        "has_data": year in await data_years(user),
    }


async def _deadline(unit: units.Unit, year: int) -> dict[str, Any] | None:
    """The unit's deadline in its province's survey period, with the days left."""
    from datetime import date

    from pcgd.workflow import service as workflow

    try:
        when = await workflow.deadline_of(unit, year)
    except (StopIteration, KeyError):
        return None
    return {"date": when, "days_left": (when - date.today()).days}


async def commune_progress(commune: units.Unit, year: int) -> dict[str, Any]:
    """Households and persons entered, unconfirmed records, last change, evaluation."""
    from pcgd.compliance.service import evaluate_unit
    from pcgd.standards import load_rules

    counts = await db.pool().fetchrow(
        "SELECT count(DISTINCT h.id) AS households, count(py.id) AS persons,"
        " count(py.id) FILTER (WHERE NOT py.confirmed) AS unconfirmed"
        " FROM household h LEFT JOIN person_year py ON py.household = h.id"
        " WHERE h.commune = $1 AND h.year = $2",
        commune.id, year,
    )
    last = await db.pool().fetchrow(
        "SELECT at, username FROM audit_entry WHERE commune_id = $1 AND year = $2"
        " ORDER BY at DESC LIMIT 1",
        commune.id, year,
    )
    from surveys import gate
    from surveys.entry_queries import closed_message

    status = (await gate.states(db.pool(), [commune.id], year))[commune.id]
    result = await evaluate_unit(commune, year)
    book = load_rules()
    standards = [
        {"id": s["standard"], "name": book.standard(s["standard"]).name_vi,
         "recognized": s["recognized_level"], "max": s["max_level"],
         "failing": sum(1 for c in s["criteria"] if not c["passed"])}
        for s in result["standards"]
    ]
    return {
        "unit": commune,
        "households": counts["households"],
        "persons": counts["persons"],
        "unconfirmed": counts["unconfirmed"],
        "last_at": last["at"] if last else None,
        "last_by": last["username"] if last else "",
        "locked": closed_message(status, year),
        "state": status,
        "state_vi": gate.STATE_VI[status],
        "standards": standards,
        "has_data": bool(result["has_data"]),
    }


async def _with_data(found: list[units.Unit], year: int) -> list[units.Unit]:
    """Of an admin's provinces, those with households in the year (the rest stay in /units)."""
    rows = await db.pool().fetch(
        "SELECT DISTINCT coalesce(CASE WHEN p.kind = 'province' THEN p.id END, p.parent) AS id"
        " FROM (SELECT DISTINCT commune FROM household WHERE year = $1) h"
        " JOIN admin_unit u ON u.id = h.commune JOIN admin_unit p ON p.id = u.parent",
        year,
    )
    ids = {r["id"] for r in rows}
    return [u for u in found if u.id in ids]


async def _children_with_data(unit: units.Unit, year: int) -> list[dict[str, Any]]:
    """The lower units that have households in the year, with their counts."""
    rows = await db.pool().fetch(
        "SELECT c.id, count(h.id) AS households FROM admin_unit c"
        " JOIN household h ON h.commune = c.id AND h.year = $2"
        " LEFT JOIN admin_unit d ON d.id = c.parent"
        " WHERE c.parent = $1 OR d.parent = $1 GROUP BY c.id",
        unit.id, year,
    )
    by_commune = {r["id"]: r["households"] for r in rows}
    out = []
    for child in await units.list_units(year, parent=unit):
        if child.kind == "commune":
            n = by_commune.get(child.id, 0)
        else:
            n = sum(by_commune.get(c.id, 0) for c in await units.communes_under(child, year))
        if n:
            out.append({"unit": child, "households": n})
    return out


# --- the menu's targets: the user's unit for the year, whichever tree it is in ----------------

_GO = ("board", "households", "duplicates", "registry", "units")


@get("/go/{what:str}", include_in_schema=False, guards=[login_required])
async def go(user: CurrentUser, what: str, year: int | None = None) -> Redirect:
    """A menu entry: the page of the user's own unit in the year (home when there are several)."""
    if what not in _GO:
        raise NotFound("không có trang này")
    year = await default_year(user, year)
    opened = await open_units(user, year)
    if user.is_admin:
        opened = await _with_data(opened, year)
    one = opened[0] if len(opened) == 1 else None
    home = f"/?year={year}"
    if what == "units":
        return Redirect(path=f"/units?year={year}" + (f"&code={one.code}" if one else ""))
    if what == "registry":
        return Redirect(path=f"/registry?year={year}" + (f"&code={one.code}" if one else ""))
    if one is None:
        return Redirect(path=home)
    if what == "board":
        return Redirect(path=f"/units/{one.code}/board?year={year}")
    if what == "households" and one.kind == "commune":
        return Redirect(path=f"/communes/{one.code}/households?year={year}")
    if what == "duplicates" and one.kind == "province":
        return Redirect(path=f"/provinces/{one.code}/duplicates?year={year}")
    return Redirect(path=home)


# --- the layout's year selector -----------------------------------------------------------------

_CODE_IN_PATH = re.compile(r"^/(units|communes|provinces)/([^/]+)(/.*)?$")
_KIND_OF = {"communes": "commune", "provinces": "province", "units": None}


@get("/year", include_in_schema=False, guards=[login_required])
async def switch_year(user: CurrentUser, year: int, next: str = "/") -> Redirect:
    """The page the user was on, in another survey year (its unit's successor or predecessor
    when the code does not exist in that year's tree; home when there is none)."""
    try:
        units.check_year(year)
    except UserError:
        return Redirect(path="/")
    parts = urlsplit(next if next.startswith("/") and not next.startswith("//") else "/")
    query = {k: v for k, v in parse_qsl(parts.query) if k not in ("year", "offset", "done")}
    path = parts.path
    match = _CODE_IN_PATH.match(path)
    if match:
        code = await _code_in_year(user, match[2], _KIND_OF[match[1]], year)
        if code is None:
            return Redirect(path=f"/?year={year}")
        path = f"/{match[1]}/{code}{match[3] or ''}"
    elif path.startswith(("/households/", "/person-years/", "/imports/")):
        return Redirect(path=f"/?year={year}")  # a record of one year
    if "code" in query:
        code = await _code_in_year(user, query["code"], None, year)
        if code is None:
            query.pop("code")
        else:
            query["code"] = code
    return Redirect(path=f"{path}?{urlencode({**query, 'year': year})}")


async def _code_in_year(user: CurrentUser, code: str, kind: str | None, year: int) -> str | None:
    """The code itself if it exists in the year, else the one unit of the user's it became."""
    try:
        await units.resolve(code, year, kind)
        return code
    except NotFound:
        pass
    scope = await scope_for(user, year)
    rows = await db.pool().fetch(
        "SELECT DISTINCT n.code FROM admin_unit o JOIN unit_succession s"
        " ON s.old_unit = o.id OR s.new_unit = o.id"
        " JOIN admin_unit n ON n.id = CASE WHEN s.old_unit = o.id THEN s.new_unit"
        " ELSE s.old_unit END WHERE o.code = $1 AND o.kind = 'commune'"
        f" AND {scope.sql('n.id', 2)}",
        code, scope.param(),
    )
    candidates = []
    for row in rows:
        try:
            await units.resolve(row["code"], year, "commune")
            candidates.append(row["code"])
        except NotFound:
            continue
    return candidates[0] if len(candidates) == 1 else None
