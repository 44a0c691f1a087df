"""Generating from the report page: at once for a small campaign, through the background
worker for a large one, with progress the page polls, audited, downloads for the right people."""

from __future__ import annotations

import datetime
import hashlib
import shutil
import tempfile
from pathlib import Path

from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from minping.audit.models import AuditEntry
from minping.reports.actions import JobProgress, run_job
from minping.reports.models import ReportJob
from minping.reports.tasks import generate_report
from minping.reports.tests import files
from minping.reports.tests.small_campaign import Built, build_small_campaign
from minping.test import UploadsTestCase


class ReportJobTest(UploadsTestCase):
    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()

    def generate(self, kind: str = "analysis") -> ReportJob:
        self.client.force_login(self.organiser)
        url = reverse("report-generate", kwargs={"code": "t-2018"})
        response = self.client.post(url, {"kind": kind, "snapshot": self.built.snapshot.pk})
        self.assertRedirects(response, reverse("report-page", kwargs={"code": "t-2018"}))
        job = ReportJob.objects.get()
        return job

    def test_a_small_campaign_is_made_at_once_audited_and_downloadable(self) -> None:
        job = self.generate()
        self.assertEqual(job.state, ReportJob.State.DONE)
        word = self.client.get(reverse("report-download", kwargs={"pk": job.pk, "fmt": "docx"}))
        self.assertEqual(word.status_code, 200)
        data = b"".join(word.streaming_content)  # type: ignore[attr-defined]
        self.assertEqual(files.headings(files.open_docx(data))[0], "一、基本情况")
        self.assertIn(
            "%E5%88%86%E6%9E%90%E6%8A%A5%E5%91%8A", word["Content-Disposition"]
        )  # 分析报告
        # Both the request and the files made are in the audit log, with the files' hashes.
        actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
        self.assertEqual(actions[-2:], ["report.request", "report.generate"])
        made = AuditEntry.objects.get(action="report.generate")
        self.assertEqual(made.actor, self.organiser)
        self.assertEqual(made.detail["docx_sha256"], hashlib.sha256(data).hexdigest())
        # A leader downloads it too.
        self.client.force_login(self.leader)
        pdf = self.client.get(reverse("report-download", kwargs={"pk": job.pk, "fmt": "pdf"}))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        page = self.client.get(reverse("report-page", kwargs={"code": "t-2018"}))
        self.assertContains(page, reverse("report-download", kwargs={"pk": job.pk, "fmt": "pdf"}))
        self.assertNotContains(page, "生成分析报告")  # leaders read, they do not generate

    @override_settings(MINPING_REPORT_INLINE_UNITS=0)
    def test_a_large_campaign_goes_to_the_worker_and_the_page_polls_its_progress(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            job = self.generate()
        self.assertEqual(job.state, ReportJob.State.QUEUED)
        fragment = self.client.get(reverse("report-job", kwargs={"pk": job.pk}))
        self.assertContains(fragment, 'hx-trigger="every 2s"')
        self.assertContains(fragment, "<progress")
        self.assertEqual(fragment["Cache-Control"], "no-store")
        page = self.client.get(reverse("report-page", kwargs={"code": "t-2018"}))
        self.assertContains(page, f'hx-get="{reverse("report-job", kwargs={"pk": job.pk})}"')

        # Queued for the worker (the browser test runs a real worker; here the worker would
        # close the test's own connection on PostgreSQL): run what it would run.
        queued = DBTaskResult.objects.get(task_path="minping.reports.tasks.generate_report")
        self.assertEqual(queued.args_kwargs, {"args": [job.pk], "kwargs": {}})
        generate_report.call(*queued.args_kwargs["args"])

        job.refresh_from_db()
        self.assertEqual(job.state, ReportJob.State.DONE, job.error)
        self.assertEqual((job.done, job.total), (11, 11))  # 9 sections, Word, PDF
        fragment = self.client.get(reverse("report-job", kwargs={"pk": job.pk}))
        self.assertNotContains(fragment, "hx-trigger")  # finished: the polling stops
        self.assertContains(
            fragment, reverse("report-download", kwargs={"pk": job.pk, "fmt": "docx"})
        )

    def test_cards_zip_for_the_organiser(self) -> None:
        job = self.generate("cards_docx")
        self.assertEqual((job.state, job.total), (ReportJob.State.DONE, 5))
        response = self.client.get(reverse("cards-download", kwargs={"pk": job.pk}))
        self.assertEqual(response["Content-Type"], "application/zip")
        self.client.force_login(self.leader)
        refused = self.client.get(reverse("cards-download", kwargs={"pk": job.pk}))
        self.assertEqual(refused.status_code, 403)

    def test_a_broken_office_template_fails_the_job_with_its_reason(self) -> None:
        with self.settings(MINPING_REPORT_TEMPLATES=str(self.folder_with_bad_template())):
            job = self.generate()
        self.assertEqual(job.state, ReportJob.State.FAILED)
        self.assertIn("报告措辞模板 reports/analysis/overall.txt 有语法错误", job.error)
        self.assertFalse(job.docx)
        page = self.client.get(reverse("report-page", kwargs={"code": "t-2018"}))
        self.assertContains(page, "未能生成")

    def test_a_newer_report_replaces_the_older_files(self) -> None:
        first = self.generate("cards_docx")
        self.client.post(
            reverse("report-generate", kwargs={"code": "t-2018"}), {"kind": "cards_docx"}
        )
        first.refresh_from_db()
        second = ReportJob.objects.exclude(pk=first.pk).get()
        self.assertEqual(second.state, ReportJob.State.DONE)
        self.assertFalse(first.archive)
        gone = self.client.get(reverse("cards-download", kwargs={"pk": first.pk}))
        self.assertEqual(gone.status_code, 404)

    def test_unknown_kind_changes_nothing(self) -> None:
        self.client.force_login(self.organiser)
        url = reverse("report-generate", kwargs={"code": "t-2018"})
        response = self.client.post(url, {"kind": "everything"}, follow=True)
        self.assertContains(response, "请选择要生成的内容")
        self.assertFalse(ReportJob.objects.exists())

    def folder_with_bad_template(self) -> Path:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        path = folder / "reports" / "analysis" / "overall.txt"
        path.parent.mkdir(parents=True)
        path.write_text("# 二、总体结果\n{% if %}\n", encoding="utf-8")
        return folder


class InterruptedJobTest(UploadsTestCase):
    """A worker killed mid-job (issue 14 item 4): the job stops claiming to run."""

    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()

    def running(self, minutes_ago: int) -> ReportJob:
        from django.utils import timezone

        from minping.reports.models import STALE_SECONDS

        assert STALE_SECONDS == 15 * 60
        return ReportJob.objects.create(
            campaign=self.built.campaign,
            snapshot=self.built.snapshot,
            kind=ReportJob.Kind.ANALYSIS,
            state=ReportJob.State.RUNNING,
            step="正在排版 PDF 文件",
            heartbeat=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )

    def fragment(self, job: ReportJob) -> str:
        self.client.force_login(self.organiser)
        response = self.client.get(reverse("report-job", kwargs={"pk": job.pk}))
        return response.content.decode()

    def test_a_job_with_recent_progress_still_runs_and_is_polled(self) -> None:
        html = self.fragment(self.running(minutes_ago=14))
        self.assertIn("hx-get", html)
        self.assertIn("正在排版 PDF 文件", html)
        self.assertNotIn("生成中断", html)

    def test_a_job_cut_off_says_so_stops_polling_and_is_never_resumed_half_way(self) -> None:
        job = self.running(minutes_ago=16)
        html = self.fragment(job)
        self.assertIn("生成中断", html)
        self.assertIn("请重新生成", html)
        self.assertNotIn("hx-get", html)
        # Should the queue hand the task out again, it leaves the job alone: a new request
        # makes the report afresh.
        run_job(job.pk)
        job.refresh_from_db()
        self.assertEqual(job.state, ReportJob.State.RUNNING)
        self.assertFalse(job.docx)

    def test_progress_renews_the_heartbeat(self) -> None:
        job = self.running(minutes_ago=16)
        JobProgress(job.pk).note(1, 9, "正在写“基本情况”")
        job.refresh_from_db()
        self.assertFalse(job.interrupted)
