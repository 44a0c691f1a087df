"""No control character gets past the front door (a 400 in Chinese), whatever the page.

PostgreSQL refuses NUL in text, so a NUL byte in any field used to become a 500
wherever it reached a query; other control characters make spreadsheets that
Excel will not open. None belongs in anything a person types, so every request
is checked here, once, before any view, form or session sees it: the path, the
query string, form fields and file names, any other body read as JSON (as the
API reads it, whatever its declared type; ``\\u0000`` hides a NUL from a byte
search), lone surrogates (which cannot be stored as UTF-8) and
header values. Tab, line feed and carriage return (a textarea's line ends) stay.
Cookies are ours, not typed: one holding such characters is dropped, not refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MESSAGE = (
    "{where}含有控制字符(例如空字符),无法处理,没有作任何改动。"
    "请删去这些看不见的字符(可先粘贴到记事本再复制)后重新提交。"
)
API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(text: str) -> bool:
    return CONTROL.search(text) is not None


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """(path, text) for every key and string in a decoded JSON document, without recursion."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}" if path else str(key)
                yield inner_path, str(key)
                stack.append((inner_path, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))


def _field(name: str) -> str:
    """A field's name for the message, if it can be shown at all."""
    return f"“{name[:40]}”" if name and not has_control_characters(name) else ""


def find_control_characters(request: HttpRequest) -> str | None:
    """Where the request carries a control character, in words, or None when it is clean."""
    if has_control_characters(request.path_info):
        return "网址"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and has_control_characters(str(value)):
            return "请求头"
    for name, values in request.GET.lists():
        if has_control_characters(name) or any(map(has_control_characters, values)):
            return f"网址中的查询参数{_field(name)}"
    if request.method in ("POST", "PUT", "PATCH"):
        if request.content_type not in FORM_TYPES:
            # The API reads any other body as JSON, whatever type the request claims.
            return _find_in_json(request)
        for name, values in request.POST.lists():
            if has_control_characters(name) or any(map(has_control_characters, values)):
                return f"表单中的{_field(name) or '一项'}"
        for name, uploads in request.FILES.lists():
            if any(has_control_characters(f"{name}{u.name or ''}") for u in uploads):
                return "上传文件的文件名"
    return None


def _find_in_json(request: HttpRequest) -> str | None:
    try:
        document = json.loads(request.body)
    except ValueError:
        return None  # not JSON: nothing here reads such a body, and the API says so itself
    except RecursionError:
        return "JSON 内容(嵌套过深)"
    for path, text in _strings(document):
        if has_control_characters(text):
            return f"JSON 内容{_field(path)}"
    return None


def refusal(request: HttpRequest, where: str) -> HttpResponse:
    message = MESSAGE.format(where=where)
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400)
    page = render_to_string("400.html", {"message": message})
    return HttpResponse(page, status=400)


class RefuseControlCharactersMiddleware:
    """Placed before the session and CSRF middleware, so that nothing reads a bad value first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = find_control_characters(request)
        if where is not None:
            return refusal(request, where)
        for name in [n for n, v in request.COOKIES.items() if CONTROL.search(n + v)]:
            del request.COOKIES[name]
        return self.get_response(request)
