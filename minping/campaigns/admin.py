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


class ScaleLevelInline(admin.TabularInline):
    model = ScaleLevel
    extra = 0


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class MethodInline(admin.TabularInline):
    model = Method
    extra = 0


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


class DeductionSourceInline(admin.TabularInline):
    model = DeductionSource
    extra = 0


class DeductionRuleInline(admin.TabularInline):
    model = DeductionRule
    extra = 0


class VetoRuleInline(admin.TabularInline):
    model = VetoRule
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
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
class MethodScoreAdmin(admin.ModelAdmin):
    list_display = ["campaign", "method", "unit", "score"]
    list_filter = ["campaign", "method"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created", "campaign", "kind", "filename", "rows"]
    list_filter = ["kind", "campaign"]
