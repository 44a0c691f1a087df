"""The engine on version 2's ``indicators`` on a method (issue 13 item 16): each ballot
method counts the answers on the indicators it asks, leaves the others out and says so.

Every expected figure is worked out by hand in the comment above it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import IndicatorDef, MethodDef
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import compute
from minping.scoring.tests.builders import AGENCIES, campaign, tallies, votes

D = Decimal
UNITS = (UnitDef("a", "甲处", group=AGENCIES.code),)
# Seed 002: the 社会调查 asks about 作风, the 年中汇报测评 rates 态度 and 针对性 (two of its six).
INDICATORS = (
    IndicatorDef("zuofeng", "机关作风建设情况"),
    IndicatorDef("taidu", "查找问题的态度"),
    IndicatorDef("zhenduixing", "整改措施的针对性", D(3)),
)
SURVEY = MethodDef("survey", "社会调查", D(50), indicators=("zuofeng",))
MIDYEAR = MethodDef("midyear", "年中汇报测评", D(50), indicators=("taidu", "zhenduixing"))


class OwnIndicatorsTests(SimpleTestCase):
    def setUp(self) -> None:
        self.campaign = campaign(indicators=INDICATORS, methods=(SURVEY, MIDYEAR), format=2)
        self.results = compute(
            self.campaign,
            tallies(
                UNITS,
                # 社会调查, 4 ballots: zuofeng 好 2, 一般 2 (asked); taidu 差 4 (not asked).
                votes("survey", "a", "zuofeng", {"好": 2, "一般": 2}, ballots=4),
                votes("survey", "a", "taidu", {"差": 4}, ballots=0),
                # 年中汇报测评, 2 ballots: taidu 好 2; zhenduixing 较好 1, 较差 1;
                # zuofeng 好 2 (not asked).
                votes("midyear", "a", "taidu", {"好": 2}, ballots=2),
                votes("midyear", "a", "zhenduixing", {"较好": 1, "较差": 1}, ballots=0),
                votes("midyear", "a", "zuofeng", {"好": 2}, ballots=0),
            ),
        )
        (self.unit,) = self.results.units

    def test_only_the_asked_indicators_count(self) -> None:
        survey = self.unit.methods["survey"]
        midyear = self.unit.methods["midyear"]
        assert survey is not None and midyear is not None
        # survey: zuofeng (100×2 + 60×2) / 4 = 80; taidu's four 差 left out.
        # Satisfied: 2 of 4 answers = 50 %.
        self.assertEqual(survey.score, Fraction(80))
        self.assertEqual(survey.satisfaction_rate, Fraction(50))
        self.assertEqual([i.indicator for i in survey.indicators], ["zuofeng"])
        # midyear: taidu (100×2) / 2 = 100; zhenduixing (80 + 30) / 2 = 55, weight 3;
        # (100×1 + 55×3) / 4 = 265 / 4 = 66.25; zuofeng's two 好 left out.
        # Satisfied: 好 2 + 较好 1 = 3 of 4 answers = 75 %.
        self.assertEqual(midyear.score, Fraction(265, 4))
        self.assertEqual(midyear.satisfaction_rate, Fraction(75))
        self.assertEqual([i.indicator for i in midyear.indicators], ["taidu", "zhenduixing"])
        # Composite: 80 × 0.5 + 66.25 × 0.5 = 73.125.
        self.assertEqual(self.unit.composite, Fraction(585, 8))

    def test_the_answers_left_out_are_named_per_method(self) -> None:
        self.assertEqual(
            list(self.results.notes),
            [
                "4 条答案评的是评议方法“社会调查”不问的评议内容(查找问题的态度),未计入",
                "2 条答案评的是评议方法“年中汇报测评”不问的评议内容(机关作风建设情况),未计入",
            ],
        )

    def test_a_method_without_the_key_asks_every_indicator(self) -> None:
        # Without ``indicators`` the survey asks all three: zuofeng 80 (as above), taidu
        # (0×4) / 4 = 0, each weight 1: (80 + 0) / 2 = 40; no note for it.
        every = MethodDef("survey", "社会调查", D(50))
        results = compute(
            campaign(indicators=INDICATORS, methods=(every, MIDYEAR), format=2),
            tallies(
                UNITS,
                votes("survey", "a", "zuofeng", {"好": 2, "一般": 2}, ballots=4),
                votes("survey", "a", "taidu", {"差": 4}, ballots=0),
            ),
        )
        survey = results.units[0].methods["survey"]
        assert survey is not None
        self.assertEqual(survey.score, Fraction(40))
        self.assertEqual(list(results.notes), [])

    def test_answers_only_on_indicators_not_asked_leave_the_method_without_data(self) -> None:
        # The midyear ballots rate zuofeng only: nothing counts, the unit has no figure.
        results = compute(
            self.campaign,
            tallies(
                UNITS,
                votes("survey", "a", "zuofeng", {"好": 1}),
                votes("midyear", "a", "zuofeng", {"好": 3}),
            ),
        )
        self.assertIsNone(results.units[0].methods["midyear"])
        self.assertIn("3 条答案评的是评议方法“年中汇报测评”不问的评议内容", results.notes[0])


LEVEL_COUNTS = st.dictionaries(
    st.sampled_from(["好", "较好", "一般", "较差", "差"]), st.integers(1, 9)
)


class AnsweringMoreTests(SimpleTestCase):
    @settings(max_examples=60, deadline=None)
    @given(asked=LEVEL_COUNTS.filter(bool), extra=LEVEL_COUNTS)
    def test_answers_on_indicators_not_asked_never_move_a_figure(
        self, asked: dict[str, int], extra: dict[str, int]
    ) -> None:
        # The survey asks zuofeng only: whatever else its ballots rate, its figure and the
        # composite are those of the zuofeng answers alone; and naming every indicator is
        # the same as naming none.
        definition = campaign(indicators=INDICATORS, methods=(SURVEY,), format=2)
        alone = compute(definition, tallies(UNITS, votes("survey", "a", "zuofeng", asked)))
        more = compute(
            definition,
            tallies(
                UNITS,
                votes("survey", "a", "zuofeng", asked),
                votes("survey", "a", "taidu", extra, ballots=0),
            ),
        )
        self.assertEqual(more.units[0].composite, alone.units[0].composite)
        self.assertEqual(len(more.notes), 1 if extra else 0)
        every = MethodDef("survey", "社会调查", D(100), indicators=("zuofeng",))
        named = campaign(indicators=INDICATORS[:1], methods=(every,), format=2)
        plain = campaign(
            indicators=INDICATORS[:1], methods=(MethodDef("survey", "社会调查", D(100)),)
        )
        data = tallies(UNITS, votes("survey", "a", "zuofeng", asked))
        self.assertEqual(compute(named, data).units, compute(plain, data).units)
