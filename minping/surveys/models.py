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
    """One completed questionnaire (答卷) about one unit on one method."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One composite index serves every lookup; an index per key would only slow imports.
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="ballots", db_index=False)
    method = models.ForeignKey(Method, models.CASCADE, related_name="ballots", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ballots", db_index=False)
    date = models.DateField("日期")
    channel = models.CharField("渠道", max_length=20, default="import")
    category = models.CharField("评议主体类别", max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "method", "unit"], name="ballot_cmu")]
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
