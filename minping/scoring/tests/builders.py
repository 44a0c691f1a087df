"""Small builders for engine inputs, so each test states only what it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from minping.campaigns.definition import (
    CampaignDefinition,
    GradingDef,
    GroupDef,
    IndicatorDef,
    LevelDef,
    MethodDef,
)
from minping.scoring.engine import AnswerCount, BallotCount, Tallies

D = Decimal

# the default scale, 好 and 较好 counted as satisfied.
SCALE = (
    LevelDef("好", D(100), True),
    LevelDef("较好", D(80), True),
    LevelDef("一般", D(60), False),
    LevelDef("较差", D(30), False),
    LevelDef("差", D(0), False),
)
AGENCIES = GroupDef("agencies", "机关单位")
SURVEY = MethodDef("survey", "问卷评议", D(100))


def campaign(**changes: Any) -> CampaignDefinition:
    """A one-group, one-method campaign; ``excellent``, ``unsatisfactory`` and ``watchlist``
    may be given on their own and go into ``grading``."""
    grading = {
        k: changes.pop(k) for k in ("excellent", "unsatisfactory", "watchlist") if k in changes
    }
    if grading:
        changes["grading"] = GradingDef(**grading)
    base = CampaignDefinition(
        code="t-2018",
        title="测试活动",
        year=2018,
        groups=(AGENCIES,),
        levels=SCALE,
        indicators=(IndicatorDef("a", "依法履职"),),
        methods=(SURVEY,),
        deductions_from=date(2017, 12, 1),
        deductions_to=date(2018, 11, 30),
    )
    return replace(base, **changes)


def votes(
    method: str, unit: str, indicator: str, counts: dict[str, int], ballots: int | None = None
) -> tuple[list[AnswerCount], list[BallotCount]]:
    """Answer counts for one indicator, and (by default) one ballot per answer."""
    answers = [AnswerCount(method, unit, indicator, level, n) for level, n in counts.items()]
    total = sum(counts.values()) if ballots is None else ballots
    return answers, [BallotCount(method, unit, total)]


def tallies(
    units: Any, *voted: tuple[list[AnswerCount], list[BallotCount]], **rest: Any
) -> Tallies:
    answers = [a for v in voted for a in v[0]]
    ballots = [b for v in voted for b in v[1]]
    return Tallies(
        units=tuple(units),
        answers=tuple(answers),
        ballots=tuple(ballots),
        **{k: tuple(v) for k, v in rest.items()},  # type: ignore[arg-type]
    )
