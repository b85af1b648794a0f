"""Login and logout: an HTML form (CSRF-protected) and a JSON API."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd.accounts import service
from pcgd.accounts.service import CurrentUser
from pcgd.web.security import forget_user


class LoginIn(msgspec.Struct):
    username: str
    password: str


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = "/"


class Me(msgspec.Struct):
    id: int
    username: str
    role: str
    unit_code: str | None
    unit_name: str | None


def _me(user: CurrentUser) -> Me:
    return Me(user.id, user.username, user.role, user.unit_code, user.unit_name)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


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
        user = await service.authenticate(data.username, data.password)
        if user is None:
            return Template(
                template_name="login.html",
                context={
                    "next": _safe_next(data.next),
                    "username": data.username,
                    "error": "Tên đăng nhập hoặc mật khẩu không đúng.",
                },
                status_code=401,
            )
        request.set_session({"uid": user.id})
        return Redirect(path=_safe_next(data.next))

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        uid = (request.session or {}).get("uid")
        if isinstance(uid, int):
            forget_user(uid)
        request.clear_session()
        return Redirect(path="/login")


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200)
    async def login(self, request: Request[Any, Any, Any], data: LoginIn) -> Me:
        """Log in; the answer sets an HttpOnly session cookie."""
        user = await service.authenticate(data.username, data.password)
        if user is None:
            raise NotAuthorizedException("sai tên đăng nhập hoặc mật khẩu (bad credentials)")
        request.set_session({"uid": user.id})
        return _me(user)

    @post("/logout", status_code=200)
    async def logout(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        request.clear_session()
        return {"status": "logged out"}

    @get("/me")
    async def me(self, user: CurrentUser) -> Me:
        return _me(user)
