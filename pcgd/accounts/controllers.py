"""Login, logout and password change: HTML forms (CSRF-protected) and a JSON API.

Both paths share `_login`: throttling (429 with Retry-After), the password check, the audit of
failures and a new server-side session. Logout and a password change end every session of the
user (`pcgd.accounts.sessions`).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd import db
from pcgd.accounts import service, sessions, throttle
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import TooManyAttempts, UserError
from pcgd.web.security import (
    client_address,
    expired_cookie,
    load_user,
    login_required,
    session_cookie,
    session_token,
)

BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


class LoginIn(msgspec.Struct):
    username: str
    password: str


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = "/"


class PasswordIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: str
    new_password: str


class PasswordForm(msgspec.Struct):
    current_password: str = ""
    new_password: str = ""
    repeat_password: str = ""


class Me(msgspec.Struct):
    id: int
    username: str
    role: str
    unit_code: str | None
    unit_name: str | None


def _me(user: CurrentUser) -> Me:
    return Me(user.id, user.username, user.role, user.unit_code, user.unit_name)


def _safe_next(target: str) -> str:
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"


async def _login(request: Request[Any, Any, Any], username: str, password: str
                 ) -> tuple[CurrentUser, str]:
    """Check throttling and the password; a new session token, or TooManyAttempts/None."""
    address = client_address(request)
    wait = await throttle.wait_seconds(username, address)
    if wait:
        raise TooManyAttempts(
            f"Đăng nhập sai nhiều lần; hãy thử lại sau {wait} giây.", retry_after=wait
        )
    user = await service.authenticate(username, password)
    if user is None:
        await throttle.failed(username, address)
        async with db.transaction() as conn:
            await audit.record(conn, None, "login_failed", "user_account", username[:60],
                               after={"address": address})
        raise NotAuthorizedException(BAD_CREDENTIALS)
    await throttle.succeeded(username, address)
    token = await sessions.create(user.id, address)
    async with db.transaction() as conn:
        await audit.record(conn, user, "login", "user_account", user.id,
                           after={"address": address})
    return user, token


class AuthPages(Controller):
    path = ""
    include_in_schema = False

    @get("/login")
    async def login_page(self, next: str = "/") -> Template:
        return Template(template_name="login.html", context={"next": _safe_next(next)})

    @post("/login")
    async def login_submit(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        context = {"next": _safe_next(data.next), "username": data.username}
        try:
            _, token = await _login(request, data.username, data.password)
        except TooManyAttempts as exc:
            return Template(
                template_name="login.html", context={**context, "error": str(exc)},
                status_code=429, headers={"retry-after": str(exc.retry_after)},
            )
        except NotAuthorizedException:
            return Template(template_name="login.html",
                            context={**context, "error": BAD_CREDENTIALS}, status_code=401)
        return Redirect(path=_safe_next(data.next), cookies=[session_cookie(request, token)])

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        await _end_sessions(request)
        return Redirect(path="/login", cookies=[expired_cookie(request)])

    @get("/account/password", guards=[login_required])
    async def password_page(self, user: CurrentUser) -> Template:
        return Template(template_name="password.html",
                        context={"user": user, "error": None, "done": False})

    @post("/account/password", guards=[login_required])
    async def password_submit(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        try:
            if data.new_password != data.repeat_password:
                raise UserError("hai lần nhập mật khẩu mới không giống nhau")
            await service.change_password(user, data.current_password, data.new_password)
        except UserError as exc:
            return Template(template_name="password.html",
                            context={"user": user, "error": str(exc), "done": False},
                            status_code=422)
        token = await sessions.create(user.id, client_address(request))
        return Template(template_name="password.html",
                        context={"user": user, "error": None, "done": True},
                        cookies=[session_cookie(request, token)])


async def _end_sessions(request: Request[Any, Any, Any]) -> None:
    """Logout ends every session of the user (other browsers too)."""
    user = await load_user(request)
    await sessions.revoke(session_token(request))
    if user is not None:
        async with db.transaction() as conn:
            ended = await sessions.revoke_all(user.id, conn)
            await audit.record(conn, user, "logout", "user_account", user.id,
                               after={"sessions_ended": ended + 1})


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200)
    async def login(self, request: Request[Any, Any, Any], data: LoginIn) -> Response[Me]:
        """Log in; the answer sets an HttpOnly session cookie (429 after repeated failures)."""
        user, token = await _login(request, data.username, data.password)
        return Response(_me(user), cookies=[session_cookie(request, token)])

    @post("/logout", status_code=200)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        """End every session of the user."""
        await _end_sessions(request)
        return Response({"status": "logged out"}, cookies=[expired_cookie(request)])

    @get("/me", guards=[login_required])
    async def me(self, user: CurrentUser) -> Me:
        return _me(user)

    @post("/password", status_code=200, guards=[login_required])
    async def password(
        self, request: Request[Any, Any, Any], user: CurrentUser, data: PasswordIn
    ) -> Response[dict[str, str]]:
        """Change one's own password: every session ends, this one gets a new cookie."""
        await service.change_password(user, data.current_password, data.new_password)
        token = await sessions.create(user.id, client_address(request))
        return Response({"status": "changed"}, cookies=[session_cookie(request, token)])
