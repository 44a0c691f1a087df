"""Ballots and their answers, stored so that no ballot leads back to a person.

DESIGN principle 4: a ballot has a random UUID, a date but no time, no address
or device, and no key to any invitation. Answers are in long format (one row a
question) and carry the campaign, method and unit themselves, so that the
database counts them with one ``GROUP BY`` and no join.
"""

from __future__ import annotations

import uuid

from django.db import models

from minping.campaigns.models import Campaign, Indicator, Method, ScaleLevel
from minping.orgs.models import Unit


class Ballot(models.Model):
    """One completed questionnaire (答卷) about one unit on one method.

    Only an accepted ballot counts, and only an accepted ballot has Answer rows:
    a ballot held for review (an anomaly flag, DESIGN issue 3) keeps its answers
    in ``held_answers`` until the organiser releases it, so that scoring never
    needs to look past the Answer table.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "有效"
        QUARANTINED = "quarantined", "待复核"
        REJECTED = "rejected", "已剔除"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One composite index serves every lookup; an index per key would only slow imports.
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="ballots", db_index=False)
    method = models.ForeignKey(Method, models.CASCADE, related_name="ballots", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ballots", db_index=False)
    date = models.DateField("日期")
    channel = models.CharField("渠道", max_length=20, default="import")
    category = models.CharField("评议主体类别", max_length=40, blank=True)
    # db_default too: imports insert rows with raw SQL that names only the columns they fill.
    status = models.CharField(
        "状态",
        max_length=12,
        choices=Status.choices,
        default=Status.ACCEPTED,
        db_default=Status.ACCEPTED,
    )
    # {indicator code: level label} while the ballot waits for review, else null.
    held_answers = models.JSONField("待复核的答案", null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "method", "unit", "status"], name="ballot_cmus")
        ]
        verbose_name = "答卷"
        verbose_name_plural = "答卷"

    def __str__(self) -> str:
        return f"{self.unit} · {self.method} · {self.date}"


class Answer(models.Model):
    """One answer on a ballot: the level chosen for one indicator."""

    # Millions of rows: the unique constraint covers ``ballot`` and the tally index
    # covers the rest, so the keys get no index of their own (each would slow imports).
    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="answers", db_index=False)
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="+", db_index=False)
    method = models.ForeignKey(Method, models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", db_index=False)
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="answers", db_index=False)
    level = models.ForeignKey(ScaleLevel, models.PROTECT, related_name="answers", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "indicator"], name="one_answer_per_indicator")
        ]
        # Covers the scoring GROUP BY, so the database can count from the index alone.
        indexes = [
            models.Index(
                fields=["campaign", "method", "unit", "indicator", "level"], name="answer_tally"
            )
        ]
        verbose_name = "答案"
        verbose_name_plural = "答案"

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.level_id}"


class Comment(models.Model):
    """What a respondent wrote in the questionnaire's free-text box (意见建议).

    Staff may mark a comment as a problem to follow up (R-26); the cases app
    then registers a case from it and writes the case number back here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.OneToOneField(
        Ballot, models.CASCADE, null=True, blank=True, related_name="comment"
    )
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="comments")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="comments")
    date = models.DateField("日期")
    text = models.TextField("意见建议")
    follow_up = models.BooleanField("需要跟进处理", default=False)
    case_number = models.CharField("已登记的问题编号", max_length=40, blank=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = "意见建议"
        verbose_name_plural = "意见建议"

    def __str__(self) -> str:
        return f"{self.unit} · {self.text[:20]}"
