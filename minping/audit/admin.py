from django.contrib import admin

from minping.audit.models import AuditEntry
from minping.lib.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "seq",
        "at",
        "actor_label",
        "action",
        "campaign_code",
        "object_type",
        "object_id",
    ]
    list_filter = ["action", "campaign_code"]
    search_fields = ["action", "actor_label", "object_id"]
