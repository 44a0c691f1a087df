"""The results page's marks of certainty and its results package download (docs/statistics.md)."""

from __future__ import annotations

import json

from minping.campaigns.models import Campaign
from minping.orgs.models import Unit
from minping.scoring.actions import do_compute_results, do_publish_results
from minping.scoring.models import ResultSnapshot
from minping.scoring.tests.db import cast, make_campaign, score
from minping.test import BaseTestCase
from minping.verify import check


class ResultsPackageTestCase(BaseTestCase):
    campaign: Campaign
    snapshot: ResultSnapshot

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        mzj = Unit.objects.create(code="mzj", name="民政局", group=cls.agencies)
        c = cls.campaign = make_campaign("t-2018", publish=True)
        # gaj 95.00 on the survey (two ballots through its window), mzj 60.00 (one ballot);
        # with online 90 and 85: 95 × 0.4 + 90 × 0.6 = 92.00 and 60 × 0.4 + 85 × 0.6 = 75.00.
        cast(c, cls.gaj_window, "survey", {"a": "好", "b": "好"}, {"a": "较好", "b": "好"})
        cast(c, mzj, "survey", {"a": "一般", "b": "一般"})
        cast(c, cls.water, "survey", {"a": "较好", "b": "较好"})
        score(c, cls.gaj, "90")
        score(c, mzj, "85")
        score(c, cls.water, "70")
        cls.snapshot = do_compute_results(c)

    def publish(self) -> None:
        do_publish_results(self.snapshot)

    def test_no_package_before_publication(self) -> None:
        self.assertEqual(self.client.get("/c/t-2018/results-package.json").status_code, 404)
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/c/t-2018/results-package.json").status_code, 404)
        r = self.client.get("/c/t-2018/")
        self.assertNotContains(r, "下载结果包")

    def test_the_public_downloads_a_package_that_verifies(self) -> None:
        self.publish()
        page = self.client.get("/c/t-2018/")
        self.assertContains(page, 'href="/c/t-2018/results-package.json"')
        r = self.client.get("/c/t-2018/results-package.json")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/json")
        self.assertIn("attachment", r["Content-Disposition"])
        package = json.loads(r.content)
        self.assertEqual(package["results"]["units"][0]["unit"], "gaj")
        self.assertEqual(check(package), [])

    def test_a_campaign_that_does_not_publish_keeps_its_package_in(self) -> None:
        self.campaign.publish = False
        self.campaign.save()
        self.publish()
        r = self.client.get("/c/t-2018/results-package.json")
        self.assertEqual(r.status_code, 302)
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get("/c/t-2018/results-package.json").status_code, 404)
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get("/c/t-2018/results-package.json").status_code, 200)

    def test_the_page_marks_places_and_small_samples(self) -> None:
        self.publish()
        r = self.client.get("/c/t-2018/")
        # 92.00 against 75.00 on two and one questionnaires: they cannot be told apart.
        self.assertContains(r, "与第 1–2 名差异不显著", count=2)
        self.assertContains(r, "答卷不足 30 份", count=3)
        self.assertContains(r, "综合得分 95% 区间")
        self.assertContains(r, "按 95% 的把握")

    def test_the_console_page_marks_them_too(self) -> None:
        self.client.force_login(self.organiser)
        r = self.client.get("/console/c/t-2018/results/")
        self.assertContains(r, "与第 1–2 名差异不显著", count=2)

    def test_old_snapshots_show_no_marks(self) -> None:
        self.snapshot.certainty = {}
        self.snapshot.save()
        self.publish()
        r = self.client.get("/c/t-2018/")
        self.assertContains(r, "民政局")
        self.assertNotContains(r, "差异不显著")
