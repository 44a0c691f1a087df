"""The engine against the published rules, with every expected figure worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from unittest import TestCase

from minping.campaigns.definition import (
    SCORES,
    CampaignDefinition,
    GroupDef,
    IndicatorDef,
    LevelDef,
    MethodDef,
    RuleDef,
    SourceDef,
    VetoDef,
)
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import (
    EXCELLENT,
    UNSATISFACTORY,
    Baseline,
    DeductionInput,
    Results,
    ScoreInput,
    UnitResult,
    VetoInput,
    compute,
    round2,
)
from minping.scoring.tests.builders import AGENCIES, D, campaign, tallies, votes

ONLINE = MethodDef("online", "网络评议", D(100), SCORES)


def by_code(results: Results) -> dict[str, UnitResult]:
    return {u.unit: u for u in results.units}


def scored(*pairs: tuple[str, str]) -> list[ScoreInput]:
    """Imported scores on the ``online`` method: the easiest way to set a composite exactly."""
    return [ScoreInput("online", unit, D(score)) for unit, score in pairs]


def units(*codes: str, group: str = "agencies") -> list[UnitDef]:
    return [UnitDef(c, c.upper(), None, group) for c in codes]


class RoundingTestCase(TestCase):
    def test_half_up_to_two_decimals(self) -> None:
        # S-5: half-up, not banker's rounding: 84.985 → 84.99 (banker's would give 84.98).
        self.assertEqual(round2(Fraction("84.985")), D("84.99"))
        self.assertEqual(round2(Fraction("84.984999")), D("84.98"))
        # 2/3 × 100 = 66.666… → 66.67
        self.assertEqual(round2(Fraction(200, 3)), D("66.67"))
        # Negative composites (no floor) round away from zero at .5, like ROUND_HALF_UP.
        self.assertEqual(round2(Fraction("-0.005")), D("-0.01"))
        self.assertEqual(round2(Fraction("-0.004")), D("0.00"))


class IndicatorAndMethodTestCase(TestCase):
    def test_s1_indicator_score_method_score_and_rate(self) -> None:
        # R-08 indicator a: 好×3=300, 较好×1=80 → (300+80)/4 = 95.00
        # indicator b (weight 2): 一般×2=120 → 120/2 = 60.00
        # S-1 method = (95×1 + 60×2) / 3 = 215/3 = 71.666… → 71.67
        # R-09 rate: 好+较好 = 4 satisfied of 6 answers → 66.666… → 66.67
        defn = campaign(indicators=(IndicatorDef("a", "A"), IndicatorDef("b", "B", D(2))))
        a = votes("survey", "gaj", "a", {"好": 3, "较好": 1}, ballots=4)
        b = votes("survey", "gaj", "b", {"一般": 2}, ballots=0)
        result = compute(defn, tallies(units("gaj"), a, b))
        figure = result.units[0].methods["survey"]
        assert figure is not None
        self.assertEqual(figure.indicators[0].score, 95)
        self.assertEqual(figure.indicators[1].score, 60)
        self.assertEqual(figure.score, Fraction(215, 3))
        self.assertEqual(round2(figure.score), D("71.67"))
        self.assertEqual(round2(figure.satisfaction_rate or 0), D("66.67"))
        # `ballots` counts questionnaires (4), not answers (6).
        self.assertEqual(figure.ballots, 4)
        self.assertEqual(figure.answers, 6)
        self.assertIn("(好 100×3 + 较好 80×1) / 4 = 95.00", figure.indicators[0].formula)
        self.assertIn("满意率 4 / 6 × 100 = 66.67", figure.formula)

    def test_r07_configurable_scale(self) -> None:
        # A three-level scale: 满意 100, 基本满意 70, 不满意 0; only 满意 counts as satisfied.
        # 满意×1 + 基本满意×1 + 不满意×2 → (100+70+0)/4 = 42.50; rate 1/4 = 25.00
        scale = (
            LevelDef("满意", D(100), True),
            LevelDef("基本满意", D(70), False),
            LevelDef("不满意", D(0), False),
        )
        v = votes("survey", "gaj", "a", {"满意": 1, "基本满意": 1, "不满意": 2})
        result = compute(campaign(levels=scale), tallies(units("gaj"), v))
        figure = result.units[0].methods["survey"]
        assert figure is not None
        self.assertEqual(round2(figure.score), D("42.50"))
        self.assertEqual(round2(figure.satisfaction_rate or 0), D("25.00"))

    def test_r09_rate_counts_only_satisfied_levels(self) -> None:
        # 好×1, 较好×1, 一般×1, 较差×1, 差×1 → satisfied 2 of 5 = 40.00;
        # score (100+80+60+30+0)/5 = 270/5 = 54.00
        v = votes("survey", "gaj", "a", {"好": 1, "较好": 1, "一般": 1, "较差": 1, "差": 1})
        figure = compute(campaign(), tallies(units("gaj"), v)).units[0].methods["survey"]
        assert figure is not None
        self.assertEqual(figure.satisfaction_rate, 40)
        self.assertEqual(figure.score, 54)


class PartsTestCase(TestCase):
    """S-2 / R-03: a department surveyed through its windows and stations."""

    def tree(self) -> list[UnitDef]:
        return [
            UnitDef("dept", "公安局", None, "agencies"),
            UnitDef("w1", "户政窗口", "dept"),
            UnitDef("w2", "交管窗口", "dept"),
            UnitDef("s1", "一站", "w2"),
            UnitDef("s2", "二站", "w2"),
            UnitDef("w3", "出入境窗口", "dept"),  # no data at all: skipped, not zero
            UnitDef("sub", "派出所", "dept", "agencies"),  # ranked itself: not a part
        ]

    def test_parts_are_averaged_recursively(self) -> None:
        # w1: 好×2 → 100, rate 100, 2 ballots
        # s1: 较好×1 → 80, rate 100, 1 ballot; s2: 一般×3 → 60, rate 0, 3 ballots
        # w2 (no own ballots) = (80 + 60)/2 = 70, rate (100+0)/2 = 50, ballots 1+3 = 4
        # dept = (100 + 70)/2 = 85.00, rate (100 + 50)/2 = 75.00, ballots 2 + 4 = 6
        # sub (ranked) has 差×1 → 0 and is NOT averaged into dept (else (100+70+0)/3).
        voted = [
            votes("survey", "w1", "a", {"好": 2}),
            votes("survey", "s1", "a", {"较好": 1}),
            votes("survey", "s2", "a", {"一般": 3}),
            votes("survey", "sub", "a", {"差": 1}),
        ]
        result = by_code(compute(campaign(), tallies(self.tree(), *voted)))
        dept = result["dept"].methods["survey"]
        assert dept is not None
        self.assertEqual(dept.source, "parts")
        self.assertEqual(dept.score, 85)
        self.assertEqual(dept.satisfaction_rate, 75)
        self.assertEqual(dept.ballots, 6)
        self.assertEqual([p.unit for p in dept.parts], ["w1", "w2"])
        self.assertEqual(dept.parts_without_data, ("w3",))
        w2 = dept.parts[1]
        self.assertEqual(
            (w2.source, w2.score, w2.satisfaction_rate, w2.ballots), ("parts", 70, 50, 4)
        )
        self.assertEqual(result["sub"].methods["survey"].score, 0)  # type: ignore[union-attr]
        self.assertEqual(set(result), {"dept", "sub"})  # parts are not ranked

    def test_own_ballots_win_over_parts(self) -> None:
        # dept surveyed directly: 较好×1 → 80; its window's 好 is not averaged in.
        voted = [votes("survey", "dept", "a", {"较好": 1}), votes("survey", "w1", "a", {"好": 5})]
        dept = by_code(compute(campaign(), tallies(self.tree(), *voted)))["dept"]
        self.assertEqual(dept.methods["survey"].score, 80)  # type: ignore[union-attr]
        self.assertEqual(dept.methods["survey"].source, "ballots")  # type: ignore[union-attr]


class MissingInputTestCase(TestCase):
    def test_unit_without_ballots_is_reported_not_zeroed(self) -> None:
        # gaj 好×1 → 100; water has no ballots anywhere: reported, no composite, no rank.
        # Were it counted as 0 it would rank 2nd; instead gaj is alone and 1st.
        result = compute(
            campaign(), tallies(units("gaj", "water"), votes("survey", "gaj", "a", {"好": 1}))
        )
        self.assertFalse(result.complete)
        self.assertEqual(
            [(m.unit, m.method, m.reason) for m in result.missing],
            [("water", "survey", "no_ballots")],
        )
        water = by_code(result)["water"]
        self.assertIsNone(water.weighted)
        self.assertIsNone(water.composite)
        self.assertIsNone(water.rank)
        self.assertIsNone(water.grade)
        self.assertEqual(by_code(result)["gaj"].rank, 1)
        self.assertEqual([u.unit for u in result.units], ["gaj", "water"])

    def test_missing_imported_score(self) -> None:
        result = compute(campaign(methods=(ONLINE,)), tallies(units("gaj")))
        self.assertEqual([m.reason for m in result.missing], ["no_score"])
        self.assertIn("缺少“网络评议”的录入得分", result.missing[0].message)

    def test_missing_on_a_zero_weight_method_blocks_nothing(self) -> None:
        # a method ranked on its own (weight 0) does not enter the composite.
        # composite = 90 × 100/100 = 90.00 although "forum" has no ballots.
        forum = MethodDef("forum", "座谈评议", D(0))
        result = compute(
            campaign(methods=(ONLINE, forum)), tallies(units("gaj"), scores=scored(("gaj", "90")))
        )
        self.assertTrue(result.complete)
        self.assertEqual(result.units[0].composite, 90)
        self.assertFalse(result.missing[0].blocks_composite)


class WeightsAndDeductionsTestCase(TestCase):
    def yinchuan(self) -> CampaignDefinition:
        return campaign(
            methods=(
                MethodDef("survey", "问卷评议", D(40)),
                MethodDef("online", "网络", D(60), SCORES),
            ),
            sources=(
                SourceDef("media", "银川市有关媒体", D(5)),
                SourceDef("discipline", "纪检监察机关"),
            ),
            rules=(
                RuleDef("no_interview", "不配合采访", "media", D("0.1")),
                RuleDef("leader_case", "领导班子成员被立案", "discipline", D(1)),
            ),
        )

    def test_s3_weighted_and_s4_deductions(self) -> None:
        # S-3: survey 好×3+较好×1 → 95.00 × 40% = 38; online 80 × 60% = 48 → weighted 86.00
        # S-4 media: 60 events × 0.1 = 6 → capped at 5 (R-20: at most 5 points in total)
        #   + one unsigned event (R-21: left out) + one dated 2018-12-01 (outside: left out)
        #   + boundary dates 2017-12-01 and 2018-11-30 are inside the window — the
        #     60 events are split as 30 + 30 on those two days.
        # discipline: 1 × 2 cases = 2, no cap
        # composite = 86 − 5 − 2 = 79.00
        deductions = [
            DeductionInput(1, "gaj", "no_interview", date(2017, 12, 1), 30, True),
            DeductionInput(2, "gaj", "no_interview", date(2018, 11, 30), 30, True),
            DeductionInput(3, "gaj", "no_interview", date(2018, 6, 1), 4, False),
            DeductionInput(4, "gaj", "no_interview", date(2018, 12, 1), 4, True),
            DeductionInput(5, "gaj", "leader_case", date(2018, 3, 1), 2, True),
        ]
        t = tallies(
            units("gaj"),
            votes("survey", "gaj", "a", {"好": 3, "较好": 1}),
            scores=scored(("gaj", "80")),
            deductions=deductions,
        )
        gaj = compute(self.yinchuan(), t).units[0]
        self.assertEqual(gaj.weighted, 86)
        self.assertEqual(gaj.deductions, {"media": 5, "discipline": 2})
        self.assertEqual(gaj.composite, 79)
        counted = {d.id: (d.counted, d.reason) for d in gaj.deduction_lines}
        self.assertEqual(counted[1], (True, ""))
        self.assertEqual(counted[2], (True, ""))
        self.assertEqual(counted[3], (False, "未签字"))
        self.assertEqual(counted[4], (False, "不在减分期间 2017-12-01 至 2018-11-30"))
        media = gaj.source_totals[0]
        self.assertEqual((media.raw, media.total), (6, 5))
        self.assertIn("超出上限部分 1.00 分不计", media.formula)
        self.assertEqual(gaj.composite_formula, "86.00 − 7.00 = 79.00")

    def test_unrounded_method_scores_are_weighted(self) -> None:
        # survey 好×2 + 较好×1 → 280/3 = 93.333…; weight 50 → 46.666…
        # online 80.005 (imported) × 50 → 40.0025
        # weighted = 86.669166… → 86.67; with rounded scores it would be
        # 93.33×0.5 + 80.01×0.5 = 86.67 too, so check the exact value.
        defn = campaign(
            methods=(MethodDef("survey", "问卷", D(50)), MethodDef("online", "网络", D(50), SCORES))
        )
        t = tallies(
            units("gaj"),
            votes("survey", "gaj", "a", {"好": 2, "较好": 1}),
            scores=scored(("gaj", "80.005")),
        )
        gaj = compute(defn, t).units[0]
        self.assertEqual(gaj.weighted, Fraction(280, 3) / 2 + Fraction("80.005") / 2)

    def test_composite_may_go_below_zero(self) -> None:
        # No floor (S-4): 0.50 − 1 × 1 = −0.50
        defn = campaign(
            methods=(ONLINE,),
            sources=(SourceDef("discipline", "纪委"),),
            rules=(RuleDef("case", "立案", "discipline", D(1)),),
        )
        t = tallies(
            units("gaj"),
            scores=scored(("gaj", "0.5")),
            deductions=[DeductionInput(1, "gaj", "case", date(2018, 1, 1), 1, True)],
        )
        self.assertEqual(compute(defn, t).units[0].composite, Fraction(-1, 2))


class RankingTestCase(TestCase):
    def run_group(self, pairs: list[tuple[str, str]], **changes: object) -> dict[str, UnitResult]:
        codes = [c for c, _ in pairs]
        defn = campaign(methods=(ONLINE,), **changes)
        return by_code(compute(defn, tallies(units(*codes), scores=scored(*pairs))))

    def test_s5_ties_share_a_rank_on_rounded_figures(self) -> None:
        # b 85.004 → 85.00 and c 84.995 → 85.00 (half-up): equal once rounded → 1, 2, 2, 4
        result = self.run_group([("a", "90"), ("b", "85.004"), ("c", "84.995"), ("d", "80")])
        self.assertEqual([result[c].rank for c in "abcd"], [1, 2, 2, 4])

    def test_s6_excellent_includes_ties_with_the_nth(self) -> None:
        # excellent = 2: a 95 (1st), b 90 and c 90 tie for 2nd → all three excellent
        # unsatisfactory = 1: lowest is e 70 alone
        result = self.run_group(
            [("a", "95"), ("b", "90"), ("c", "90"), ("d", "80"), ("e", "70")],
            excellent=2,
            unsatisfactory=1,
        )
        self.assertEqual(
            [result[c].grade for c in "abcde"],
            [EXCELLENT, EXCELLENT, EXCELLENT, None, UNSATISFACTORY],
        )

    def test_r22_veto_is_unsatisfactory_whatever_its_score(self) -> None:
        # a 95 is vetoed → unsatisfactory though first; excellent = 1 goes to b 90.
        # unsatisfactory = 2: a (vetoed) takes one place; one left for the lowest non-vetoed:
        # d 70 and e 70 tie for it → both included (ties with the last).
        pairs = [("a", "95"), ("b", "90"), ("c", "80"), ("d", "70"), ("e", "70")]
        defn = campaign(
            methods=(ONLINE,),
            excellent=1,
            unsatisfactory=2,
            vetoes=(VetoDef("case_filed", "工作人员被立案"),),
        )
        t = tallies(
            units(*[c for c, _ in pairs]),
            scores=scored(*pairs),
            vetoes=[VetoInput(1, "a", "case_filed", date(2018, 5, 1))],
        )
        result = by_code(compute(defn, t))
        self.assertEqual(
            [result[c].grade for c in "abcde"],
            [UNSATISFACTORY, EXCELLENT, None, UNSATISFACTORY, UNSATISFACTORY],
        )
        self.assertTrue(result["a"].vetoed)
        self.assertEqual(result["a"].rank, 1)  # the rank is still its score's place
        self.assertIn("工作人员被立案", result["a"].grade_reason)

    def test_more_vetoes_than_places(self) -> None:
        # unsatisfactory = 1 but two vetoed units: both are unsatisfactory, nobody else.
        pairs = [("a", "95"), ("b", "90"), ("c", "10")]
        defn = campaign(methods=(ONLINE,), unsatisfactory=1, vetoes=(VetoDef("v", "否决"),))
        t = tallies(
            units("a", "b", "c"),
            scores=scored(*pairs),
            vetoes=[
                VetoInput(1, "a", "v", date(2018, 5, 1)),
                VetoInput(2, "b", "v", date(2018, 5, 1)),
            ],
        )
        result = by_code(compute(defn, t))
        self.assertEqual([result[c].grade for c in "abc"], [UNSATISFACTORY, UNSATISFACTORY, None])

    def test_r39_ineligible_unit_is_never_excellent(self) -> None:
        # a 95 canvassed for votes: it keeps rank 1 but loses the excellent place.
        # excellent = 2 among the eligible: b 90 and c 85 → excellent; d 80 is not.
        # unsatisfactory = 1: the lowest, e 70.
        pairs = [("a", "95"), ("b", "90"), ("c", "85"), ("d", "80"), ("e", "70")]
        defn = campaign(methods=(ONLINE,), excellent=2, unsatisfactory=1)
        t = replace(
            tallies(units(*[c for c, _ in pairs]), scores=scored(*pairs)),
            ineligible=frozenset({"a"}),
        )
        result = by_code(compute(defn, t))
        self.assertEqual(
            [result[c].grade for c in "abcde"], [None, EXCELLENT, EXCELLENT, None, UNSATISFACTORY]
        )
        self.assertEqual(result["a"].rank, 1)
        self.assertFalse(result["a"].eligible)
        self.assertTrue(result["b"].eligible)
        self.assertIn("取消评优资格", result["a"].grade_reason)

    def test_r39_ineligible_lowest_unit_is_still_unsatisfactory(self) -> None:
        # Losing eligibility never shields a unit from the bottom places: c 70 is the lowest.
        pairs = [("a", "95"), ("b", "90"), ("c", "70")]
        defn = campaign(methods=(ONLINE,), excellent=1, unsatisfactory=1)
        t = replace(
            tallies(units("a", "b", "c"), scores=scored(*pairs)), ineligible=frozenset({"c"})
        )
        result = by_code(compute(defn, t))
        self.assertEqual([result[c].grade for c in "abc"], [EXCELLENT, None, UNSATISFACTORY])

    def test_small_group_is_not_graded_twice(self) -> None:
        # 3 units, 2 excellent + 2 unsatisfactory: a, b excellent; only c is left for
        # unsatisfactory — excellent is decided first and a unit gets one grade.
        result = self.run_group(
            [("a", "90"), ("b", "85"), ("c", "80")], excellent=2, unsatisfactory=2
        )
        self.assertEqual([result[c].grade for c in "abc"], [EXCELLENT, EXCELLENT, UNSATISFACTORY])

    def test_groups_are_ranked_separately(self) -> None:
        # gaj 80 is 1st of agencies although water 90 scores higher elsewhere.
        defn = campaign(methods=(ONLINE,), groups=(AGENCIES, GroupDef("industries", "重点行业")))
        t = tallies(
            units("gaj", "mzj") + units("water", group="industries"),
            scores=scored(("gaj", "80"), ("mzj", "70"), ("water", "90")),
        )
        results = compute(defn, t)
        self.assertEqual(
            [(u.unit, u.group, u.rank) for u in results.units],
            [("gaj", "agencies", 1), ("mzj", "agencies", 2), ("water", "industries", 1)],
        )

    def test_r05_excluded_units_are_left_out(self) -> None:
        result = self.run_group([("a", "90"), ("bank", "99")], exclude=("bank",))
        self.assertEqual(set(result), {"a"})
        self.assertEqual(result["a"].rank, 1)


class WatchlistTestCase(TestCase):
    def test_r24_lowest_n_of_each_method_with_ties(self) -> None:
        # watchlist = 1, two methods at 50% each.
        # survey: a 好 100, b 一般 60, c 一般 60 → b and c tie lowest → both on "survey"
        # online: a 70, b 90, c 80 → a lowest → on "online"
        # method_ranks survey: a 1, b 2, c 2; online: b 1, c 2, a 3
        defn = campaign(
            methods=(
                MethodDef("survey", "问卷", D(50)),
                MethodDef("online", "网络", D(50), SCORES),
            ),
            watchlist=1,
        )
        t = tallies(
            units("a", "b", "c"),
            votes("survey", "a", "a", {"好": 1}),
            votes("survey", "b", "a", {"一般": 1}),
            votes("survey", "c", "a", {"一般": 1}),
            scores=scored(("a", "70"), ("b", "90"), ("c", "80")),
        )
        result = by_code(compute(defn, t))
        self.assertEqual(result["a"].watchlist, ("online",))
        self.assertEqual(result["b"].watchlist, ("survey",))
        self.assertEqual(result["c"].watchlist, ("survey",))
        self.assertEqual(dict(result["a"].method_ranks), {"survey": 1, "online": 3})
        self.assertEqual(dict(result["c"].method_ranks), {"survey": 2, "online": 2})


class BaselineTestCase(TestCase):
    def test_s7_change_against_last_years_composite(self) -> None:
        # gaj 87.90 − 85.00 = 2.90; mzj not in last year's campaign → null;
        # water was there without a composite → null.
        result = by_code(
            compute(
                campaign(methods=(ONLINE,)),
                tallies(
                    units("gaj", "mzj", "water"),
                    scores=scored(("gaj", "87.9"), ("mzj", "80"), ("water", "70")),
                ),
                Baseline("t-2017", {"gaj": D("85.00"), "water": None}),
            )
        )
        self.assertEqual(result["gaj"].baseline, D("85.00"))
        self.assertEqual(result["gaj"].change, D("2.90"))
        self.assertIsNone(result["mzj"].baseline)
        self.assertIsNone(result["mzj"].change)
        self.assertIsNone(result["water"].change)

    def test_no_baseline(self) -> None:
        result = compute(
            campaign(methods=(ONLINE,)), tallies(units("gaj"), scores=scored(("gaj", "80")))
        )
        self.assertIsNone(result.units[0].baseline)
        self.assertIsNone(result.units[0].change)


class DecimalInputsTestCase(TestCase):
    def test_decimal_points_and_weights_stay_exact(self) -> None:
        # A scale with 0.1-point steps: 好 99.9 ×3 → 299.7/3 = 99.9 exactly (no float drift).
        scale = (LevelDef("好", Decimal("99.9"), True), LevelDef("差", D(0), False))
        v = votes("survey", "gaj", "a", {"好": 3})
        figure = (
            compute(campaign(levels=scale), tallies(units("gaj"), v)).units[0].methods["survey"]
        )
        assert figure is not None
        self.assertEqual(figure.score, Fraction("99.9"))


class NotesTestCase(TestCase):
    def test_inputs_that_apply_to_no_ranked_unit_are_noted(self) -> None:
        # 好×1 counts (100.00); 2 answers at a level the scale lacks are left out, and said so.
        # A deduction recorded against a window (not ranked) is not moved to its parent.
        defn = campaign(
            sources=(SourceDef("media", "媒体"),),
            rules=(RuleDef("no_interview", "不配合采访", "media", D("0.1")),),
        )
        answers, ballots = votes("survey", "gaj", "a", {"好": 1, "非常好": 2})
        t = tallies(
            [*units("gaj"), UnitDef("gaj-w1", "窗口", "gaj")],
            (answers, ballots),
            deductions=[DeductionInput(7, "gaj-w1", "no_interview", date(2018, 1, 1), 1, True)],
        )
        result = compute(defn, t)
        self.assertEqual(result.units[0].composite, 100)
        self.assertEqual(len(result.notes), 2)
        self.assertIn("减分 #7(gaj-w1,2018-01-01)所记单位不参加本次排名", result.notes[0])
        self.assertIn("2 条答案", result.notes[1])
