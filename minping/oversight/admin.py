from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from minping.oversight.models import (
    ContactCard,
    Deduction,
    Ineligibility,
    Submission,
    SubmissionRequirement,
    Veto,
    Visit,
    VisitPlan,
)

# Reviews go through the console, whose actions are audited; the admin only looks.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deduction)
class DeductionAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "unit", "rule", "date", "count", "status"]
    list_filter = ["campaign", "status", "rule__source"]
    search_fields = ["unit__name", "unit__code", "evidence", "document_number"]


@admin.register(Veto)
class VetoAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "unit", "rule", "date", "status"]
    list_filter = ["campaign", "status", "rule"]
    search_fields = ["unit__name", "unit__code", "evidence"]


for model in (Ineligibility, SubmissionRequirement, Submission, VisitPlan, Visit, ContactCard):
    admin.site.register(model, ReadOnlyAdmin)
