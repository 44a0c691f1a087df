"""A request the API cannot take, said in Chinese (422), with pydantic's list kept for programs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

# pydantic's error types, as the person integrating a 12345 system should read them.
MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "接口没有这个字段(请核对字段名)",
    "string_too_short": "不能为空",
    "string_type": "应为文本",
    "date_type": "应为日期,如 2026-03-16",
    "date_parsing": "应为日期,如 2026-03-16",
    "date_from_datetime_parsing": "应为日期,如 2026-03-16",
    "date_from_datetime_inexact": "应为日期,如 2026-03-16",
    "model_type": "应为一个 JSON 对象",
    "model_attributes_type": "应为一个 JSON 对象",
    "dict_type": "应为一个 JSON 对象",
    "json_invalid": "请求内容不是有效的 JSON",
    "json_type": "请求内容不是有效的 JSON",
}
# The parts of a location that name ninja's plumbing, not a field the caller sent.
PLUMBING = {"body", "payload", "path", "query", "header"}


def describe(error: dict[str, Any]) -> str:
    """One problem as 'field: what is wrong'."""
    field = ".".join(str(part) for part in error.get("loc", ()) if part not in PLUMBING)
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "string_too_long":
        what = f"不能超过 {context.get('max_length')} 个字符"
    elif kind == "value_error":
        # Our own validators speak Chinese already; pydantic prefixes "Value error, ".
        what = str(error.get("msg", "")).removeprefix("Value error, ")
    else:
        what = MESSAGES.get(kind, str(error.get("msg", "")))
    return f"{field}:{what}" if field else what


def validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    detail = ";".join(describe(error) for error in exc.errors[:20])
    body = {"detail": f"请求内容有误,未作处理:{detail}。", "errors": exc.errors}
    return api.create_response(request, body, status=422)


def install(api: NinjaAPI) -> None:
    def handler(request: HttpRequest, exc: ValidationError | type[ValidationError]) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return validation_error(request, exc, api)

    api.add_exception_handler(ValidationError, handler)
