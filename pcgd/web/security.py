"""Sessions (encrypted HttpOnly cookie), the current user, guards and API CSRF defence.

HTML forms carry Litestar's CSRF token. JSON API routes are excluded from that token check and
protected instead by refusing unsafe requests whose body is not application/json: a cross-site
page cannot send JSON with the user's cookie without a CORS preflight, which we never grant.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from pcgd.accounts import service as accounts
from pcgd.accounts.service import CurrentUser
from pcgd.ops import caches
from pcgd.settings import Settings

SESSION_COOKIE = "pcgd_session"
_user_cache: dict[int, tuple[float, CurrentUser | None]] = {}
_USER_TTL = 30.0
caches.register("users", _user_cache.clear)  # emptied when any worker changes an account


def session_config(settings: Settings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=settings.secret_key,
        key=SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        max_age=12 * 3600,
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key.hex(),
        cookie_name="pcgd_csrf",
        cookie_samesite="lax",
        exclude=["^/api/", "^/health", "^/schema"],
    )


async def load_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The logged-in user, cached briefly so each request does not hit the database."""
    session = connection.scope.get("session") or {}
    uid = session.get("uid") if isinstance(session, dict) else None
    if not isinstance(uid, int):
        return None
    now = time.monotonic()
    hit = _user_cache.get(uid)
    if hit and now - hit[0] < _USER_TTL:
        return hit[1]
    user = await accounts.get_user(uid)
    _user_cache[uid] = (now, user)
    return user


def forget_user(uid: int) -> None:
    _user_cache.pop(uid, None)


async def provide_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = await load_user(request)
    if user is None:
        raise NotAuthorizedException("chưa đăng nhập (login required)")
    return user


async def login_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if await load_user(connection) is None:
        raise NotAuthorizedException("chưa đăng nhập (login required)")


def role_required(*roles: str):
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = await load_user(connection)
        if user is None:
            raise NotAuthorizedException("chưa đăng nhập (login required)")
        if user.role not in roles and not user.is_admin:
            raise PermissionDeniedException("không đủ quyền (role not allowed)")

    return guard


def json_only_api(app: ASGIApp) -> ASGIApp:
    """Refuse unsafe /api requests with a non-JSON body (the API's CSRF defence)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/api/")
            and scope["method"] in {"POST", "PUT", "PATCH"}
            and not scope["path"].startswith("/api/auth/login")
        ):
            headers = dict(scope["headers"])
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype not in {b"application/json", b"multipart/form-data"} or (
                ctype == b"multipart/form-data" and b"x-csrftoken" not in headers
            ):
                body = (
                    b'{"status_code":415,"detail":"API requests must send application/json",'
                    b'"extra":null}'
                )
                await send({"type": "http.response.start", "status": 415,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return middleware
