"""The audit log reads as sentences, with names where the entries keep codes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from minping.audit import log
from minping.audit.models import AuditEntry
from minping.campaigns.models import DeductionRule
from minping.console.audit_words import Reader, actor_name
from minping.lib.tests.import_fixtures import make_campaign
from minping.oversight.models import Deduction, Review
from minping.test import BaseTestCase


class SentenceTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign("yc-2018")
        self.organiser.first_name = "张三"
        self.organiser.save()

    def sentences(self) -> list[str]:
        entries = list(AuditEntry.objects.order_by("seq"))
        reader = Reader.for_entries(entries)
        return [reader.sentence(e) for e in entries]

    def test_an_accepted_deduction_names_the_person_unit_and_points(self) -> None:
        rule = DeductionRule.objects.get(campaign=self.campaign, code="no_interview")
        rule.points = Decimal("0.5")
        rule.save()
        deduction = Deduction.objects.create(
            campaign=self.campaign,
            unit=self.gaj,
            rule=rule,
            date=datetime.date(2018, 3, 1),
            count=2,
            status=Review.ACCEPTED,
        )
        with transaction.atomic():
            log.record(
                "deduction.accept",
                actor=self.organiser,
                obj=deduction,
                campaign_code="yc-2018",
                detail={"unit": "gaj", "reason": "证据充分"},
            )
        # 0.5 points a time, twice: 1 point.
        self.assertEqual(self.sentences(), ["张三 采纳了 公安局 的减分 1 分"])

    def test_codes_become_names_and_values_words(self) -> None:
        with transaction.atomic():
            log.record(
                "window_link.create",
                actor=self.leader,
                campaign_code="yc-2018",
                detail={"method": "third_party", "units": ["gaj-w1", "water"]},
            )
            log.record(
                "collection.settings",
                campaign_code="yc-2018",
                detail={"method": "online", "changed": {"channels": [[], ["kiosk"]]}},
            )
            log.record(
                "something.new",
                actor=log.Agent("群众(网上)"),
                detail={"unit": "gaj", "flag": True, "state": "pending_review", "n": 3},
            )
            log.record("sheet.assign", campaign_code="yc-2018", detail={"units": 2})
        window, settings, unknown, computed = self.sentences()
        self.assertEqual(
            window,
            "leader 生成窗口评议二维码(评议活动:2018年银川市群众评议机关作风;"
            "单位:户政窗口、水务集团;评议方法:第三方测评)",
        )
        self.assertTrue(settings.startswith("命令行"), settings)
        self.assertIn("修改收集设置", settings)
        self.assertIn("评议方法:网络评议", settings)
        self.assertNotIn("channels", settings)
        # An action this module does not know still reads as words, never as a dict.
        self.assertEqual(unknown, "群众(网上) 进行了操作(单位:公安局)")
        # A count where other actions list codes.
        self.assertIn("单位:2 个", computed)

    def test_the_page_shows_sentences_and_keeps_the_record_in_code(self) -> None:
        with transaction.atomic():
            log.record(
                "eligibility.withdraw",
                actor=self.organiser,
                campaign_code="yc-2018",
                detail={"unit": "gaj", "reason": "拉票"},
            )
        self.client.force_login(self.organiser)
        page = self.client.get("/console/audit/")
        self.assertContains(page, "张三 取消了 公安局 的评优资格,理由:拉票")
        self.assertContains(page, '<option value="yc-2018">2018年银川市群众评议机关作风</option>')
        self.assertContains(page, "&quot;unit&quot;: &quot;gaj&quot;")
        # Found by the name the sentence shows, as well as by the account name.
        self.assertContains(self.client.get("/console/audit/", {"actor": "张三"}), "共 1 条")

    def test_the_shell_is_named_as_such(self) -> None:
        self.assertEqual(actor_name("cli:root"), "命令行(root)")
        self.assertEqual(actor_name("cli"), "命令行")
        self.assertEqual(actor_name(""), "系统")
        self.assertEqual(actor_name("organiser", self.organiser), "张三")
