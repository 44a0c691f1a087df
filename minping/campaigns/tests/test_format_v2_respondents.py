"""Version 2 of the definition file on whose ballots a method counts (issue 13 item 16, R-13,
R-18): ``respondents`` and ``exclude_respondents`` read, stored, written back, and followed at
the door (ballot import, questionnaires, collection settings, sample draws) through the one
decision ``MethodDef.respondent_refusal``.

The engine's side is tested in ``scoring/tests/test_engine_respondents.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.forms.models import model_to_dict

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Method
from minping.campaigns.serialise import definition_text
from minping.campaigns.tests.test_definition import YINCHUAN, DefinitionTestCase, edit, line_of
from minping.campaigns.tests.test_format_v2 import v2
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Membership, Role
from minping.panels.models import DrawMember
from minping.panels.tests.helpers import draw, fill_pool, phone
from minping.scoring.engine import compute
from minping.scoring.tallies import read_tallies
from minping.surveys.actions import do_import_ballots
from minping.surveys.forms import CollectionSettingsForm
from minping.surveys.models import Ballot, Channel
from minping.surveys.progress import method_progress
from minping.surveys.questionnaires import settings_for
from minping.surveys.tests.helpers import issue, open_collection
from minping.surveys.tests.test_import_ballots import HEADER, questionnaire
from minping.test import BaseTestCase

SURVEY = 'code = "third_party"\ntitle = "第三方测评"\nweight = 25\ninput = "ballots"\n'
SCORES = 'code = "online"\ntitle = "网络评议"\nweight = 25\ninput = "scores"\n'
RULE = 'respondents = ["两代表一委员"]\nexclude_respondents = ["厅级干部"]\n'
RULED = v2(SURVEY, SURVEY + RULE)


class ParseTests(DefinitionTestCase):
    def test_the_lists_are_read(self) -> None:
        methods = {m.code: m for m in parse_definition(RULED).methods}
        self.assertEqual(methods["third_party"].respondents, ("两代表一委员",))
        self.assertEqual(methods["third_party"].exclude_respondents, ("厅级干部",))
        self.assertEqual(methods["online"].respondents, ())
        text = v2(SURVEY, SURVEY + 'respondents = ["党代表", "人大代表", "政协委员"]\n')
        method = parse_definition(text).methods[0]
        self.assertEqual(method.respondent_refusal("两代表一委员"), "")  # one category

    def test_version_1_refuses_them_and_says_how_to_enable_them(self) -> None:
        for key in ('respondents = ["两代表一委员"]\n', 'exclude_respondents = ["厅级干部"]\n'):
            with self.subTest(key=key):
                text = edit(YINCHUAN, SURVEY, SURVEY + key)
                self.assertProblem(text, line_of(text, key.strip()), "评议主体类别", "format = 2")

    def test_bad_values_are_refused_at_their_line(self) -> None:
        for old, new, message in (
            (SCORES, SCORES + 'respondents = ["两代表一委员"]\n', "只适用于以答卷计分的方法"),
            (SURVEY, SURVEY + "respondents = []\n", "应为评议主体类别的数组"),
            (SURVEY, SURVEY + 'respondents = "两代表一委员"\n', "应为评议主体类别的数组"),
            (SURVEY, SURVEY + 'exclude_respondents = ["厅级干部", "厅级干部"]\n', "重复"),
            (SURVEY, SURVEY + 'respondents = [" "]\n', "应为非空的评议主体类别"),
            (SURVEY, SURVEY + "respondents = [3]\n", "应为非空的评议主体类别"),
            (SURVEY, SURVEY + f'respondents = ["{"长" * 41}"]\n', "最多 40 个字"),
            (
                SURVEY,
                SURVEY + 'respondents = ["党代表"]\nexclude_respondents = ["两代表一委员"]\n',
                "既在 respondents",
            ),
        ):
            with self.subTest(new=new):
                text = v2(old, new)
                self.assertProblem(text, line_of(text, new.splitlines()[-1]), message)

    def test_written_back_as_read(self) -> None:
        parsed = parse_definition(RULED)
        text = definition_text(parsed)
        self.assertIn('respondents = ["两代表一委员"]', text)
        self.assertEqual(parse_definition(text), parsed)


class StoreTests(BaseTestCase):
    def test_the_stored_campaign_gives_back_what_the_file_says(self) -> None:
        parsed = parse_definition(RULED)
        campaign = load_campaign(parsed, RULED).campaign
        method = campaign.methods.get(code="third_party")
        self.assertEqual(
            (method.respondents, method.exclude_respondents), (["两代表一委员"], ["厅级干部"])
        )
        self.assertEqual(campaign.as_definition().methods, parsed.methods)
        self.assertTrue(load_campaign(parse_definition(RULED), RULED).unchanged)
        self.client.force_login(self.organiser)
        page = self.client.get("/console/c/yc-2018/").content.decode()
        self.assertIn("评议主体:两代表一委员;本项评议不含厅级干部", page)
        # Dropping the rule is a change the audit log describes.
        outcome = load_campaign(parse_definition(edit(RULED, RULE, "")), edit(RULED, RULE, ""))
        self.assertIn("评议主体类别", " ".join(outcome.summary()))
        method.refresh_from_db()
        self.assertEqual((method.respondents, method.exclude_respondents), ([], []))


def ruled_campaign(code: str = "yc-2018", **fields: Any) -> Method:
    """make_campaign's yc-2018, version 2, its third_party counting 两代表一委员 only."""
    campaign = make_campaign(code, format=2, **fields)
    method = campaign.methods.get(code="third_party")
    method.respondents, method.exclude_respondents = ["两代表一委员"], ["厅级干部"]
    method.save()
    return method


def rows(key: str, category: str, unit: str = "gaj") -> list[list[str]]:
    return [[*row, category] for row in questionnaire(key, unit=unit)]


class ImportTests(FilesMixin, BaseTestCase):
    def test_a_row_of_a_category_not_counted_is_refused_with_line_column_and_reason(self) -> None:
        method = ruled_campaign()
        path = self.csv_file(
            [
                [*HEADER, "类别"],
                *rows("1", "党代表"),  # lines 2-4: 两代表一委员
                *rows("2", "厅级干部"),  # lines 5-7
                *rows("3", "办事群众", unit="water"),  # lines 8-10
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(method.campaign, path)
        problems = caught.exception.problems
        self.assertEqual([p.line for p in problems], [5, 6, 7, 8, 9, 10])
        self.assertEqual({p.column for p in problems}, {"类别"})
        self.assertIn(
            "评议主体类别“厅级干部”不参加该项评议(本项评议不含厅级干部)", problems[0].message
        )
        self.assertIn("不是该项评议的评议主体(评议主体:两代表一委员)", problems[3].message)
        self.assertEqual(Ballot.objects.count(), 0)

    def test_counted_categories_and_other_methods_are_taken(self) -> None:
        method = ruled_campaign()
        online = [[*row, "厅级干部"] for row in questionnaire("4", method="online")]
        path = self.csv_file([[*HEADER, "category"], *rows("1", "政协委员"), *online])
        self.assertEqual(do_import_ballots(method.campaign, path).counts["ballots"], 2)

    def test_ballots_stored_before_the_rule_are_left_out_of_the_results(self) -> None:
        # Imported while the method counted everyone; then the rule came. gaj: 党代表's ballot
        # (好 100, 较好 80, 差 0 → 60.00) counts, the 厅级干部's does not (a note says so).
        campaign = make_campaign(format=2)
        path = self.csv_file([[*HEADER, "类别"], *rows("1", "党代表"), *rows("2", "厅级干部")])
        do_import_ballots(campaign, path)
        Method.objects.filter(pk=campaign.methods.get(code="third_party").pk).update(
            respondents=["两代表一委员"], exclude_respondents=["厅级干部"]
        )
        tallies = read_tallies(campaign)
        self.assertEqual(
            sorted((b.category, b.count) for b in tallies.ballots), [("党代表", 1), ("厅级干部", 1)]
        )
        results = compute(campaign.as_definition(), tallies)
        gaj = next(u for u in results.units if u.unit == "gaj").methods["third_party"]
        assert gaj is not None
        self.assertEqual((gaj.score, gaj.ballots), (60, 1))
        self.assertIn("“第三方测评”有 1 份答卷(3 条答案)未计入", "\n".join(results.notes))
        # The progress page's round ranking asks the engine the same way.
        (ranking,) = method_progress(campaign.methods.get(code="third_party")).rankings
        ranked = [r for _, rows in ranking.groups for r in rows]
        self.assertEqual([(r.score, r.ballots) for r in ranked], [(60, 1)])

    def test_without_a_rule_the_count_has_no_category(self) -> None:
        campaign = make_campaign(format=2)
        path = self.csv_file([[*HEADER, "类别"], *rows("1", "党代表"), *rows("2", "厅级干部")])
        do_import_ballots(campaign, path)
        tallies = read_tallies(campaign)
        self.assertEqual([(b.category, b.count) for b in tallies.ballots], [("", 2)])
        self.assertEqual({a.category for a in tallies.answers}, {""})


class QuestionnaireTests(BaseTestCase):
    def test_only_counted_categories_are_offered_and_the_rule_is_said(self) -> None:
        method = ruled_campaign()
        questionnaire = open_collection(method.campaign, channels=[Channel.INTERVIEWER])
        self.assertEqual(questionnaire.spec["categories"], ["两代表一委员"])
        self.assertEqual(
            questionnaire.spec["respondents"], "评议主体:两代表一委员;本项评议不含厅级干部"
        )
        interviewer = User.objects.create_user("fangwen", password="x")
        Membership.objects.create(user=interviewer, role=Role.INTERVIEWER)
        self.client.force_login(interviewer)
        page = self.client.get(f"/s/enter/{method.campaign.code}/third_party/").content.decode()
        self.assertIn("评议主体:两代表一委员;本项评议不含厅级干部", page)
        self.assertIn('value="两代表一委员"', page)
        self.assertNotIn('value="办事群众"', page)
        # Another method asks every default category and says nothing of the kind.
        other = open_collection(method.campaign, "online")
        self.assertIn("办事群众", other.spec["categories"])
        self.assertNotIn("respondents", other.spec)

    def test_an_invitation_of_a_category_not_counted_is_refused(self) -> None:
        method = ruled_campaign()
        open_collection(method.campaign, channels=[str(Channel.INVITATION)])
        with self.assertRaises(InvalidInput) as caught:
            issue(method, category="厅级干部")
        self.assertIn("不参加该项评议", caught.exception.problems[0].message)
        self.assertEqual(len(issue(method, category="两代表一委员")), 1)

    def test_the_settings_form_refuses_adding_a_category_not_counted(self) -> None:
        method = ruled_campaign()
        settings = settings_for(method)
        data = {
            k: ("" if v is None else v)
            for k, v in model_to_dict(settings).items()
            if k not in ("id", "method", "categories", "category_quotas", "channels")
        }
        data["categories"] = "\n".join([*settings.categories, "厅级干部"])
        form = CollectionSettingsForm(data, instance=settings)
        self.assertFalse(form.is_valid())
        self.assertIn("不能添加“厅级干部”:评议主体类别“厅级干部”不参加该项评议", str(form.errors))
        # The categories already there may stay (the questionnaire leaves them out).
        data["categories"] = "\n".join(settings.categories)
        self.assertTrue(CollectionSettingsForm(data, instance=settings).is_valid())


class DrawTests(BaseTestCase):
    def test_a_draw_for_the_method_takes_only_categories_it_counts(self) -> None:
        method = ruled_campaign("pool-2026", year=2026)
        open_collection(method.campaign, channels=[str(Channel.INVITATION)])
        # The pool serves the campaign's other method too, which also asks 厅级干部.
        online = settings_for(method.campaign.methods.get(code="online"))
        online.categories = [*online.categories, "厅级干部"]
        online.save()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        # 30 people at 公安局: 10 each 人大代表 (stored as 两代表一委员), 厅级干部, 办事群众.
        categories = ("人大代表", "厅级干部", "办事群众")
        people = [(phone(i), f"人{i}", categories[i % 3], "公安局") for i in range(30)]
        pool = fill_pool(Path(folder.name), method.campaign, people)
        made = draw(method, pool, per_stratum=5)
        drawn = set(
            DrawMember.objects.filter(stratum__draw=made).values_list(
                "respondent__category", flat=True
            )
        )
        self.assertEqual(drawn, {"两代表一委员"})
        self.assertEqual((made.frame_size, made.left_out), (10, 20))
