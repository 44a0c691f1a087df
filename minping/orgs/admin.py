from django.contrib import admin

from minping.lib.admin import ReadOnlyAdmin
from minping.orgs.models import Group, Membership, Unit

# Units change through the audited import, roles at /console/users/.


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "parent", "group"]
    list_filter = ["group"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit", "source_code"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "source_code"]
    raw_id_fields = ["user", "unit"]
