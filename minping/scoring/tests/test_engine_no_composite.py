"""The engine on a version-2 campaign without a composite (``composite = false``, R-19).

Seed 001 ranks each method on its own; a plan without weights (seed 000) must say how
its methods combine, and may say they do not. Every expected figure is worked out by
hand in the comment above it.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import (
    CampaignDefinition,
    GradingDef,
    MethodDef,
    RuleDef,
    SourceDef,
)
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import (
    Baseline,
    DeductionInput,
    ScoreInput,
    Tallies,
    UnitResult,
    VetoInput,
    compute,
    round2,
)
from minping.scoring.export import csv_text, results_json
from minping.scoring.package import build_package, inputs_json, read_inputs
from minping.scoring.tests.builders import AGENCIES, campaign

D = Decimal
UNITS = tuple(
    UnitDef(code, name, group=AGENCIES.code) for code, name in zip("abcd", "甲乙丙丁", strict=True)
)
SURVEY = MethodDef("survey", "问卷评议", D(0), "scores")
ONLINE = MethodDef("online", "网络评议", D(0), "scores")
SAID = "本活动不计算综合得分,各评议方法分别排名"


def definition(
    by: str = "online", excellent: int = 1, unsatisfactory: int = 1
) -> CampaignDefinition:
    """Two methods without weights; the media's deductions come off the online score."""
    return campaign(
        format=2,
        composite=False,
        methods=(SURVEY, ONLINE),
        sources=(SourceDef("media", "媒体"),),
        rules=(RuleDef("no_interview", "不配合采访", "media", D("0.1"), method="online"),),
        grading=GradingDef(excellent, unsatisfactory, watchlist=1, by=by),
    )


def tallies(**more: object) -> Tallies:
    rows = [
        ("survey", "a", "80"),
        ("online", "a", "90"),
        ("survey", "b", "95"),
        ("online", "b", "88"),
        ("survey", "c", "70"),
        ("online", "c", "75"),
        ("survey", "d", "85"),  # d has no online score
    ]
    deduction = DeductionInput(1, "a", "no_interview", datetime.date(2018, 5, 1), 20, True)
    return Tallies(
        units=UNITS,
        scores=tuple(ScoreInput(m, u, D(s)) for m, u, s in rows),
        deductions=(deduction,),
        **more,  # type: ignore[arg-type]
    )


def by_unit(definition: CampaignDefinition, data: Tallies, **kw: object) -> dict[str, UnitResult]:
    return {u.unit: u for u in compute(definition, data, **kw).units}  # type: ignore[arg-type]


class RankedByOneMethodTests(SimpleTestCase):
    """``[grading] by = "online"``: units are ranked and graded on the online score."""

    def test_ranks_and_grades_follow_the_method_after_its_deductions(self) -> None:
        units = by_unit(definition(), tallies())
        # a: online 90 − 0.1 × 20 = 88, equal to b's 88: both rank 1; c 75 is 3rd.
        self.assertEqual(units["a"].methods["online"].score, 88)  # type: ignore[union-attr]
        self.assertEqual({c: units[c].rank for c in "abc"}, {"a": 1, "b": 1, "c": 3})
        # Excellent 1: a and b tie for it, so both are (S-6); unsatisfactory 1: c.
        self.assertEqual(
            {c: units[c].grade for c in "abcd"},
            {"a": "excellent", "b": "excellent", "c": "unsatisfactory", "d": None},
        )
        self.assertEqual(units["a"].grade_reason, "本组非否决单位“网络评议”得分前 1 名(含并列)")
        self.assertEqual(units["c"].grade_reason, "本组“网络评议”得分后 1 名(含否决单位与并列)")

    def test_there_is_no_weighted_nor_composite_figure(self) -> None:
        baseline = Baseline("t-2017", {"a": D("80.00")})
        units = by_unit(definition(), tallies(), baseline=baseline)
        a = units["a"]
        self.assertEqual((a.weighted, a.composite, a.baseline, a.change), (None, None, None, None))
        self.assertEqual(a.weighted_formula, f"{SAID};按“网络评议”得分排名")
        self.assertEqual(a.composite_formula, f"{SAID};按“网络评议”得分排名")
        # The media's 2 points are the source's total, and came off the online score only.
        self.assertEqual(a.deductions, {"media": 2})

    def test_each_method_keeps_its_rank_and_watch_list(self) -> None:
        units = by_unit(definition(), tallies())
        # Survey: b 95, d 85, a 80, c 70 → 1, 2, 3, 4; online: a 88, b 88, c 75 → 1, 1, 3.
        self.assertEqual(
            {c: units[c].method_ranks["survey"] for c in "abcd"},
            dict(zip("abcd", (3, 1, 4, 2), strict=True)),
        )
        self.assertEqual(units["d"].method_ranks["online"], None)
        # Watch list 1 per method: c is lowest on both.
        self.assertEqual(units["c"].watchlist, ("survey", "online"))

    def test_a_unit_without_the_ranking_method_has_no_rank_and_blocks(self) -> None:
        results = compute(definition(), tallies())
        d = next(u for u in results.units if u.unit == "d")
        self.assertEqual((d.rank, d.grade), (None, None))
        (missing,) = results.missing
        self.assertEqual(
            (missing.unit, missing.method, missing.blocks_composite), ("d", "online", True)
        )
        self.assertFalse(results.complete)
        # Units without a rank come last.
        self.assertEqual([u.unit for u in results.units], ["a", "b", "c", "d"])

    def test_a_missing_other_method_blocks_nothing(self) -> None:
        # Ranked by the survey, which everyone has: d's missing online score blocks nothing.
        results = compute(definition(by="survey"), tallies())
        self.assertTrue(results.complete)
        (missing,) = results.missing
        self.assertFalse(missing.blocks_composite)
        # Survey: b 95, d 85, a 80, c 70: b excellent, c unsatisfactory; d ranked 2nd.
        units = {u.unit: u for u in results.units}
        self.assertEqual({c: units[c].rank for c in "abcd"}, {"a": 3, "b": 1, "c": 4, "d": 2})
        self.assertEqual((units["b"].grade, units["c"].grade), ("excellent", "unsatisfactory"))

    def test_vetoes_and_lost_eligibility_are_respected(self) -> None:
        veto = VetoInput(1, "a", "case_filed", datetime.date(2018, 6, 1))
        units = by_unit(definition(), tallies(vetoes=(veto,), ineligible=frozenset({"b"})))
        # a is vetoed: unsatisfactory, and its place of 1 of the 1 unsatisfactory is taken,
        # so c (lowest) is not graded. b lost eligibility: the excellent place goes to c,
        # the next eligible non-vetoed unit (75). a keeps its rank 1.
        self.assertEqual(
            {c: units[c].grade for c in "abc"},
            {"a": "unsatisfactory", "b": None, "c": "excellent"},
        )
        self.assertEqual(units["a"].rank, 1)


class NoRankingMethodTests(SimpleTestCase):
    """Without ``by``: each method ranked on its own, no unit has a rank."""

    def test_no_rank_and_only_vetoes_grade(self) -> None:
        veto = VetoInput(1, "c", "case_filed", datetime.date(2018, 6, 1))
        results = compute(definition(by="", excellent=0, unsatisfactory=0), tallies(vetoes=(veto,)))
        units = {u.unit: u for u in results.units}
        self.assertEqual({u.rank for u in units.values()}, {None})
        self.assertEqual(
            {c: units[c].grade for c in "abcd"},
            dict(zip("abcd", (None, None, "unsatisfactory", None), strict=True)),
        )
        self.assertEqual(units["a"].composite_formula, SAID)
        # Method ranks as always; d's missing online score blocks nothing.
        self.assertEqual(units["b"].method_ranks["survey"], 1)
        self.assertTrue(results.complete)
        # Without ranks, units are listed by code.
        self.assertEqual([u.unit for u in results.units], ["a", "b", "c", "d"])


class ResultsJsonTests(SimpleTestCase):
    def test_the_json_says_there_is_no_composite_and_what_ranks(self) -> None:
        data = results_json(compute(definition(), tallies()))
        self.assertEqual(
            list(data)[:5], ["campaign", "title", "complete", "composite", "graded_by"]
        )
        self.assertEqual((data["composite"], data["graded_by"]), (False, "online"))
        self.assertEqual([m["weight"] for m in data["methods"]], [None, None])
        a = next(u for u in data["units"] if u["unit"] == "a")
        self.assertEqual((a["weighted"], a["composite"], a["rank"]), (None, None, 1))
        self.assertEqual(a["methods"]["online"], {"score": 88.0, "deducted": 2.0})

    def test_without_by_there_is_no_graded_by(self) -> None:
        data = results_json(compute(definition(by="", excellent=0, unsatisfactory=0), tallies()))
        self.assertEqual(data["composite"], False)
        self.assertNotIn("graded_by", data)

    def test_a_campaign_with_a_composite_has_neither_key(self) -> None:
        weighted = replace(
            definition(by=""),
            composite=True,
            methods=(replace(SURVEY, weight=D(50)), replace(ONLINE, weight=D(50))),
        )
        data = results_json(compute(weighted, tallies()))
        self.assertNotIn("composite", data)
        self.assertNotIn("graded_by", data)

    def test_a_results_package_carries_it_and_recomputes_the_same(self) -> None:
        results = compute(definition(), tallies())
        data = results_json(results)
        package = build_package(inputs_json(results), data, None, computed_at="2018-12-01")
        campaign, counted, _ = read_inputs(package)
        self.assertEqual((campaign.composite, campaign.grading.by), (False, "online"))
        self.assertEqual(results_json(compute(campaign, counted)), data)

    def test_the_csv_keeps_its_columns_with_empty_composites(self) -> None:
        lines = csv_text(compute(definition(), tallies())).lstrip("\ufeff").splitlines()
        header = lines[0].split(",")
        row = dict(zip(header, lines[1].split(","), strict=True))
        self.assertEqual(
            (row["排名 rank"], row["综合得分 composite"], row["加权得分 weighted"]), ("1", "", "")
        )


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(st.tuples(st.integers(60, 100), st.integers(60, 100)), min_size=4, max_size=4),
    excellent=st.integers(0, 4),
    method=st.sampled_from(["survey", "online"]),
)
def test_ranks_are_the_methods_ranks_and_excellent_never_more_than_n_but_for_ties(
    points: list[tuple[int, int]], excellent: int, method: str
) -> None:
    """Property: with ``by = m`` each unit's rank is its rank on m, and at most N units are
    excellent unless units tie with the N-th (S-6)."""
    rows = tuple(
        ScoreInput(m, unit.code, D(p))
        for unit, pair in zip(UNITS, points, strict=True)
        for m, p in zip(("survey", "online"), pair, strict=True)
    )
    results = compute(definition(by=method, excellent=excellent), Tallies(units=UNITS, scores=rows))
    for u in results.units:
        assert u.rank == u.method_ranks[method]
        assert u.composite is None
    best = [round2(u.methods[method].score) for u in results.units if u.grade == "excellent"]  # type: ignore[union-attr]
    assert len(best) >= min(excellent, len(UNITS))
    if len(best) > excellent:
        assert best.count(min(best)) > 1
