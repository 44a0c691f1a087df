from django.contrib import admin

from minping.orgs.models import Group, Unit


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "group"]
    list_filter = ["group"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
