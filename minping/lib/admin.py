"""The admin only looks: every change to the data goes through an audited action.

Django's admin writes straight to the tables, with no audit entry, so no model may be
added, changed or deleted there (``lib/tests/test_admin.py`` walks the registry).
Users and roles are managed at /console/users/, campaigns through definition files,
scores through imports; the working-day table on its console page (/console/calendar/).
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest

from minping.lib.models import CalendarDay, CalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through audited actions: the admin may look, not touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # an action may write (django-axes's clean-up deletes rows)


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def register_read_only(model: Any) -> None:
    """Replace another package's admin for a model by a read-only one with the same pages."""
    original = type(admin.site._registry[model])
    admin.site.unregister(model)
    name = f"ReadOnly{original.__name__}"
    admin.site.register(model, type(name, (ReadOnlyAdmin, original), {"__module__": __name__}))


def lock_other_admins() -> None:
    """Make the admins of Django's auth, django-axes and django-tasks read-only.

    Django's user admin would set is_superuser, is_staff or a password unaudited;
    django-axes's would unlock an account (an organiser waits for the cool-off, or the
    server operator runs `minping axes_reset_username`); django-tasks's is read-only
    already but for its actions. Called from LibConfig.ready(), after the admin's
    autodiscovery, so that every package has registered its own.
    """
    for model in list(admin.site._registry):
        if model in (User, Group) or model._meta.app_label in ("axes", "django_tasks_database"):
            register_read_only(model)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "entered_at", "entered_by", "note"]
