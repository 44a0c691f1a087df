"""The Content-Security-Policy every response carries (Django 5.2 has none of its own).

Pages load script, style and images from minping itself only; nothing inline
runs (templates keep JS in ``static/<app>/*.js`` and CSS in static files), no
plug-in loads, forms post only to minping, and no other site may frame it.
A response that sets its own policy keeps it: uploaded files are served in a
sandbox (``minping.lib.downloads``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the blank favicon and the admin's and API docs' icons
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = POLICY
        return response
