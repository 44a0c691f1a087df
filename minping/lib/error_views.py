"""The page shown for an unexpected error: plain Chinese, and the id to quote when reporting it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseServerError
from django.template.loader import render_to_string

from minping.lib import request_id


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """Django's handler500. No request context: the database may be what failed."""
    the_id = getattr(request, "request_id", "") or request_id.current()
    return HttpResponseServerError(render_to_string("500.html", {"request_id": the_id}))
