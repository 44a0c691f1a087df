"""The HTTP API (django-ninja, OpenAPI at /api/docs): intake from 12345 and other systems."""

from __future__ import annotations

from ninja import NinjaAPI

from minping.api import errors, intake

api = NinjaAPI(
    title="民评 minping API",
    version="1",
    urls_namespace="api",
    description="问题线索接入等接口。Intake of cases from 12345 hotlines and other systems.",
)
api.add_router("/cases/", intake.router)
errors.install(api)
