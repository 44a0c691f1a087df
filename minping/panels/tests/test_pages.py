"""The sample library's pages as the organiser uses them: masked numbers, audited lists,
a draw made and its letters issued from the forms, bad input answered in Chinese."""

from __future__ import annotations

import base64
import csv
import io
import re
import tempfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from minping.audit.models import AuditEntry
from minping.panels.models import Draw, InvitationBatch, Pool, Respondent, Retention
from minping.panels.tests.helpers import HEADER, collecting_campaign, draw, fill_pool, phone
from minping.surveys.models import Invitation
from minping.test import BaseTestCase


def csv_upload(rows: list[list[str]], name: str = "名单.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"))


def visible(html: str) -> str:
    """The page's text without tags (what a person reads)."""
    return re.sub(r"<[^>]+>", " ", html)


class PagesTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.dir = Path(folder.name)
        self.campaign, self.method = collecting_campaign()
        people = [
            (phone(i), f"人{i}" if i % 3 else "", "办事群众", "公安局" if i < 6 else "水务集团")
            for i in range(12)
        ]
        self.pool = fill_pool(self.dir, self.campaign, people)
        self.client.force_login(self.organiser)

    def test_a_new_pool_from_a_file_with_errors_stores_nothing_and_lists_them(self) -> None:
        upload = csv_upload(
            [HEADER, ["13800001111", "", "", "", ""], ["12345", "", "", "火星局", ""]]
        )
        url = reverse("panels:pool_new", args=[self.campaign.code])
        response = self.client.post(url, {"title": "第二个库", "file": upload})
        self.assertEqual(response.status_code, 400)
        text = visible(response.content.decode())
        self.assertIn("第 3 行,“手机号”列:“12345”不是有效的手机号码", text)
        self.assertIn("第 3 行,“单位”列:“火星局”不是本次活动的参评单位", text)
        self.assertFalse(Pool.objects.filter(title="第二个库").exists())
        good = csv_upload([HEADER, ["13800001111", "", "", "", ""]])
        response = self.client.post(url, {"title": "第二个库", "file": good})
        made = Pool.objects.get(title="第二个库")
        self.assertRedirects(response, reverse("panels:pool", args=[made.pk]))
        self.assertEqual(made.respondents.count(), 1)

    def test_the_list_shows_masked_numbers_and_every_page_is_audited(self) -> None:
        url = reverse("panels:people", args=[self.pool.pk])
        response = self.client.get(url)
        html = response.content.decode()
        self.assertIn("139****0001", html)
        for i in range(12):
            self.assertNotIn(phone(i), html)
        self.assertEqual(response["Cache-Control"], "no-store")
        entry = AuditEntry.objects.get(action="panel.view")
        self.assertEqual(entry.actor, self.organiser)
        self.assertEqual((entry.detail["page"], entry.detail["shown"]), (1, 12))
        # The unit filter takes the name typed into the searchable box.
        response = self.client.get(url, {"unit": "水务集团"})
        self.assertEqual(len(re.findall(r'class="phone"', response.content.decode())), 6)
        self.assertEqual(AuditEntry.objects.filter(action="panel.view").count(), 2)
        last = AuditEntry.objects.filter(action="panel.view").order_by("seq").last()
        assert last is not None
        self.assertEqual(last.detail["unit"], "水务集团")

    def test_an_export_is_audited_and_has_full_numbers(self) -> None:
        response = self.client.post(reverse("panels:pool_export", args=[self.pool.pk]))
        body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        rows = list(csv.reader(io.StringIO(body)))
        self.assertEqual(rows[0], ["手机号", "姓名", "类别", "单位", "区县"])
        self.assertEqual(sorted(r[0] for r in rows[1:]), sorted(phone(i) for i in range(12)))
        entry = AuditEntry.objects.get(action="panel.export")
        self.assertEqual(entry.detail["rows"], 12)
        # A GET (a prefetch, a link pasted into a chat) exports nothing.
        self.assertEqual(
            self.client.get(reverse("panels:pool_export", args=[self.pool.pk])).status_code, 405
        )

    def test_a_draw_from_the_forms_its_report_and_its_letters(self) -> None:
        url = reverse("panels:draw_new", args=[self.campaign.code])
        step = {"method": "third_party", "round": "1", "pool": str(self.pool.pk)}
        page = self.client.get(url, step)
        html = page.content.decode()
        self.assertIn("抽样框共 <strong>12</strong> 人", html)
        digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
        assert digest is not None
        plan = {
            **step,
            "digest": digest.group(1),
            "allocation": "proportional",
            "total": "8",
            "minimum_per_unit": "3",
            "reserve_percent": "25",
            "target": "6",
            "seed": "123456",
        }
        response = self.client.post(url, plan)
        made = Draw.objects.get()
        self.assertRedirects(response, reverse("panels:draw", args=[made.pk]))
        self.assertEqual((made.seed, made.sample_size, made.reserve_size), (123456, 8, 2))
        html = self.client.get(reverse("panels:draw", args=[made.pk])).content.decode()
        self.assertIn("123456", html)
        self.assertIn("有效答卷不少于 6 份", html)
        # The report, as Excel: one row per stratum (unit × category), then the totals.
        report = self.client.get(reverse("panels:draw_report", args=[made.pk]))
        sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
        assert sheet is not None
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
        self.assertEqual(values[0][:6], ["公安局", "办事群众", 6, 4, 4, 1])
        self.assertEqual(values[1][:6], ["水务集团", "办事群众", 6, 4, 4, 1])
        self.assertEqual(values[2][:6], ["合计", None, 12, 8, 8, 2])
        # Issue the letters: the response carries the PDF, one page per person in the sample.
        issue = {
            "letters": "on",
            "paper": "A5",
            "issuer": "兴庆区纠风办",
            "verify_phone": "0951-6012345",
            "expires": "2099-12-31",
            "who": "sample",
        }
        response = self.client.post(reverse("panels:issue", args=[made.pk]), issue)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        found = re.search(r'href="data:application/pdf;base64,([^"]+)"', response.content.decode())
        assert found is not None
        pdf = PdfReader(io.BytesIO(base64.b64decode(found.group(1))))
        self.assertEqual(len(pdf.pages), 8)
        self.assertIn("兴庆区纠风办", pdf.pages[0].extract_text())
        self.assertEqual(Invitation.objects.filter(campaign=self.campaign).count(), 8)
        self.assertEqual(InvitationBatch.objects.get().paper, "A5")
        # Issued once: the button for the sample is gone and a second post sends nothing.
        again = self.client.post(reverse("panels:issue", args=[made.pk]), issue)
        self.assertEqual(again.status_code, 400)
        self.assertIn("样本都已发过邀请", again.content.decode())
        self.assertEqual(Invitation.objects.filter(campaign=self.campaign).count(), 8)
        # The responses page lists the strata; the progress monitor links to it.
        responses = self.client.get(reverse("panels:responses", args=[self.campaign.code]))
        self.assertContains(responses, "已发邀请 8,已回应 <strong>0</strong>")
        progress = self.client.get(reverse("surveys:progress", args=[self.campaign.code]))
        self.assertContains(progress, reverse("panels:responses", args=[self.campaign.code]))

    def test_bad_draw_and_issue_forms_change_nothing(self) -> None:
        url = reverse("panels:draw_new", args=[self.campaign.code])
        step = {"method": "third_party", "round": "1", "pool": str(self.pool.pk)}
        response = self.client.post(
            url,
            {
                **step,
                "digest": "0" * 64,
                "allocation": "fixed",
                "per_stratum": "2",
                "reserve_percent": "0",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("样本库在您查看之后有了变动", response.content.decode())
        response = self.client.post(
            url, {**step, "allocation": "proportional", "reserve_percent": "abc"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Draw.objects.exists())
        made = draw(self.method, self.pool, per_stratum=2)
        response = self.client.post(
            reverse("panels:issue", args=[made.pk]), {"who": "sample", "expires": "2000-01-01"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Invitation.objects.exists())
        response = self.client.post(reverse("panels:redraw", args=[made.pk]), {"reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Draw.objects.count(), 1)
        response = self.client.post(
            reverse("panels:redraw", args=[made.pk]), {"reason": "号码有误"}
        )
        self.assertEqual(Draw.objects.filter(in_force=True).exclude(pk=made.pk).count(), 1)

    def test_the_draw_list_is_masked_and_audited(self) -> None:
        made = draw(self.method, self.pool, per_stratum=2)
        response = self.client.get(reverse("panels:draw_people", args=[made.pk]))
        html = response.content.decode()
        self.assertEqual(len(re.findall(r"139\*\*\*\*\d{4}", html)), 4)
        self.assertNotRegex(html, r"139\d{8}")
        self.assertEqual(AuditEntry.objects.get(action="panel.view").detail["draw"], made.pk)
        export = self.client.post(reverse("panels:draw_export", args=[made.pk]))
        sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
        assert sheet is not None
        self.assertEqual(sheet.max_row, 1 + 4)
        self.assertEqual(AuditEntry.objects.get(action="panel.export").detail["rows"], 4)

    def test_keeping_and_deleting_a_pool(self) -> None:
        url = reverse("panels:pool_keep", args=[self.pool.pk])
        response = self.client.post(url, {"reason": "", "delete_on": "2000-01-01"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Retention.objects.exists())
        response = self.client.post(url, {"reason": "次年回访复核", "delete_on": "2099-06-30"})
        self.assertRedirects(response, reverse("panels:pool", args=[self.pool.pk]))
        self.assertEqual(str(Retention.objects.get().delete_on), "2099-06-30")
        self.assertContains(
            self.client.get(reverse("panels:pool", args=[self.pool.pk])), "2099年6月30日"
        )
        delete = reverse("panels:pool_delete", args=[self.pool.pk])
        self.assertEqual(self.client.post(delete, {}).status_code, 400)
        self.assertTrue(Pool.objects.filter(pk=self.pool.pk).exists())
        response = self.client.post(delete, {"confirm": "on"})
        self.assertRedirects(response, reverse("panels:campaign", args=[self.campaign.code]))
        self.assertFalse(Respondent.objects.exists())
        self.assertEqual(
            AuditEntry.objects.get(action="panel.delete").detail["why"], "组织单位删除"
        )

    def test_the_pages_speak_plain_chinese(self) -> None:
        made = draw(self.method, self.pool, per_stratum=2)
        for url in (
            reverse("panels:index"),
            reverse("panels:campaign", args=[self.campaign.code]),
            reverse("panels:pool", args=[self.pool.pk]),
            reverse("panels:draw", args=[made.pk]),
            reverse("panels:responses", args=[self.campaign.code]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                text = visible(response.content.decode())
                for code in ("third_party", "gaj", "water", "R-", "{'", "None", "proportional"):
                    self.assertNotIn(code, text)

    def test_the_leader_is_refused(self) -> None:
        self.client.force_login(self.leader)
        for url in (
            reverse("panels:people", args=[self.pool.pk]),
            reverse("panels:campaign", args=[self.campaign.code]),
        ):
            self.assertEqual(self.client.get(url).status_code, 403)
        self.assertFalse(AuditEntry.objects.filter(action="panel.view").exists())
