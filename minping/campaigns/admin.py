from django.contrib import admin

from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    ImportBatch,
    Indicator,
    Method,
    MethodScore,
    ScaleLevel,
    Stage,
    VetoRule,
)
from minping.lib.admin import ReadOnlyAdmin, ReadOnlyInline

# Campaigns change through definition files and scores through imports, both audited.


class ScaleLevelInline(ReadOnlyInline):
    model = ScaleLevel


class IndicatorInline(ReadOnlyInline):
    model = Indicator


class MethodInline(ReadOnlyInline):
    model = Method


class StageInline(ReadOnlyInline):
    model = Stage


class DeductionSourceInline(ReadOnlyInline):
    model = DeductionSource


class DeductionRuleInline(ReadOnlyInline):
    model = DeductionRule


class VetoRuleInline(ReadOnlyInline):
    model = VetoRule


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "year", "publish", "published_at"]
    search_fields = ["code", "title"]
    readonly_fields = ["definition", "published_at", "created", "updated"]
    inlines = [
        ScaleLevelInline,
        IndicatorInline,
        MethodInline,
        StageInline,
        DeductionSourceInline,
        DeductionRuleInline,
        VetoRuleInline,
    ]


@admin.register(MethodScore)
class MethodScoreAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "method", "unit", "score"]
    list_filter = ["campaign", "method"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created", "campaign", "kind", "filename", "rows"]
    list_filter = ["kind", "campaign"]
