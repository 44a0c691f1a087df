"""Background work of the surveys app (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from minping.surveys.actions import do_scrub_collection_order


@task()
def scrub_collection_order() -> int:
    """Nightly: rewrite recent ballots and used invitations so no write order pairs them."""
    return do_scrub_collection_order()
