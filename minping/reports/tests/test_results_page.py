"""The results page: who may see it (R-37) and what a ranking table shows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from minping.campaigns.models import Campaign, Method
from minping.scoring.models import ResultSnapshot
from minping.test import BaseTestCase


def unit_result(code: str, name: str, rank: int, composite: float, **extra: Any) -> dict[str, Any]:
    result = {
        "unit": code,
        "name": name,
        "group": "agencies",
        "methods": {"survey": {"score": composite, "ballots": 120, "satisfaction_rate": 85.0}},
        "method_ranks": {"survey": rank},
        "weighted": composite,
        "deductions": {},
        "composite": composite,
        "rank": rank,
        "vetoed": False,
        "grade": None,
        "watchlist": [],
        "baseline": None,
        "change": None,
    }
    result.update(extra)
    return result


class ResultsPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = Campaign.objects.create(
            code="t-2026", title="2026年测试评议", year=2026, groups=["agencies"], publish=True
        )
        Method.objects.create(
            campaign=self.campaign, order=1, code="survey", title="问卷评议", weight=100
        )
        results = {
            "campaign": "t-2026",
            "units": [
                unit_result("gaj", "公安局", 1, 91.25, grade="excellent"),
                unit_result("mzj", "民政局", 2, 70.5, vetoed=True, grade="unsatisfactory"),
            ],
        }
        self.snapshot = ResultSnapshot.objects.create(campaign=self.campaign, results=results)

    def publish(self) -> None:
        self.snapshot.published = True
        self.snapshot.save()
        self.campaign.published_at = timezone.now()
        self.campaign.save()

    def test_organiser_sees_unpublished_results(self) -> None:
        self.client.force_login(self.organiser)
        r = self.client.get("/c/t-2026/")
        self.assertContains(r, "公安局")
        self.assertContains(r, "91.25")
        self.assertContains(r, "优秀")
        self.assertContains(r, "一票否决")
        self.assertContains(r, "未发布")

    def test_tables_are_drawn_once_per_snapshot_and_again_when_a_heading_changes(self) -> None:
        from unittest import mock

        from minping.reports import views

        self.client.force_login(self.organiser)
        with mock.patch.object(views, "group_tables", wraps=views.group_tables) as drawn:
            self.client.get("/c/t-2026/")
            second = self.client.get("/c/t-2026/")
            self.assertEqual(drawn.call_count, 1)
            self.assertContains(second, "91.25")  # the kept copy
            # A definition reloaded after the computation retitles the method: drawn again.
            Method.objects.filter(campaign=self.campaign, code="survey").update(title="群众问卷")
            third = self.client.get("/c/t-2026/")
            self.assertEqual(drawn.call_count, 2)
        self.assertContains(third, "群众问卷")
        self.assertContains(third, "91.25")

    def test_public_is_sent_to_sign_in_before_publication(self) -> None:
        r = self.client.get("/c/t-2026/")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/login/?next=", r["Location"])

    def test_signed_in_non_staff_gets_not_published(self) -> None:
        self.client.force_login(self.outsider)
        r = self.client.get("/c/t-2026/")
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, "91.25", status_code=404)

    def test_public_sees_published_results(self) -> None:
        self.publish()
        r = self.client.get("/c/t-2026/")
        self.assertContains(r, "91.25")

    def test_campaign_that_forbids_publication_stays_closed(self) -> None:
        # Yinchuan's plan forbids publishing: even a published snapshot stays internal.
        self.campaign.publish = False
        self.campaign.save()
        self.publish()
        self.campaign.publish = False
        self.campaign.save()
        r = self.client.get("/c/t-2026/")
        self.assertEqual(r.status_code, 302)

    def test_index_lists_only_what_the_viewer_may_see(self) -> None:
        self.assertNotContains(self.client.get("/"), "2026年测试评议")
        self.publish()
        self.assertContains(self.client.get("/"), "2026年测试评议")

    def test_unknown_campaign_is_404(self) -> None:
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/c/nope/").status_code, 404)

    def test_page_has_no_external_assets(self) -> None:
        self.client.force_login(self.organiser)
        html = self.client.get("/c/t-2026/").content.decode()
        self.assertNotIn("http://", html.replace("http://testserver", ""))
        self.assertNotIn("https://", html)


def test_short_title_drops_the_bracketed_explanation() -> None:
    from minping.reports.templatetags.minping_text import short_title

    assert short_title("问卷评议(集中评议阶段现场评议会问卷,不少于500份)") == "问卷评议"
    assert short_title("第三方测评(国家统计局银川调查队)") == "第三方测评"
    assert short_title("网络评议") == "网络评议"
