"""The HTTP API (django-ninja, OpenAPI at /api/docs): intake from 12345 and other systems."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger, _csrf_needed

from minping.api import errors, intake


class LocalSwagger(Swagger):
    """The docs page from ninja's bundled template and scripts, never its CDN variant.

    ninja picks the CDN page when "ninja" is not an installed app; minping leaves it out (so
    that commands start without importing ninja and pydantic) and adds its template and
    static folders in settings.py instead.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="民评 minping API",
    version="1",
    urls_namespace="api",
    docs=LocalSwagger(),
    description="问题线索接入等接口。Intake of cases from 12345 hotlines and other systems.",
)
api.add_router("/cases/", intake.router)
errors.install(api)
