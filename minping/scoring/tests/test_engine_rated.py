"""The engine on whom a version-2 definition rates, and how parts combine (docs/definition.md).

Issue 13 items 13 (``parts``), 10 (``parts_of``) and 15 (``covers``). Every expected
figure is worked out by hand in the comment above it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import GroupDef, MethodDef
from minping.campaigns.participation import UnitDef, for_definition
from minping.scoring.engine import ScoreInput, SheetUnits, UnitResult, compute
from minping.scoring.tests.builders import AGENCIES, SURVEY, campaign, tallies, votes

D = Decimal
TREE = (
    UnitDef("dept", "公安局", group="agencies"),
    UnitDef("w1", "户籍窗口", "dept"),
    UnitDef("w2", "交管窗口", "dept"),
    UnitDef("solo", "民政局", group="agencies"),  # no parts: rated directly
)
STATIONS = GroupDef("windows", "服务窗口", parts_of="agencies")


def by_code(results: object) -> dict[str, UnitResult]:
    return {u.unit: u for u in results.units}  # type: ignore[attr-defined]


def v2(method: MethodDef = SURVEY, **changes: object) -> object:
    return campaign(format=2, methods=(method,), **changes)


# w1 好×3 → 100, w2 一般×1 → 60: their mean is 80; dept's own 差×1 → 0; solo 较好×2 → 80.
VOTED = (
    votes("survey", "dept", "a", {"差": 1}),
    votes("survey", "w1", "a", {"好": 3}),
    votes("survey", "w2", "a", {"一般": 1}),
    votes("survey", "solo", "a", {"较好": 2}),
)


class PartsRuleTests(SimpleTestCase):
    """Item 13 (R-03): a version-2 method says whether a department with parts takes
    their mean or is rated itself; a direct ballot never silently replaces the mean."""

    def test_version_1_keeps_own_ballots_first(self) -> None:
        # No ``parts`` (version 1): dept's own 差×1 → 0 replaces the mean (100 + 60) / 2.
        dept = by_code(compute(campaign(), tallies(TREE, *VOTED)))["dept"]
        self.assertEqual(dept.methods["survey"].score, 0)  # type: ignore[union-attr]

    def test_mean_ignores_ballots_naming_the_department(self) -> None:
        # parts = "mean": dept = (w1 100 + w2 60) / 2 = 80.00, ballots 3 + 1 = 4; its own
        # 差×1 is left out and said so. solo has no parts: its own 较好×2 → 80.
        method = replace(SURVEY, parts="mean")
        results = compute(v2(method), tallies(TREE, *VOTED))  # type: ignore[arg-type]
        figure = by_code(results)["dept"].methods["survey"]
        assert figure is not None
        self.assertEqual((figure.source, figure.score, figure.ballots), ("parts", 80, 4))
        self.assertEqual(by_code(results)["solo"].methods["survey"].score, 80)  # type: ignore[union-attr]
        self.assertEqual(len(results.notes), 1)
        self.assertIn("1 条答案所评的“dept”在评议方法“survey”中不直接评议", results.notes[0])

    def test_own_rates_the_department_and_not_its_parts(self) -> None:
        # parts = "own": dept = its own 差×1 → 0; the windows' answers are left out.
        method = replace(SURVEY, parts="own")
        results = compute(v2(method), tallies(TREE, *VOTED))  # type: ignore[arg-type]
        figure = by_code(results)["dept"].methods["survey"]
        assert figure is not None
        self.assertEqual((figure.source, figure.score), ("ballots", 0))
        self.assertEqual(len(results.notes), 2)  # w1's and w2's answers

    def test_own_without_ballots_is_missing_not_the_mean(self) -> None:
        # parts = "own" and no ballot names dept: it has no figure (never its parts' 80).
        method = replace(SURVEY, parts="own")
        results = compute(v2(method), tallies(TREE, *VOTED[1:]))  # type: ignore[arg-type]
        self.assertIsNone(by_code(results)["dept"].methods["survey"])
        self.assertEqual([(m.unit, m.reason) for m in results.missing], [("dept", "no_ballots")])

    def test_who_ballots_may_name(self) -> None:
        mean = for_definition(TREE, v2(replace(SURVEY, parts="mean")))  # type: ignore[arg-type]
        self.assertIn("取其下属窗口/站所的平均", mean.method_refusal("dept", "survey"))
        self.assertEqual(mean.method_refusal("w1", "survey"), "")
        self.assertEqual(mean.method_refusal("solo", "survey"), "")
        self.assertEqual([u.code for u in mean.pickable("survey")], ["w1", "w2", "solo"])
        own = for_definition(TREE, v2(replace(SURVEY, parts="own")))  # type: ignore[arg-type]
        self.assertEqual(own.method_refusal("dept", "survey"), "")
        self.assertIn("请记在“dept”上", own.method_refusal("w1", "survey"))
        self.assertEqual([u.code for u in own.pickable("survey")], ["dept", "solo"])
        v1 = for_definition(TREE, campaign())
        self.assertEqual([u.code for u in v1.pickable("survey")], ["dept", "solo"])
        self.assertEqual(v1.method_refusal("w1", "survey"), "")


class RankedPartsTests(SimpleTestCase):
    """Item 10: windows ranked in their own group while still feeding the mean."""

    def test_windows_are_ranked_and_still_averaged(self) -> None:
        # windows group: w1 100.00 (rank 1), w2 60.00 (rank 2), excellent = 1 → w1.
        # dept = (100 + 60) / 2 = 80.00 (its own 差 ballot is left out: "mean");
        # agencies: dept 80.00 and solo 80.00 share rank 1.
        definition = v2(replace(SURVEY, parts="mean"), groups=(AGENCIES, STATIONS), excellent=1)
        results = compute(definition, tallies(TREE, *VOTED))  # type: ignore[arg-type]
        self.assertEqual(
            [(u.unit, u.group, u.rank) for u in results.units],
            [
                ("dept", "agencies", 1),
                ("solo", "agencies", 1),
                ("w1", "windows", 1),
                ("w2", "windows", 2),
            ],
        )
        got = by_code(results)
        self.assertEqual(got["dept"].composite, 80)
        self.assertEqual(got["w1"].grade, "excellent")
        self.assertIsNone(got["w2"].grade)
        # The figure the department averages is the window's own, shared.
        self.assertIs(got["dept"].methods["survey"].parts[0], got["w1"].methods["survey"])  # type: ignore[union-attr]

    def test_a_ranked_window_with_no_ballots_is_missing(self) -> None:
        definition = v2(replace(SURVEY, parts="mean"), groups=(AGENCIES, STATIONS))
        results = compute(definition, tallies(TREE, *VOTED[:2], VOTED[3]))  # type: ignore[arg-type]
        self.assertIn(
            ("w2", "windows", "no_ballots"), [(m.unit, m.group, m.reason) for m in results.missing]
        )
        # dept = w1 alone = 100.00; w2 is noted as without data.
        self.assertEqual(by_code(results)["dept"].composite, 100)


HALL = MethodDef("hall", "政务服务中心测评", D(25), "scores", covers=("dept",))
OTHER = MethodDef("third", "第三方测评", D(75), "scores")


class CoversTests(SimpleTestCase):
    """Item 15: a method that rates only some units (seed 001's hall survey)."""

    def scores(self, *rows: tuple[str, str, str]) -> tuple[ScoreInput, ...]:
        return tuple(ScoreInput(m, u, D(s)) for m, u, s in rows)

    def test_a_unit_outside_has_the_other_weights_rescaled(self) -> None:
        # dept: (90×25 + 80×75) / 100 = (2250 + 6000) / 100 = 82.50.
        # solo is outside the hall: 70×75 / 75 = 70.00, not blocked, not missing.
        definition = campaign(format=2, methods=(HALL, OTHER))
        t = tallies(
            TREE,
            scores=self.scores(
                ("hall", "dept", "90"), ("third", "dept", "80"), ("third", "solo", "70")
            ),
        )
        results = compute(definition, t)
        got = by_code(results)
        self.assertEqual(got["dept"].composite, Fraction(165, 2))
        self.assertEqual(got["dept"].weighted_formula, "(90.00×25 + 80.00×75) / 100 = 82.50")
        self.assertEqual(got["solo"].composite, 70)
        self.assertEqual(
            got["solo"].weighted_formula,
            "(70.00×75) / 75 = 70.00(“政务服务中心测评”不评议该单位,其余权重按 100 折算)",
        )
        self.assertEqual(results.missing, ())
        self.assertEqual(got["solo"].method_ranks["hall"], None)
        self.assertEqual(got["dept"].method_ranks["hall"], 1)

    def test_a_covered_unit_without_a_score_is_still_missing(self) -> None:
        definition = campaign(format=2, methods=(HALL, OTHER))
        t = tallies(TREE, scores=self.scores(("third", "dept", "80"), ("third", "solo", "70")))
        results = compute(definition, t)
        self.assertEqual([(m.unit, m.method) for m in results.missing], [("dept", "hall")])
        self.assertIsNone(by_code(results)["dept"].composite)

    def test_covering_a_department_covers_its_windows(self) -> None:
        taking_part = for_definition(TREE, campaign(format=2, methods=(HALL, OTHER)))
        self.assertTrue(taking_part.covered("w1", "hall"))
        self.assertFalse(taking_part.covered("solo", "hall"))
        self.assertIn("不在评议方法“hall”的评议范围内", taking_part.method_refusal("solo", "hall"))

    def test_naming_a_group_covers_its_units_only(self) -> None:
        # Two groups: dept and solo are agencies; the windows w1 and w2 are ranked on their
        # own in "windows" (parts_of). The hall method covers the group "windows" only:
        # w1 hall 90, third 80 → (90×25 + 80×75) / 100 = (2250 + 6000) / 100 = 82.50;
        # w2 has only third 60 → 60×75 / 75 = 60.00 would need hall: it is covered, so it is
        # missing hall instead. solo (an agency) is outside: 70×75 / 75 = 70.00.
        hall = replace(HALL, covers=("windows",))
        definition = campaign(format=2, methods=(hall, OTHER), groups=(AGENCIES, STATIONS))
        t = tallies(
            TREE,
            scores=self.scores(
                ("hall", "w1", "90"),
                ("third", "w1", "80"),
                ("third", "w2", "60"),
                ("third", "solo", "70"),
                ("third", "dept", "75"),
            ),
        )
        results = compute(definition, t)
        got = by_code(results)
        self.assertEqual(got["w1"].weighted, Fraction(165, 2))
        self.assertEqual(got["solo"].weighted, 70)
        self.assertEqual(got["dept"].weighted, 75)  # an agency: outside too, 75×75 / 75
        self.assertEqual([(m.unit, m.method) for m in results.missing], [("w2", "hall")])
        taking_part = for_definition(TREE, definition)
        self.assertTrue(taking_part.covered("w1", "hall"))
        self.assertFalse(taking_part.covered("dept", "hall"))
        self.assertFalse(taking_part.covered("solo", "hall"))

    def test_naming_a_group_covers_its_units_and_their_parts(self) -> None:
        # covers = ["agencies"]: every agency and the windows under them; in a one-group
        # campaign that is everyone, so nothing is outside.
        definition = campaign(format=2, methods=(replace(HALL, covers=("agencies",)), OTHER))
        taking_part = for_definition(TREE, definition)
        self.assertTrue(
            all(taking_part.covered(code, "hall") for code in ("dept", "w1", "w2", "solo"))
        )

    def test_naming_an_attribute_covers_the_units_that_carry_it(self) -> None:
        # Only dept carries “进驻市民大厅”: dept hall 90, third 80 →
        # (90×25 + 80×75) / 100 = 82.50, and its windows are covered with it; solo, without
        # the attribute, is outside: 70×75 / 75 = 70.00.
        tree = (replace(TREE[0], tags=frozenset({"进驻市民大厅"})), *TREE[1:])
        hall = replace(HALL, covers=(), covers_attribute=("进驻市民大厅",))
        definition = campaign(format=2, methods=(hall, OTHER))
        t = tallies(
            tree,
            scores=self.scores(
                ("hall", "dept", "90"), ("third", "dept", "80"), ("third", "solo", "70")
            ),
        )
        got = by_code(compute(definition, t))
        self.assertEqual(got["dept"].weighted, Fraction(165, 2))
        self.assertEqual(got["solo"].weighted, 70)
        taking_part = for_definition(tree, definition)
        self.assertTrue(taking_part.covered("w1", "hall"))
        self.assertFalse(taking_part.covered("solo", "hall"))

    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 100), st.integers(0, 100), st.integers(1, 99), st.booleans())
    def test_rescaling_equals_the_plain_formula_when_all_are_covered(
        self, hall: int, third: int, weight: int, cover_all: bool
    ) -> None:
        # Covering every unit gives exactly version 1's Σ score × weight / 100; covering
        # dept alone gives solo its one remaining score whatever the weights.
        covers = ("dept", "solo") if cover_all else ("dept",)
        methods = (
            MethodDef("hall", "大厅", D(weight), "scores", covers=covers),
            MethodDef("third", "第三方", D(100 - weight), "scores"),
        )
        rows = [("hall", "dept", hall), ("third", "dept", third), ("third", "solo", third)]
        if cover_all:
            rows.append(("hall", "solo", hall))
        t = tallies(TREE, scores=self.scores(*((m, u, str(s)) for m, u, s in rows)))
        got = by_code(compute(campaign(format=2, methods=methods), t))
        expected = Fraction(hall * weight + third * (100 - weight), 100)
        self.assertEqual(got["dept"].weighted, expected)
        self.assertEqual(got["solo"].weighted, expected if cover_all else third)


class OneQuestionnaireSeveralUnitsTests(SimpleTestCase):
    """Item 6: one person's questionnaire that rated several windows counts once (S-2)."""

    def test_the_mean_counts_people_not_person_times_unit(self) -> None:
        # w1: 3 ballots, w2: 1 ballot; one person rated both (one sheet over w1 and w2).
        # dept (parts = "mean") = (100 + 60) / 2 = 80.00 as before; its ballots are
        # 3 + 1 = 4 ballots by 3 people, so it counts 4 − (2 − 1) = 3 questionnaires.
        method = replace(SURVEY, parts="mean")
        sheets = (SheetUnits("survey", frozenset({"w1", "w2"})),)
        t = replace(tallies(TREE, *VOTED[1:]), sheets=sheets)
        figure = by_code(compute(v2(method), t))["dept"].methods["survey"]  # type: ignore[arg-type]
        assert figure is not None
        self.assertEqual((figure.score, figure.ballots), (80, 3))
        self.assertTrue(
            figure.formula.endswith("答卷 3 + 1 = 4 份,一人一份问卷评了其中多个单位,按人计 3 份")
        )
        self.assertEqual(figure.parts[0].ballots, 3)  # each window keeps its own count

    def test_a_sheet_over_units_outside_the_mean_changes_nothing(self) -> None:
        # The sheet rated w1 and solo: only w1 is among dept's parts, so dept keeps 4.
        method = replace(SURVEY, parts="mean")
        sheets = (SheetUnits("survey", frozenset({"w1", "solo"})),)
        t = replace(tallies(TREE, *VOTED[1:]), sheets=sheets)
        figure = by_code(compute(v2(method), t))["dept"].methods["survey"]  # type: ignore[arg-type]
        self.assertEqual(figure.ballots, 4)  # type: ignore[union-attr]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.sets(st.sampled_from(["w1", "w2", "solo"]), min_size=2), max_size=3))
    def test_each_sheet_over_both_windows_takes_one_off(self, sheets: list[set[str]]) -> None:
        # dept's ballots: w1 3 + w2 1 = 4, less one for every sheet over both windows (a
        # person counted twice); a sheet over one window and solo takes nothing off.
        method = replace(SURVEY, parts="mean")
        shared = tuple(SheetUnits("survey", frozenset(s)) for s in sheets)
        t = replace(tallies(TREE, *VOTED[1:]), sheets=shared)
        figure = by_code(compute(v2(method), t))["dept"].methods["survey"]  # type: ignore[arg-type]
        assert figure is not None
        self.assertEqual(figure.ballots, 4 - sum({"w1", "w2"} <= s for s in sheets))
