"""Stored result snapshots: what was computed, when, and from which rules.

A snapshot moves computed → published, or, when the campaign's results need a
higher body's approval (R-23), computed → submitted → approved → released to
units → published (``scoring.actions``). Its state is read from the moments it
passed each step, so there is one record of it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from minping.campaigns.models import Campaign
from minping.scoring.package import build_package

COMPUTED = "computed"
SUBMITTED = "submitted"
APPROVED = "approved"
RELEASED = "released"
PUBLISHED = "published"

STATE_LABELS = {
    COMPUTED: "已计算",
    SUBMITTED: "已上报,待审定",
    APPROVED: "已审定",
    RELEASED: "已通报各单位",
    PUBLISHED: "已发布",
}


class ResultSnapshot(models.Model):
    """The results of a campaign as computed at one moment, with their breakdown."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)
    results = models.JSONField("结果", encoder=DjangoJSONEncoder)
    breakdown = models.JSONField("计算明细", encoder=DjangoJSONEncoder, default=dict)
    # Kept apart from ``results`` so the results JSON contract stays as it is.
    certainty = models.JSONField("95% 区间", encoder=DjangoJSONEncoder, default=dict, blank=True)
    published = models.BooleanField("已发布", default=False)
    # The approval steps; empty where the campaign needs no approval.
    submitted_at = models.DateTimeField("上报审定时间", null=True, blank=True)
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审定人",
    )
    released_at = models.DateTimeField("通报各单位时间", null=True, blank=True)
    # Why the approving body sent the results back (the last time it did).
    returned_reason = models.TextField("退回意见", blank=True)
    # The highest answer id when the computation began: an answer above it came later, so the
    # page can tell new ballots without scanning them (``scoring.staleness``). Null before kept.
    answer_mark = models.BigIntegerField(
        "计算时最大答案编号", null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"
        verbose_name = "结果快照"
        verbose_name_plural = "结果快照"

    def __str__(self) -> str:
        return f"{self.campaign.code} @ {self.computed_at:%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        if self.published:
            return PUBLISHED
        if self.released_at is not None:
            return RELEASED
        if self.approved_at is not None:
            return APPROVED
        if self.submitted_at is not None:
            return SUBMITTED
        return COMPUTED

    @property
    @admin.display(description="状态")
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def released_to_units(self) -> bool:
        """Whether each unit may see its own results in these (R-37): released or published."""
        return self.published or self.released_at is not None

    def unit(self, code: str) -> dict[str, Any] | None:
        """One unit's row of these results (the results JSON's ``units`` entry), or None."""
        return next((u for u in self.results.get("units", []) if u["unit"] == code), None)

    def package(self) -> dict[str, Any] | None:
        """The results package of these results (``scoring.package``), or None for a snapshot
        computed before packages existed. The same snapshot always gives the same package."""
        inputs = SnapshotInputs.objects.filter(snapshot=self).values_list("data", flat=True).first()
        if not inputs:
            return None
        return build_package(
            inputs,
            self.results,
            self.certainty or None,
            computed_at=self.computed_at.isoformat(),
        )

    @classmethod
    def released(cls, campaign: Campaign) -> ResultSnapshot | None:
        """The campaign's latest results released to units, or None: what a unit may see."""
        return (
            cls.objects.filter(campaign=campaign)
            .filter(Q(published=True) | Q(released_at__isnull=False))
            .order_by("-computed_at", "-pk")
            .first()
        )


class SnapshotInputs(models.Model):
    """What a snapshot's figures were computed from (rules, tallies, baseline): the content
    of its results package. A table of its own, as it is large and rarely read."""

    snapshot = models.OneToOneField(
        ResultSnapshot, models.CASCADE, primary_key=True, related_name="inputs"
    )
    data = models.JSONField("计算依据", encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "结果计算依据"
        verbose_name_plural = "结果计算依据"

    def __str__(self) -> str:
        return f"计算依据 · {self.snapshot}"
