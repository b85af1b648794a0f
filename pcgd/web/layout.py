"""What the page layout needs on every page: who is logged in and which years have data.

Page handlers pass their own context; `base.html` reads the rest from the request state that the
hooks below fill in, so error pages (403/404/500, raised before a handler built a context) still
show the menu, the year selector and "Đăng xuất".
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.types import Scope

from pcgd.accounts.years import data_years
from pcgd.web.security import load_user

STATE_KEY = "pcgd_layout"
_NOT_PAGES = ("/api/", "/schema", "/health", "/static/", "/favicon")


def _is_page(scope: Scope) -> bool:
    return scope.get("type") == "http" and not str(scope.get("path", "")).startswith(_NOT_PAGES)


async def _fill(scope: Scope) -> None:
    state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if STATE_KEY in state:
        return
    user = await load_user(ASGIConnection(scope))
    state[STATE_KEY] = {
        "user": user,
        "data_years": list(await data_years(user)) if user is not None else [],
    }


async def before_request(request: Request[Any, Any, Any]) -> None:
    """Layout data for pages (the user is cached, the years for a minute)."""
    if _is_page(request.scope):
        await _fill(request.scope)


async def after_exception(exc: Exception, scope: Scope) -> None:
    """The same for error pages (the session is read from its cookie, whatever the route)."""
    if not _is_page(scope):
        return
    try:
        await _fill(scope)
    except Exception:  # the error page must render even when the database does not answer
        scope.setdefault("state", {})[STATE_KEY] = {"user": None, "data_years": []}  # type: ignore[typeddict-item]
