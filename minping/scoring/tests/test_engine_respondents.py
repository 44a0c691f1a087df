"""The engine on whose ballots a version-2 method counts (R-13, R-18; docs/definition.md).

Issue 13 item 16: ``respondents`` (only these categories count) and ``exclude_respondents``
(these never count), decided by ``MethodDef.respondent_refusal``. Every expected figure is
worked out by hand in the comment above it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import MethodDef
from minping.campaigns.participation import UnitDef
from minping.scoring.engine import AnswerCount, BallotCount, Results, Tallies, compute
from minping.scoring.tests.builders import campaign

D = Decimal
TREE = (UnitDef("u1", "公安局", group="agencies"), UnitDef("u2", "民政局", group="agencies"))
REPS = MethodDef(
    "reps",
    "“两代表一委员”评议",
    D(50),
    respondents=("两代表一委员",),
    exclude_respondents=("厅级干部",),
)
SURVEY = MethodDef("survey", "问卷评议", D(50))
CAMPAIGN = campaign(format=2, methods=(REPS, SURVEY))


def voted(method: str, unit: str, category: str, counts: dict[str, int]) -> Tallies:
    """Answers on indicator "a", one ballot per answer, of respondents of ``category``."""
    return Tallies(
        (),
        tuple(AnswerCount(method, unit, "a", level, n, category) for level, n in counts.items()),
        (BallotCount(method, unit, sum(counts.values()), category),),
    )


def together(*parts: Tallies) -> Tallies:
    return Tallies(
        TREE,
        tuple(a for p in parts for a in p.answers),
        tuple(b for p in parts for b in p.ballots),
    )


# u1 on reps: 党代表 好×2 and 人大代表 一般×1 count (both are 两代表一委员, R-13); 厅级干部
# 差×3, 办事群众 差×1 and a ballot without a category 差×1 do not. u2 on reps: 政协委员 较好×2.
# On survey (no rule) a 厅级干部's 好×1 about u1 counts; u2 一般×1.
DATA = together(
    voted("reps", "u1", "党代表", {"好": 2}),
    voted("reps", "u1", "人大代表", {"一般": 1}),
    voted("reps", "u1", "厅级干部", {"差": 3}),
    voted("reps", "u1", "办事群众", {"差": 1}),
    voted("reps", "u1", "", {"差": 1}),
    voted("reps", "u2", "政协委员", {"较好": 2}),
    voted("survey", "u1", "厅级干部", {"好": 1}),
    voted("survey", "u2", "", {"一般": 1}),
)


class RefusalTests(SimpleTestCase):
    """``MethodDef.respondent_refusal``: the one decision, with R-13's aliases."""

    def test_counted_categories_and_reasons(self) -> None:
        for category in ("两代表一委员", "党代表", "人大代表", "政协委员", " 党代表 "):
            self.assertEqual(REPS.respondent_refusal(category), "", category)
        self.assertEqual(
            REPS.respondent_refusal("厅级干部"),
            "评议主体类别“厅级干部”不参加该项评议(本项评议不含厅级干部)",
        )
        self.assertEqual(
            REPS.respondent_refusal("办事群众"),
            "评议主体类别“办事群众”不是该项评议的评议主体(评议主体:两代表一委员)",
        )
        self.assertIn("未注明评议主体类别", REPS.respondent_refusal(""))

    def test_without_a_rule_every_category_counts(self) -> None:
        for category in ("", "厅级干部", "办事群众"):
            self.assertEqual(SURVEY.respondent_refusal(category), "")

    def test_exclusion_alone_counts_the_rest_even_without_a_category(self) -> None:
        method = replace(SURVEY, exclude_respondents=("厅级干部",))
        self.assertEqual(method.respondent_refusal(""), "")
        self.assertEqual(method.respondent_refusal("办事群众"), "")
        self.assertNotEqual(method.respondent_refusal("厅级干部"), "")


class RespondentRuleTests(SimpleTestCase):
    def test_only_counted_categories_make_the_figure(self) -> None:
        # u1 on reps: (好 100×2 + 一般 60×1) / 3 = 260/3 = 86.67; 满意率 2/3 = 66.67%; 3 ballots
        # (the 5 of 厅级干部, 办事群众 and no category are left out). u2: 较好 80×2 / 2 = 80.
        results = compute(CAMPAIGN, DATA)
        units = {u.unit: u for u in results.units}
        reps = units["u1"].methods["reps"]
        assert reps is not None
        self.assertEqual(reps.score, Fraction(260, 3))
        self.assertEqual(reps.satisfaction_rate, Fraction(200, 3))
        self.assertEqual((reps.ballots, reps.answers), (3, 3))
        self.assertEqual(units["u2"].methods["reps"].score, 80)  # type: ignore[union-attr]

    def test_another_methods_ballots_of_that_category_still_count(self) -> None:
        # survey has no rule: u1's one 厅级干部 好 → 100. Composite u1 = (260/3×50 + 100×50) / 100
        # = 130/3 + 50 = 93.33; u2 = (80×50 + 60×50) / 100 = 70.
        units = {u.unit: u for u in compute(CAMPAIGN, DATA).units}
        self.assertEqual(units["u1"].methods["survey"].score, 100)  # type: ignore[union-attr]
        self.assertEqual(units["u1"].composite, Fraction(130, 3) + 50)
        self.assertEqual(units["u2"].composite, 70)

    def test_a_note_says_how_many_were_left_out_and_why(self) -> None:
        # Sorted by category: "" (1 ballot, 1 answer), 办事群众 (1, 1), 厅级干部 (3, 3).
        notes = compute(CAMPAIGN, DATA).notes
        self.assertEqual(
            notes,
            (
                "““两代表一委员”评议”有 1 份答卷(1 条答案)未计入:"
                "未注明评议主体类别,该项评议只计两代表一委员的答卷",
                "““两代表一委员”评议”有 1 份答卷(1 条答案)未计入:"
                "评议主体类别“办事群众”不是该项评议的评议主体(评议主体:两代表一委员)",
                "““两代表一委员”评议”有 3 份答卷(3 条答案)未计入:"
                "评议主体类别“厅级干部”不参加该项评议(本项评议不含厅级干部)",
            ),
        )

    def test_minimum_samples_count_only_counted_ballots(self) -> None:
        # Counted on reps: u1 3 + u2 2 = 5 < 6 (all ten ballots would have been enough).
        method = replace(REPS, min_ballots=6)
        results = compute(replace(CAMPAIGN, methods=(method, SURVEY)), DATA)
        self.assertEqual([(s.method, s.found) for s in results.shortfalls], [("reps", 5)])


CATEGORIES = ("党代表", "两代表一委员", "厅级干部", "办事群众", "")
LEVELS = ("好", "较好", "一般", "较差", "差")
ROWS = st.lists(
    st.tuples(
        st.sampled_from(("reps", "survey")),
        st.sampled_from(("u1", "u2")),
        st.sampled_from(CATEGORIES),
        st.sampled_from(LEVELS),
        st.integers(1, 5),
    ),
    max_size=20,
)


def tallies_of(rows: list[tuple[str, str, str, str, int]]) -> Tallies:
    return together(*(voted(m, u, c, {lv: n}) for m, u, c, lv, n in rows))


def figures(results: Results, method: str) -> dict[str, object]:
    return {
        u.unit: (f.score, f.satisfaction_rate, f.ballots) if (f := u.methods[method]) else None
        for u in results.units
    }


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_a_rule_drops_exactly_the_refused_rows_and_touches_no_other_method(
    rows: list[tuple[str, str, str, str, int]],
) -> None:
    """With the rule, reps' figures are those of its counted rows alone, and survey's figures
    are those of a campaign without any rule: excluding a category changes no other method."""
    ruled = compute(CAMPAIGN, tallies_of(rows))
    plain = replace(REPS, respondents=(), exclude_respondents=())
    unruled = compute(replace(CAMPAIGN, methods=(plain, SURVEY)), tallies_of(rows))
    counted = [r for r in rows if r[0] != "reps" or not REPS.respondent_refusal(r[2])]
    filtered = compute(replace(CAMPAIGN, methods=(plain, SURVEY)), tallies_of(counted))
    assert figures(ruled, "survey") == figures(unruled, "survey")
    assert figures(ruled, "reps") == figures(filtered, "reps")
    left_out = sum(r[4] for r in rows if r not in counted)
    noted = sum(int(n.split("有 ")[1].split(" 份")[0]) for n in ruled.notes if "未计入:" in n)
    assert noted == left_out
