"""Pools are personal information: masked on pages, deleted when the campaign closes unless
the office recorded a decision to keep them until a date (``minping panels purge``)."""

from __future__ import annotations

import datetime
import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase
from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.campaigns.models import Stage
from minping.panels.actions import do_issue_from_draw, do_keep_pool, purge_pools
from minping.panels.models import Draw, DrawMember, DrawStratum, Pool, Respondent, StratumInvitation
from minping.panels.privacy import closes_on, mask_phone
from minping.panels.responses import draw_response
from minping.panels.tests.helpers import collecting_campaign, draw, fill_pool, phone
from minping.test import BaseTestCase

DAY = datetime.timedelta(days=1)


class MaskTest(SimpleTestCase):
    def test_a_number_keeps_its_first_three_and_last_four_digits(self) -> None:
        self.assertEqual(mask_phone("13812341234"), "138****1234")
        self.assertEqual(mask_phone("123"), "***")


class PurgeTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.campaign, self.method = collecting_campaign()
        people = [(phone(i), "", "办事群众", "公安局") for i in range(10)]
        self.pool = fill_pool(Path(folder.name), self.campaign, people)
        self.today = timezone.localdate()

    def test_a_running_campaign_keeps_its_pool(self) -> None:
        self.assertIsNone(closes_on(self.campaign))
        Stage.objects.create(
            campaign=self.campaign,
            order=0,
            code="survey",
            title="集中评议",
            starts=self.today - 10 * DAY,
            ends=self.today + 10 * DAY,
        )
        self.assertEqual(purge_pools(self.today), [])
        self.assertEqual(purge_pools(self.today + 10 * DAY), [])  # the last day of the last stage
        self.assertEqual(len(purge_pools(self.today + 11 * DAY)), 1)  # the day after
        self.assertFalse(Pool.objects.exists())

    def test_published_results_close_the_campaign_and_the_pool_goes_the_next_day(self) -> None:
        made = draw(self.method, self.pool, per_stratum=4)
        do_issue_from_draw(
            self.organiser,
            made,
            expires=self.today + 20 * DAY,
            issuer="纠风办",
            verify_phone="12345",
        )
        self.campaign.published_at = timezone.now()
        self.campaign.save()
        self.assertEqual(purge_pools(self.today), [])
        done = purge_pools(self.today + DAY)
        self.assertEqual(done, [(f"{self.campaign.title} · {self.pool.title}", 10)])
        # Every person gone, and what draws held of them; the draw's report stays, counts only.
        self.assertFalse(Respondent.objects.exists())
        self.assertFalse(DrawMember.objects.exists())
        made.refresh_from_db()
        self.assertIsNone(made.pool)
        self.assertEqual(made.pool_title, "服务对象样本库")
        self.assertEqual(DrawStratum.objects.get(draw=made).sample, 4)
        self.assertEqual(StratumInvitation.objects.count(), 4)
        self.assertEqual(draw_response(made).issued, 4)
        entry = AuditEntry.objects.get(action="panel.delete")
        self.assertEqual(
            (entry.detail["why"], entry.actor_label.startswith("cli")), ("评议活动已结束", True)
        )

    def test_a_recorded_decision_keeps_the_pool_until_its_date(self) -> None:
        self.campaign.published_at = timezone.now() - 30 * DAY
        self.campaign.save()
        do_keep_pool(
            self.organiser, self.pool, reason="次年回访,复核整改效果", until=self.today + 5 * DAY
        )
        entry = AuditEntry.objects.get(action="panel.keep")
        self.assertEqual(entry.detail["reason"], "次年回访,复核整改效果")
        self.assertEqual(purge_pools(self.today + 4 * DAY), [])
        self.assertEqual(len(purge_pools(self.today + 5 * DAY)), 1)
        self.assertEqual(AuditEntry.objects.get(action="panel.delete").detail["why"], "保留期满")

    def test_the_daily_command(self) -> None:
        self.campaign.published_at = timezone.now() - 3 * DAY
        self.campaign.save()
        out = io.StringIO()
        call_command("panels", "purge", stdout=out)
        self.assertIn("删除样本库 1 个", out.getvalue())
        self.assertIn(":10 人", out.getvalue())
        self.assertFalse(Draw.objects.filter(pool__isnull=False).exists())
        self.assertFalse(Pool.objects.exists())


class CampaignDeletedTest(BaseTestCase):
    def test_deleting_a_campaign_deletes_its_pools_and_draws(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            campaign, method = collecting_campaign()
            pool = fill_pool(
                Path(folder), campaign, [(phone(i), "", "", "公安局") for i in range(5)]
            )
        made = draw(method, pool, per_stratum=2, reserve_percent=50)
        do_issue_from_draw(
            self.organiser,
            made,
            expires=timezone.localdate() + 5 * DAY,
            issuer="纠风办",
            verify_phone="12345",
        )
        campaign.delete()
        for model in (Pool, Respondent, Draw, DrawStratum, DrawMember, StratumInvitation):
            self.assertFalse(model.objects.exists(), model)
