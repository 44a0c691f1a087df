from django.contrib import admin
from django.http import HttpRequest

from minping.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
