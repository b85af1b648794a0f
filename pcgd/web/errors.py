"""Errors become answers: JSON `{status_code, detail, extra}` for the API, a page for people."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

import asyncpg
import asyncpg.exceptions._base
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from pcgd.errors import (
    Conflict,
    Forbidden,
    Locked,
    NotFound,
    SessionEnded,
    TooManyAttempts,
    UserError,
    ValidationFailed,
)

log = logging.getLogger("pcgd")

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Locked: 423, ValidationFailed: 422,
           TooManyAttempts: 429, SessionEnded: 401}
# What people read when the framework (not our code) refuses a request: its texts are English.
STATUS_VI = {
    400: "Yêu cầu không hợp lệ.",
    401: "Chưa đăng nhập.",
    403: "Tài khoản không có quyền xem trang này.",
    404: "Không tìm thấy trang hoặc dữ liệu này.",
    405: "Trang này không nhận thao tác đó.",
    409: "Dữ liệu vừa bị người khác thay đổi.",
    413: "Tệp hoặc yêu cầu quá lớn.",
    415: "Định dạng dữ liệu gửi lên không được nhận.",
    429: "Quá nhiều yêu cầu: hãy thử lại sau ít phút.",
    500: "Lỗi hệ thống: thao tác chưa thực hiện được. Hãy thử lại hoặc báo quản trị hệ thống.",
}
_FIELD_VI = [  # msgspec's messages about one field
    (re.compile(r"Expected `(int|integer)`"), "phải là số nguyên"),
    (re.compile(r"Expected `(float|number)`"), "phải là số"),
    (re.compile(r"Expected `(str|string)`"), "phải là chữ"),
    (re.compile(r"Expected `bool`"), "phải là đúng hoặc sai"),
    (re.compile(r"Expected `(array|list)`"), "phải là danh sách"),
    (re.compile(r"Expected `(object|dict)`"), "phải là một đối tượng"),
    (re.compile(r"Expected `date`"), "phải là ngày (YYYY-MM-DD)"),
    (re.compile(r"Object missing required field `(\w+)`"), "thiếu trường bắt buộc `{0}`"),
    (re.compile(r"Object contains unknown field `(\w+)`"), "trường `{0}` không được nhận"),
    (re.compile(r"Expected `\w+` >= (\d+)"), "phải lớn hơn hoặc bằng {0}"),
    (re.compile(r"Expected `\w+` <= (\d+)"), "phải nhỏ hơn hoặc bằng {0}"),
]


_ENGLISH_TAIL = re.compile(r"\s*\((?=[^)]*[A-Za-z])[A-Za-z0-9 ,'/._-]+\)\s*$")


def _vi(text: str, status: int) -> str:
    """Our own messages are Vietnamese (an English gloss in brackets is dropped); the
    framework's become Vietnamese by status."""
    if text and not text.isascii():
        return _ENGLISH_TAIL.sub("", text)
    return STATUS_VI.get(status, f"Không thực hiện được yêu cầu (mã {status}).")


_AT = re.compile(r"at `(\$[^`]*)`")


def _field_vi(message: str) -> str:
    if not message or not message.isascii():
        return message
    at = _AT.search(message)
    where = f" (ở {at.group(1)})" if at else ""
    for pattern, text in _FIELD_VI:
        m = pattern.search(message)
        if m:
            return text.format(*m.groups()) + where
    return "giá trị không hợp lệ" + where


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return not request.url.path.startswith(("/api/", "/schema", "/health")) and "text/html" in (
        request.headers.get("accept", "")
    )


def _answer(request: Request[Any, Any, Any], status: int, detail: str, extra: Any,
            headers: dict[str, str] | None = None) -> Response[Any]:
    if _wants_html(request):
        return Template(
            template_name="error.html",
            context={"status": status, "detail": detail, "extra": extra},
            status_code=status,
            media_type=MediaType.HTML,
            headers=headers,
        )
    return Response(
        {"status_code": status, "detail": detail, "extra": extra},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def user_error(request: Request[Any, Any, Any], exc: UserError) -> Response[Any]:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    extra: Any = None
    if isinstance(exc, ValidationFailed):
        extra = exc.errors
    elif isinstance(exc, Conflict):
        extra = exc.extra
    headers = None
    if isinstance(exc, TooManyAttempts):
        headers = {"retry-after": str(exc.retry_after)}
    return _answer(request, status, _vi(str(exc), status), extra, headers)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and _wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path="/login?" + urlencode({"next": target}))
    extra = exc.extra
    if isinstance(exc, ValidationException) and isinstance(extra, list):
        extra = [
            {"field": e.get("key", ""), "message": _field_vi(str(e.get("message", ""))),
             "source": e.get("source")}
            for e in extra
            if isinstance(e, dict)
        ]
    return _answer(request, exc.status_code, _vi(exc.detail, exc.status_code), extra)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(
        request, HTTP_500_INTERNAL_SERVER_ERROR, STATUS_VI[HTTP_500_INTERNAL_SERVER_ERROR], None
    )


def bad_data(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Input the database cannot hold (a NUL byte, a number past its range): the caller's to
    fix, never a 500. Each route validates what it knows; this is the net under all of them."""
    log.info("bad input on %s %s: %s", request.method, request.url.path, exc)
    return _answer(
        request, 400,
        "dữ liệu gửi lên không hợp lệ (ký tự không cho phép hoặc số vượt giới hạn)", None,
    )


HANDLERS = {
    UserError: user_error,
    HTTPException: http_error,
    asyncpg.exceptions.DataError: bad_data,  # class 22 from the server: invalid input
    asyncpg.exceptions._base.DataError: bad_data,  # an argument asyncpg cannot encode
    Exception: internal_error,
}
