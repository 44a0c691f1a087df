"""The organiser's results page (issue 11 item 6): each method's rank, the warning when inputs
changed after the computation, the comparison of two computations, publishing after a
confirmation that shows it, 不满意 for a vetoed unit, and missing data named in Chinese."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from minping.audit.log import record
from minping.campaigns.models import MethodScore
from minping.oversight.models import Deduction, Review
from minping.reports.tests.small_campaign import Built, build_small_campaign
from minping.scoring.actions import do_compute_results
from minping.scoring.staleness import changes_since
from minping.scoring.tests.db import cast, make_campaign, score
from minping.test import BaseTestCase


class ResultsPageTest(BaseTestCase):
    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign(publish=False)

    def page(self, query: str = "") -> str:
        self.client.force_login(self.organiser)
        response = self.client.get(f"/console/c/t-2018/results/{query}")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_each_methods_rank_beside_its_score(self) -> None:
        html = self.page()
        self.assertIn("问卷评议排名</th>", html)
        # gaj: survey 100.00 first of three, online 80 third of three (small_campaign).
        row = html.split("<td>公安局")[1].split("</tr>")[0]
        # The name cell may carry marks (docs/statistics.md): the figures follow it.
        cells = [c.split(">")[-1] for c in row.split("</td>")[1:]]
        self.assertEqual(cells[2:6], ["100.00", "1", "80.00", "3"])

    def test_vetoed_unit_is_unsatisfactory(self) -> None:
        html = self.page()
        row = html.split("<td>水务集团")[1].split("</tr>")[0]
        self.assertIn("不满意", row)
        self.assertIn("一票否决", row)

    def test_no_warning_right_after_computing(self) -> None:
        self.assertEqual(changes_since(self.built.snapshot), [])
        self.assertNotIn('id="stale"', self.page())

    def test_warning_names_what_changed_after_the_computation(self) -> None:
        campaign = self.built.campaign
        deduction = Deduction.objects.create(
            campaign=campaign,
            unit=self.built.units["gaj"],
            rule=campaign.deduction_rules.get(code="no_interview"),
            date=self.built.snapshot.computed_at.date(),
            count=1,
            status=Review.SIGNED_OFF,
        )
        from minping.oversight.actions import do_accept

        do_accept(deduction, actor=self.organiser)
        cast(campaign, self.built.units["mzj"], "survey", {"a": "好", "b": "好"}, {"a": "好"})
        with transaction.atomic():
            record("import.scores", campaign_code=campaign.code, detail={})
            record("veto.accept", campaign_code="another", detail={})  # not this campaign
        html = self.page()
        self.assertIn('id="stale"', html)
        self.assertIn("采纳了 1 条减分", html)
        self.assertIn("导入了 1 个得分文件", html)
        self.assertIn("收到了 2 份新答卷", html)
        self.assertNotIn("一票否决</li>", html)
        # Computing again clears the warning.
        do_compute_results(campaign)
        self.assertNotIn('id="stale"', self.page())

    def test_the_check_is_two_small_queries(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            changes_since(self.built.snapshot)
        self.assertEqual(len(queries), 2)
        answers = [q["sql"] for q in queries if "surveys_answer" in q["sql"]]
        # A range of the primary key above the mark, never the campaign's whole table.
        self.assertIn('"surveys_answer"."id" >', answers[0])

    def test_comparison_of_two_computations(self) -> None:
        campaign = self.built.campaign
        # mzj's online score 85 → 95: weighted 0.4 × 60 + 0.6 × 95 = 24 + 57 = 81.00 (was 75.00);
        # still below jtj's 81.70, so mzj stays 3rd and, being last, 不满意.
        MethodScore.objects.filter(campaign=campaign, unit__code="mzj").update(score=Decimal(95))
        do_compute_results(campaign)
        html = self.page()
        section = html.split('id="compare"')[1]
        self.assertIn("1 个单位的得分、排名或等次有变化,4 个单位没有变化", section)
        self.assertIn("民政局", section)
        self.assertIn("75.00 → 81.00(+6.00)", section)
        self.assertIn("不满意 → 不满意", section)
        self.assertNotIn("公安局", section)

    def test_comparison_of_any_two_and_a_rank_change(self) -> None:
        campaign = self.built.campaign
        first = self.built.snapshot
        # jtj online 90 → 100: 0.4 × 70 + 0.6 × 100 = 88.00, − 0.30 = 87.70;
        # gaj online 80 → 60: 0.4 × 100 + 0.6 × 60 = 40 + 36 = 76.00.
        # Ranks: jtj 87.70 1st (was 2nd), gaj 76.00 2nd (was 1st), mzj 75.00 3rd;
        # excellent (one place) moves from gaj to jtj.
        MethodScore.objects.filter(campaign=campaign, unit__code="jtj").update(score=100)
        MethodScore.objects.filter(campaign=campaign, unit__code="gaj").update(score=60)
        second = do_compute_results(campaign)
        do_compute_results(campaign)  # a third, so that a and b are asked for
        html = self.page(f"?a={first.pk}&b={second.pk}")
        section = html.split('id="compare"')[1]
        self.assertIn("88.00 → 76.00(-12.00)", section)
        self.assertIn("1 → 2", section)
        self.assertIn("2 → 1", section)
        self.assertIn("优秀 → —", section)
        self.assertIn("— → 优秀", section)

    def test_publishing_asks_first_and_shows_the_comparison(self) -> None:
        campaign = self.built.campaign
        MethodScore.objects.filter(campaign=campaign, unit__code="mzj").update(score=Decimal(95))
        latest = do_compute_results(campaign)
        html = self.page()
        confirm = f"/console/c/t-2018/results/{latest.pk}/publish/confirm/"
        self.assertIn(f'href="{confirm}"', html)
        page = self.client.get(confirm).content.decode()
        self.assertIn("确认发布", page)
        self.assertIn("与上一次计算相比", page)
        self.assertIn("75.00 → 81.00", page)
        latest.refresh_from_db()
        self.assertFalse(latest.published)
        self.client.post(f"/console/c/t-2018/results/{latest.pk}/publish/")
        latest.refresh_from_db()
        self.assertTrue(latest.published)

    def test_confirmation_compares_with_the_published_results(self) -> None:
        campaign = self.built.campaign
        self.client.force_login(self.organiser)
        self.client.post(f"/console/c/t-2018/results/{self.built.snapshot.pk}/publish/")
        do_compute_results(campaign)  # same inputs: an unchanged computation in between
        MethodScore.objects.filter(campaign=campaign, unit__code="mzj").update(score=Decimal(95))
        latest = do_compute_results(campaign)
        page = self.client.get(f"/console/c/t-2018/results/{latest.pk}/publish/confirm/")
        text = page.content.decode()
        self.assertIn("与已发布的结果相比", text)
        self.assertIn("75.00 → 81.00", text)


class MissingDataTest(BaseTestCase):
    def test_missing_list_names_units_and_methods_in_chinese(self) -> None:
        campaign = make_campaign("t-2019", publish=True)
        cast(campaign, self.gaj, "survey", {"a": "好", "b": "好"})
        score(campaign, self.water, "80")
        do_compute_results(campaign)
        self.client.force_login(self.organiser)
        html = self.client.get("/console/c/t-2019/results/").content.decode()
        self.assertIn("公安局:网络评议 —— 缺少录入得分", html)
        self.assertIn("水务集团:问卷评议 —— 本单位及下属窗口、站所都没有答卷", html)
        alert = html.split("数据不完整")[1].split("</div>")[0]
        for code in ["gaj", "water", "online", "survey", "no_score", "no_ballots"]:
            self.assertNotIn(code, alert)
        public = self.client.get("/c/t-2019/").content.decode()
        self.assertIn("公安局:网络评议 —— 缺少录入得分", public)
        self.assertNotIn("no_score", public)
