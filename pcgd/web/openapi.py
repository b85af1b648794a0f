"""The error answers of every API route, written into the OpenAPI document in one place.

Litestar documents a route's success and its 400; the other answers come from shared code
(the login guard, the scope check, the JSON-only CSRF defence, optimistic locking, the survey
lock, login throttling), so they are added here by rule rather than on each handler. The
schemathesis run (tests/security/test_schemathesis.py) fails on any answer not listed.
"""

from __future__ import annotations

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "extra": Schema(),  # field errors, the current version on a 409, or null
    },
    description="Lỗi: mã trạng thái, lời giải thích tiếng Việt, chi tiết",
)
DESCRIPTIONS = {
    400: "Dữ liệu hoặc tham số không hợp lệ",
    401: "Chưa đăng nhập hoặc phiên đã hết hạn",
    403: "Ngoài phạm vi của tài khoản, không có quyền, hoặc không có bản ghi này",
    404: "Không có đơn vị, bản ghi hoặc đường dẫn này",
    409: "Xung đột: đã có người lưu trước (phiên bản cũ), đã được xử lý, hoặc thao tác duyệt"
         " không được phép ở trạng thái hiện tại của sổ",
    415: "Yêu cầu API phải gửi application/json",
    422: "Dữ liệu không hợp lệ: danh sách lỗi theo trường",
    423: "Sổ hộ của xã đã nộp, đã duyệt hoặc đã khóa: không sửa được (surveys/gate.py)",
    429: "Đăng nhập sai nhiều lần: thử lại sau (Retry-After)",
}
PUBLIC = {"/health", "/api/auth/login", "/api/rules"}


def statuses(method: str, path: str) -> set[int]:
    """The error answers a route can give, from what it shares with the others."""
    if path == "/health":
        return set()
    found = {400, 404, 422}
    if path not in PUBLIC:
        found |= {401, 403}
    if method in {"post", "put", "patch"}:
        found |= {415}
    if method in {"post", "put", "patch", "delete"} and path not in PUBLIC:
        found |= {409, 423}
    if path == "/api/auth/login":
        found |= {401, 429}
    return found


def document_errors(schema: OpenAPI) -> OpenAPI:
    components = schema.components
    if components.schemas is None:
        components.schemas = {}
    components.schemas["Error"] = ERROR_SCHEMA
    ref = Reference(ref="#/components/schemas/Error")
    for path, item in (schema.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for status in sorted(statuses(method, path)):
                responses.setdefault(str(status), OpenAPIResponse(
                    description=DESCRIPTIONS[status],
                    content={"application/json": OpenAPIMediaType(schema=ref)},
                ))
            operation.responses = responses
    return schema
