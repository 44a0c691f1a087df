"""Campaigns, ballots and deductions made through the ORM for tests that need the database."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    Indicator,
    Method,
    MethodScore,
    ScaleLevel,
)
from minping.orgs.models import Unit
from minping.surveys.models import Answer, Ballot

SCALE = [
    ("好", 100, True),
    ("较好", 80, True),
    ("一般", 60, False),
    ("较差", 30, False),
    ("差", 0, False),
]


def make_campaign(code: str, **fields: object) -> Campaign:
    """A campaign with the default scale, indicators a and b, and two methods:
    survey (ballots, 40%) and online (scores, 60%); a media source capped at 5."""
    values: dict[str, object] = {
        "title": f"{code} 群众评议机关作风",
        "year": 2018,
        "groups": ["agencies", "industries"],
        "deductions_from": date(2017, 12, 1),
        "deductions_to": date(2018, 11, 30),
    }
    values.update(fields)
    campaign = Campaign.objects.create(code=code, **values)
    for order, (label, points, satisfied) in enumerate(SCALE):
        ScaleLevel.objects.create(
            campaign=campaign, order=order, label=label, points=points, satisfied=satisfied
        )
    Indicator.objects.create(campaign=campaign, order=0, code="a", title="四风整治")
    Indicator.objects.create(campaign=campaign, order=1, code="b", title="服务态度")
    Method.objects.create(campaign=campaign, order=0, code="survey", title="问卷评议", weight=40)
    Method.objects.create(
        campaign=campaign, order=1, code="online", title="网络评议", weight=60, input="scores"
    )
    media = DeductionSource.objects.create(
        campaign=campaign, order=0, code="media", title="银川市有关媒体", cap=5
    )
    DeductionRule.objects.create(
        campaign=campaign,
        source=media,
        order=0,
        code="no_interview",
        title="不配合采访",
        points=Decimal("0.1"),
    )
    return campaign


def cast(campaign: Campaign, unit: Unit, method: str, *ballots: dict[str, str]) -> None:
    """Store ballots about ``unit``: each a mapping indicator code → level label."""
    m = campaign.methods.get(code=method)
    indicators = {i.code: i for i in campaign.indicators.all()}
    levels = {lv.label: lv for lv in campaign.levels.all()}
    made = Ballot.objects.bulk_create(
        Ballot(id=uuid.uuid4(), campaign=campaign, method=m, unit=unit, date=date(2018, 9, 1))
        for _ in ballots
    )
    Answer.objects.bulk_create(
        Answer(
            ballot=b,
            campaign=campaign,
            method=m,
            unit=unit,
            indicator=indicators[code],
            level=levels[label],
        )
        for b, answers in zip(made, ballots, strict=True)
        for code, label in answers.items()
    )


def score(campaign: Campaign, unit: Unit, value: str, method: str = "online") -> None:
    MethodScore.objects.create(
        campaign=campaign, method=campaign.methods.get(code=method), unit=unit, score=Decimal(value)
    )
