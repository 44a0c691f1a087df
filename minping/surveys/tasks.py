"""Background work of the surveys app (django-tasks, database backend)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from minping.surveys.scrub import do_scrub_collection_order


@task()
def scrub_collection_order() -> dict[str, int]:
    """Nightly: rewrite recent collection rows in random order and remove every old version."""
    return asdict(do_scrub_collection_order())
