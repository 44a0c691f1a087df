"""Data that arrived after a method's deadline (R-19), counted by the database.

Shown on the collection monitor and the results page; the choice to take late
data rather than refuse it is explained in ``campaigns.deadlines``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F

from minping.campaigns.deadlines import late_message
from minping.campaigns.models import Campaign, MethodScore
from minping.surveys.models import Ballot


@dataclass(frozen=True)
class LateData:
    method: str  # the method's title
    deadline: datetime.date
    ballots: int
    scores: int

    @property
    def messages(self) -> list[str]:
        out = []
        if self.ballots:
            out.append(late_message(self.method, self.deadline, self.ballots, "份答卷"))
        if self.scores:
            out.append(late_message(self.method, self.deadline, self.scores, "个得分"))
        return out


def late_data(campaign: Campaign) -> list[LateData]:
    """Per method with a deadline: accepted ballots dated after it, scores recorded after it."""
    methods = list(campaign.methods.filter(deadline__isnull=False).order_by("order"))
    if not methods:
        return []
    ballots = dict(
        Ballot.objects.filter(
            campaign=campaign, status=Ballot.Status.ACCEPTED, date__gt=F("method__deadline")
        )
        .values_list("method_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    scores = dict(
        MethodScore.objects.filter(campaign=campaign, recorded_on__gt=F("method__deadline"))
        .values_list("method_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return [
        LateData(m.title, m.deadline, ballots.get(m.pk, 0), scores.get(m.pk, 0))
        for m in methods
        if m.deadline is not None and (ballots.get(m.pk) or scores.get(m.pk))
    ]
