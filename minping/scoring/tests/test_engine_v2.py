"""The engine on what only a version-2 definition can say (``format = 2``, docs/definition.md).

Every expected figure is worked out by hand in the comment above it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.test import SimpleTestCase

from minping.campaigns.definition import MethodDef
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import ScoreInput, Tallies, compute, round2
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
