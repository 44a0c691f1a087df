"""The organiser's progress monitor: targets, rounds and their rankings, channels, the live part."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Unit
from minping.scoring.engine import round2
from minping.scoring.tallies import load_results
from minping.surveys.actions import (
    InvitationClaim,
    do_advance_round,
    do_cast_ballot,
    do_update_collection_settings,
)
from minping.surveys.models import Ballot, Channel, Invitation
from minping.surveys.progress import method_progress
from minping.surveys.questionnaires import UnitResponse, settings_for
from minping.surveys.tests.helpers import issue, open_collection
from minping.surveys.tokens import token_hash
from minping.test import BaseTestCase

CODES = ("sifeng", "sanbuwei", "fuwu")


class ProgressTest(BaseTestCase):
    """Three ranked units, two rounds.

    Points: 好 100, 较好 80, 一般 60, 较差 30, 差 0; weights sifeng 2, sanbuwei 1, fuwu 1.
    Round 1 (accepted only):
      gaj   好好好 + 一般一般一般 (2 invitations): every indicator (100+60)/2 = 80 → 80.00
      tax   好好较差 (online): (100×2 + 100 + 30) / 4 = 330/4 = 82.50
      water 较好好较差 (online): (80×2 + 100 + 30) / 4 = 290/4 = 72.50
      gaj   差差差, quarantined: not counted anywhere but "held"
    Round 2: tax 好好好 → 100.00; gaj 差差差 → 0.00.
    Targets: 3 per unit, 2 per unit per round.
    """

    def setUp(self) -> None:
        self.campaign = make_campaign("progress-2026", year=2026)
        self.campaign.indicators.filter(code="sifeng").update(weight=2)
        self.tax = Unit.objects.create(code="tax", name="税务局", group=self.agencies)
        channels = [str(Channel.INVITATION), str(Channel.ONLINE)]
        self.q = open_collection(
            self.campaign, channels=channels, rounds=2, target=3, round_target=2
        )
        self.method = self.q.method
        issue(self.method, 4)
        invitations = list(Invitation.objects.values_list("pk", flat=True))
        self.cast(self.gaj, "好好好", claim=invitations[0])
        self.cast(self.gaj, "一般一般一般", claim=invitations[1])
        self.cast(self.tax, "好好较差")
        self.cast(self.water, "较好好较差")
        self.cast(self.gaj, "差差差", status=Ballot.Status.QUARANTINED)
        do_advance_round(self.organiser, self.method, 1)
        self.cast(self.tax, "好好好")
        self.cast(self.gaj, "差差差")

    def cast(
        self,
        unit: Unit,
        answers: str,
        *,
        claim: object = None,
        status: str = Ballot.Status.ACCEPTED,
    ) -> None:
        labels = re.findall("较好|较差|一般|好|差", answers)
        do_cast_ballot(
            questionnaire=self.q,
            channel=Channel.INVITATION if claim else Channel.ONLINE,
            responses=[UnitResponse(unit, dict(zip(CODES, labels, strict=True)))],
            category="办事群众",
            claims=(InvitationClaim(claim),) if claim else (),  # type: ignore[arg-type]
            status=status,
            hold_reason="burst" if status != Ballot.Status.ACCEPTED else "",
        )

    def test_targets_rounds_and_held_ballots_per_unit(self) -> None:
        progress = method_progress(self.method)
        units = {u.code: u for u in progress.units}
        # gaj: 2 in round 1 + 1 in round 2 = 3 = target; round 2 has 1 < 2.
        self.assertEqual((units["gaj"].accepted, units["gaj"].by_round), (3, (2, 1)))
        self.assertFalse(units["gaj"].below_target)
        self.assertEqual(units["gaj"].round_below, (False, True))
        self.assertEqual(units["gaj"].quarantined, 1)
        self.assertEqual((units["tax"].accepted, units["tax"].below_target), (2, True))
        self.assertEqual(
            (units["water"].by_round, units["water"].round_below), ((1, 0), (True, True))
        )
        # The window has no ballots and is not ranked: no row.
        self.assertNotIn("gaj-w1", units)
        self.assertEqual(
            (progress.accepted, progress.quarantined, progress.below_target), (6, 1, 2)
        )

    def test_each_round_is_ranked_from_its_own_ballots(self) -> None:
        first, second = method_progress(self.method).rankings
        self.assertTrue(first.closed)
        self.assertFalse(second.closed)
        agencies = dict(first.groups)["机关单位"]
        self.assertEqual(
            [(r.rank, r.name, r.score, r.ballots) for r in agencies],
            [(1, "税务局", Decimal("82.50"), 1), (2, "公安局", Decimal("80.00"), 2)],
        )
        industries = dict(first.groups)["重点行业"]
        self.assertEqual([(r.name, r.score) for r in industries], [("水务集团", Decimal("72.50"))])
        # Round 2 only: gaj's round-1 80s do not lift its 差差差.
        agencies = dict(second.groups)["机关单位"]
        self.assertEqual(
            [(r.rank, r.name, r.score) for r in agencies],
            [(1, "税务局", Decimal("100.00")), (2, "公安局", Decimal("0.00"))],
        )
        self.assertNotIn("重点行业", dict(second.groups))

    def test_ties_share_a_rank(self) -> None:
        self.cast(self.water, "好好好")  # round 2, industries: alone
        tied = Unit.objects.create(code="land", name="自然资源局", group=self.agencies)
        self.cast(tied, "好好好")  # 100.00, as tax
        agencies = dict(method_progress(self.method).rankings[1].groups)["机关单位"]
        self.assertEqual([r.rank for r in agencies], [1, 1, 3])

    def test_channels_and_the_invitation_response_rate(self) -> None:
        channels = {c.label: c for c in method_progress(self.method).channels}
        # 4 issued, 2 used → 2 ÷ 4 = 50.0 %; online: tax×2, water, gaj (round 2) = 4 accepted.
        invitation = channels["邀请码"]
        self.assertEqual((invitation.ballots, invitation.issued, invitation.used), (2, 4, 2))
        self.assertEqual(invitation.rate, "50.0%")
        self.assertEqual(
            (channels["网上公开评议"].ballots, channels["网上公开评议"].rate), (4, "—")
        )

    def test_response_rate_per_unit_for_invitations_naming_it(self) -> None:
        gaj_invitations = issue(self.method, 3, unit=self.gaj, prefix="gaj")
        issue(self.method, 2, unit=self.water, prefix="water")
        used = Invitation.objects.get(token_hash=token_hash(gaj_invitations[0].token))
        self.cast(self.gaj, "好好好", claim=used.pk)
        units = {u.code: u for u in method_progress(self.method).units}
        # gaj 1 of 3 used → 33.3 %; water 0 of 2 → 0.0 %; tax named by none → "—". The 4
        # invitations of setUp name no unit and count only in the channel's rate.
        self.assertEqual((units["gaj"].invitations_used, units["gaj"].invited), (1, 3))
        self.assertEqual(units["gaj"].response_rate, "33.3%")
        self.assertEqual(units["water"].response_rate, "0.0%")
        self.assertEqual((units["tax"].invited, units["tax"].response_rate), (0, "—"))
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("surveys:progress", args=[self.campaign.code]))
        self.assertContains(page, "<td>1/3</td><td>33.3%</td>")

    def test_category_quotas_name_the_units_short_of_them(self) -> None:
        do_update_collection_settings(
            self.organiser, self.method, {"category_quotas": {"办事群众": 2, "企业办事人员": 3}}
        )
        quotas = {q.category: q for q in method_progress(self.method).quotas}
        # 办事群众, accepted: gaj 3, tax 2, water 1 (the held ballot does not count) → 6;
        # water has 1 < 2. 企业办事人员: no ballots at all, every unit is short.
        self.assertEqual((quotas["办事群众"].accepted, quotas["办事群众"].short), (6, ["水务集团"]))
        self.assertEqual(
            sorted(quotas["企业办事人员"].short), sorted(["公安局", "税务局", "水务集团"])
        )
        self.client.force_login(self.leader)
        page = self.client.get(reverse("surveys:progress", args=[self.campaign.code]))
        self.assertContains(page, "<summary><strong>1</strong> 个单位</summary>水务集团")
        # Only "short or not" per unit: water's single 办事群众 ballot is never shown as a count.
        self.assertNotIn("<td>1</td>", page.text.split("类别配额")[1].split("</table>")[0])

    def test_the_fragment_shows_a_new_ballot_and_the_page_works_without_script(self) -> None:
        self.client.force_login(self.leader)
        page = self.client.get(reverse("surveys:progress", args=[self.campaign.code]))
        live = reverse("surveys:progress_live", args=[self.campaign.code])
        self.assertContains(page, f'hx-get="{live}"')
        self.assertContains(page, 'hx-trigger="every 10s"')
        self.assertContains(page, 'data-total="third_party">6<')  # already there without JS
        self.assertContains(page, "未达标")
        self.assertContains(page, "<td>82.50</td>")  # tax, round 1
        self.assertNotContains(page, "结束第 2 轮")  # leaders read only
        self.assertContains(self.client.get(live), 'data-unit="third_party:water">1<')
        self.cast(self.water, "好好好")
        fragment = self.client.get(live)
        self.assertEqual(fragment["Cache-Control"], "no-store")
        self.assertContains(fragment, 'data-total="third_party">7<')
        self.assertContains(fragment, 'data-unit="third_party:water">2<')
        self.assertNotContains(fragment, "<html")

    def test_category_counts_on_the_page_are_suppressed(self) -> None:
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("surveys:progress", args=[self.campaign.code]))
        # Every unit has fewer than 5 ballots of 办事群众: each such cell is hidden.
        self.assertContains(page, 'title="少于 5 份,不显示"', count=3)

    def test_closing_a_round_is_audited_once_and_stops_at_the_last(self) -> None:
        url = reverse("surveys:advance_round", args=[self.campaign.code, "third_party"])
        self.client.force_login(self.organiser)
        settings = settings_for(self.method)
        settings.rounds = 3
        settings.save()
        self.assertContains(self.client.post(url, {"closing": "2"}), "现在是第 3 轮")
        self.assertContains(
            self.client.post(url, {"closing": "2"}), "现在是第 3 轮"
        )  # a double tap
        entries = AuditEntry.objects.filter(action="collection.round")
        self.assertEqual(
            [e.detail for e in entries.order_by("seq")],
            [
                {"method": "third_party", "closed": 1, "opened": 2},
                {"method": "third_party", "closed": 2, "opened": 3},
            ],
        )
        refused = self.client.post(url, {"closing": "3"})
        self.assertContains(refused, "已是最后一轮", status_code=400)
        self.assertContains(self.client.post(url, {"closing": "x"}), "表单已失效", status_code=400)
        self.assertEqual(settings_for(self.method).current_round, 3)
        self.assertEqual(entries.count(), 2)
        # New ballots go to the new round.
        self.cast(self.tax, "好好好")
        self.assertEqual(Ballot.objects.filter(round=3).count(), 1)

    def test_the_fragment_costs_the_same_queries_with_more_ballots(self) -> None:
        """GROUP BYs only: more ballots, same number of queries."""
        self.client.force_login(self.organiser)
        live = reverse("surveys:progress_live", args=[self.campaign.code])
        self.client.get(live)
        with CaptureQueriesContext(connection) as before:
            self.client.get(live)
        for _ in range(5):
            self.cast(self.water, "好好好")
        with CaptureQueriesContext(connection) as after:
            self.client.get(live)
        self.assertEqual(len(before.captured_queries), len(after.captured_queries))


class RoundRankingIsTheEnginesTest(BaseTestCase):
    """One round so far: its ranking is the engine's method score and rank, figure for figure.

    Points 好 100, 较好 80, 一般 60, 较差 30, 差 0; weights sifeng 2, sanbuwei 1, fuwu 1 (S-1),
    ballots written as (sifeng, sanbuwei, fuwu):
      gaj   好好好, 一般较差好: sifeng (100+60)/2 = 80, sanbuwei (100+30)/2 = 65,
            fuwu (100+100)/2 = 100 → (80×2 + 65 + 100) / 4 = 325/4 = 81.25
      tax   较好较好较好 → 80.00
      edu   较好好一般 → (80×2 + 100 + 60) / 4 = 320/4 = 80.00, tied with tax
      land  好较差差 → (100×2 + 30 + 0) / 4 = 230/4 = 57.50
      → agencies: gaj 1, edu 2, tax 2, land 4 (S-5: a tie shares a rank, the next is skipped)
      water 好好好, 好好好, 好一般好, 较好好较差: sifeng (100+100+100+80)/4 = 95,
            sanbuwei (100+100+60+100)/4 = 90, fuwu (100+100+100+30)/4 = 82.5
            → (95×2 + 90 + 82.5) / 4 = 362.5/4 = 90.625 → 90.63 half-up (S-5; banker's
            rounding would say 90.62)
    """

    def setUp(self) -> None:
        self.campaign = make_campaign("round-2026", year=2026)
        self.campaign.indicators.filter(code="sifeng").update(weight=2)
        self.q = open_collection(self.campaign, channels=[str(Channel.ONLINE)], rounds=2)
        self.method = self.q.method
        tax = Unit.objects.create(code="tax", name="税务局", group=self.agencies)
        edu = Unit.objects.create(code="edu", name="教育局", group=self.agencies)
        land = Unit.objects.create(code="land", name="自然资源局", group=self.agencies)
        for unit, answers in [
            (self.gaj, "好好好"),
            (self.gaj, "一般较差好"),
            (tax, "较好较好较好"),
            (edu, "较好好一般"),
            (land, "好较差差"),
            (self.water, "好好好"),
            (self.water, "好好好"),
            (self.water, "好一般好"),
            (self.water, "较好好较差"),
        ]:
            labels = re.findall("较好|较差|一般|好|差", answers)
            do_cast_ballot(
                questionnaire=self.q,
                channel=Channel.ONLINE,
                responses=[UnitResponse(unit, dict(zip(CODES, labels, strict=True)))],
                category="办事群众",
            )

    def test_the_round_ranking_equals_the_engines_method_score_and_rank(self) -> None:
        (only,) = method_progress(self.method).rankings
        shown = {r.name: (r.rank, r.score, r.ballots) for _, rows in only.groups for r in rows}
        self.assertEqual(
            shown,
            {
                "公安局": (1, Decimal("81.25"), 2),
                "教育局": (2, Decimal("80.00"), 1),
                "税务局": (2, Decimal("80.00"), 1),
                "自然资源局": (4, Decimal("57.50"), 1),
                "水务集团": (1, Decimal("90.63"), 4),
            },
        )
        results = load_results(self.campaign)
        engine = {
            u.name: (u.method_ranks["third_party"], round2(figure.score), figure.ballots)
            for u in results.units
            if (figure := u.methods["third_party"]) is not None
        }
        self.assertEqual(shown, engine)
        # Within a tie, by name; groups in their order, each ranked on its own.
        self.assertEqual(
            [(g, [r.name for r in rows]) for g, rows in only.groups],
            [
                ("机关单位", ["公安局", "教育局", "税务局", "自然资源局"]),
                ("重点行业", ["水务集团"]),
            ],
        )
