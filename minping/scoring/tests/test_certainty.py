"""The 95% intervals and the "cannot be told apart" marks (docs/statistics.md), worked by hand."""

from __future__ import annotations

import math
from decimal import Decimal
from unittest import TestCase

from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import SCORES, MethodDef
from minping.campaigns.participation import UnitDef
from minping.scoring.certainty import (
    MIN_BALLOTS,
    alike_text,
    assess,
    certainty_json,
    spread,
)
from minping.scoring.engine import ScoreInput, compute
from minping.scoring.tests.builders import D, campaign, tallies, votes

LABELS = ["好", "较好", "一般", "较差", "差"]


def units(*codes: str) -> list[UnitDef]:
    return [UnitDef(c, c.upper(), None, "agencies") for c in codes]


class WorkedExampleTest(TestCase):
    """The example of docs/statistics.md, step by step, with z = 1.96."""

    def setUp(self) -> None:
        # 40 questionnaires about 公安局: 好 20, 较好 12, 一般 6, 较差 2, 差 0.
        # Score (S-1) = (100×20 + 80×12 + 60×6 + 30×2) / 40 = 3380 / 40 = 84.50
        # Rate = (20 + 12) / 40 = 80.00%
        self.gaj = votes("survey", "gaj", "a", {"好": 20, "较好": 12, "一般": 6, "较差": 2})
        # 40 about 税务局: 好 16, 较好 14, 一般 8, 较差 2 → (1600 + 1120 + 480 + 60) / 40 = 81.50
        self.tax = votes("survey", "tax", "a", {"好": 16, "较好": 14, "一般": 8, "较差": 2})
        # 40 about 城管局: 一般 30, 较差 10 → (1800 + 300) / 40 = 52.50
        self.cg = votes("survey", "cg", "a", {"一般": 30, "较差": 10})
        results = compute(
            campaign(), tallies(units("gaj", "tax", "cg"), self.gaj, self.tax, self.cg)
        )
        self.certainty = assess(results)

    def test_rate_interval_is_wilsons(self) -> None:
        # n = 40, p = 0.8, z² = 3.8416, z²/n = 0.09604
        # centre = (0.8 + 3.8416/80) / 1.09604 = 0.84802 / 1.09604 = 0.773712
        # half   = 1.96 / 1.09604 × √(0.8×0.2/40 + 3.8416/6400)
        #        = 1.788256 × √(0.004 + 0.00060025) = 1.788256 × 0.0678251 = 0.121289
        # → 0.652423 … 0.895001, i.e. 65.24% … 89.50%
        gaj = self.certainty.unit("gaj")
        assert gaj is not None
        rate = gaj.methods["survey"].rate
        assert rate is not None
        self.assertEqual(rate.rounded(), [65.24, 89.5])

    def test_score_interval_by_hand(self) -> None:
        # One imaginary answer at 100 and one at 0: 42 answers, Σ = 3380 + 100 = 3480,
        # mean = 82.857143; Σx² = 10000×21 + 6400×12 + 3600×6 + 900×2 = 310200,
        # variance = 310200/42 − 82.857143² = 7385.714286 − 6865.306122 = 520.408163,
        # spread = 22.812456; standard error = 22.812456 / √40 = 3.606966;
        # 84.50 ± 1.96 × 3.606966 = 84.50 ± 7.069653 → 77.43 … 91.57
        self.assertAlmostEqual(
            spread([(100, 20), (80, 12), (60, 6), (30, 2)], 0, 100), 22.812456, places=6
        )
        gaj = self.certainty.unit("gaj")
        assert gaj is not None
        self.assertEqual(gaj.methods["survey"].score.rounded(), [77.43, 91.57])
        # One method of weight 100: the composite's interval is the score's.
        assert gaj.composite is not None
        self.assertEqual(gaj.composite.rounded(), [77.43, 91.57])

    def test_neighbours_that_cannot_be_told_apart(self) -> None:
        # 公安局 84.50 (se 3.606966) and 税务局 81.50: 税务局 with its imaginary answers:
        # Σ = 3260 + 100 = 3360, mean 80; Σx² = 10000×17 + 6400×14 + 3600×8 + 900×2 = 290200,
        # variance = 290200/42 − 6400 = 509.523810, spread 22.572634, se 3.569047.
        # Difference 3.00 ≤ 1.96 × √(3.606966² + 3.569047²) = 1.96 × 5.074279 = 9.95:
        # places 1 and 2 cannot be told apart. 城管局 52.50 is 29 and more below both.
        gaj, tax, cg = (self.certainty.unit(c) for c in ("gaj", "tax", "cg"))
        assert gaj is not None and tax is not None and cg is not None
        self.assertAlmostEqual(tax.methods["survey"].score.se, 3.569047, places=6)
        self.assertEqual((gaj.rank, tax.rank, cg.rank), (1, 2, 3))
        self.assertEqual(gaj.alike, (1, 2))
        self.assertEqual(gaj.alike_with, ("tax",))
        self.assertEqual(alike_text(tax.alike), "与第 1–2 名差异不显著")
        self.assertIsNone(cg.alike)
        self.assertEqual(alike_text(cg.alike), "")

    def test_small_samples_are_marked(self) -> None:
        # 40 questionnaires each: not below the minimum of 30.
        self.assertEqual(MIN_BALLOTS, 30)
        self.assertFalse(any(u.small_sample for u in self.certainty.units))
        few = votes("survey", "few", "a", {"好": 29})
        results = compute(campaign(), tallies(units("gaj", "few"), self.gaj, few))
        marked = assess(results).unit("few")
        assert marked is not None
        self.assertEqual(marked.small_sample, ("survey",))
        data = certainty_json(assess(results))
        self.assertTrue(data["units"]["few"]["methods"]["survey"]["small_sample"])
        self.assertEqual(data["units"]["few"]["small_sample"], ["survey"])


class OtherFiguresTest(TestCase):
    def test_a_composite_interval_stays_on_the_scale(self) -> None:
        # 30 × 好 on the only method (weight 100): composite 100. The normal interval
        # would reach past 100; the composite cannot, so the top is 100 exactly.
        results = compute(
            campaign(), tallies(units("gaj"), votes("survey", "gaj", "a", {"好": 30}))
        )
        gaj = assess(results).unit("gaj")
        assert gaj is not None and gaj.composite is not None
        self.assertEqual(gaj.composite.high, 100)
        self.assertLess(gaj.composite.low, 100)

    def test_all_answers_alike_still_give_a_width(self) -> None:
        # 30 × 好: score 100, rate 100%, but neither interval is a single point.
        results = compute(
            campaign(), tallies(units("gaj"), votes("survey", "gaj", "a", {"好": 30}))
        )
        gaj = assess(results).unit("gaj")
        assert gaj is not None
        score, rate = gaj.methods["survey"].score, gaj.methods["survey"].rate
        assert rate is not None
        self.assertEqual(score.high, 100)
        self.assertLess(score.low, 95)
        self.assertEqual(rate.rounded()[1], 100)
        self.assertLess(rate.low, 90)

    def test_mean_of_parts(self) -> None:
        # dept has no ballots of its own: its figure is the mean of w1 and w2 (S-2), and
        # its standard error √(se₁² + se₂²) / 2.
        tree = [
            UnitDef("dept", "部门", None, "agencies"),
            UnitDef("w1", "窗口一", "dept", None),
            UnitDef("w2", "窗口二", "dept", None),
        ]
        w1 = votes("survey", "w1", "a", {"好": 10, "一般": 10})
        w2 = votes("survey", "w2", "a", {"较好": 20})
        certainty = assess(compute(campaign(), tallies(tree, w1, w2)))
        dept = certainty.unit("dept")
        assert dept is not None
        se1 = spread([(100, 10), (60, 10)], 0, 100) / math.sqrt(20)
        se2 = spread([(80, 20)], 0, 100) / math.sqrt(20)
        self.assertAlmostEqual(dept.methods["survey"].score.se, math.sqrt(se1**2 + se2**2) / 2)
        self.assertEqual(dept.methods["survey"].ballots, 40)

    def test_imported_scores_are_exact(self) -> None:
        online = MethodDef("online", "网络", D(100), SCORES)
        results = compute(
            campaign(methods=(online,)),
            tallies(
                units("a", "b"),
                scores=[ScoreInput("online", "a", D(90)), ScoreInput("online", "b", D("89.99"))],
            ),
        )
        certainty = assess(results)
        a = certainty.unit("a")
        assert a is not None and a.composite is not None
        self.assertEqual(a.methods, {})
        self.assertEqual(a.composite.rounded(), [90.0, 90.0])
        self.assertIsNone(a.alike)  # 0.01 apart with no sampling error: told apart


counts = st.lists(st.integers(0, 60), min_size=5, max_size=5).filter(lambda c: sum(c) > 0)


@settings(max_examples=60, deadline=None)
@given(counts)
def test_intervals_contain_the_figures(levels: list[int]) -> None:
    voted = votes("survey", "gaj", "a", dict(zip(LABELS, levels, strict=True)))
    results = compute(campaign(), tallies(units("gaj"), voted))
    figure = results.units[0].methods["survey"]
    assert figure is not None and figure.satisfaction_rate is not None
    gaj = assess(results).units[0]
    score, rate = gaj.methods["survey"].score, gaj.methods["survey"].rate
    assert rate is not None
    assert score.low <= float(figure.score) + 1e-9 <= score.high + 2e-9
    assert rate.low <= float(figure.satisfaction_rate) + 1e-9 <= rate.high + 2e-9
    assert score.low >= 0 and score.high <= 100 and rate.low >= 0 and rate.high <= 100


@settings(max_examples=60, deadline=None)
@given(counts, st.integers(2, 10))
def test_more_ballots_narrow_the_interval(levels: list[int], times: int) -> None:
    """The same answers, ``times`` as many of them: both intervals are no wider."""

    def widths(scale: int) -> tuple[float, float]:
        voted = votes(
            "survey", "gaj", "a", {lb: n * scale for lb, n in zip(LABELS, levels, strict=True)}
        )
        gaj = assess(compute(campaign(), tallies(units("gaj"), voted))).units[0]
        f = gaj.methods["survey"]
        assert f.rate is not None
        return f.score.high - f.score.low, f.rate.high - f.rate.low

    score_1, rate_1 = widths(1)
    score_n, rate_n = widths(times)
    assert score_n <= score_1 + 1e-9
    assert rate_n <= rate_1 + 1e-9


def test_decimal_weights_are_used() -> None:
    # Two indicators of weights 3 and 1: se = (3×s_a + 1×s_b) / 4 / √n.
    from minping.campaigns.definition import IndicatorDef

    defn = campaign(
        indicators=(IndicatorDef("a", "甲", Decimal(3)), IndicatorDef("b", "乙", Decimal(1)))
    )
    a = votes("survey", "gaj", "a", {"好": 40})
    b = votes("survey", "gaj", "b", {"差": 40}, ballots=0)
    gaj = assess(compute(defn, tallies(units("gaj"), a, b))).units[0]
    expected = (3 * spread([(100, 40)], 0, 100) + spread([(0, 40)], 0, 100)) / 4 / math.sqrt(40)
    assert math.isclose(gaj.methods["survey"].score.se, expected)
