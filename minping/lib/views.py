"""The health check a load balancer or a monitoring script polls."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from minping.lib.access import public


@public
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """'ok' once the database answers; it reveals nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
