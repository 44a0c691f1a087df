"""Every request gets an id: in the response header, in every log line, on the error page.

A user who meets an error reads the id off the page; the administrator finds the
traceback in the server log by it. A reverse proxy's own ``X-Request-ID`` is kept
when it is a plain token, so that its access log and ours name the same request;
anything else a client sends there is replaced, so it can never forge log lines.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and . _ - only: nothing that could break a log line or a page.
SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

_current: ContextVar[str] = ContextVar("minping_request_id", default="")


def current() -> str:
    """The id of the request being handled, or '' outside a request (commands, tasks)."""
    return _current.get()


def new_id() -> str:
    # Twelve hex digits: short enough to read out on the telephone.
    return secrets.token_hex(6)


class RequestIdMiddleware:
    """Outermost middleware: every response, even a 400 from another middleware, carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(HEADER, "")
        request_id = offered if SAFE.fullmatch(offered) else new_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx after the middleware has returned.
        # The next request sets its own; request_finished clears it in between.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _forget(**kwargs: object) -> None:
    _current.set("")


class RequestIdFilter(logging.Filter):
    """Gives every log record a ``request_id`` ('-' outside a request) for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True
