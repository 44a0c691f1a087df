"""Deductions (减分) and vetoes (一票否决) recorded against units (R-20..R-22)."""

from __future__ import annotations

from django.db import models

from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.orgs.models import Unit


class Deduction(models.Model):
    """An event that costs a unit points, once signed off and inside the campaign's window."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="deductions")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="deductions")
    rule = models.ForeignKey(DeductionRule, models.PROTECT, related_name="deductions")
    date = models.DateField("事件日期")
    count = models.PositiveIntegerField("次数", default=1)
    evidence = models.TextField("依据(文号或材料)", blank=True)
    signed_off = models.BooleanField("提出单位负责人已签字", default=False)
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "date", "id"]
        verbose_name = "减分"
        verbose_name_plural = "减分"

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule.title} × {self.count}"


class Veto(models.Model):
    """A cause that classes the unit as unsatisfactory whatever its score."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="vetoes")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="vetoes")
    rule = models.ForeignKey(VetoRule, models.PROTECT, related_name="vetoes")
    date = models.DateField("事件日期")
    evidence = models.TextField("依据(文号或材料)", blank=True)
    created = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["campaign", "date", "id"]
        verbose_name = "一票否决"
        verbose_name_plural = "一票否决"

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule.title}"
