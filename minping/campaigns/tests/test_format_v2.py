"""Version 2 of the definition file (``format = 2``): each new key, and that version 1 is unchanged.

The engine's side of each key is tested in ``scoring/tests/test_engine_v2.py``.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Campaign
from minping.campaigns.tests.test_definition import YINCHUAN, DefinitionTestCase, edit, line_of
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.oversight.actions import (
    NotAllowed,
    do_import_deductions,
    do_import_vetoes,
    do_propose_deduction,
    do_propose_veto,
    do_withdraw_eligibility,
)
from minping.oversight.models import Deduction, Veto
from minping.scoring.tallies import read_tallies
from minping.test import BaseTestCase

# YINCHUAN's exclude names "bank", which BaseTestCase's tree lacks; "water" is in it.
V2 = "format = 2\n" + edit(YINCHUAN, 'exclude = ["bank"]', 'exclude = ["water"]')


def v2(old: str, new: str, text: str = V2) -> str:
    return edit(text, old, new)


class VersionTests(DefinitionTestCase):
    def test_a_file_without_format_is_version_1(self) -> None:
        self.assertEqual(parse_definition(YINCHUAN).format, 1)
        self.assertEqual(parse_definition(V2).format, 2)
        self.assertEqual(parse_definition("format = 1\n" + YINCHUAN).format, 1)

    def test_an_unknown_version_is_refused(self) -> None:
        for value in ("3", '"2"', "true", "1.5"):
            with self.subTest(value=value):
                self.assertProblem(f"format = {value}\n" + YINCHUAN, 1, "只能是 1 或 2")


class PeriodTests(DefinitionTestCase):
    def test_the_period_is_the_year_widened_by_every_date_given(self) -> None:
        # YINCHUAN: year 2018, deductions from 2017-12-01 to 2018-11-30, stages within 2018.
        period = parse_definition(YINCHUAN).period
        self.assertEqual(period, (datetime.date(2017, 12, 1), datetime.date(2018, 12, 31)))
        later = edit(YINCHUAN, "ends = 2018-10-31", "ends = 2019-03-31")
        self.assertEqual(parse_definition(later).period[1], datetime.date(2019, 3, 31))


class ExcludeTests(BaseTestCase):
    def test_a_version_2_file_excluding_an_unknown_unit_is_refused_at_its_line(self) -> None:
        text = v2('exclude = ["water"]', 'exclude = ["water", "bnak"]')
        with self.assertRaises(InvalidInput) as caught:
            load_campaign(parse_definition(text), text)
        (problem,) = caught.exception.problems
        self.assertEqual(problem.line, line_of(text, "exclude ="))
        self.assertIn("“bnak”不在单位树中", problem.message)
        self.assertFalse(Campaign.objects.exists())

    def test_a_version_1_file_still_loads_with_a_warning(self) -> None:
        outcome = load_campaign(parse_definition(YINCHUAN), YINCHUAN)
        self.assertTrue(outcome.created)
        self.assertEqual(outcome.campaign.exclude, ["bank"])
        (warning,) = outcome.warnings
        self.assertIn("“bank”不在单位树中", warning)
        self.assertEqual(outcome.campaign.format, 1)

    def test_the_command_prints_the_warning_and_a_known_code_gives_none(self) -> None:
        outcome = load_campaign(parse_definition(V2), V2)
        self.assertEqual((outcome.warnings, outcome.campaign.format), ([], 2))
        self.assertEqual(outcome.campaign.as_definition().format, 2)
        path = Path(tempfile.mkdtemp()) / "yc.toml"
        path.write_text(YINCHUAN, encoding="utf-8")
        err = StringIO()
        call_command("load", str(path), stdout=StringIO(), stderr=err)
        self.assertIn("“bank”不在单位树中", err.getvalue())


class VetoDateTests(FilesMixin, BaseTestCase):
    """A veto outside the campaign's period (R-22: 年内): refused in version 2, warned in 1."""

    HEADER = ["unit", "rule", "date", "evidence"]

    def test_version_2_refuses_every_veto_outside_the_period(self) -> None:
        # make_campaign: year 2018, deductions from 2017-12-01 to 2018-11-30,
        # so the period is 2017-12-01 … 2018-12-31.
        campaign = make_campaign(format=2)
        path = self.csv_file(
            [
                self.HEADER,
                ["gaj", "case_filed", "2017-12-01", "首日"],
                ["gaj", "case_filed", "2017-11-30", "前一天"],
                ["water", "case_filed", "2019-01-01", "次年"],
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_vetoes(campaign, path)
        found = [(p.line, p.message) for p in caught.exception.problems]
        self.assertEqual(
            found,
            [
                (3, "日期 2017-11-30 不在本活动的期间(2017-12-01 至 2018-12-31)内"),
                (4, "日期 2019-01-01 不在本活动的期间(2017-12-01 至 2018-12-31)内"),
            ],
        )
        self.assertFalse(Veto.objects.exists())

    def test_version_1_stores_them_as_before_and_warns(self) -> None:
        campaign = make_campaign()
        path = self.csv_file(
            [
                self.HEADER,
                ["gaj", "case_filed", "2018-12-31", "末日"],
                ["gaj", "case_filed", "2019-01-01", "次年"],
            ]
        )
        summary = do_import_vetoes(campaign, path)
        self.assertEqual(Veto.objects.count(), 2)
        (warning,) = summary.warnings
        self.assertIn("有 1 条一票否决的日期不在本活动的期间", warning)

    def test_a_proposed_veto_outside_the_period_is_refused_in_version_2(self) -> None:
        campaign = make_campaign(format=2)
        rule = campaign.veto_rules.get()
        with self.assertRaises(InvalidInput) as caught:
            do_propose_veto(
                campaign=campaign,
                unit=self.gaj,
                rule=rule,
                date=datetime.date(2019, 2, 1),
                source_code="",
                actor=self.organiser,
            )
        self.assertIn("不在本活动的期间", caught.exception.problems[0].message)
        self.assertFalse(Veto.objects.exists())


SELF_ASSESSMENT = """
[[methods]]
code = "self"
title = "窗口自评"
scored = false
"""


class ScoredTests(DefinitionTestCase):
    """Item 11: ``scored = false`` states a method recorded but not scored (weight 0)."""

    def test_a_method_not_scored_needs_no_weight(self) -> None:
        text = v2("[deductions]", SELF_ASSESSMENT + "\n[deductions]")
        method = parse_definition(text).methods[-1]
        self.assertEqual((method.code, method.weight, method.scored), ("self", 0, False))
        self.assertTrue(all(m.scored for m in parse_definition(text).methods[:-1]))

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, "[deductions]", SELF_ASSESSMENT + "\n[deductions]")
        self.assertProblem(text, line_of(text, "scored ="), "第 2 版", "format = 2")

    def test_weight_and_scored_must_agree_in_version_2(self) -> None:
        with_weight = v2("[deductions]", SELF_ASSESSMENT + "weight = 5\n\n[deductions]")
        problems = self.problems(with_weight)  # the weights also sum to 105 now
        self.assertIn(f"第 {line_of(with_weight, 'weight = 5')} 行:", problems[1])
        self.assertIn("权重应为 0 或不写(现在是 5)", problems[1])
        zero = v2("weight = 25.0", "weight = 0")
        problems = self.problems(zero)  # the weights also sum to 75 now
        self.assertIn(f"第 {line_of(zero, 'weight = 0')} 行:", problems[1])
        self.assertIn("请写明 scored = false", problems[1])
        # Version 1 keeps taking a weight-0 method without a word, as before.
        old = edit(YINCHUAN, "weight = 25.0", "weight = 0")
        old = edit(old, 'weight = 25\ninput = "scores"', 'weight = 50\ninput = "scores"')
        self.assertEqual([m.scored for m in parse_definition(old).methods], [True] * 4)


class ScoredLoadTests(BaseTestCase):
    def test_it_is_stored_and_read_back(self) -> None:
        text = v2("[deductions]", SELF_ASSESSMENT + "\n[deductions]")
        campaign = load_campaign(parse_definition(text), text).campaign
        method = campaign.methods.get(code="self")
        self.assertFalse(method.scored)
        self.assertEqual(campaign.as_definition().methods, parse_definition(text).methods)


class FloorDefinitionTests(DefinitionTestCase):
    """Item 12: ``floor`` on a deduction source (R-20); S-4 says none unless set."""

    def test_floor_is_read_in_version_2(self) -> None:
        text = v2('title = "纪检监察机关"\n', 'title = "纪检监察机关"\nfloor = 0\n')
        sources = {s.code: s.floor for s in parse_definition(text).sources}
        self.assertEqual(sources, {"media": None, "discipline": 0})

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, 'title = "纪检监察机关"\n', 'title = "纪检监察机关"\nfloor = 60\n')
        self.assertProblem(text, line_of(text, "floor ="), "第 2 版")

    def test_a_negative_floor_is_refused(self) -> None:
        text = v2('title = "纪检监察机关"\n', 'title = "纪检监察机关"\nfloor = -1\n')
        self.assertProblem(text, line_of(text, "floor ="), "不能为负数")


CRITICISED = """code = "criticised"
title = "被通报批评"
source = "discipline"
"""
SHARED = CRITICISED.replace('source = "discipline"', 'sources = ["discipline", "media"]')


class SeveralSourcesDefinitionTests(DefinitionTestCase):
    """Item 3: ``sources = [...]`` on a rule that several bodies propose."""

    def test_the_rule_names_every_body(self) -> None:
        rule = parse_definition(v2(CRITICISED, SHARED)).rules[-1]
        self.assertEqual((rule.source, rule.sources), ("discipline", ("discipline", "media")))
        self.assertEqual(rule.proposers, ("discipline", "media"))
        self.assertEqual(parse_definition(V2).rules[-1].proposers, ("discipline",))

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, CRITICISED, SHARED)
        self.assertProblem(text, line_of(text, "sources = ["), "一条规则多个提出单位", "第 2 版")

    def test_unknown_or_doubled_sources_are_refused(self) -> None:
        text = v2(CRITICISED, SHARED.replace('"media"]', '"meida"]'))
        self.assertProblem(text, line_of(text, "sources = ["), "不存在的减分来源“meida”")
        both = v2(CRITICISED, SHARED + 'source = "media"\n')
        self.assertProblem(both, line_of(both, "sources = ["), "不能同时写 source 和 sources")
        twice = v2(CRITICISED, SHARED.replace('"media"]', '"discipline"]'))
        self.assertProblem(twice, line_of(twice, "sources = ["), "重复")


class SeveralSourcesDataTests(FilesMixin, BaseTestCase):
    HEADER = ["unit", "rule", "date", "count", "evidence", "signed_off", "source"]

    def setUp(self) -> None:
        super().setUp()
        text = v2(CRITICISED, SHARED)
        self.campaign = load_campaign(parse_definition(text), text).campaign

    def test_the_import_needs_the_proposer_of_such_a_rule(self) -> None:
        bad = self.csv_file(
            [
                self.HEADER,
                ["gaj", "criticised", "2018-05-01", "1", "通报", "是", ""],
                ["gaj", "criticised", "2018-05-01", "1", "通报", "是", "xuncha"],
                ["gaj", "no_interview", "2018-05-01", "1", "通报", "是", "discipline"],
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_deductions(self.campaign, bad)
        found = [(p.line, p.message) for p in caught.exception.problems]
        self.assertEqual([line for line, _ in found], [2, 3, 4])
        self.assertIn("请填写减分规则“被通报批评”的提出单位", found[0][1])
        self.assertIn("“xuncha”不是", found[1][1])
        self.assertIn("“discipline”不是减分规则“不配合采访”的提出单位", found[2][1])
        good = self.csv_file(
            [
                self.HEADER,
                ["gaj", "criticised", "2018-05-01", "2", "通报", "是", "媒体"],
                ["gaj", "no_interview", "2018-05-01", "1", "通报", "是", ""],
            ]
        )
        # "媒体" is not a title here: the v2 file calls it 银川市有关媒体; by code it is found.
        with self.assertRaises(InvalidInput):
            do_import_deductions(self.campaign, good)
        good = self.csv_file(
            [
                self.HEADER,
                ["gaj", "criticised", "2018-05-01", "2", "通报", "是", "银川市有关媒体"],
                ["gaj", "no_interview", "2018-05-01", "1", "通报", "是", ""],
            ]
        )
        do_import_deductions(self.campaign, good)
        stored = {d.rule.code: d.source_code for d in Deduction.objects.all()}
        self.assertEqual(stored, {"criticised": "media", "no_interview": "media"})
        inputs = {d.rule: d.source for d in read_tallies(self.campaign).deductions}
        self.assertEqual(inputs, {"criticised": "media", "no_interview": ""})

    def test_a_proposal_names_its_body(self) -> None:
        rule = self.campaign.deduction_rules.get(code="criticised")
        propose = dict(
            campaign=self.campaign,
            unit=self.gaj,
            rule=rule,
            date=datetime.date(2018, 5, 1),
            actor=self.organiser,
        )
        with self.assertRaises(NotAllowed) as caught:
            do_propose_deduction(**propose)  # type: ignore[arg-type]
        self.assertIn("有多个提出单位", str(caught.exception))
        deduction = do_propose_deduction(**propose, source_code="discipline")  # type: ignore[arg-type]
        self.assertEqual(
            (deduction.source_code, deduction.rule.source.code), ("discipline", "discipline")
        )
        other = do_propose_deduction(**propose, source_code="media")  # type: ignore[arg-type]
        self.assertEqual(other.source_code, "media")


class MethodDeductionDefinitionTests(DefinitionTestCase):
    """Item 2: ``method = "…"`` on a rule: its deductions come off that method's score."""

    MEDIA_RULES = ("no_interview", "unsolved", "repeat", "refuse_air")

    def on_online(self, text: str, rules: tuple[str, ...] = MEDIA_RULES) -> str:
        for code in rules:
            text = edit(text, f'code = "{code}"\n', f'code = "{code}"\nmethod = "online"\n')
        return text

    def test_every_rule_of_a_source_on_one_method(self) -> None:
        definition = parse_definition(self.on_online(V2))
        self.assertEqual(definition.source_methods, {"media": "online"})
        self.assertEqual({r.code: r.method for r in definition.rules}["investigated"], "")

    def test_only_version_2_may_say_it(self) -> None:
        text = self.on_online(YINCHUAN, ("no_interview",))
        self.assertProblem(text, line_of(text, "method = "), "第 2 版")

    def test_an_unknown_method_is_refused(self) -> None:
        text = self.on_online(V2).replace('method = "online"', 'method = "onlin"', 1)
        problems = self.problems(text)
        self.assertIn(f"第 {line_of(text, 'method = ')} 行:", problems[0])
        self.assertIn("不存在的评议方法“onlin”", problems[0])

    def test_a_source_split_between_places_is_refused(self) -> None:
        text = self.on_online(V2, ("no_interview", "unsolved"))
        # Said at the first rule that goes elsewhere (repeat, off the composite).
        self.assertProblem(
            text,
            line_of(text, "[[deductions.rules]]", 3),
            "减分来源“media”的规则扣在不同的地方:no_interview(online)、repeat(综合得分)",
        )


INELIGIBILITY = """
[[ineligibility]]
code = "canvassing"
title = "拉票"

[[ineligibility]]
code = "no_rectification"
title = "整改不力"
body = "省局行评办"
"""


class IneligibilityDefinitionTests(DefinitionTestCase):
    """Item 4: ``[[ineligibility]]``: the reasons a unit loses award eligibility (R-39)."""

    def test_read_in_version_2(self) -> None:
        found = parse_definition(V2 + INELIGIBILITY).ineligibility
        self.assertEqual(
            [(r.code, r.title, r.body) for r in found],
            [("canvassing", "拉票", ""), ("no_rectification", "整改不力", "省局行评办")],
        )

    def test_only_version_2_may_say_it(self) -> None:
        text = YINCHUAN + INELIGIBILITY
        self.assertProblem(text, line_of(text, "[[ineligibility]]"), "第 2 版")


class IneligibilityDataTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        text = V2 + INELIGIBILITY
        self.campaign = load_campaign(parse_definition(text), text).campaign

    def test_a_reason_of_the_definition_must_be_named_and_is_shown(self) -> None:
        self.assertEqual(
            [r.title for r in self.campaign.as_definition().ineligibility], ["拉票", "整改不力"]
        )
        with self.assertRaises(InvalidInput):
            do_withdraw_eligibility(self.campaign, self.gaj, reason="拉票", actor=self.organiser)
        rule = self.campaign.ineligibility_rules.get(code="no_rectification")
        item = do_withdraw_eligibility(
            self.campaign, self.gaj, reason="暗访问题未整改", actor=self.organiser, rule=rule
        )
        self.assertEqual(item.shown_reason, "整改不力:暗访问题未整改")
        self.assertEqual(
            read_tallies(self.campaign).ineligible_reasons, {"gaj": "整改不力:暗访问题未整改"}
        )
        # A reason with data is not removed by loading the file without it.
        text = V2 + INELIGIBILITY.split('\n[[ineligibility]]\ncode = "no_rectification"')[0]
        with self.assertRaises(InvalidInput) as caught:
            load_campaign(parse_definition(text), text)
        self.assertIn("取消评优资格情形“no_rectification”", str(caught.exception.problems[0]))

    def test_the_page_offers_the_reasons(self) -> None:
        self.client.force_login(self.organiser)
        url = f"/console/c/{self.campaign.code}/eligibility/"
        page = self.client.get(url)
        self.assertContains(page, "整改不力")
        response = self.client.post(url, {"unit": "gaj", "rule": "", "reason": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.campaign.ineligible.exists())
        rule = self.campaign.ineligibility_rules.get(code="canvassing")
        self.client.post(url, {"unit": "gaj", "rule": str(rule.pk), "reason": ""})
        self.assertEqual(self.campaign.ineligible.get().shown_reason, "拉票")


PER_GROUP = v2(
    'groups = [{code = "agencies", title = "市级机关单位"}, "industries"]',
    'groups = [{code = "agencies", title = "市级机关单位", excellent = 6},\n'
    '          {code = "industries", excellent = 10, watchlist = 1}]',
)


class PerGroupDefinitionTests(DefinitionTestCase):
    """Item 1: numbers per group, and methods that apply to some groups only."""

    def only_for_agencies(self, text: str) -> str:
        # third_party becomes the agencies' only extra method: industries lose 25 points.
        return edit(
            text,
            'weight = 25\ninput = "ballots"',
            'weight = 25\ninput = "ballots"\ngroups = ["agencies"]',
        )

    def test_each_group_may_give_its_own_numbers(self) -> None:
        definition = parse_definition(PER_GROUP)
        agencies = definition.groups[0]
        self.assertEqual((agencies.excellent, agencies.watchlist), (6, None))
        self.assertEqual(definition.grading_for("agencies").excellent, 6)
        self.assertEqual(definition.grading_for("agencies").watchlist, 3)  # from [grading]
        grading = definition.grading_for("industries")
        self.assertEqual((grading.excellent, grading.unsatisfactory, grading.watchlist), (10, 3, 1))

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, '"industries"]', '{code = "industries", excellent = 10}]')
        self.assertProblem(text, line_of(text, "groups ="), "按组别设名额", "第 2 版")
        limited = self.only_for_agencies(YINCHUAN)
        problems = self.problems(limited)
        self.assertTrue(any("只适用于某些组别的方法" in p for p in problems), problems)

    def test_the_weights_of_each_group_sum_to_100(self) -> None:
        text = self.only_for_agencies(V2)
        self.assertProblem(
            text,
            line_of(text, "[[methods]]"),
            "组别“industries”适用的评议方法权重合计应为 100,现在是 75",
        )
        # Give the industries a method of their own and both groups weigh 100.
        text += (
            '\n[[methods]]\ncode = "hotline"\ntitle = "行风热线"\nweight = 25\n'
            'groups = ["industries"]\ninput = "scores"\n'
        )
        definition = parse_definition(text)
        self.assertEqual([m.code for m in definition.methods_for("industries")][-1], "hotline")
        self.assertNotIn("third_party", [m.code for m in definition.methods_for("industries")])
        self.assertEqual(len(definition.methods_for("agencies")), 4)

    def test_an_unknown_group_is_refused(self) -> None:
        text = edit(
            V2,
            'weight = 25\ninput = "ballots"',
            'weight = 25\ninput = "ballots"\ngroups = ["agncies"]',
        )
        problems = self.problems(text)
        self.assertTrue(any("“agncies”不是本活动的组别" in p for p in problems), problems)


class PerGroupLoadTests(BaseTestCase):
    def test_they_are_stored_and_read_back(self) -> None:
        text = PER_GROUP
        campaign = load_campaign(parse_definition(text), text).campaign
        self.assertEqual(
            campaign.group_grading,
            {"agencies": {"excellent": 6}, "industries": {"excellent": 10, "watchlist": 1}},
        )
        self.assertEqual(campaign.as_definition().grading_for("industries").excellent, 10)


DUCHA = """
[[deductions.rules]]
code = "ducha"
title = "集中督查发现问题(分值逐件确定)"
source = "discipline"
max_points = 2
"""


class CaseByCaseDefinitionTests(DefinitionTestCase):
    """Item 18: ``max_points`` instead of ``points``: set case by case within it."""

    def test_read_in_version_2(self) -> None:
        rule = parse_definition(V2 + DUCHA).rules[-1]
        self.assertEqual((rule.code, rule.points, rule.max_points), ("ducha", 0, 2))

    def test_only_version_2_and_not_with_points(self) -> None:
        text = YINCHUAN + DUCHA
        self.assertProblem(text, line_of(text, "max_points"), "分值逐件确定", "第 2 版")
        both = V2 + DUCHA + "points = 1\n"
        # The points line is the file's last.
        self.assertProblem(both, both.count("\n"), "不能同时写 points 和 max_points")


class CaseByCaseDataTests(FilesMixin, BaseTestCase):
    HEADER = ["unit", "rule", "date", "count", "evidence", "signed_off", "points"]

    def setUp(self) -> None:
        super().setUp()
        text = V2 + DUCHA
        self.campaign = load_campaign(parse_definition(text), text).campaign

    def test_the_import_takes_the_figure_of_each_case(self) -> None:
        bad = self.csv_file(
            [
                self.HEADER,
                ["gaj", "ducha", "2018-05-01", "1", "督查通报", "是", ""],
                ["gaj", "ducha", "2018-05-01", "1", "督查通报", "是", "2.5"],
                ["gaj", "no_interview", "2018-05-01", "1", "采访记录", "是", "0.3"],
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_deductions(self.campaign, bad)
        found = [(p.line, p.message) for p in caught.exception.problems]
        self.assertEqual([line for line, _ in found], [2, 3, 4])
        self.assertIn("请填写分值", found[0][1])
        self.assertIn("“2.5”不是有效分值", found[1][1])
        self.assertIn("分值列应留空", found[2][1])
        good = self.csv_file(
            [self.HEADER, ["gaj", "ducha", "2018-05-01", "1", "督查通报", "是", "1.5"]]
        )
        do_import_deductions(self.campaign, good)
        (found_input,) = read_tallies(self.campaign).deductions
        self.assertEqual((found_input.rule, found_input.points), ("ducha", Decimal("1.5")))

    def test_a_proposal_sets_the_figure(self) -> None:
        rule = self.campaign.deduction_rules.get(code="ducha")
        propose = dict(
            campaign=self.campaign,
            unit=self.gaj,
            rule=rule,
            date=datetime.date(2018, 5, 1),
            actor=self.organiser,
        )
        with self.assertRaises(InvalidInput):
            do_propose_deduction(**propose)  # type: ignore[arg-type]
        with self.assertRaises(InvalidInput):
            do_propose_deduction(**propose, points=Decimal(3))  # type: ignore[arg-type]
        deduction = do_propose_deduction(**propose, points=Decimal(1))  # type: ignore[arg-type]
        self.assertEqual(deduction.points, 1)


class MinimumSampleDefinitionTests(DefinitionTestCase):
    """Item 7: ``min_ballots``, ``min_unit_ballots`` and ``too_few`` on a ballot method."""

    SAMPLES = (
        'weight = 25\ninput = "ballots"\nmin_ballots = 500\nmin_unit_ballots = 20\n'
        'too_few = "refuse"'
    )

    def test_read_in_version_2(self) -> None:
        method = parse_definition(v2('weight = 25\ninput = "ballots"', self.SAMPLES)).methods[0]
        self.assertEqual(
            (method.min_ballots, method.min_unit_ballots, method.too_few), (500, 20, "refuse")
        )

    def test_only_version_2_ballot_methods_and_known_outcomes(self) -> None:
        text = edit(YINCHUAN, 'weight = 25\ninput = "ballots"', self.SAMPLES)
        self.assertProblem(text, line_of(text, "min_ballots"), "最低样本量", "第 2 版")
        scores = v2(
            'weight = 25\ninput = "scores"', 'weight = 25\ninput = "scores"\nmin_ballots = 5'
        )
        self.assertProblem(scores, line_of(scores, "min_ballots"), "只适用于以答卷计分的方法")
        odd = v2('weight = 25\ninput = "ballots"', self.SAMPLES.replace('"refuse"', '"stop"'))
        self.assertProblem(odd, line_of(odd, "too_few"), '只能是 "warn"')


class BaselineFocusDefinitionTests(DefinitionTestCase):
    """Item 9: ``baseline_bottom`` and ``baseline_criticised`` in ``[grading]``."""

    FOCUS = "watchlist = 3\nbaseline_bottom = 2\nbaseline_criticised = true"

    def test_read_in_version_2(self) -> None:
        grading = parse_definition(v2("watchlist = 3", self.FOCUS)).grading
        self.assertEqual((grading.baseline_bottom, grading.baseline_criticised), (2, True))
        self.assertEqual(parse_definition(V2).grading.baseline_bottom, 0)

    def test_only_version_2_may_say_it(self) -> None:
        text = edit(YINCHUAN, "watchlist = 3", self.FOCUS)
        problems = self.problems(text)
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("按上年结果确定重点督查对象", problems[0])
