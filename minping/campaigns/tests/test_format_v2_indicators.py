"""Version 2 of the definition file: each ballot method its own indicators (issue 13 item 16,
seed 002's 集中汇报 rates 查找问题的态度、广度、深度 and 整改措施的针对性、可行性、务实性).

Read (``_Reader.method_indicators``), stored (``Method.indicators``), and asked through the
one rule ``definition.asked`` by the questionnaire, the importer and the campaign page.
The engine's side is tested in ``scoring/tests/test_engine_indicators.py``.
"""

from __future__ import annotations

from pathlib import Path

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.import_kinds import KINDS, example_rows
from minping.campaigns.models import Method
from minping.campaigns.serialise import definition_text
from minping.campaigns.tests.test_definition import YINCHUAN, DefinitionTestCase, edit, line_of
from minping.campaigns.tests.test_format_v2 import v2
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.reports.figures import Snapshot
from minping.surveys.actions import do_import_ballots
from minping.surveys.models import Answer, Ballot
from minping.surveys.tests.helpers import open_collection
from minping.surveys.tests.test_import_ballots import HEADER, questionnaire
from minping.test import BaseTestCase

THIRD_PARTY = 'code = "third_party"\ntitle = "第三方测评"\nweight = 25\ninput = "ballots"\n'
ONLINE = 'code = "online"\ntitle = "网络评议"\nweight = 25\ninput = "scores"\n'
ASKS = 'indicators = ["attitude", "sifeng"]\n'
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


class ParseTests(DefinitionTestCase):
    def test_a_method_asks_the_indicators_it_names_in_the_files_order(self) -> None:
        definition = parse_definition(v2(THIRD_PARTY, THIRD_PARTY + ASKS))
        methods = {m.code: m for m in definition.methods}
        self.assertEqual(methods["third_party"].indicators, ("attitude", "sifeng"))
        # The file lists sifeng, sanbuwei, attitude: the questionnaire keeps that order.
        self.assertEqual(
            [i.code for i in definition.indicators_for("third_party")], ["sifeng", "attitude"]
        )
        # Without the key a ballot method asks them all; a score method asks none.
        self.assertEqual(
            [i.code for i in definition.indicators_for("service_centre")],
            ["sifeng", "sanbuwei", "attitude"],
        )
        self.assertEqual(definition.indicators_for("online"), ())
        self.assertEqual(methods["service_centre"].indicators, ())

    def test_version_1_refuses_it_and_says_how_to_enable_it(self) -> None:
        text = edit(YINCHUAN, THIRD_PARTY, THIRD_PARTY + ASKS)
        self.assertProblem(text, line_of(text, ASKS), "每种评议方法有自己的评议内容", "format = 2")

    def test_a_method_not_scored_from_ballots_cannot_have_it(self) -> None:
        text = v2(ONLINE, ONLINE + ASKS)
        self.assertProblem(text, line_of(text, ASKS), '只适用于以答卷计分的方法(input = "ballots")')

    def test_bad_values_are_refused_at_their_line(self) -> None:
        for new, message in (
            ('indicators = ["sifeng", "nope"]\n', "引用了不存在的评议内容“nope”"),
            ('indicators = ["sifeng", "sifeng"]\n', "评议内容“sifeng”重复"),
            ("indicators = []\n", "应为评议内容代码的数组"),
            ('indicators = "sifeng"\n', "应为评议内容代码的数组"),
            ("indicators = [1]\n", "应为字符串代码"),
        ):
            with self.subTest(new=new):
                text = v2(THIRD_PARTY, THIRD_PARTY + new)
                self.assertProblem(text, line_of(text, new), message)

    def test_an_indicator_no_ballot_method_asks_is_refused(self) -> None:
        # Every ballot method names its indicators and none names sanbuwei.
        text = v2(THIRD_PARTY, THIRD_PARTY + ASKS)
        for code in ("service_centre", "representatives"):
            text = edit(text, f'code = "{code}"\n', f'code = "{code}"\nindicators = ["sifeng"]\n')
        self.assertProblem(
            text, line_of(text, 'code = "sanbuwei"'), "“三不为”问题整治情况", "没有哪种"
        )
        # One method asking everything (no key) asks sanbuwei too: then it is fine.
        text = edit(text, 'code = "representatives"\nindicators = ["sifeng"]\n', "")
        text = edit(text, "weight = 25.0\n", 'code = "representatives"\nweight = 25.0\n')
        parse_definition(text)

    def test_a_method_whose_indicators_all_weigh_nothing_is_refused(self) -> None:
        text = edit(
            v2(THIRD_PARTY, THIRD_PARTY + 'indicators = ["sanbuwei"]\n'),
            'title = "“三不为”问题整治情况"\n',
            'title = "“三不为”问题整治情况"\nweight = 0\n',
        )
        self.assertProblem(
            text,
            line_of(text, 'indicators = ["sanbuwei"]'),
            "“第三方测评”所问评议内容的权重不能全为 0",
        )


class GroupTablesTests(DefinitionTestCase):
    """A group's per-indicator tables list what its methods ask (nt-2012: two questionnaires)."""

    def test_each_group_shows_the_indicators_its_methods_ask(self) -> None:
        text = (EXAMPLES / "nt-2012" / "campaign.toml").read_text(encoding="utf-8")
        definition = parse_definition(text)
        divisions = [i.title for i in definition.indicators_of_group("nt-divisions")]
        windows = [i.code for i in definition.indicators_of_group("nt-windows")]
        # 社会调查's three and 年中汇报测评's six; the windows' questionnaire's four.
        self.assertEqual(len(divisions), 9)
        self.assertEqual(
            divisions[3:],
            [f"查找问题的{w}" for w in ["态度", "广度", "深度"]]
            + [f"整改措施的{w}" for w in ["针对性", "可行性", "务实性"]],
        )
        self.assertEqual(
            windows, ["zhengwu_gongkai", "shenpi_xiaoneng", "fuwu_shuiping", "shenpi_xingwei"]
        )
        snap = Snapshot(
            "nt-2012", "", True, [], [(i.code, i.title) for i in definition.indicators], [], []
        )
        snap.asked = {"nt-windows": windows, "nt-parts": []}
        self.assertEqual([c for c, _ in snap.indicators_of("nt-windows")], windows)
        # A group whose methods ask nothing (or unknown to the definition) shows every indicator.
        self.assertEqual(len(snap.indicators_of("nt-parts")), 13)
        self.assertEqual(len(snap.indicators_of("other")), 13)


class LoadTests(BaseTestCase):
    def text(self) -> str:
        return v2(THIRD_PARTY, THIRD_PARTY + ASKS)

    def test_the_stored_campaign_gives_back_what_the_file_says(self) -> None:
        text = self.text()
        parsed = parse_definition(text)
        campaign = load_campaign(parsed, text).campaign
        stored = campaign.as_definition()
        self.assertEqual(
            [(m.code, m.indicators) for m in stored.methods],
            [(m.code, m.indicators) for m in parsed.methods],
        )
        self.assertEqual(stored.indicators_for("third_party"), parsed.indicators_for("third_party"))
        method = campaign.methods.get(code="third_party")
        self.assertEqual([i.code for i in method.asked_indicators()], ["sifeng", "attitude"])
        # Written back, the file reads the same; an identical reload changes nothing.
        again = definition_text(stored)
        self.assertIn('indicators = ["attitude", "sifeng"]', again)
        self.assertEqual(parse_definition(again).methods, stored.methods)
        self.assertTrue(load_campaign(parse_definition(text), text).unchanged)
        # Dropping the key is a change, recorded as such.
        changed = load_campaign(parse_definition(V2_PLAIN), V2_PLAIN)
        self.assertFalse(changed.unchanged)
        self.assertEqual(campaign.methods.get(code="third_party").indicators, [])

    def test_the_campaign_page_names_what_each_method_asks(self) -> None:
        text = self.text()
        load_campaign(parse_definition(text), text)
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/yc-2018/").content.decode()
        self.assertIn("问卷只问:机关“四风”问题及新表现整治情况、服务态度及精神面貌", page)
        self.assertEqual(page.count("问卷只问"), 1)  # the other methods ask every indicator
        self.assertNotIn("attitude", page)


V2_PLAIN = v2(THIRD_PARTY, THIRD_PARTY)


class AskedTests(FilesMixin, BaseTestCase):
    """The importer, the import template and the questionnaire ask ``Method.asked_indicators``."""

    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign(format=2)
        # make_campaign's indicators: sifeng 四风整治, sanbuwei 三不为整治, fuwu 服务态度.
        Method.objects.filter(campaign=self.campaign, code="third_party").update(
            indicators=["sifeng", "sanbuwei"]
        )

    def test_the_importer_refuses_a_row_on_an_indicator_not_asked(self) -> None:
        # questionnaire() answers sifeng, sanbuwei and fuwu: its third row (line 4) is refused.
        path = self.csv_file([HEADER, *questionnaire("1")])
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(self.campaign, path)
        (problem,) = caught.exception.problems
        self.assertEqual((problem.line, problem.column), (4, "indicator"))
        self.assertIn("评议方法“第三方测评”的问卷不问“服务态度”", problem.message)
        self.assertIn("它问的是:四风整治、三不为整治", problem.message)
        self.assertEqual(Ballot.objects.count(), 0)
        # The other ballot method asks everything: the same rows are taken there.
        rows = [HEADER, *questionnaire("2", method="online")]
        self.assertEqual(do_import_ballots(self.campaign, self.csv_file(rows)).counts["answers"], 3)
        # And the first method takes the two rows it asks.
        rows = [HEADER, *questionnaire("3")[:2]]
        self.assertEqual(do_import_ballots(self.campaign, self.csv_file(rows)).counts["answers"], 2)
        self.assertEqual(Answer.objects.count(), 5)

    def test_the_import_template_shows_indicators_the_method_asks(self) -> None:
        Method.objects.filter(campaign=self.campaign, code="third_party").update(
            indicators=["fuwu"]
        )
        rows = example_rows(KINDS["ballots"], self.campaign)
        self.assertEqual([row[3] for row in rows], ["服务态度"])  # by its title

    def test_the_questionnaire_asks_only_the_methods_indicators(self) -> None:
        spec = open_collection(self.campaign).spec
        self.assertEqual(
            spec["indicators"],
            [{"code": "sifeng", "title": "四风整治"}, {"code": "sanbuwei", "title": "三不为整治"}],
        )
        other = open_collection(self.campaign, "online").spec
        self.assertEqual([i["code"] for i in other["indicators"]], ["sifeng", "sanbuwei", "fuwu"])
