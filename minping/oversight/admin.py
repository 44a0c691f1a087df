from django.contrib import admin

from minping.oversight.models import Deduction, Veto


@admin.register(Deduction)
class DeductionAdmin(admin.ModelAdmin):
    list_display = ["campaign", "unit", "rule", "date", "count", "signed_off"]
    list_filter = ["campaign", "signed_off", "rule__source"]
    search_fields = ["unit__name", "unit__code", "evidence"]


@admin.register(Veto)
class VetoAdmin(admin.ModelAdmin):
    list_display = ["campaign", "unit", "rule", "date"]
    list_filter = ["campaign", "rule"]
    search_fields = ["unit__name", "unit__code", "evidence"]
