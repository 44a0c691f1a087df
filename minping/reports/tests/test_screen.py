"""The hall screen (大屏): what it shows when, from which figures, and who may open it."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Unit
from minping.reports import screen
from minping.reports.models import ScreenLink
from minping.scoring.models import ResultSnapshot
from minping.surveys.actions import do_advance_round, do_cast_ballot
from minping.surveys.models import Channel
from minping.surveys.questionnaires import UnitResponse
from minping.surveys.tests.helpers import open_collection
from minping.test import BaseTestCase

CODES = ("sifeng", "sanbuwei", "fuwu")


@override_settings(MINPING_CATEGORY_THRESHOLD=2)
class ScreenFiguresTest(BaseTestCase):
    """Three ranked units, two rounds of the third-party survey, threshold 2 ballots.

    Points: 好 100, 较好 80, 一般 60, 较差 30; indicators weigh 1 each (S-1).
    Round 1:
      gaj   好好好 + 一般一般一般: every indicator (100 + 60) / 2 = 80 → 80.00, 2 ballots
      tax   好好较差 + 好好好: (100 + 100 + (30 + 100) / 2) / 3 = 265 / 3 = 88.333… → 88.33
      water 较好好较差, 1 ballot: fewer than 2, so not ranked on the screen
    Ranks among those shown (S-5): tax 1, gaj 2.
    """

    def setUp(self) -> None:
        self.campaign = make_campaign("screen-2026", year=2026, title="2026年大屏测试")
        self.tax = Unit.objects.create(code="tax", name="税务局", group=self.agencies)
        self.q = open_collection(
            self.campaign, channels=[str(Channel.ONLINE)], rounds=2, target=3, round_target=2
        )
        self.method = self.q.method
        self.cast(self.gaj, "好好好")
        self.cast(self.gaj, "一般一般一般")
        self.cast(self.tax, "好好较差")
        self.cast(self.tax, "好好好")
        self.cast(self.water, "较好好较差")

    def cast(self, unit: Unit, answers: str) -> None:
        labels = re.findall("较好|较差|一般|好|差", answers)
        do_cast_ballot(
            questionnaire=self.q,
            channel=Channel.ONLINE,
            responses=[UnitResponse(unit, dict(zip(CODES, labels, strict=True)))],
            category="办事群众",
        )

    def boards(self) -> list[dict[str, Any]]:
        return list(screen.payload(self.campaign)["boards"])

    def test_the_open_round_shows_counts_only_never_a_unit(self) -> None:
        document = screen.payload(self.campaign)
        self.assertEqual(document["mode"], "collection")
        self.assertEqual(document["boards"], [])
        self.assertIn("第三方测评:第 1 轮(共 2 轮)进行中,已收回有效答卷 5 份", document["counts"])
        text = json.dumps(document, ensure_ascii=False)
        for name in ("公安局", "税务局", "水务集团"):
            self.assertNotIn(name, text)

    def test_a_closed_round_is_ranked_by_the_engine_leaving_out_units_with_few_ballots(
        self,
    ) -> None:
        do_advance_round(self.organiser, self.method, 1)
        boards = self.boards()
        self.assertEqual(
            [(b["title"], b["group"]) for b in boards],
            [
                ("第三方测评 第 1 轮排名", "机关单位"),
                ("第三方测评 第 1 轮排名", "重点行业"),
            ],
        )
        self.assertEqual(
            boards[0]["rows"], [["1", "税务局", "88.33", "2"], ["2", "公安局", "80.00", "2"]]
        )
        self.assertEqual(boards[1]["rows"], [])
        self.assertEqual(boards[1]["note"], "另有 1 个单位本轮答卷少于 2 份,不排名。")
        self.assertNotIn("水务集团", json.dumps(boards, ensure_ascii=False))

    def test_ballots_in_the_open_round_change_counts_but_not_the_ranking(self) -> None:
        do_advance_round(self.organiser, self.method, 1)
        before = screen.payload(self.campaign)
        self.cast(self.gaj, "差差差")
        self.cast(self.gaj, "差差差")
        from django.core.cache import cache

        cache.clear()  # as if the cached document had expired
        after = screen.payload(self.campaign)
        self.assertEqual(after["boards"], before["boards"])
        self.assertIn("第三方测评:第 2 轮(共 2 轮)进行中,已收回有效答卷 7 份", after["counts"])
        self.assertNotEqual(after["version"], before["version"])

    def test_a_poll_with_the_cache_warm_reads_no_ballots_or_answers(self) -> None:
        do_advance_round(self.organiser, self.method, 1)
        screen.payload(self.campaign)
        self.client.force_login(self.leader)
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                got = self.client.get(reverse("screen-data", args=[self.campaign.code]))
                self.assertEqual(got.json()["boards"][0]["rows"][0][1], "税务局")
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        self.assertNotIn("surveys_ballot", sql)
        self.assertNotIn("surveys_answer", sql)

    @override_settings(MINPING_SCREEN_CACHE_SECONDS=0)  # every call builds the document
    def test_while_one_request_works_out_a_ranking_the_others_get_the_last_one(self) -> None:
        do_advance_round(self.organiser, self.method, 1)
        first = self.boards()
        from django.core.cache import cache

        key = f"minping:screen-round:{self.method.pk}:1"
        # The ranking's time is up and another request is working it out again.
        cache.clear()
        cache.set(key + ":kept", [dict(b, rows=[]) for b in first], None)
        cache.set(key + ":working", True, 60)
        with CaptureQueriesContext(connection) as queries:
            stale = self.boards()
        self.assertEqual([b["rows"] for b in stale], [[], []])
        self.assertNotIn("surveys_answer", " ".join(q["sql"] for q in queries.captured_queries))
        # No one is working on it: this request works it out.
        cache.delete(key + ":working")
        self.assertEqual(self.boards(), first)

    def test_after_publication_the_final_ranking_and_grades(self) -> None:
        results = {
            "units": [
                unit("water", "水务集团", "industries", 1, 78.0, "excellent"),
                unit("tax", "税务局", "agencies", 2, 81.7, None),
                unit("gaj", "公安局", "agencies", 1, 88.0, "excellent"),
            ]
        }
        ResultSnapshot.objects.create(campaign=self.campaign, results=results, published=True)
        self.campaign.publish = True
        self.campaign.published_at = timezone.now()
        self.campaign.save()
        document = screen.payload(self.campaign)
        self.assertEqual(document["mode"], "final")
        self.assertEqual(document["counts"], [])
        boards = document["boards"]
        self.assertEqual([b["group"] for b in boards], ["机关单位", "重点行业"])
        self.assertEqual(
            boards[0]["rows"],
            [["1", "公安局", "88.00", "优秀"], ["2", "税务局", "81.70", ""]],
        )
        self.assertEqual(boards[0]["note"], "优秀 1 个")
        self.assertEqual(boards[0]["columns"], ["名次", "单位", "综合得分", "等次"])

    def test_results_not_for_the_public_are_never_on_the_screen(self) -> None:
        results = {"units": [unit("gaj", "公安局", "agencies", 1, 88.0, "excellent")]}
        ResultSnapshot.objects.create(campaign=self.campaign, results=results, published=True)
        self.campaign.published_at = timezone.now()
        self.campaign.save()
        document = screen.payload(self.campaign)
        self.assertEqual((document["mode"], document["boards"]), ("ended", []))
        self.assertNotIn("公安局", json.dumps(document, ensure_ascii=False))


def unit(code: str, name: str, group: str, rank: int, composite: float, grade: Any) -> Any:
    return {
        "unit": code,
        "name": name,
        "group": group,
        "rank": rank,
        "composite": composite,
        "grade": grade,
        "methods": {},
        "watchlist": [],
    }


class ScreenAccessTest(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign("screen-2026", year=2026)
        self.page = reverse("screen", args=[self.campaign.code])
        self.data = reverse("screen-data", args=[self.campaign.code])

    def test_the_public_opens_the_screen_only_when_the_campaign_publishes(self) -> None:
        self.assertEqual(self.client.get(self.page).status_code, 404)
        self.assertEqual(self.client.get(self.data).status_code, 404)
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get(self.page).status_code, 404)
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(self.page).status_code, 200)
        self.client.logout()
        self.campaign.publish = True
        self.campaign.save()
        page = self.client.get(self.page)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self.client.get(self.data)["Content-Type"], "application/json")
        # Under the CSP: scripts only from files, the first figures as a JSON data block.
        html = page.content.decode()
        scripts = re.findall(r"<script([^>]*)>", html)
        self.assertEqual(len(scripts), 2)
        self.assertTrue(all("src=" in s or 'type="application/json"' in s for s in scripts))
        self.assertNotIn("style=", html)

    def test_a_screen_link_is_issued_shown_once_audited_and_revoked(self) -> None:
        self.client.force_login(self.organiser)
        links = reverse("screen-links", args=[self.campaign.code])
        bad = self.client.post(links, {"label": "   "})
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "请填写大屏的放置地点", status_code=400)
        self.assertFalse(ScreenLink.objects.exists())

        page = self.client.post(links, {"label": "市民服务中心一楼"})
        found = re.search(r'<code id="issued-link">http://testserver(/tv/[^<]+/)</code>', page.text)
        assert found is not None, page.text
        address = found.group(1)
        link = ScreenLink.objects.get()
        self.assertNotIn(address.split("/")[2], link.token_hash)
        self.assertEqual(AuditEntry.objects.filter(action="screen.issue").count(), 1)
        # The address is not shown again.
        self.assertNotContains(self.client.get(links), address)

        self.client.logout()
        self.assertEqual(self.client.get(address).status_code, 200)
        self.assertEqual(self.client.get(address + "data.json").status_code, 200)
        self.assertEqual(self.client.get("/tv/not-a-real-link/").status_code, 404)

        self.client.force_login(self.organiser)
        revoke = reverse("screen-link-revoke", args=[self.campaign.code, link.pk])
        self.assertRedirects(self.client.post(revoke), links)
        self.client.post(revoke)  # twice: logged once
        self.assertEqual(AuditEntry.objects.filter(action="screen.revoke").count(), 1)
        self.client.logout()
        self.assertEqual(self.client.get(address).status_code, 404)
        self.assertEqual(self.client.get(address + "data.json").status_code, 404)
