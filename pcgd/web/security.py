"""Sessions (a random token in an HttpOnly cookie, checked server-side on every request), the
current user, guards and API CSRF defence.

HTML forms carry Litestar's CSRF token. JSON API routes are excluded from that token check and
protected instead by refusing unsafe requests whose body is not application/json: a cross-site
page cannot send JSON with the user's cookie without a CORS preflight, which we never grant.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from pcgd.accounts import sessions
from pcgd.accounts.service import CurrentUser
from pcgd.errors import SessionEnded
from pcgd.settings import Settings, get_settings

SESSION_COOKIE = "pcgd_session"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver", "testserver.local"}
_STATE_KEY = "pcgd_user"
NOT_LOGGED_IN = "chưa đăng nhập hoặc phiên đăng nhập đã hết hạn"


def cookie_secure(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the session cookie is `Secure`: PCGD_SECURE_COOKIES, else on unless the site is
    reached on this machine (localhost, 127.0.0.1, the test client) over plain HTTP."""
    setting = get_settings().secure_cookies
    if setting is not None:
        return setting
    host = (connection.url.hostname or "").lower()
    return connection.url.scheme == "https" or not (
        host in _LOCAL_HOSTS or host.endswith(".localhost")
    )


def session_cookie(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE, value=token, httponly=True, samesite="lax", path="/",
        secure=cookie_secure(connection), max_age=int(sessions.LIFETIME.total_seconds()),
    )


def expired_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", httponly=True, samesite="lax", path="/",
                  secure=cookie_secure(connection), max_age=0)


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.cookies.get(SESSION_COOKIE, "")


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else ""


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key.hex(),
        cookie_name="pcgd_csrf",
        cookie_samesite="lax",
        exclude=["^/api/", "^/health", "^/schema"],
    )


async def load_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The user of the request's live session: one indexed query, once per request.

    No cache across requests: a revoked session must be refused at once by every process
    (the household saves use `load_writer`, which checks in the save's transaction instead).
    """
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if _STATE_KEY in state:
        return state[_STATE_KEY]
    user = await sessions.lookup(session_token(connection))
    state[_STATE_KEY] = user
    return user


_FROM_MEMORY = "pcgd_user_from_memory"


async def load_writer(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """`load_user` for the household saves, which check the session again in their own
    transaction: a session seen live in the last minute is taken from this process's memory
    (no query). Their error answers go through `writer_checked`."""
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if _STATE_KEY in state:
        return state[_STATE_KEY]
    user, remembered = await sessions.known(session_token(connection))
    state[_STATE_KEY] = user
    state[_FROM_MEMORY] = remembered
    return user


async def require_writer(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    """`load_writer`, 401 without a live session (the save routes' guards)."""
    user = await load_writer(connection)
    if user is None:
        raise NotAuthorizedException(NOT_LOGGED_IN)
    return user


@contextlib.asynccontextmanager
async def writer_checked(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Around a save route's guard and handler: a session that ended meanwhile gets 401, never
    another answer. A success already proved the session live (in the save's transaction); an
    error answer of a request whose user came from memory asks the database first."""
    try:
        yield
    except SessionEnded:
        sessions.forget(session_token(connection))
        raise NotAuthorizedException(NOT_LOGGED_IN) from None
    except NotAuthorizedException:
        raise
    except Exception:
        state = connection.scope.get("state") or {}
        if state.get(_FROM_MEMORY) and await sessions.lookup(session_token(connection)) is None:
            sessions.forget(session_token(connection))
            raise NotAuthorizedException(NOT_LOGGED_IN) from None
        raise


def request_user_id(scope: Any) -> int | None:
    """The id of the user this request was served for (for the request log), if any."""
    user = (scope.get("state") or {}).get(_STATE_KEY)
    return user.id if user is not None else None


async def provide_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = await load_user(request)
    if user is None:
        raise NotAuthorizedException(NOT_LOGGED_IN)
    return user


async def login_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if await load_user(connection) is None:
        raise NotAuthorizedException(NOT_LOGGED_IN)


def role_required(*roles: str):
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = await load_user(connection)
        if user is None:
            raise NotAuthorizedException(NOT_LOGGED_IN)
        if user.role not in roles and not user.is_admin:
            raise PermissionDeniedException("tài khoản không có quyền này")

    return guard


def json_only_api(app: ASGIApp) -> ASGIApp:
    """Refuse unsafe /api requests with a non-JSON body (the API's CSRF defence)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/api/")
            and scope["method"] in {"POST", "PUT", "PATCH"}
        ):
            headers = dict(scope["headers"])
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype not in {b"application/json", b"multipart/form-data"} or (
                ctype == b"multipart/form-data" and b"x-csrftoken" not in headers
            ):
                body = (
                    '{"status_code":415,"detail":"yêu cầu API phải gửi dữ liệu dạng'
                    ' application/json","extra":null}'
                ).encode()
                await send({"type": "http.response.start", "status": 415,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return middleware


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self';"
    " form-action 'self'; frame-ancestors 'none'"
)
_HARDENING = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def hardening_headers(app: ASGIApp) -> ASGIApp:
    """Security headers on every answer; `Cache-Control: no-store` on all but static files
    (pages, API answers and downloads may carry personal data)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", [])
                    if static or k.lower() != b"cache-control"
                ]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _HARDENING if k not in present]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
