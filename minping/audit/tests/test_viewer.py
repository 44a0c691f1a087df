"""Organisers and leaders read and filter the audit log; nobody else opens it."""

from __future__ import annotations

from django.db import transaction

from minping.audit import log
from minping.test import BaseTestCase


class ViewerTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with transaction.atomic():
            log.record("deduction.propose", actor=self.organiser, campaign_code="yc-2018")
            log.record("deduction.accept", actor=self.organiser, campaign_code="yc-2018")
            log.record("scoring.publish", actor=self.leader, campaign_code="nt-2012")

    def test_filters(self) -> None:
        self.client.force_login(self.leader)
        page = self.client.get("/console/audit/", {"action": "deduction."})
        self.assertContains(page, "共 2 条")
        self.assertContains(page, "采纳减分")
        page = self.client.get("/console/audit/", {"campaign": "nt-2012"})
        self.assertContains(page, "共 1 条")
        self.assertContains(page, "发布结果")
        page = self.client.get("/console/audit/", {"actor": "leader"})
        self.assertContains(page, "共 1 条")

    def test_bad_date_is_said_and_ignored(self) -> None:
        self.client.force_login(self.organiser)
        page = self.client.get("/console/audit/", {"since": "2026-02-30"})
        self.assertContains(page, "不是有效日期,已忽略")
        self.assertContains(page, "共 3 条")

    def test_liaison_is_refused(self) -> None:
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get("/console/audit/").status_code, 403)
