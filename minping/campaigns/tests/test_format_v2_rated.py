"""Version 2 of the definition file on whom each method rates (issue 13 items 13, 10, 15):
``parts``, ``covers`` and a group's ``parts_of``; read, stored, and followed by the importers
and pickers through ``campaigns.participation``.

The engine's side is tested in ``scoring/tests/test_engine_rated.py``.
"""

from __future__ import annotations

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Campaign, Method
from minping.campaigns.tests.test_definition import YINCHUAN, DefinitionTestCase, edit, line_of
from minping.campaigns.tests.test_format_v2 import V2, v2
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Unit
from minping.scoring.engine import compute
from minping.scoring.tallies import read_tallies
from minping.surveys.actions import do_import_ballots
from minping.surveys.models import Ballot
from minping.surveys.progress import method_progress
from minping.surveys.questionnaires import pickable_units
from minping.surveys.tests.test_import_ballots import HEADER, questionnaire
from minping.test import BaseTestCase

SURVEY = 'code = "third_party"\ntitle = "第三方测评"\nweight = 25\ninput = "ballots"\n'
SCORES = 'code = "online"\ntitle = "网络评议"\nweight = 25\ninput = "scores"\n'


class ParseTests(DefinitionTestCase):
    def test_version_2_ballot_methods_take_the_mean_by_default(self) -> None:
        methods = {m.code: m for m in parse_definition(V2).methods}
        self.assertEqual(methods["third_party"].parts, "mean")
        self.assertEqual(methods["online"].parts, "")  # scores are never averaged over parts
        self.assertEqual({m.parts for m in parse_definition(YINCHUAN).methods}, {""})

    def test_parts_covers_and_parts_of_are_read(self) -> None:
        text = v2(SURVEY, SURVEY + 'parts = "own"\n')
        text = v2(SCORES, SCORES + 'covers = ["gaj", "water"]\n', text)
        text = v2(
            'groups = [{code = "agencies", title = "市级机关单位"}, "industries"]',
            'groups = [{code = "agencies", title = "市级机关单位"}, "industries",\n'
            '          {code = "windows", title = "服务窗口", parts_of = "agencies"}]',
            text,
        )
        definition = parse_definition(text)
        methods = {m.code: m for m in definition.methods}
        self.assertEqual(methods["third_party"].parts, "own")
        self.assertEqual(methods["online"].covers, ("gaj", "water"))
        self.assertEqual(definition.part_groups, {"windows": "agencies"})

    def test_version_1_refuses_each_key_and_says_how_to_enable_it(self) -> None:
        for old, new, what in (
            (SURVEY, SURVEY + 'parts = "mean"\n', "有下属窗口/站所的部门怎样评"),
            (SCORES, SCORES + 'covers = ["gaj"]\n', "只评议部分单位的方法"),
            ('"industries"]', '"industries", {code = "w", parts_of = "agencies"}]', "单独排名"),
        ):
            with self.subTest(what=what):
                text = edit(YINCHUAN, old, new)
                self.assertProblem(text, line_of(text, new.splitlines()[-1]), "format = 2")

    def test_bad_values_are_refused_at_their_line(self) -> None:
        for old, new, message in (
            (SURVEY, SURVEY + 'parts = "avg"\n', "而不是“avg”"),
            (SCORES, SCORES + 'parts = "mean"\n', '只适用于以答卷计分的方法(input = "ballots")'),
            (SCORES, SCORES + "covers = []\n", "应为单位代码或组别代码的数组"),
            (SCORES, SCORES + 'covers = ["gaj", "gaj"]\n', "重复"),
            ('"industries"]', '"industries", {code = "w", parts_of = "nope"}]', "而不是“nope”"),
        ):
            with self.subTest(new=new):
                text = v2(old, new)
                self.assertProblem(text, line_of(text, new.splitlines()[-1]), message)


class LoadTests(BaseTestCase):
    def text(self) -> str:
        text = v2(SCORES, SCORES + 'covers = ["gaj"]\n')
        return v2(
            'groups = [{code = "agencies", title = "市级机关单位"}, "industries"]',
            'groups = [{code = "agencies", title = "市级机关单位"}, "industries",\n'
            '          {code = "windows", title = "服务窗口", parts_of = "agencies"}]',
            text,
        )

    def test_the_stored_campaign_gives_back_what_the_file_says(self) -> None:
        text = self.text()
        parsed = parse_definition(text)
        campaign = load_campaign(parsed, text).campaign
        stored = campaign.as_definition()
        self.assertEqual(stored.part_groups, {"windows": "agencies"})
        self.assertEqual(
            [(m.code, m.parts, m.covers) for m in stored.methods],
            [(m.code, m.parts, m.covers) for m in parsed.methods],
        )
        taking_part = campaign.participation()
        # gaj's window is ranked in "windows" and still a part of gaj.
        self.assertIn(("gaj-w1", "windows"), [(u.code, u.group) for u in taking_part.ranked])
        self.assertEqual(taking_part.parts("gaj"), ["gaj-w1"])
        self.assertFalse(taking_part.covered("water", "online"))
        # An identical reload changes nothing.
        self.assertTrue(load_campaign(parse_definition(text), text).unchanged)

    def test_the_campaign_page_says_whom_each_method_rates(self) -> None:
        text = self.text()
        load_campaign(parse_definition(text), text)
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/yc-2018/").content.decode()
        self.assertIn("只评议公安局", page)  # online covers gaj, shown by its name
        self.assertIn("有下属窗口/站所的部门取其平均,不直接评议部门", page)  # third_party
        self.assertNotIn("covers", page)

    def test_covers_naming_an_unknown_unit_is_refused_at_its_line(self) -> None:
        text = v2('covers = ["gaj"]', 'covers = ["gaj", "gja"]', self.text())
        with self.assertRaises(InvalidInput) as caught:
            load_campaign(parse_definition(text), text)
        (problem,) = caught.exception.problems
        self.assertEqual(problem.line, line_of(text, "covers ="))
        self.assertIn("“gja”既不是单位树中的单位,也不是本活动的组别", problem.message)
        self.assertFalse(Campaign.objects.exists())

    def test_covers_may_name_a_group_of_the_campaign(self) -> None:
        # "windows" ranks gaj's window (parts_of): naming the group covers it, not gaj.
        text = v2('covers = ["gaj"]', 'covers = ["windows"]', self.text())
        campaign = load_campaign(parse_definition(text), text).campaign
        taking_part = campaign.participation()
        self.assertTrue(taking_part.covered("gaj-w1", "online"))
        self.assertFalse(taking_part.covered("gaj", "online"))
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/yc-2018/").content.decode()
        self.assertIn("只评议服务窗口各单位", page)

    def test_covers_attribute_rates_the_units_carrying_it(self) -> None:
        Unit.objects.filter(code="gaj").update(tags=["进驻市民大厅"])
        text = v2('covers = ["gaj"]', 'covers_attribute = ["进驻市民大厅"]', self.text())
        parsed = parse_definition(text)
        campaign = load_campaign(parsed, text).campaign
        online = campaign.as_definition().methods[-1]
        self.assertEqual(online.covers_attribute, ("进驻市民大厅",))
        taking_part = campaign.participation()
        self.assertTrue(taking_part.covered("gaj-w1", "online"))
        self.assertFalse(taking_part.covered("water", "online"))
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/yc-2018/").content.decode()
        self.assertIn("只评议标有“进驻市民大厅”的单位", page)
        self.assertNotIn("covers_attribute", page)
        tree = self.client.get("/console/units/").content.decode()
        self.assertIn("<td>进驻市民大厅</td>", tree)

    def test_an_attribute_no_unit_carries_is_refused_at_its_line(self) -> None:
        text = v2('covers = ["gaj"]', 'covers_attribute = ["进驻市民大亭"]', self.text())
        with self.assertRaises(InvalidInput) as caught:
            load_campaign(parse_definition(text), text)
        (problem,) = caught.exception.problems
        self.assertEqual(problem.line, line_of(text, "covers_attribute ="))
        self.assertIn("“进驻市民大亭”单位树中没有哪个单位具有", problem.message)
        self.assertFalse(Campaign.objects.exists())

    def test_version_1_refuses_covers_attribute(self) -> None:
        text = edit(YINCHUAN, 'code = "online"\n', 'code = "online"\ncovers_attribute = ["x"]\n')
        with self.assertRaises(InvalidInput) as caught:
            parse_definition(text)
        self.assertIn("format = 2", caught.exception.problems[0].message)

    def test_a_covers_code_that_is_a_unit_and_a_group_is_refused(self) -> None:
        Unit.objects.create(code="windows", name="同名单位")
        text = v2('covers = ["gaj"]', 'covers = ["windows"]', self.text())
        with self.assertRaises(InvalidInput) as caught:
            load_campaign(parse_definition(text), text)
        (problem,) = caught.exception.problems
        self.assertEqual(problem.line, line_of(text, "covers ="))
        self.assertIn("既是单位代码又是组别代码", problem.message)
        self.assertFalse(Campaign.objects.exists())


class ImportAndPickTests(FilesMixin, BaseTestCase):
    """The importers and the pickers ask ``campaigns.participation`` per method."""

    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign(format=2)

    def test_mean_refuses_ballots_naming_a_department_with_windows(self) -> None:
        Method.objects.filter(campaign=self.campaign, code="third_party").update(parts="mean")
        path = self.csv_file([HEADER, *questionnaire("1", unit="gaj")])
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(self.campaign, path)
        self.assertIn("取其下属窗口/站所的平均", caught.exception.problems[0].message)
        self.assertIn("gaj-w1", caught.exception.problems[0].message)
        self.assertEqual(Ballot.objects.count(), 0)
        # Its window, and a unit without windows, are taken.
        path = self.csv_file(
            [HEADER, *questionnaire("2", unit="gaj-w1"), *questionnaire("3", unit="water")]
        )
        self.assertEqual(do_import_ballots(self.campaign, path).counts["ballots"], 2)
        # The other ballot method keeps version 1's rule: gaj itself may be rated.
        path = self.csv_file([HEADER, *questionnaire("4", unit="gaj", method="online")])
        self.assertEqual(do_import_ballots(self.campaign, path).counts["ballots"], 1)

    def test_own_refuses_ballots_naming_a_window(self) -> None:
        Method.objects.filter(campaign=self.campaign, code="third_party").update(parts="own")
        path = self.csv_file([HEADER, *questionnaire("1", unit="gaj-w1")])
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(self.campaign, path)
        self.assertIn("请记在“gaj”上", caught.exception.problems[0].message)

    def test_covers_refuses_ballots_about_a_unit_outside(self) -> None:
        Method.objects.filter(campaign=self.campaign, code="third_party").update(covers=["gaj"])
        path = self.csv_file([HEADER, *questionnaire("1", unit="water")])
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(self.campaign, path)
        self.assertIn("不在评议方法“third_party”的评议范围内", caught.exception.problems[0].message)

    def test_pickers_offer_what_the_method_rates(self) -> None:
        def picked(method: str | None) -> list[str]:
            return [u.code for u in pickable_units(self.campaign, method=method).units]

        self.assertEqual(picked(None), ["gaj", "water"])
        self.assertEqual(picked("third_party"), ["gaj", "water"])  # version 1's rule
        Method.objects.filter(campaign=self.campaign, code="third_party").update(parts="mean")
        # gaj is rated by its window's mean: the respondent picks the window.
        self.assertEqual(sorted(picked("third_party")), ["gaj-w1", "water"])
        Method.objects.filter(campaign=self.campaign, code="third_party").update(
            parts="", covers=["water"]
        )
        self.assertEqual(picked("third_party"), ["water"])


class OneQuestionnaireSeveralUnitsTests(FilesMixin, BaseTestCase):
    """Item 6: one ballot id over several units is one person's questionnaire (version 2)."""

    def rows(self) -> list[list[str]]:
        # One person rated gaj's window and water on one sheet; another rated gaj-w1 alone.
        return [
            HEADER,
            *questionnaire("p1", unit="gaj-w1"),
            *questionnaire("p1", unit="water"),
            *questionnaire("p2", unit="gaj-w1"),
        ]

    def test_version_1_refuses_it(self) -> None:
        campaign = make_campaign()
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(campaign, self.csv_file(self.rows()))
        self.assertIn("同一答卷只能评一个单位", caught.exception.problems[0].message)
        self.assertEqual(Ballot.objects.count(), 0)

    def test_version_2_stores_a_ballot_per_unit_sharing_one_sheet(self) -> None:
        campaign = make_campaign(format=2)
        summary = do_import_ballots(campaign, self.csv_file(self.rows()))
        self.assertEqual(summary.counts, {"ballots": 3, "answers": 9})
        # Every imported ballot names its questionnaire; p1's two share theirs, p2's is its own.
        units: dict[object, set[str]] = {}
        for ballot in Ballot.objects.select_related("unit"):
            units.setdefault(ballot.sheet, set()).add(ballot.unit.code)
        self.assertEqual(sorted(map(sorted, units.values())), [["gaj-w1"], ["gaj-w1", "water"]])
        self.assertNotIn(None, units)
        tallied = read_tallies(campaign)
        self.assertEqual(
            [(s.method, s.units) for s in tallied.sheets],
            [("third_party", frozenset({"gaj-w1", "water"}))],
        )

    def test_a_sheet_over_two_windows_counts_one_person_in_the_department(self) -> None:
        # gaj-w2 is added; p1 rates gaj-w1 and gaj-w2, p2 gaj-w1: gaj (mean of its windows)
        # has 2 + 1 = 3 ballots from 2 people.
        Unit.objects.create(code="gaj-w2", name="出入境窗口", parent=self.gaj)
        campaign = make_campaign(format=2)
        Method.objects.filter(campaign=campaign, code="third_party").update(parts="mean")
        rows = [
            HEADER,
            *questionnaire("p1", unit="gaj-w1"),
            *questionnaire("p1", unit="gaj-w2"),
            *questionnaire("p2", unit="gaj-w1"),
        ]
        do_import_ballots(campaign, self.csv_file(rows))
        results = compute(campaign.as_definition(), read_tallies(campaign))
        gaj = next(u for u in results.units if u.unit == "gaj").methods["third_party"]
        assert gaj is not None
        self.assertEqual(gaj.ballots, 2)
        self.assertIn("按人计 2 份", gaj.formula)

    def test_the_progress_monitor_counts_people(self) -> None:
        # "100名群众": 3 ballots, 2 people (p1 over two units, p2 over one).
        campaign = make_campaign(format=2)
        do_import_ballots(campaign, self.csv_file(self.rows()))
        progress = method_progress(campaign.methods.get(code="third_party"))
        self.assertEqual((progress.accepted, progress.people), (3, 2))
        self.assertTrue(progress.shared_sheets)
        # Version 1: one ballot per questionnaire, as before.
        other = make_campaign("yc-2019")
        rows = [HEADER, *questionnaire("p1", unit="gaj"), *questionnaire("p2", unit="water")]
        do_import_ballots(other, self.csv_file(rows))
        progress = method_progress(other.methods.get(code="third_party"))
        self.assertEqual((progress.accepted, progress.people), (2, 2))
        self.assertFalse(progress.shared_sheets)
