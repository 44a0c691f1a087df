"""Background work of the cases app (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from minping.cases.actions import mark_overdue


@task()
def mark_overdue_cases() -> int:
    """Daily: mark cases past their deadline, remind units, tell organisers. Returns how many."""
    return len(mark_overdue())
