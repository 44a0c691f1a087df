"""Writing a definition back as TOML: parsed → written → parsed gives the same definition."""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal
from pathlib import Path

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from minping.campaigns.definition import (
    CampaignDefinition,
    CaseFormulaDef,
    GroupDef,
    IndicatorDef,
    LevelDef,
    MethodDef,
    parse_definition,
)
from minping.campaigns.serialise import definition_data, definition_text, toml_text
from minping.campaigns.tests.test_definition import YINCHUAN

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


class RoundTrip(SimpleTestCase):
    def test_every_example_comes_back_equal(self) -> None:
        files = sorted(EXAMPLES.glob("*/campaign.toml"))
        self.assertGreaterEqual(len(files), 5)  # Nantong's two files became one (format 2)
        for path in files:
            with self.subTest(path.parent.name):
                definition = parse_definition(path.read_text(encoding="utf-8"))
                text = definition_text(definition)
                self.assertEqual(parse_definition(text), definition)
                # Written twice, the same text: the editor's saves do not churn.
                self.assertEqual(definition_text(parse_definition(text)), text)

    def test_yinchuan_keeps_groups_scale_baseline_and_deductions(self) -> None:
        definition = parse_definition(YINCHUAN)
        text = definition_text(definition)
        self.assertEqual(parse_definition(text), definition)
        self.assertIn('baseline = "yc-2017"', text)
        self.assertIn('{code = "agencies", title = "市级机关单位"}, "industries"', text)
        self.assertIn("from = 2017-12-01", text)  # a bare TOML date, not a string
        self.assertIn("points = 0.1", text)  # not 0.1000 nor 0.1000000000000000055…

    def test_defaults_are_left_out(self) -> None:
        definition = CampaignDefinition(
            code="t-2026",
            title="测试",
            year=2026,
            groups=(GroupDef("agencies"),),
            methods=(MethodDef("survey", "问卷", Decimal(100)),),
            indicators=(IndicatorDef("a", "甲"),),
        )
        data = definition_data(definition)
        self.assertNotIn("scale", data)  # the default five levels
        self.assertNotIn("grading", data)
        self.assertEqual(data["methods"], [{"code": "survey", "title": "问卷", "weight": 100}])
        self.assertEqual(data["groups"], ["agencies"])
        self.assertEqual(parse_definition(toml_text(data)), definition)

    def test_case_formula_and_scale_written_inline(self) -> None:
        definition = CampaignDefinition(
            code="t-2026",
            title="测试",
            year=2026,
            groups=(GroupDef("agencies", "机关"),),
            methods=(
                MethodDef(
                    "cases",
                    "问题办理",
                    Decimal(100),
                    "cases",
                    starts=datetime.date(2026, 2, 28),
                    cases=CaseFormulaDef(Decimal(40), Decimal(30), Decimal(30), Decimal(0)),
                ),
            ),
            levels=(
                LevelDef("满意", Decimal(100), True),
                LevelDef("不满意", Decimal("0.5"), False),
            ),
        )
        text = definition_text(definition, comment="由活动编辑页面生成\n第二行")
        self.assertTrue(text.startswith("# 由活动编辑页面生成\n# 第二行\n"))
        self.assertIn("cases = {on_time = 40, resolved = 30, satisfied = 30, promised = 0}", text)
        self.assertIn('satisfied = ["满意"]', text)
        self.assertEqual(parse_definition(text), definition)


# Text a user may type into a title: quotes, backslashes, TOML syntax, control characters.
TITLES = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s.strip()
)


class AnyText(SimpleTestCase):
    @settings(max_examples=200, deadline=None)
    @given(title=TITLES, weight=st.decimals(min_value=0, max_value=10000, places=4))
    def test_titles_and_weights_survive(self, title: str, weight: Decimal) -> None:
        data = {"title": title, "weight": weight, "nested": [{"title": title}]}
        back = tomllib.loads(toml_text(data))
        self.assertEqual(back["title"], title)
        self.assertEqual(back["nested"][0]["title"], title)
        self.assertEqual(Decimal(str(back["weight"])), weight)
