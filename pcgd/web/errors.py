"""Errors become answers: JSON `{status_code, detail, extra}` for the API, a page for people."""

from __future__ import annotations

import logging
from typing import Any

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
    TooManyAttempts,
    UserError,
    ValidationFailed,
)

log = logging.getLogger("pcgd")

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Locked: 423, ValidationFailed: 422,
           TooManyAttempts: 429}


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
    return _answer(request, status, str(exc), extra, headers)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and _wants_html(request):
        return Redirect(path=f"/login?next={request.url.path}")
    extra = exc.extra
    if isinstance(exc, ValidationException) and isinstance(extra, list):
        extra = [
            {"field": e.get("key", ""), "message": e.get("message", ""), "source": e.get("source")}
            for e in extra
            if isinstance(e, dict)
        ]
    return _answer(request, exc.status_code, exc.detail, extra)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "lỗi hệ thống (internal error)", None
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
