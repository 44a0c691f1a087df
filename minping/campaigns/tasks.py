"""Background work of the campaigns app (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from minping.campaigns.import_jobs import run


@task()
def run_import_job(job_id: int) -> str:
    """Check, or once confirmed store, a file uploaded on the imports page; returns its state."""
    return run(job_id)
