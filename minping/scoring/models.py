"""Stored result snapshots: what was computed, when, and from which rules."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from minping.campaigns.models import Campaign


class ResultSnapshot(models.Model):
    """The results of a campaign as computed at one moment, with their breakdown."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)
    results = models.JSONField("结果", encoder=DjangoJSONEncoder)
    breakdown = models.JSONField("计算明细", encoder=DjangoJSONEncoder, default=dict)
    published = models.BooleanField("已发布", default=False)

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"
        verbose_name = "结果快照"
        verbose_name_plural = "结果快照"

    def __str__(self) -> str:
        return f"{self.campaign.code} @ {self.computed_at:%Y-%m-%d %H:%M}"
