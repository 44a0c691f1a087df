from django.contrib import admin

from minping.scoring.models import ResultSnapshot


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(admin.ModelAdmin):
    list_display = ["campaign", "computed_at", "published"]
    list_filter = ["campaign", "published"]
    readonly_fields = ["campaign", "computed_at", "results", "breakdown", "published"]
