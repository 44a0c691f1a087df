"""Uploaded files on their way in and out: refused by content, served so that nothing runs,
and deleted when replaced."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.lib.errors import InvalidInput
from minping.lib.tests import upload_fixtures as files
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role
from minping.oversight import actions
from minping.oversight.models import (
    Deduction,
    Submission,
    SubmissionKind,
    SubmissionRequirement,
    Veto,
    Visit,
    VisitPhoto,
)
from minping.test import UploadsTestCase

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENTS_ALLOWED = "只能上传 PDF、Word(.docx)、Excel(.xlsx)或图片(JPG、PNG、WebP)文件"


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


class UploadFilesTestCase(UploadsTestCase):
    campaign: Campaign
    requirement: SubmissionRequirement
    inspector: User
    reporter: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.campaign = make_campaign("yc-2018")
        cls.requirement = SubmissionRequirement.objects.create(
            campaign=cls.campaign,
            kind=SubmissionKind.SELF_INSPECTION,
            title="自查报告",
            due=datetime.date(2018, 6, 30),
        )
        cls.inspector = User.objects.create_user("inspector-zhao")
        Membership.objects.create(user=cls.inspector, role=Role.INSPECTOR)
        cls.reporter = User.objects.create_user("reporter")
        Membership.objects.create(user=cls.reporter, role=Role.SOURCE_MEMBER, source_code="media")

    # Records made through the actions, as the pages make them.

    def submit(self, name: str, data: bytes) -> Submission:
        upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        return actions.do_submit(self.requirement, self.gaj, actor=self.liaison, file=upload)

    def propose_deduction(self, name: str, data: bytes) -> Deduction:
        return actions.do_propose_deduction(
            campaign=self.campaign,
            unit=self.gaj,
            rule=DeductionRule.objects.get(campaign=self.campaign, code="no_interview"),
            date=datetime.date(2018, 5, 2),
            actor=self.organiser,
            attachment=SimpleUploadedFile(name, data),
        )

    def propose_veto(self, name: str, data: bytes) -> Veto:
        return actions.do_propose_veto(
            campaign=self.campaign,
            unit=self.gaj,
            rule=VetoRule.objects.get(campaign=self.campaign, code="case_filed"),
            date=datetime.date(2018, 7, 9),
            source_code="",
            actor=self.organiser,
            attachment=SimpleUploadedFile(name, data),
        )

    def record_visit(self, *photos: tuple[str, bytes]) -> Visit:
        return actions.do_record_visit(
            campaign=self.campaign,
            unit=self.gaj_window,
            date=datetime.date(2018, 6, 12),
            kind="covert",
            findings="窗口无人",
            photos=[SimpleUploadedFile(n, d, content_type="image/png") for n, d in photos],
            actor=self.inspector,
        )

    # Records as they may sit in a database from before uploads were checked: any bytes,
    # any name, no detected type.

    def legacy(self, model: Any, field: str, name: str, data: bytes, **values: Any) -> Any:
        return model.objects.create(**values, **{field: ContentFile(data, name=name)})

    def legacy_submission(self, name: str, data: bytes, unit: Any = None) -> Submission:
        return self.legacy(
            Submission,
            "file",
            name,
            data,
            requirement=self.requirement,
            unit=unit or self.gaj,
            submitted_at=timezone.now(),
        )

    def legacy_deduction(self, name: str, data: bytes) -> Deduction:
        rule = DeductionRule.objects.get(campaign=self.campaign, code="no_interview")
        return self.legacy(
            Deduction,
            "attachment",
            name,
            data,
            campaign=self.campaign,
            unit=self.gaj,
            rule=rule,
            date=datetime.date(2018, 5, 2),
        )

    def legacy_photo(self, name: str, data: bytes) -> VisitPhoto:
        visit = self.record_visit()
        return self.legacy(VisitPhoto, "file", name, data, visit=visit)


class ServingTestCase(UploadFilesTestCase):
    def get(self, url: str) -> Any:
        self.client.force_login(self.organiser)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response

    def assertSafe(self, response: Any, content_type: str, disposition: str) -> None:
        self.assertEqual(response["Content-Type"], content_type)
        self.assertEqual(response["Content-Disposition"], disposition)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(
            response["Content-Security-Policy"],
            "sandbox; default-src 'none'; frame-ancestors 'none'",
        )
        self.assertEqual(response["Cache-Control"], "private, no-store")

    def test_every_file_view_sends_the_type_found_as_a_download(self) -> None:
        report = files.docx_file()
        submission = self.submit("自查报告.docx", report)
        deduction = self.propose_deduction("通报.pdf", files.pdf())
        veto = self.propose_veto("立案.xlsx", files.xlsx_file())
        # Names not in ASCII go out percent-encoded in UTF-8, as RFC 5987 asks:
        # 自查报告 = %E8%87%AA %E6%9F%A5 %E6%8A%A5 %E5%91%8A, 通报 = %E9%80%9A %E6%8A%A5 …
        cases = [
            (
                f"/console/files/submissions/{submission.pk}/",
                DOCX_TYPE,
                "attachment; filename*=utf-8''%E8%87%AA%E6%9F%A5%E6%8A%A5%E5%91%8A.docx",
                report,
            ),
            (
                f"/console/oversight/deductions/{deduction.pk}/attachment/",
                "application/pdf",
                "attachment; filename*=utf-8''%E9%80%9A%E6%8A%A5.pdf",
                files.pdf(),
            ),
            (
                f"/console/oversight/vetoes/{veto.pk}/attachment/",
                XLSX_TYPE,
                "attachment; filename*=utf-8''%E7%AB%8B%E6%A1%88.xlsx",
                Path(veto.attachment.path).read_bytes(),
            ),
        ]
        for url, content_type, disposition, content in cases:
            with self.subTest(url):
                response = self.get(url)
                self.assertSafe(response, content_type, disposition)
                self.assertEqual(response.content, content)  # documents are stored as they came

    def test_a_reencoded_photo_is_shown_inline(self) -> None:
        visit = self.record_visit(("现场.jpg", files.image("JPEG")))
        photo = visit.photos.get()
        self.assertEqual(photo.file_type, "image/jpeg")
        response = self.get(f"/console/oversight/inspections/photos/{photo.pk}/")
        self.assertSafe(response, "image/jpeg", "inline; filename*=utf-8''%E7%8E%B0%E5%9C%BA.jpg")

    def test_hostile_files_stored_before_the_check_go_out_as_octet_stream_downloads(self) -> None:
        # The probe's three files, as the database may already hold them.
        submission = self.legacy_submission("自查报告.html", files.HTML_REPORT)
        deduction = self.legacy_deduction("依据.svg", files.SVG)
        photo = self.legacy_photo("现场.html", files.HTML_REPORT)
        polyglot = self.legacy_submission(
            "p.jpg", files.image("JPEG") + files.HTML_REPORT, self.water
        )
        cases = [
            (
                f"/console/files/submissions/{submission.pk}/",
                "%E8%87%AA%E6%9F%A5%E6%8A%A5%E5%91%8A.html",
            ),
            (f"/console/oversight/deductions/{deduction.pk}/attachment/", "%E4%BE%9D%E6%8D%AE.svg"),
            (f"/console/oversight/inspections/photos/{photo.pk}/", "%E7%8E%B0%E5%9C%BA.html"),
            (f"/console/files/submissions/{polyglot.pk}/", None),
        ]
        for url, quoted in cases:
            with self.subTest(url):
                response = self.get(url)
                name = f"filename*=utf-8''{quoted}" if quoted else 'filename="p.jpg"'
                self.assertSafe(response, "application/octet-stream", f"attachment; {name}")

    def test_a_sound_file_stored_before_the_check_keeps_its_type_but_is_downloaded(self) -> None:
        # Not re-encoded, so not shown inline even though it is a real picture.
        photo = self.legacy_photo("old.png", files.image("PNG"))
        response = self.get(f"/console/oversight/inspections/photos/{photo.pk}/")
        self.assertSafe(response, "image/png", 'attachment; filename="old.png"')
        submission = self.legacy_submission("old.pdf", files.pdf())
        response = self.get(f"/console/files/submissions/{submission.pk}/")
        self.assertSafe(response, "application/pdf", 'attachment; filename="old.pdf"')

    def test_a_file_changed_on_disk_after_its_check_is_not_trusted(self) -> None:
        visit = self.record_visit(("a.png", files.image("PNG")))
        photo = visit.photos.get()
        Path(photo.file.path).write_bytes(files.HTML_REPORT)
        response = self.get(f"/console/oversight/inspections/photos/{photo.pk}/")
        self.assertSafe(response, "application/octet-stream", 'attachment; filename="a.png"')


class RefusalStoresNothingTestCase(UploadFilesTestCase):
    def test_the_portal_refuses_a_web_page_report(self) -> None:
        self.client.force_login(self.liaison)
        upload = SimpleUploadedFile("自查报告.html", files.HTML_REPORT, content_type="text/html")
        response = self.client.post(
            f"/console/portal/gaj/submit/{self.requirement.pk}/", {"file": upload}, follow=True
        )
        self.assertContains(response, "“自查报告.html”的内容不是可接受的格式")
        self.assertContains(response, DOCUMENTS_ALLOWED)
        self.assertFalse(Submission.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_a_deduction_with_an_svg_attachment_is_refused(self) -> None:
        self.client.force_login(self.reporter)
        rule = DeductionRule.objects.get(campaign=self.campaign, code="no_interview")
        data = {
            "campaign": "yc-2018",
            "rule": rule.pk,
            "unit": self.gaj.pk,
            "date": "2018-05-02",
            "count": 1,
            "evidence": "拒绝采访",
            "attachment": SimpleUploadedFile("依据.svg", files.SVG, content_type="image/svg+xml"),
        }
        response = self.client.post("/console/oversight/deductions/new/?campaign=yc-2018", data)
        self.assertContains(response, "“依据.svg”的内容不是可接受的格式")
        self.assertFalse(Deduction.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_one_bad_photo_stores_no_visit_and_no_photo(self) -> None:
        self.client.force_login(self.inspector)
        response = self.client.post(
            "/console/oversight/inspections/visits/new/?campaign=yc-2018",
            {
                "unit": self.gaj.pk,
                "date": "2018-06-12",
                "kind": "covert",
                "findings": "无",
                "photos": [
                    SimpleUploadedFile("好.png", files.image("PNG"), content_type="image/png"),
                    SimpleUploadedFile("现场.html", files.HTML_REPORT, content_type="image/png"),
                ],
            },
        )
        self.assertContains(response, "“现场.html”的内容不是可接受的格式")
        self.assertContains(response, "只能上传图片(JPG、PNG、WebP)文件")
        self.assertFalse(Visit.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_the_actions_check_too(self) -> None:
        # A caller that skips the forms (another app, a script) is held to the same rules.
        with self.assertRaises(InvalidInput) as caught:
            self.submit("自查报告.html", files.HTML_REPORT)
        self.assertIn(DOCUMENTS_ALLOWED, caught.exception.lines()[0])
        with self.assertRaises(InvalidInput):
            self.propose_veto("依据.svg", files.SVG)
        with self.assertRaises(InvalidInput):
            self.record_visit(("好.png", files.image("PNG")), ("坏.png", files.HTML_REPORT))
        self.assertFalse(Submission.objects.exists() or Veto.objects.exists())
        self.assertFalse(Visit.objects.exists())
        self.assertEqual(stored_files(), [])


class RetentionTestCase(UploadFilesTestCase):
    def test_a_replaced_submission_file_is_deleted_once_the_replacement_commits(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            first = Path(self.submit("初稿.pdf", files.pdf()).file.path)
        self.assertTrue(first.exists())
        with self.captureOnCommitCallbacks(execute=False) as pending:
            second = Path(self.submit("定稿.docx", files.docx_file()).file.path)
        self.assertTrue(first.exists())  # not before the commit: a rollback would still need it
        for callback in pending:
            callback()
        self.assertFalse(first.exists())
        self.assertEqual(stored_files(), [second])
        submission = Submission.objects.get()
        self.assertEqual(
            (submission.file_type, Path(submission.file.name or "").name), (DOCX_TYPE, "定稿.docx")
        )

    def test_a_deleted_record_takes_its_files_along(self) -> None:
        visit = self.record_visit(("1.png", files.image("PNG")), ("2.webp", files.image("WEBP")))
        self.assertEqual(len(stored_files()), 2)
        with self.captureOnCommitCallbacks(execute=True):
            visit.delete()  # its photos go with it (CASCADE), and their files
        self.assertEqual(stored_files(), [])
