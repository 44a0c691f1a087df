from django.contrib import admin

from minping.lib.admin import ReadOnlyAdmin
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
