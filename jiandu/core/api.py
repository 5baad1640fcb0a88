"""What every router of the JSON API shares: the error shape, its documented statuses, pagination."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator

# The statuses each operation documents besides its success; all carry `Error`.
STATUS_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求无效 (bad request)"),
    401: ("unauthorized", "未认证：请提供有效的 API 令牌或先登录 (authentication required)"),
    403: ("forbidden", "无权执行此操作 (forbidden)"),
    404: ("not_found", "未找到，或不在您的数据范围内 (not found)"),
    405: ("method_not_allowed", "不支持此请求方法 (method not allowed)"),
    413: ("too_large", "请求内容过大 (request too large)"),
    422: ("validation_error", "请求参数无效 (invalid request)"),
    429: ("throttled", "请求过于频繁，请稍后再试 (too many requests)"),
    500: ("internal_error", "服务器内部错误，请联系管理员 (internal server error)"),
}


class ErrorDetail(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、validation_error")
    message: str = Field(..., description="中文说明（附英文）")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="逐项说明，如校验失败的字段 {field, type, message}")


class Error(Schema):
    error: ErrorDetail


ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error, 422: Error}


class ApiError(Exception):
    """An error the API answers in its uniform shape; ``message`` is Chinese with English in brackets."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 details: list[dict] | None = None):
        default_code, default_message = STATUS_MESSAGES.get(status, ("error", "请求失败 (request failed)"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.details = details or []
        super().__init__(self.message)


def module_user(request, module, message: str):
    """The signed-in user if their role may open ``module`` (a ``core.modules`` entry) as its
    pages allow, else a 403 with ``message`` (Chinese, English in brackets)."""
    user = request.auth
    if not module.allows(user):
        raise ApiError(403, message)
    return user


def error_body(status: int, message: str | None = None, *, code: str | None = None,
               details: list[dict] | None = None) -> dict:
    exc = ApiError(status, message, code=code, details=details)
    return {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}


def found(obj):
    """``obj``, or a 404 when the selector found nothing in the user's scope."""
    if obj is None:
        raise ApiError(404)
    return obj


# Keys are free text from departments' systems ("/" included, so path parameters holding them use
# the path converter); only NUL can never be one, PostgreSQL refuses to store it.
KEY_PATTERN = r"^[^\x00]+$"
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
MAX_PAGE = 500


def limit_field():
    return Field(100, ge=1, le=MAX_PAGE, description=f"每页条数，1–{MAX_PAGE}，默认 100")


def after_field():
    return Field(None, max_length=100, pattern=KEY_PATTERN,
                 description="游标：上一页返回的 next；省略则从第一页开始 (keyset cursor)")


def next_field():
    return Field(..., description="下一页的游标（作为 after 传回）；最后一页为 null")


def _iso_date_text(value):
    # pydantic also reads "0" or 1700000000 as a Unix time; a query date is only ever YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("应为 YYYY-MM-DD 格式的日期 (date must be YYYY-MM-DD)")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
