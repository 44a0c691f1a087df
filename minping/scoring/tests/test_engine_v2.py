"""The engine on what only a version-2 definition can say (``format = 2``, docs/definition.md).

Every expected figure is worked out by hand in the comment above it.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import (
    CampaignDefinition,
    GradingDef,
    GroupDef,
    MethodDef,
    RuleDef,
    SourceDef,
)
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import (
    AnswerCount,
    BallotCount,
    Baseline,
    DeductionInput,
    ScoreInput,
    Tallies,
    UnitResult,
    compute,
    round2,
)
from minping.scoring.export import results_json
from minping.scoring.tests.builders import AGENCIES, campaign

D = Decimal
UNITS = (
    UnitDef("a", "甲局", group=AGENCIES.code),
    UnitDef("b", "乙局", group=AGENCIES.code),
)
SURVEY = MethodDef("survey", "群众满意度", D(100), "scores")
SELF = MethodDef("self", "窗口自评", D(0), "scores", scored=False)


def scores(*rows: tuple[str, str, str]) -> tuple[ScoreInput, ...]:
    return tuple(ScoreInput(method, unit, D(score)) for method, unit, score in rows)


class NotScoredMethodTests(SimpleTestCase):
    """Item 11: seed 003's self-assessment is recorded and ranked, never weighted."""

    def setUp(self) -> None:
        self.campaign = campaign(methods=(SURVEY, SELF), format=2, watchlist=1)
        self.tallies = Tallies(
            units=UNITS,
            scores=scores(("survey", "a", "80"), ("survey", "b", "90"), ("self", "a", "95")),
        )

    def test_it_is_ranked_but_left_out_of_the_weighted_score(self) -> None:
        results = compute(self.campaign, self.tallies)
        by_unit = {u.unit: u for u in results.units}
        # a: weighted = 80 × 100 / 100 = 80; the self-assessment 95 is not a term.
        self.assertEqual(by_unit["a"].weighted, 80)
        self.assertEqual(by_unit["a"].weighted_formula, "(80.00×100) / 100 = 80.00")
        # b has no self-assessment: listed as missing, but it blocks nothing.
        self.assertEqual(by_unit["b"].composite, 90)
        (missing,) = results.missing
        self.assertEqual(
            (missing.unit, missing.method, missing.blocks_composite), ("b", "self", False)
        )
        self.assertTrue(results.complete)
        # Ranked on its own: a is first (and the only one) on the self-assessment.
        self.assertEqual(by_unit["a"].method_ranks["self"], 1)
        self.assertEqual((by_unit["a"].rank, by_unit["b"].rank), (2, 1))

    def test_a_version_1_weight_0_method_still_shows_its_zero_term(self) -> None:
        # Version 1 has no ``scored``: a weight-0 method stays a ×0 term, as before.
        old = replace(self.campaign, methods=(SURVEY, replace(SELF, scored=True)), format=1)
        a = compute(old, self.tallies).units[1]
        self.assertEqual(a.unit, "a")
        self.assertEqual(a.weighted_formula, "(80.00×100 + 95.00×0) / 100 = 80.00")

    def test_the_results_json_says_so_only_for_such_a_method(self) -> None:
        data = results_json(compute(self.campaign, self.tallies))
        survey, self_ = data["methods"]
        self.assertNotIn("scored", survey)
        self.assertIs(self_["scored"], False)
        self.assertEqual(round2(D(80)), D("80.00"))


def deduction(id: int, unit: str, rule: str, count: int = 1) -> DeductionInput:
    return DeductionInput(id, unit, rule, datetime.date(2018, 6, 1), count, signed_off=True)


class FloorTests(SimpleTestCase):
    """Item 12: a source's deductions never take the score below its ``floor`` (R-20)."""

    def setUp(self) -> None:
        self.campaign = campaign(
            methods=(SURVEY,),
            format=2,
            sources=(
                SourceDef("media", "媒体", cap=D(5)),
                SourceDef("discipline", "纪检监察机关", floor=D(60)),
            ),
            rules=(
                RuleDef("no_interview", "不配合采访", "media", D("0.1")),
                RuleDef("criticised", "被通报批评", "discipline", D("0.5")),
            ),
        )

    def composite(self, score: str, *deductions: DeductionInput) -> UnitResult:
        tallies = Tallies(
            units=UNITS[:1], scores=scores(("survey", "a", score)), deductions=deductions
        )
        return compute(self.campaign, tallies).units[0]

    def test_the_floor_stops_the_source_at_it(self) -> None:
        # weighted 62; media first: 0.1 × 10 = 1 → 61; discipline: 0.5 × 5 = 2.5 would
        # give 58.5, below its floor 60, so it takes 61 − 60 = 1: composite 60.
        a = self.composite(
            "62", deduction(1, "a", "no_interview", 10), deduction(2, "a", "criticised", 5)
        )
        self.assertEqual(a.deductions, {"media": 1, "discipline": 1})
        self.assertEqual(a.composite, 60)
        discipline = a.source_totals[1]
        self.assertEqual(discipline.raw, Fraction(5, 2))
        self.assertEqual(
            discipline.formula, "0.5×5 = 2.50;得分不因此低于 60 分,按 1.00 计(少减 1.50 分)"
        )

    def test_a_score_already_below_the_floor_loses_nothing_to_it(self) -> None:
        # weighted 58 < 60: the discipline source takes max(58 − 60, 0) = 0.
        a = self.composite("58", deduction(1, "a", "criticised", 2))
        self.assertEqual((a.deductions["discipline"], a.composite), (0, 58))

    def test_above_the_floor_it_changes_nothing(self) -> None:
        # 90 − 0.5 × 4 = 88 ≥ 60: the whole 2 points.
        a = self.composite("90", deduction(1, "a", "criticised", 4))
        self.assertEqual((a.deductions["discipline"], a.composite), (2, 88))
        self.assertEqual(a.source_totals[1].formula, "0.5×4 = 2.00")

    def test_the_json_names_the_floor_only_where_there_is_one(self) -> None:
        tallies = Tallies(units=UNITS[:1], scores=scores(("survey", "a", "90")))
        media, discipline = results_json(compute(self.campaign, tallies))["deduction_sources"]
        self.assertNotIn("floor", media)
        self.assertEqual(discipline["floor"], 60.0)


@settings(max_examples=200, deadline=None)
@given(
    weighted=st.integers(0, 100),
    floor=st.integers(0, 100),
    events=st.integers(0, 300),
)
def test_a_floor_never_takes_the_composite_below_it(weighted: int, floor: int, events: int) -> None:
    """Property: with one floored source, composite ≥ min(weighted, floor), and the
    source takes no more than its raw total."""
    definition = campaign(
        methods=(SURVEY,),
        format=2,
        sources=(SourceDef("discipline", "纪检监察机关", floor=D(floor)),),
        rules=(RuleDef("criticised", "被通报批评", "discipline", D("0.5")),),
    )
    found = [deduction(1, "a", "criticised", events)] if events else []
    tallies = Tallies(
        units=UNITS[:1], scores=scores(("survey", "a", str(weighted))), deductions=tuple(found)
    )
    a = compute(definition, tallies).units[0]
    assert a.composite is not None
    assert a.composite >= min(weighted, floor)
    assert 0 <= a.deductions["discipline"] <= Fraction(events, 2)
    assert a.composite == weighted - a.deductions["discipline"]


class SeveralSourcesTests(SimpleTestCase):
    """Item 3: one rule, several proposing bodies
    (被市纪委监委、市直机关工委、市委巡察办通报批评的)."""

    def setUp(self) -> None:
        self.campaign = campaign(
            format=2,
            methods=(SURVEY,),
            sources=(
                SourceDef("jiwei", "市纪委监委"),
                SourceDef("gongwei", "市直机关工委"),
                SourceDef("xuncha", "市委巡察办", cap=D(1)),
            ),
            rules=(
                RuleDef("criticism", "通报批评", "jiwei", D("0.5"), ("jiwei", "gongwei", "xuncha")),
            ),
        )

    def test_each_deduction_counts_for_the_body_that_proposed_it(self) -> None:
        day = datetime.date(2018, 6, 1)
        deductions = (
            DeductionInput(1, "a", "criticism", day, 2, True, source="jiwei"),
            DeductionInput(2, "a", "criticism", day, 1, True, source="gongwei"),
            DeductionInput(3, "a", "criticism", day, 3, True, source="xuncha"),
            DeductionInput(4, "a", "criticism", day, 1, True),  # no proposer: not counted
        )
        tallies = Tallies(
            units=UNITS[:1], scores=scores(("survey", "a", "90")), deductions=deductions
        )
        a = compute(self.campaign, tallies).units[0]
        # jiwei 0.5 × 2 = 1; gongwei 0.5 × 1 = 0.5; xuncha 0.5 × 3 = 1.5, capped at 1.
        self.assertEqual(a.deductions, {"jiwei": 1, "gongwei": Fraction(1, 2), "xuncha": 1})
        # composite = 90 − (1 + 0.5 + 1) = 87.5
        self.assertEqual(a.composite, Fraction(175, 2))
        unnamed = a.deduction_lines[3]
        self.assertFalse(unnamed.counted)
        self.assertEqual(unnamed.reason, "未注明提出单位(应为 jiwei、gongwei、xuncha 之一)")
        self.assertEqual(
            [ln.source for ln in a.deduction_lines[:3]], ["jiwei", "gongwei", "xuncha"]
        )


ONLINE = MethodDef("online", "网络及跟踪评议", D(50), "scores")
HALF = MethodDef("survey", "群众满意度", D(50), "scores")


class MethodDeductionTests(SimpleTestCase):
    """Item 2: Yinchuan's deductions come off 网络及跟踪评议, composite-level ones keep S-4."""

    def definition(self, floor: Decimal | None = None) -> CampaignDefinition:
        return campaign(
            format=2,
            methods=(HALF, ONLINE),
            watchlist=1,
            sources=(
                SourceDef("media", "媒体", cap=D(5), floor=floor),
                SourceDef("discipline", "纪检监察机关"),
            ),
            rules=(
                RuleDef("no_interview", "不配合采访", "media", D("0.1"), method="online"),
                RuleDef("criticised", "被通报批评", "discipline", D("0.5")),
            ),
        )

    def tallies(self) -> Tallies:
        return Tallies(
            units=UNITS,
            scores=scores(
                ("survey", "a", "80"),
                ("online", "a", "90"),
                ("survey", "b", "80"),
                ("online", "b", "87"),
            ),
            deductions=(deduction(1, "a", "no_interview", 55), deduction(2, "a", "criticised", 2)),
        )

    def test_the_method_score_its_rank_and_the_watch_list_see_them(self) -> None:
        results = compute(self.definition(), self.tallies())
        a, b = (next(u for u in results.units if u.unit == code) for code in "ab")
        # a: media 0.1 × 55 = 5.5, capped at 5, off online: 90 − 5 = 85.
        online = a.methods["online"]
        assert online is not None
        self.assertEqual((online.score, online.deducted), (85, 5))
        self.assertTrue(
            online.formula.endswith("减分 5.00(媒体 5.00),减分后 90.00 − 5.00 = 85.00"),
            online.formula,
        )
        # weighted = (80 × 50 + 85 × 50) / 100 = 82.5; discipline 0.5 × 2 = 1 off the
        # composite: 82.5 − 1 = 81.5. (Off the composite, the media 5 would give 79.5.)
        self.assertEqual(a.weighted, Fraction(165, 2))
        self.assertEqual(a.composite, Fraction(163, 2))
        self.assertEqual(a.composite_formula, "82.50 − 1.00 = 81.50")
        self.assertEqual(a.deductions, {"media": 5, "discipline": 1})
        # b: (80 + 87) / 2 = 83.5, no deduction. Online: b 87 is now first, a 85 second,
        # and a (lowest on online) is on the watch list; both tie at 80 on the survey.
        self.assertEqual(b.composite, Fraction(167, 2))
        self.assertEqual((a.method_ranks["online"], b.method_ranks["online"]), (2, 1))
        self.assertEqual((a.watchlist, b.watchlist), (("survey", "online"), ("survey",)))
        # Every unit's figure on a method with deductions attached says how much: b none.
        self.assertEqual(b.methods["online"].deducted, 0)  # type: ignore[union-attr]
        unit = next(u for u in results_json(results)["units"] if u["unit"] == "a")
        self.assertEqual(unit["methods"]["online"], {"score": 85.0, "deducted": 5.0})
        self.assertNotIn("deducted", unit["methods"]["survey"])

    def test_a_floor_is_held_against_the_method_score(self) -> None:
        # media floor 88: 90 − 5 = 85 would be below it, so only 90 − 88 = 2 is taken.
        a = compute(self.definition(floor=D(88)), self.tallies()).units[1]
        self.assertEqual(a.unit, "a")
        self.assertEqual((a.methods["online"].score, a.deductions["media"]), (88, 2))  # type: ignore[union-attr]
        # weighted = (80 + 88) / 2 = 84; − 1 = 83.
        self.assertEqual(a.composite, 83)


@settings(max_examples=150, deadline=None)
@given(events=st.integers(0, 120), online=st.integers(0, 100), survey=st.integers(0, 100))
def test_a_method_deduction_costs_the_composite_its_weight_share(
    events: int, online: int, survey: int
) -> None:
    """Property: attached to a method of weight 50, d points cost the composite d / 2,
    and the composite equals the weighted score of the deducted method figures."""
    definition = MethodDeductionTests().definition()
    tallies = Tallies(
        units=UNITS[:1],
        scores=scores(("survey", "a", str(survey)), ("online", "a", str(online))),
        deductions=(deduction(1, "a", "no_interview", events),) if events else (),
    )
    a = compute(definition, tallies).units[0]
    taken = min(Fraction(events, 10), Fraction(5))
    assert a.deductions["media"] == taken
    assert a.composite == Fraction(survey + online, 2) - taken / 2


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(st.tuples(st.sampled_from("ab"), st.integers(1, 60)), max_size=4),
    figures=st.lists(st.integers(0, 100), min_size=4, max_size=4),
    floor=st.one_of(st.none(), st.integers(0, 100)),
)
def test_a_method_deduction_never_raises_any_score(
    events: list[tuple[str, int]], figures: list[int], floor: int | None
) -> None:
    """Property (issue 13): deductions against a method, on any units, with or without a
    floor, never raise any unit's method score, weighted score or composite."""
    definition = MethodDeductionTests().definition(None if floor is None else D(floor))
    rows = [
        (method, unit, str(value))
        for (method, unit), value in zip(
            [("survey", "a"), ("online", "a"), ("survey", "b"), ("online", "b")],
            figures,
            strict=True,
        )
    ]
    plain = Tallies(units=UNITS, scores=scores(*rows))
    deducted = replace(
        plain,
        deductions=tuple(
            deduction(i, unit, "no_interview", n) for i, (unit, n) in enumerate(events, 1)
        ),
    )
    before = {u.unit: u for u in compute(definition, plain).units}
    for after in compute(definition, deducted).units:
        was = before[after.unit]
        for code, figure in after.methods.items():
            assert figure is not None and was.methods[code] is not None
            assert figure.score <= was.methods[code].score  # type: ignore[union-attr]
        assert after.weighted is not None and was.weighted is not None
        assert after.weighted <= was.weighted
        assert after.composite is not None and was.composite is not None
        assert after.composite <= was.composite


THREE = (*UNITS, UnitDef("c", "丙局", group=AGENCIES.code))


class IneligibilityTests(SimpleTestCase):
    """Item 4: loss of award eligibility (R-39): never excellent, not thereby unsatisfactory,
    and the recorded reason is the one shown."""

    def test_the_place_goes_to_the_next_unit_and_the_reason_is_shown(self) -> None:
        definition = campaign(format=2, methods=(SURVEY,), excellent=1, unsatisfactory=1)
        tallies = Tallies(
            units=THREE,
            scores=scores(("survey", "a", "90"), ("survey", "b", "80"), ("survey", "c", "70")),
            ineligible=frozenset({"a"}),
            ineligible_reasons={"a": "整改不力:2010年第三季度暗访问题未整改"},
        )
        results = compute(definition, tallies)
        grades = {u.unit: u.grade for u in results.units}
        # a (90) lost eligibility: the one excellent place goes to b (80); c (70) is the
        # bottom 1; a keeps rank 1 and is neither.
        self.assertEqual(grades, {"a": None, "b": "excellent", "c": "unsatisfactory"})
        a = results.units[0]
        self.assertEqual((a.unit, a.rank, a.eligible), ("a", 1, False))
        self.assertEqual(
            a.grade_reason, "已取消评优资格(整改不力:2010年第三季度暗访问题未整改),不参加优秀评定"
        )
        unit = results_json(results)["units"][0]
        self.assertEqual(unit["ineligible_reason"], "整改不力:2010年第三季度暗访问题未整改")
        # A version-1 file's JSON keeps its keys; without a reason the old wording stays.
        old = compute(replace(definition, format=1), replace(tallies, ineligible_reasons={}))
        self.assertNotIn("ineligible_reason", results_json(old)["units"][0])
        self.assertIn("拉票或弄虚作假", old.units[0].grade_reason)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.integers(50, 100), min_size=3, max_size=3),
    withdrawn=st.sets(st.sampled_from("abc")),
    excellent=st.integers(0, 3),
)
def test_a_unit_without_eligibility_is_never_excellent_nor_made_unsatisfactory(
    points: list[int], withdrawn: set[str], excellent: int
) -> None:
    """Property: ineligible units are never excellent; with no unsatisfactory places none
    of them is unsatisfactory either (losing eligibility is not a veto)."""
    definition = campaign(format=2, methods=(SURVEY,), excellent=excellent)
    rows = tuple(ScoreInput("survey", u, D(p)) for u, p in zip("abc", points, strict=True))
    tallies = Tallies(units=THREE, scores=rows, ineligible=frozenset(withdrawn))
    grades = {u.unit: u.grade for u in compute(definition, tallies).units}
    assert all(grades[u] is None for u in withdrawn)
    assert sum(g == "excellent" for g in grades.values()) <= 3 - len(withdrawn)


DIVISIONS = GroupDef("divisions", "被评处室", excellent=1)
WINDOWS = GroupDef("windows", "被评窗口", excellent=2)
NANTONG = (
    MethodDef("daily", "日常考评", D(30), "scores", groups=("divisions",)),
    MethodDef("survey", "社会调查", D(70), "scores", groups=("divisions",)),
    MethodDef("wdaily", "窗口日常考评", D(50), "scores", groups=("windows",)),
    MethodDef("wusers", "服务对象评议", D(50), "scores", groups=("windows",)),
)
NT_UNITS = (
    UnitDef("d1", "处室一", group="divisions"),
    UnitDef("d2", "处室二", group="divisions"),
    UnitDef("w1", "窗口一", group="windows"),
    UnitDef("w2", "窗口二", group="windows"),
    UnitDef("w3", "窗口三", group="windows"),
)


class PerGroupTests(SimpleTestCase):
    """Item 1: Nantong in one campaign: 6 先进处室 and 10 优质服务窗口 (here 1 and 2), and
    综合考评 only for the divisions."""

    def test_each_group_has_its_methods_and_its_number(self) -> None:
        definition = campaign(
            format=2, groups=(DIVISIONS, WINDOWS), methods=NANTONG, excellent=0, watchlist=1
        )
        tallies = Tallies(
            units=NT_UNITS,
            scores=scores(
                ("daily", "d1", "90"),
                ("survey", "d1", "80"),
                ("daily", "d2", "70"),
                ("survey", "d2", "90"),
                ("wdaily", "w1", "80"),
                ("wusers", "w1", "90"),
                ("wdaily", "w2", "90"),
                ("wusers", "w2", "90"),
                ("wdaily", "w3", "60"),
                ("wusers", "w3", "70"),
            ),
        )
        results = compute(definition, tallies)
        by_unit = {u.unit: u for u in results.units}
        # d1 = 90×0.3 + 80×0.7 = 27 + 56 = 83; d2 = 21 + 63 = 84;
        # w1 = (80 + 90) / 2 = 85; w2 = 90; w3 = (60 + 70) / 2 = 65.
        self.assertEqual(
            {code: u.composite for code, u in by_unit.items()},
            {"d1": 83, "d2": 84, "w1": 85, "w2": 90, "w3": 65},
        )
        # 1 excellent division (d2), 2 excellent windows (w2, w1); [grading] says 0.
        excellent = sorted(code for code, u in by_unit.items() if u.grade == "excellent")
        self.assertEqual(excellent, ["d2", "w1", "w2"])
        # No window misses the divisions' methods: nothing missing, nothing blocked.
        self.assertEqual(results.missing, ())
        self.assertEqual(set(by_unit["d1"].methods), {"daily", "survey"})
        self.assertEqual(set(by_unit["w1"].method_ranks), {"wdaily", "wusers"})
        # Watch list per method within the group: d2 lowest on daily (70), d1 on survey
        # (80); w3 lowest on both window methods.
        self.assertEqual(by_unit["d2"].watchlist, ("daily",))
        self.assertEqual(by_unit["d1"].watchlist, ("survey",))
        self.assertEqual(by_unit["w3"].watchlist, ("wdaily", "wusers"))
        data = results_json(results)
        w1 = next(u for u in data["units"] if u["unit"] == "w1")
        self.assertEqual(set(w1["methods"]), {"wdaily", "wusers"})
        self.assertEqual(data["methods"][0]["groups"], ["divisions"])


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.integers(60, 100), min_size=5, max_size=5),
    quotas=st.tuples(st.integers(0, 3), st.integers(0, 4)),
)
def test_per_group_quotas_never_give_more_than_n_excellent_but_for_ties(
    points: list[int], quotas: tuple[int, int]
) -> None:
    """Property: a group with quota N has at most N excellent units, unless units tie with
    the N-th (S-6 takes everyone tied with it); the other group's quota does not leak."""
    groups = (replace(DIVISIONS, excellent=quotas[0]), replace(WINDOWS, excellent=quotas[1]))
    methods = (
        MethodDef("d", "处室考评", D(100), "scores", groups=("divisions",)),
        MethodDef("w", "窗口考评", D(100), "scores", groups=("windows",)),
    )
    rows = tuple(
        ScoreInput("d" if u.group == "divisions" else "w", u.code, D(p))
        for u, p in zip(NT_UNITS, points, strict=True)
    )
    definition = campaign(format=2, groups=groups, methods=methods, excellent=5)
    results = compute(definition, Tallies(units=NT_UNITS, scores=rows))
    for group, n in zip(("divisions", "windows"), quotas, strict=True):
        members = [u for u in results.units if u.group == group]
        best = [u.composite for u in members if u.grade == "excellent" and u.composite]
        assert len(best) >= min(n, len(members))
        if len(best) > n:
            assert best.count(min(best)) > 1 or (n == 0 and not best)


class CaseByCasePointsTests(SimpleTestCase):
    """Item 18: seed 003's 督查扣分: points set case by case within a stated maximum."""

    def test_each_deduction_counts_its_own_figure_within_the_maximum(self) -> None:
        definition = campaign(
            format=2,
            methods=(SURVEY,),
            sources=(SourceDef("centre", "县行政服务中心"),),
            rules=(RuleDef("ducha", "集中督查发现问题", "centre", D(0), max_points=D(2)),),
        )
        day = datetime.date(2018, 6, 1)
        deductions = (
            DeductionInput(1, "a", "ducha", day, 1, True, points=D("1.5")),
            DeductionInput(2, "a", "ducha", day, 2, True, points=D("0.5")),
            DeductionInput(3, "a", "ducha", day, 1, True),  # no figure set: not counted
            DeductionInput(4, "a", "ducha", day, 1, True, points=D(3)),  # above the max
        )
        tallies = Tallies(
            units=UNITS[:1], scores=scores(("survey", "a", "90")), deductions=deductions
        )
        a = compute(definition, tallies).units[0]
        # 1.5 × 1 + 0.5 × 2 = 2.5; composite 90 − 2.5 = 87.5.
        self.assertEqual(a.deductions, {"centre": Fraction(5, 2)})
        self.assertEqual(a.composite, Fraction(175, 2))
        self.assertEqual(a.source_totals[0].formula, "1.5×1 + 0.5×2 = 2.50")
        reasons = [(ln.counted, ln.reason) for ln in a.deduction_lines[2:]]
        self.assertEqual(reasons, [(False, "未确定分值"), (False, "分值 3 超过上限 2")])


class MinimumSampleTests(SimpleTestCase):
    """Item 7: 000's 测评问卷不少于500份 as a rule checked when results are computed."""

    def definition(self, too_few: str) -> CampaignDefinition:
        survey = MethodDef(
            "survey", "问卷评议", D(100), min_ballots=5, min_unit_ballots=2, too_few=too_few
        )
        return campaign(format=2, methods=(survey,))

    def tallies(self) -> Tallies:
        # a: 3 questionnaires, all 好 (100); b: 1, 较好 (80). Campaign: 3 + 1 = 4 < 5.
        answers, ballots = [], []
        for unit, level, n in (("a", "好", 3), ("b", "较好", 1)):
            answers.append(AnswerCount("survey", unit, "a", level, n))
            ballots.append(BallotCount("survey", unit, n))
        return Tallies(units=UNITS, answers=tuple(answers), ballots=tuple(ballots))

    def test_a_warning_keeps_the_results_complete(self) -> None:
        results = compute(self.definition("warn"), self.tallies())
        found = [(s.unit, s.found, s.required, s.refuse) for s in results.shortfalls]
        # The campaign has 4 of 5; b has 1 of 2 per unit; a's 3 are enough.
        self.assertEqual(found, [("", 4, 5, False), ("b", 1, 2, False)])
        self.assertTrue(results.complete)
        self.assertIn("“问卷评议”共 4 份答卷,少于规定的 5 份:请注意样本代表性", results.notes)
        self.assertEqual({u.unit: u.composite for u in results.units}, {"a": 100, "b": 80})
        self.assertEqual(len(results_json(results)["shortfalls"]), 2)

    def test_a_refusal_makes_them_incomplete(self) -> None:
        results = compute(self.definition("refuse"), self.tallies())
        self.assertFalse(results.complete)
        self.assertTrue(all(s.refuse for s in results.shortfalls))
        # Enough questionnaires: nothing is said and the JSON has no such key.
        plenty = Tallies(
            units=UNITS,
            answers=(
                AnswerCount("survey", "a", "a", "好", 3),
                AnswerCount("survey", "b", "a", "好", 2),
            ),
            ballots=(BallotCount("survey", "a", 3), BallotCount("survey", "b", 2)),
        )
        enough = compute(self.definition("refuse"), plenty)
        self.assertTrue(enough.complete)
        self.assertNotIn("shortfalls", results_json(enough))


class BaselineFocusTests(SimpleTestCase):
    """Item 9 (seed 003, R-24): this year's focus from last year's results."""

    def test_last_years_bottom_and_the_units_it_criticised(self) -> None:
        grading = GradingDef(baseline_bottom=1, baseline_criticised=True)
        definition = campaign(format=2, methods=(SURVEY,), grading=grading)
        tallies = Tallies(
            units=THREE,
            scores=scores(("survey", "a", "90"), ("survey", "b", "80"), ("survey", "c", "85")),
        )
        # Last year: a 70 (the group's lowest), b 90 but criticised, c 80.
        baseline = Baseline(
            "t-2017", {"a": D(70), "b": D(90), "c": D(80)}, criticised=frozenset({"b"})
        )
        results = compute(definition, tallies, baseline)
        focus = {u.unit: u.focus for u in results.units}
        self.assertEqual(
            focus,
            {"a": ("上年综合得分本组后 1 名",), "b": ("上年受通报批评(减分)",), "c": ()},
        )
        data = results_json(results)
        # Units by rank this year: a 90, c 85, b 80.
        self.assertEqual(
            [(u["unit"], u["focus"]) for u in data["units"]],
            [("a", ["上年综合得分本组后 1 名"]), ("c", []), ("b", ["上年受通报批评(减分)"])],
        )
        # Without the keys (every version-1 file) there is no focus and no JSON key.
        plain = compute(campaign(methods=(SURVEY,)), tallies, baseline)
        self.assertNotIn("focus", results_json(plain)["units"][0])
