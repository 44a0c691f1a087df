"""Properties of the engine that must hold for any campaign, checked on generated ones."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import (
    SCORES,
    CampaignDefinition,
    GradingDef,
    MethodDef,
    RuleDef,
    SourceDef,
    VetoDef,
)
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import (
    EXCELLENT,
    UNSATISFACTORY,
    AnswerCount,
    BallotCount,
    DeductionInput,
    Results,
    ScoreInput,
    Tallies,
    VetoInput,
    compute,
    round2,
)
from minping.scoring.tests.builders import SCALE, campaign

DEFN = campaign(
    methods=(
        MethodDef("survey", "问卷", Decimal(40)),
        MethodDef("online", "网络", Decimal(60), SCORES),
    ),
    sources=(SourceDef("media", "媒体", Decimal(5)), SourceDef("discipline", "纪委")),
    rules=(
        RuleDef("no_interview", "不配合采访", "media", Decimal("0.1")),
        RuleDef("no_answer", "未按时答复", "media", Decimal("0.5")),
        RuleDef("case", "立案", "discipline", Decimal(1)),
    ),
    vetoes=(VetoDef("v", "否决"),),
)
RULES = [r.code for r in DEFN.rules]
T = TypeVar("T")
DAY0 = date(2017, 10, 1)  # the window is 2017-12-01 … 2018-11-30; dates run either side


@dataclass(frozen=True)
class Scenario:
    defn: CampaignDefinition
    tallies: Tallies


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 7))
    codes = [f"u{i}" for i in range(n)]
    units = [UnitDef(c, c, None, "agencies") for c in codes]
    # A window under u0, so some figures come from parts (S-2).
    units.append(UnitDef("w0", "w0", "u0"))
    answers: list[AnswerCount] = []
    ballots: list[BallotCount] = []
    for code in [*codes[1:], "w0"]:
        counts = draw(st.lists(st.integers(0, 4), min_size=5, max_size=5))
        answers += [
            AnswerCount("survey", code, "a", lv.label, k)
            for lv, k in zip(SCALE, counts, strict=True)
        ]
        if sum(counts):
            ballots.append(BallotCount("survey", code, sum(counts)))
    scores = [
        ScoreInput("online", c, draw(st.decimals(0, 100, places=3)))
        for c in codes
        if draw(st.integers(0, 9))  # now and then one is missing
    ]
    deductions = [
        DeductionInput(
            i,
            draw(st.sampled_from(codes)),
            draw(st.sampled_from(RULES)),
            DAY0 + timedelta(days=draw(st.integers(0, 500))),
            draw(st.integers(1, 40)),
            draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    vetoed = draw(st.lists(st.sampled_from(codes), max_size=2, unique=True))
    vetoes = [VetoInput(i, c, "v", date(2018, 5, 1)) for i, c in enumerate(vetoed)]
    defn = replace(
        DEFN,
        grading=GradingDef(
            excellent=draw(st.integers(0, 3)),
            unsatisfactory=draw(st.integers(0, 3)),
            watchlist=draw(st.integers(0, 3)),
        ),
    )
    t = Tallies(
        tuple(units),
        tuple(answers),
        tuple(ballots),
        tuple(scores),
        tuple(deductions),
        tuple(vetoes),
    )
    return Scenario(defn, t)


def composites(results: Results) -> dict[str, Decimal | None]:
    return {u.unit: None if u.composite is None else round2(u.composite) for u in results.units}


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.data())
def test_a_counted_deduction_never_raises_a_composite(s: Scenario, data: st.DataObject) -> None:
    before = compute(s.defn, s.tallies)
    unit = data.draw(st.sampled_from([u.unit for u in before.units]))
    extra = DeductionInput(
        999,
        unit,
        data.draw(st.sampled_from(RULES)),
        date(2018, 6, 1),
        data.draw(st.integers(1, 100)),
        True,
    )
    after = compute(s.defn, replace(s.tallies, deductions=(*s.tallies.deductions, extra)))
    old, new = {u.unit: u for u in before.units}, {u.unit: u for u in after.units}
    for code in old:
        if old[code].composite is None:
            assert new[code].composite is None
        elif code == unit:
            was, now = old[code].composite, new[code].composite
            assert was is not None and now is not None and now <= was
        else:
            assert new[code].composite == old[code].composite


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_a_sources_total_never_exceeds_its_cap(s: Scenario) -> None:
    for unit in compute(s.defn, s.tallies).units:
        for total in unit.source_totals:
            assert total.total <= total.raw
            if total.cap is not None:
                assert total.total == min(total.raw, total.cap)
            else:
                assert total.total == total.raw
            assert (
                sum(
                    d.amount for d in unit.deduction_lines if d.counted and d.source == total.source
                )
                == total.raw
            )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_ranks_respect_ties(s: Scenario) -> None:
    figures = {c: v for c, v in composites(compute(s.defn, s.tallies)).items() if v is not None}
    ranks = {u.unit: u.rank for u in compute(s.defn, s.tallies).units}
    for code, value in figures.items():
        # rank = 1 + the number strictly better
        assert ranks[code] == 1 + sum(1 for v in figures.values() if v > value)
        for other, other_value in figures.items():
            assert (value == other_value) == (ranks[code] == ranks[other])
    assert all(ranks[c] is None for c in ranks if c not in figures)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_grades_follow_s6(s: Scenario) -> None:
    results = compute(s.defn, s.tallies)
    vetoed = {u.unit for u in results.units if u.vetoed}
    for unit in results.units:
        if unit.vetoed:
            assert unit.grade == UNSATISFACTORY
        if unit.grade == EXCELLENT:
            assert not unit.vetoed and unit.composite is not None
    eligible = [u for u in results.units if not u.vetoed and u.composite is not None]
    excellent = [u for u in results.units if u.grade == EXCELLENT]
    assert len(excellent) >= min(s.defn.grading.excellent, len(eligible))
    unsatisfactory = [u for u in results.units if u.grade == UNSATISFACTORY]
    assert len(unsatisfactory) >= len(vetoed)


def shuffled(rows: tuple[T, ...], rnd: random.Random) -> tuple[T, ...]:
    mixed = list(rows)
    rnd.shuffle(mixed)
    return tuple(mixed)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_input_rows(s: Scenario, rnd: random.Random) -> None:
    t = s.tallies
    mixed = Tallies(
        shuffled(t.units, rnd),
        shuffled(t.answers, rnd),
        shuffled(t.ballots, rnd),
        shuffled(t.scores, rnd),
        shuffled(t.deductions, rnd),
        shuffled(t.vetoes, rnd),
    )
    assert compute(s.defn, mixed) == compute(s.defn, t)
