"""Version 2's ``composite = false`` (R-19): methods without weights, no composite.

A plan may give methods without weights (seed 000) or rank each method on its own
(seed 001); the file then says so, and ``[grading] by`` names the method that orders
and grades the units, if any. The engine's side: ``scoring/tests/test_engine_no_composite.py``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.serialise import definition_text
from minping.campaigns.tests.test_definition import YINCHUAN, DefinitionTestCase, edit, line_of
from minping.campaigns.tests.test_format_v2 import V2
from minping.test import BaseTestCase


def _without_weights(text: str) -> str:
    """V2 with its four method weights taken out (the indicator's 1.5 stays), every rule on a
    method, ``composite = false`` and ``[grading] by = "online"``."""
    text = re.sub(r"\nweight = 25(\.0)?\n", "\n", text)
    text = edit(text, 'baseline = "yc-2017"\n', 'baseline = "yc-2017"\ncomposite = false\n')
    for code in ("no_interview", "unsolved", "repeat", "refuse_air"):
        text = edit(text, f'code = "{code}"\n', f'code = "{code}"\nmethod = "online"\n')
    for code in ("investigated", "criticised"):
        text = edit(text, f'code = "{code}"\n', f'code = "{code}"\nmethod = "third_party"\n')
    return edit(text, "watchlist = 3\n", 'watchlist = 3\nby = "online"\n')


NO_COMPOSITE = _without_weights(V2)


class DefinitionTests(DefinitionTestCase):
    def test_read_in_version_2(self) -> None:
        definition = parse_definition(NO_COMPOSITE)
        self.assertFalse(definition.composite)
        self.assertEqual(definition.grading.by, "online")
        self.assertEqual({m.weight for m in definition.methods}, {Decimal(0)})
        self.assertTrue(parse_definition(V2).composite)

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, 'baseline = "yc-2017"\n', 'baseline = "yc-2017"\ncomposite = false\n')
        self.assertProblem(text, line_of(text, "composite ="), "是否计算综合得分", "format = 2")
        by = edit(YINCHUAN, "watchlist = 3\n", 'watchlist = 3\nby = "online"\n')
        self.assertProblem(by, line_of(by, "by ="), "按某一种评议方法排名", "format = 2")

    def test_a_weight_is_refused_at_its_line(self) -> None:
        text = edit(NO_COMPOSITE, 'title = "网络评议"\n', 'title = "网络评议"\nweight = 25\n')
        self.assertProblem(
            text, line_of(text, "weight = 25"), "methods[4] 不能写 weight", "composite = false"
        )

    def test_scored_is_refused(self) -> None:
        text = edit(NO_COMPOSITE, 'title = "网络评议"\n', 'title = "网络评议"\nscored = false\n')
        self.assertProblem(text, line_of(text, "scored ="), "不能写 scored")

    def test_every_rule_must_name_a_method(self) -> None:
        text = edit(
            NO_COMPOSITE, 'code = "criticised"\nmethod = "third_party"\n', 'code = "criticised"\n'
        )
        self.assertProblem(
            text,
            line_of(text, "[[deductions.rules]]", 6),
            "deductions.rules[6] 须写 method",
            "没有可以从中减分的综合得分",
        )

    def test_quotas_without_by_are_refused(self) -> None:
        text = edit(NO_COMPOSITE, 'by = "online"\n', "")
        problems = self.problems(text)
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(problems[0].startswith(f"第 {line_of(text, 'excellent = 3')} 行:"))
        self.assertIn("grading.excellent 大于 0", problems[0])
        self.assertIn('by = "方法代码"', problems[0])
        self.assertIn("grading.unsatisfactory 大于 0", problems[1])
        # With no places to give, no ``by`` is needed: only vetoes grade.
        text = edit(text, "excellent = 3\nunsatisfactory = 3\n", "")
        self.assertEqual(parse_definition(text).grading.by, "")
        # A group's own number is refused the same way.
        per_group = edit(text, '"industries"]', '{code = "industries", excellent = 10}]')
        self.assertProblem(
            per_group, line_of(per_group, "groups ="), "组别“industries”的 excellent"
        )

    def test_by_needs_no_composite_and_a_method_of_every_group(self) -> None:
        with_composite = edit(V2, "watchlist = 3\n", 'watchlist = 3\nby = "online"\n')
        self.assertProblem(
            with_composite, line_of(with_composite, "by ="), "只用于不计算综合得分的活动"
        )
        unknown = edit(NO_COMPOSITE, 'by = "online"', 'by = "onlin"')
        self.assertProblem(unknown, line_of(unknown, "by ="), "不存在的评议方法“onlin”")
        limited = edit(
            NO_COMPOSITE, 'input = "scores"\n', 'input = "scores"\ngroups = ["agencies"]\n'
        )
        self.assertProblem(limited, line_of(limited, "by ="), "不适用于组别 industries")

    def test_written_back_without_weights_and_read_the_same(self) -> None:
        definition = parse_definition(NO_COMPOSITE)
        text = definition_text(definition)
        self.assertIn("composite = false", text)
        self.assertIn('by = "online"', text)
        self.assertNotIn("weight = 0", text)
        self.assertEqual(parse_definition(text), definition)


class LoadTests(BaseTestCase):
    def test_stored_and_read_back(self) -> None:
        campaign = load_campaign(parse_definition(NO_COMPOSITE), NO_COMPOSITE).campaign
        self.assertEqual((campaign.composite, campaign.grading_by), (False, "online"))
        self.assertEqual(campaign.as_definition().composite, False)
        self.assertEqual(campaign.as_definition().grading, parse_definition(NO_COMPOSITE).grading)
        self.assertEqual(campaign.as_definition().methods, parse_definition(NO_COMPOSITE).methods)
