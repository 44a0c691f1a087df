"""Background work of the reports app (django-tasks, database backend; ``minping db_worker``)."""

from __future__ import annotations

from django_tasks import task

from minping.reports.actions import run_job


@task()
def generate_report(job_id: int) -> None:
    """Make a queued analysis report or ZIP of report cards; progress goes to its job row."""
    run_job(job_id)
