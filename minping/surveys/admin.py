from django.contrib import admin

from minping.surveys.models import Ballot


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "method", "unit", "date", "channel", "category"]
    list_filter = ["campaign", "method", "channel"]
    search_fields = ["unit__name", "unit__code"]
    show_full_result_count = False
