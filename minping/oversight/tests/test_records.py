"""Talks, accountability and exposure (R-40) and awards to persons (seed 003), recorded."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Unit
from minping.oversight.actions import (
    NotAllowed,
    do_delete_consequence,
    do_delete_person_award,
    do_record_consequence,
    do_record_person_award,
)
from minping.oversight.models import Consequence, PersonAward
from minping.scoring.models import ResultSnapshot
from minping.test import BaseTestCase

DAY = datetime.date(2018, 12, 20)


class RecordActionsTest(BaseTestCase):
    campaign: Campaign

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.campaign = make_campaign()

    def test_a_talk_is_recorded_and_audited_then_deleted_with_its_reason(self) -> None:
        item = do_record_consequence(
            self.campaign,
            self.gaj,
            kind="talk",
            date=DAY,
            summary="约谈局长,要求限期整改",
            document_number="银纪〔2018〕12号",
            actor=self.organiser,
        )
        entry = AuditEntry.objects.get(action="consequence.record")
        self.assertEqual(entry.actor, self.organiser)
        self.assertEqual(entry.detail["unit"], "gaj")
        self.assertEqual(entry.detail["summary"], "约谈局长,要求限期整改")
        with self.assertRaises(InvalidInput):
            do_delete_consequence(item, reason="  ", actor=self.organiser)
        self.assertTrue(Consequence.objects.filter(pk=item.pk).exists())
        do_delete_consequence(item, reason="登记错了单位", actor=self.organiser)
        self.assertFalse(Consequence.objects.exists())
        gone = AuditEntry.objects.get(action="consequence.delete")
        self.assertEqual(gone.detail["reason"], "登记错了单位")
        self.assertEqual(gone.detail["summary"], "约谈局长,要求限期整改")
        self.assertEqual(verify(), [])

    def test_bad_records_say_every_problem_and_store_nothing(self) -> None:
        stranger = Unit.objects.create(code="bank", name="某银行")
        self.campaign.exclude = ["bank"]
        self.campaign.save()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with self.assertRaises(InvalidInput) as caught:
            do_record_consequence(
                self.campaign, stranger, kind="fine", date=tomorrow, summary=" ", actor=None
            )
        columns = {problem.column for problem in caught.exception.problems}
        self.assertEqual(columns, {"类别", "经过和结果", "日期", "单位"})
        self.assertFalse(Consequence.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_person_award_once_per_person_and_award(self) -> None:
        do_record_person_award(
            self.campaign,
            self.gaj_window,
            person="王芳",
            position="户政窗口负责人",
            award="优秀服务窗口负责人",
            actor=self.organiser,
        )
        with self.assertRaises(NotAllowed):
            do_record_person_award(
                self.campaign,
                self.gaj_window,
                person=" 王芳 ",
                award="优秀服务窗口负责人",
                actor=self.organiser,
            )
        with self.assertRaises(InvalidInput):
            do_record_person_award(
                self.campaign, self.gaj, person="", award="", actor=self.organiser
            )
        self.assertEqual(PersonAward.objects.count(), 1)
        self.assertEqual(AuditEntry.objects.filter(action="person_award.record").count(), 1)
        award = PersonAward.objects.get()
        do_delete_person_award(award, reason="名单报错", actor=self.organiser)
        self.assertEqual(
            AuditEntry.objects.get(action="person_award.delete").detail["person"], "王芳"
        )


class RecordPagesTest(BaseTestCase):
    campaign: Campaign

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.campaign = make_campaign(publish=True)

    def url(self) -> str:
        return reverse("console:records", kwargs={"code": self.campaign.code})

    def test_the_organiser_records_by_unit_name_and_sees_it_listed(self) -> None:
        self.client.force_login(self.organiser)
        page = self.client.get(self.url())
        self.assertContains(page, f'<option value="{self.gaj.pk}">公安局</option>', html=True)
        response = self.client.post(
            self.url(),
            {
                "record": "consequence",
                "c-unit": self.water.pk,
                "c-kind": "exposure",
                "c-date": "2018-12-01",
                "c-summary": "在电视问政节目中曝光抄表不准问题",
            },
            follow=True,
        )
        self.assertContains(response, "在电视问政节目中曝光抄表不准问题")
        self.assertContains(response, "公开曝光")
        item = Consequence.objects.get()
        self.assertEqual((item.unit, item.kind), (self.water, "exposure"))

    def test_a_bad_form_changes_nothing_and_says_why(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            self.url(),
            {
                "record": "consequence",
                "c-unit": self.gaj.pk,
                "c-kind": "talk",
                "c-date": "2018-13-01",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        self.assertFalse(Consequence.objects.exists())

    def test_the_leader_reads_but_cannot_record(self) -> None:
        do_record_person_award(
            self.campaign, self.gaj, person="赵六", award="先进个人", actor=self.organiser
        )
        self.client.force_login(self.leader)
        page = self.client.get(self.url())
        self.assertContains(page, "赵六")
        self.assertNotContains(page, "登记一项个人表彰")
        self.client.post(
            self.url(),
            {"record": "award", "a-unit": self.gaj.pk, "a-person": "钱七", "a-award": "先进个人"},
        )
        self.assertEqual(PersonAward.objects.count(), 1)

    def test_person_awards_appear_with_the_published_results(self) -> None:
        do_record_person_award(
            self.campaign,
            self.gaj_window,
            person="王芳",
            position="户政窗口负责人",
            award="优秀服务窗口负责人",
            actor=self.organiser,
        )
        results_url = reverse("campaign-results", kwargs={"code": self.campaign.code})
        ResultSnapshot.objects.create(campaign=self.campaign, results={"units": []}, published=True)
        self.campaign.published_at = timezone.now()
        self.campaign.save()
        page = self.client.get(results_url)
        self.assertContains(page, "个人表彰")
        self.assertContains(page, "王芳")
        self.assertContains(page, "户政窗口")


class RecordSentencesTest(BaseTestCase):
    def test_the_audit_log_says_what_was_recorded_in_words(self) -> None:
        from minping.console.audit_words import Reader

        campaign = make_campaign()
        do_record_consequence(
            campaign, self.gaj, kind="talk", date=DAY, summary="约谈局长", actor=self.organiser
        )
        do_record_person_award(
            campaign, self.gaj_window, person="王芳", award="优秀服务窗口负责人", actor=None
        )
        entries = list(AuditEntry.objects.order_by("seq"))
        reader = Reader.for_entries(entries)
        sentences = [reader.sentence(e) for e in entries]
        self.assertEqual(sentences[0], "organiser 登记了对 公安局 的约谈:约谈局长")
        self.assertIn("登记 户政窗口 的 王芳 为“优秀服务窗口负责人”", sentences[1])
