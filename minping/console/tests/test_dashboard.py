"""The leader's and organiser's 工作台, and where each role lands after signing in."""

from __future__ import annotations

import datetime
import re

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from minping.campaigns.models import Campaign, DeductionRule
from minping.cases.models import Case
from minping.console.dashboard import dashboard
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role, Unit
from minping.oversight.models import Deduction, Review, Submission, SubmissionRequirement
from minping.reports.tests.small_campaign import build_small_campaign
from minping.scoring.models import ResultSnapshot
from minping.surveys.questionnaires import settings_for
from minping.test import BaseTestCase


class DashboardTest(BaseTestCase):
    """The small campaign (reports/tests/small_campaign.py), computed but not published.

    Collection, survey: 5 + 5 + 3 + 5 + 5 = 23 accepted ballots; target 5 a unit × 5 ranked
    units = 25 → 23 / 25 = 92.0 %.
    Results: agencies gaj 88.00, jtj 81.70, mzj 75.00; industries water 78.00, gas 75.00.
    Grades: 优秀 gaj; 不满意 mzj and water (veto); 其余 jtj and gas → 1, 2, 2.
    Watch list, the lowest of each method per group: survey mzj (60) and gas (45); online
    gaj (80) and water (70).
    Cases of gaj: C-1 closed on time, C-2 answered late, C-3 transferred → open 2; on time
    1 of 2 answered = 50.0 %; C-3 due today and overdue nowhere → due this week 1, overdue 0.
    Waiting: one signed-off deduction to review; a requirement due yesterday, handed in by gaj
    only → 5 − 1 = 4 late.
    """

    def setUp(self) -> None:
        built = build_small_campaign(publish=False)
        self.campaign = built.campaign
        # Last year's campaign (the baseline) is over.
        Campaign.objects.filter(code="t-2017").update(published_at=timezone.now())
        survey = settings_for(self.campaign.methods.get(code="survey"))
        survey.target = 5
        survey.save()
        Case.objects.filter(number="C-3").update(due_on=timezone.localdate())
        rule = DeductionRule.objects.get(campaign=self.campaign, code="no_interview")
        Deduction.objects.create(
            campaign=self.campaign,
            unit=built.units["gaj"],
            rule=rule,
            date=datetime.date(2018, 9, 1),
            status=Review.SIGNED_OFF,
        )
        due = SubmissionRequirement.objects.create(
            campaign=self.campaign,
            kind="self_inspection",
            title="自查报告",
            due=timezone.localdate() - datetime.timedelta(days=1),
        )
        made = Submission(requirement=due, unit=built.units["gaj"], submitted_at=timezone.now())
        made.file.save("report.txt", ContentFile(b"report"), save=True)

    def test_the_figures(self) -> None:
        figures = dashboard(self.leader)
        self.assertEqual([c.campaign.code for c in figures.campaigns], ["t-2018"])
        shown = figures.campaigns[0]
        survey = next(c for c in shown.collections if c.title == "问卷评议")
        self.assertEqual((survey.accepted, survey.wanted, survey.percent), (23, 25, "92.0%"))
        ends = {g.name: [(u["rank"], u["name"]) for u in g.top] for g in shown.groups}
        self.assertEqual(
            ends,
            {
                "机关单位": [(1, "公安局"), (2, "交通局"), (3, "民政局")],
                "重点行业": [(1, "水务集团"), (2, "燃气公司")],
            },
        )
        self.assertTrue(all(g.bottom == [] for g in shown.groups))
        self.assertEqual(shown.grades, [("优秀", 1), ("不满意", 2), ("其余", 2)])
        self.assertEqual(
            sorted((name, methods) for _code, name, methods in shown.watch),
            [
                ("公安局", "网络评议"),
                ("民政局", "问卷评议"),
                ("水务集团", "网络评议"),
                ("燃气公司", "问卷评议"),
            ],
        )
        self.assertEqual(shown.late, 4)
        self.assertEqual(figures.to_review, 1)
        cases = figures.cases
        self.assertEqual(
            (cases.open, cases.overdue, cases.on_time_rate, cases.due_this_week),
            (2, 0, "50.0%", 1),
        )

    def test_the_bottom_five_of_a_long_group(self) -> None:
        """12 ranked units: the top five are ranks 1–5, the bottom five ranks 8–12."""
        units = [
            {
                "unit": f"u{i}",
                "name": f"单位{i}",
                "group": "agencies",
                "rank": i,
                "composite": 90 - i,
            }
            for i in range(1, 13)
        ]
        ResultSnapshot.objects.create(campaign=self.campaign, results={"units": units})
        group = dashboard(self.organiser).campaigns[0].groups[0]
        self.assertEqual([u["rank"] for u in group.top], [1, 2, 3, 4, 5])
        self.assertEqual([u["rank"] for u in group.bottom], [8, 9, 10, 11, 12])

    def test_every_figure_links_to_a_page_that_opens_for_leader_and_organiser(self) -> None:
        for user in (self.leader, self.organiser):
            self.client.force_login(user)
            page = self.client.get("/console/")
            self.assertEqual(page.status_code, 200)
            html = page.content.decode()
            board = html.split("<main>")[1].split("<h2>常用功能</h2>")[0]
            for text in (
                "<strong>1</strong> 条减分或一票否决待审核",
                "<strong>4</strong> 项材料逾期未报送",
                "<strong>1</strong> 件问题本周到期",
                "<strong>2</strong> 件未办结",
                "按时答复率 <strong>50.0%</strong>",
                "23 份",
                "优秀 <strong>1</strong> 个",
                "燃气公司",
            ):
                self.assertIn(text, board, user)
            links = set(re.findall(r'href="([^"#]+)(?:#[^"]*)?"', board))
            self.assertGreater(len(links), 8)
            for link in links:
                got = self.client.get(link.replace("&amp;", "&"))
                self.assertEqual(got.status_code, 200, f"{user}: {link}")
            # The links to cases show those the figures count.
            self.assertContains(self.client.get("/cases/?due=week"), "C-3")
            self.assertNotContains(self.client.get("/cases/?open=1"), "C-1")
            self.assertIn("工作台", html.split("<main>")[0])  # in the navigation

    def test_other_roles_keep_their_list_of_links(self) -> None:
        self.client.force_login(self.liaison)
        page = self.client.get("/console/")
        self.assertContains(page, "本单位")
        self.assertNotContains(page, "待办事项")
        self.assertNotContains(page, "公安局")


@override_settings(AXES_ENABLED=False)
class LandingTest(BaseTestCase):
    def sign_in(self, user: User, password: str, query: str = "") -> str:
        page = self.client.post(
            f"/login/{query}", {"username": user.username, "password": password}, follow=True
        )
        self.assertEqual(page.status_code, 200, page.redirect_chain)
        return str(page.redirect_chain[-1][0])

    def test_each_role_lands_on_its_page(self) -> None:
        make_campaign("land-2026", year=2026)  # the inspector's page is about a campaign
        inspector = User.objects.create_user("inspector", password="password-inspector")
        Membership.objects.create(user=inspector, role=Role.INSPECTOR)
        rater = User.objects.create_user("rater", password="password-rater")
        Membership.objects.create(user=rater, role=Role.RATER, unit=Unit.objects.get(code="water"))
        for user, password, place in [
            (self.organiser, "password-organiser", "/console/"),
            (self.leader, "password-leader", "/console/"),
            (self.liaison, "password-liaison", "/console/portal/gaj/"),  # their one unit
            (inspector, "password-inspector", "/console/oversight/inspections/"),
            (rater, "password-rater", "/console/sheets/"),
            (self.outsider, "password-outsider", "/"),
        ]:
            self.client.logout()
            self.assertEqual(self.sign_in(user, password), place, user)

    def test_a_page_asked_for_wins(self) -> None:
        self.assertEqual(
            self.sign_in(self.leader, "password-leader", "?next=/console/units/"), "/console/units/"
        )
