from django.contrib import admin

from minping.lib.admin import ReadOnlyAdmin
from minping.scoring.models import ResultSnapshot


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "computed_at", "state_label", "published"]
    list_filter = ["campaign", "published"]
