"""Imports in the browser, through the Django test client: check, preview, problems, confirm,
re-import, templates, background jobs, a job cut off."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from minping.audit.models import AuditEntry
from minping.campaigns import import_jobs
from minping.campaigns.import_kinds import KINDS
from minping.campaigns.models import ImportBatch, ImportJob, MethodScore
from minping.lib.errors import MAX_REPORTED
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Unit
from minping.oversight.models import Deduction, Veto
from minping.surveys.models import Ballot
from minping.test import BaseTestCase

State = ImportJob.State


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_rows(data: bytes, sheet: int = 0) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def run_worker() -> None:
    """The django-tasks database worker, as ``minping db_worker --batch`` runs it.

    Inside a test's transaction: the worker would close a connection it finds not in
    autocommit (on PostgreSQL, the test's own), as a long-running process should.
    """
    with mock.patch.object(db_worker, "close_old_connections"):
        _worker()


def _worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


class ImportPagesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, True)
        self.folder = Path(folder)
        settings = override_settings(MINPING_IMPORT_DIR=folder)
        settings.enable()
        self.addCleanup(settings.disable)
        self.campaign = make_campaign()
        self.client.force_login(self.organiser)

    def upload(
        self, kind: str, rows: list[list[Any]] | bytes, name: str = "data.csv", **extra: str
    ) -> ImportJob:
        data = rows if isinstance(rows, bytes) else csv_bytes(rows)
        post = {"kind": kind, "file": SimpleUploadedFile(name, data), **extra}
        if KINDS[kind].per_campaign:
            post.setdefault("campaign", self.campaign.code)
        response = self.client.post("/console/imports/new/", post)
        job = ImportJob.objects.order_by("-pk").first()
        assert job is not None, response.content.decode()
        self.assertRedirects(response, f"/console/imports/{job.pk}/", fetch_redirect_response=False)
        return job

    def page(self, job: ImportJob) -> str:
        response = self.client.get(f"/console/imports/{job.pk}/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def confirm(self, job: ImportJob) -> ImportJob:
        self.client.post(f"/console/imports/{job.pk}/confirm/")
        job.refresh_from_db()
        return job


class CheckAndPreviewTest(ImportPagesTestCase):
    def test_units_with_errors_every_line_and_column_listed_and_nothing_stored(self) -> None:
        units = Unit.objects.count()
        job = self.upload(
            "units",
            [
                ["代码", "名称", "上级", "组别", "备注"],
                ["zfzx", "政务服务中心", "", "", "容器"],
                ["zfzx-w1", "", "zfzx", "windows", ""],  # line 3: no name
                ["zfzx-w2", "社保窗口", "nowhere", "", ""],  # line 4: unknown parent
                ["zfzx", "重复", "", "", ""],  # line 5: code repeated
            ],
            name="单位.csv",
        )
        job.refresh_from_db()
        self.assertEqual(job.state, State.FAILED)
        self.assertEqual(
            job.problems,
            [
                [3, "名称", "单位名称不能为空"],
                [5, "代码", "单位代码“zfzx”在第 2 行已出现"],
                [4, "上级", "上级单位“nowhere”在文件中和系统中都不存在"],
            ],
        )
        self.assertEqual(
            (Unit.objects.count(), ImportBatch.objects.count(), AuditEntry.objects.count()),
            (units, 0, 0),
        )
        body = self.page(job)
        self.assertIn("未导入,没有保存任何数据。", body)
        self.assertIn("有 3 处错误", body)
        self.assertIn('<td class="num">3</td><td>名称</td><td>单位名称不能为空</td>', body)
        # The preview: the file's header, what each column is taken as, rows as they are.
        self.assertIn("<th>备注</th>", body)
        self.assertIn('<td class="unknown">不认识的列,不导入</td>', body)
        self.assertIn('<td class="known" title="单位全称">名称</td>', body)
        self.assertIn("<td>容器</td>", body)
        # The uploaded file is gone: a corrected one is uploaded anew.
        self.assertIsNone(import_jobs.upload_path(job))

    def test_english_headers_in_any_order_check_then_store_on_confirm(self) -> None:
        job = self.upload(
            "units",
            [["name", "code", "group", "parent"], ["政务服务中心", "zfzx", "", ""]],
        )
        job.refresh_from_db()
        self.assertEqual(job.state, State.READY)
        self.assertEqual(job.check_text, "将导入评议对象 1 个:新增 1,更新 0,未变 0")
        labels = [c["label"] for c in job.preview["columns"]]
        self.assertEqual(labels, ["名称", "代码", "组别", "上级"])
        self.assertFalse(Unit.objects.filter(code="zfzx").exists())
        self.assertIn("确认导入", self.page(job))

        job = self.confirm(job)
        self.assertEqual(job.state, State.DONE)
        self.assertEqual(job.result_text, "已导入评议对象 1 个:新增 1,更新 0,未变 0")
        self.assertTrue(Unit.objects.filter(code="zfzx", name="政务服务中心").exists())
        entry = AuditEntry.objects.get(action="import.units")
        self.assertEqual((entry.actor, entry.actor_label), (self.organiser, "organiser"))
        assert job.batch is not None
        self.assertEqual(entry.object_id, str(job.batch.pk))
        self.assertIsNone(import_jobs.upload_path(job))
        self.assertIn("导入完成。", self.page(job))

    def test_more_problems_than_the_page_shows_are_all_in_the_downloads(self) -> None:
        rows: list[list[Any]] = [["单位", "规则", "日期", "已签字"]]
        rows += [["gaj", "no_interview", "2018-02-30", "是"] for _ in range(MAX_REPORTED + 40)]
        job = self.upload("deductions", rows)
        job.refresh_from_db()
        total = MAX_REPORTED + 40
        self.assertEqual((job.problems_total, len(job.problems)), (total, MAX_REPORTED))
        body = self.page(job)
        self.assertIn(f"错误(共 {total} 处,下面列出前 {MAX_REPORTED} 处)", body)
        self.assertEqual(body.count("<td>日期</td>"), MAX_REPORTED)

        text = b"".join(self.client.get(f"/console/imports/{job.pk}/problems.csv")).decode()
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        self.assertEqual(lines[0], ["行号", "列", "问题"])
        self.assertEqual(len(lines), total + 1)
        last = "日期“2018-02-30”不存在:2018 年 2 月只有 28 天"
        self.assertEqual(lines[-1], [str(total + 1), "日期", last])

        response = self.client.get(f"/console/imports/{job.pk}/problems.xlsx")
        self.assertIn("attachment", response["Content-Disposition"])
        sheet = xlsx_rows(response.content)
        self.assertEqual(len(sheet), total + 1)
        self.assertEqual(sheet[1][:2], [2, "日期"])
        self.assertEqual(Deduction.objects.count(), 0)

    def test_a_file_that_is_not_a_table_is_refused_before_anything_is_kept(self) -> None:
        response = self.client.post(
            "/console/imports/new/",
            {"kind": "units", "file": SimpleUploadedFile("单位.txt", b"code,name\n")},
        )
        self.assertContains(response, "只能导入 .csv 或 .xlsx 文件")
        self.assertFalse(ImportJob.objects.exists())
        # A .csv that is really a workbook: kept, read, refused by the reader.
        job = self.upload("units", b"PK\x03\x04" + b"\0" * 100, name="单位.csv")
        job.refresh_from_db()
        self.assertEqual(job.state, State.FAILED)
        self.assertIn("这是 Excel(.xlsx)文件,不是 CSV", job.problems[0][2])

    def test_a_campaign_kind_needs_a_campaign(self) -> None:
        response = self.client.post(
            "/console/imports/new/",
            {"kind": "ballots", "campaign": "", "file": SimpleUploadedFile("a.csv", b"x\n")},
        )
        self.assertContains(response, "导入答卷须选择评议活动")
        self.assertFalse(ImportJob.objects.exists())

    def test_a_leader_sees_the_history_and_the_job_but_cannot_act(self) -> None:
        job = self.upload("scores", [["方法", "单位", "得分"], ["领导评议", "gaj", "88"]])
        self.client.force_login(self.leader)
        listing = self.client.get("/console/imports/").content.decode()
        self.assertIn("data.csv", listing)
        self.assertNotIn("上传并检查", listing)
        body = self.page(job)
        self.assertIn("检查通过", body)
        self.assertNotIn("确认导入", body)
        self.assertEqual(self.client.post(f"/console/imports/{job.pk}/confirm/").status_code, 403)
        self.assertEqual(MethodScore.objects.count(), 0)

    def test_cancel_deletes_the_file(self) -> None:
        job = self.upload("scores", [["方法", "单位", "得分"], ["领导评议", "gaj", "88"]])
        self.assertIsNotNone(import_jobs.upload_path(job))
        self.client.post(f"/console/imports/{job.pk}/cancel/")
        job.refresh_from_db()
        self.assertEqual(job.state, State.CANCELLED)
        self.assertIsNone(import_jobs.upload_path(job))
        self.assertFalse(self.confirm(job).confirmed_at)


class ReimportTest(ImportPagesTestCase):
    def test_units_are_created_then_updated_and_the_same_file_may_come_again(self) -> None:
        rows = [["代码", "名称", "上级", "组别"], ["zfzx", "政务服务中心", "", ""]]
        self.confirm(self.upload("units", rows))
        again = self.confirm(self.upload("units", rows))
        self.assertEqual(again.state, State.DONE)
        self.assertEqual(again.result_text, "已导入评议对象 1 个:新增 0,更新 0,未变 1")
        renamed = [rows[0], ["zfzx", "市政务服务中心", "", ""]]
        self.assertEqual(self.confirm(self.upload("units", renamed)).counts["updated"], 1)
        self.assertEqual(Unit.objects.get(code="zfzx").name, "市政务服务中心")

    def test_scores_are_corrected_by_a_new_file_and_the_same_file_may_come_again(self) -> None:
        header = ["方法", "单位", "得分"]
        self.confirm(self.upload("scores", [header, ["领导评议", "gaj", "80"]]))
        self.assertEqual(
            self.confirm(self.upload("scores", [header, ["领导评议", "gaj", "80"]])).state,
            State.DONE,
        )
        corrected = self.confirm(self.upload("scores", [header, ["领导评议", "gaj", "85"]]))
        self.assertEqual(corrected.counts, {"created": 0, "corrected": 1, "unchanged": 0})
        # The page names the campaign by its title, not its code.
        self.assertEqual(
            corrected.result_text,
            "已导入 1 个得分到“2018年银川市群众评议机关作风” / 领导评议:新增 0,更正 1,未变 0",
        )
        self.assertEqual(MethodScore.objects.get().score, 85)

    def test_ballots_are_taken_once(self) -> None:
        rows = [["答卷", "方法", "单位", "指标", "等级"]]
        rows.append(["1", "第三方测评", "gaj", "四风整治", "好"])
        first = self.confirm(self.upload("ballots", rows))
        self.assertEqual(first.state, State.DONE)
        second = self.upload("ballots", rows, name="again.csv")
        second.refresh_from_db()
        self.assertEqual(second.state, State.FAILED)
        message = second.problems[0][2]
        self.assertIn("这个文件已于", message)
        self.assertIn("由 organiser 导入", message)
        self.assertIn("答卷只能导入一次", message)
        self.assertNotIn("--force", message)
        self.assertIn("答卷只能导入一次", self.page(second))
        self.assertEqual(Ballot.objects.count(), 1)

    def test_vetoes_are_taken_once_too(self) -> None:
        rows = [["单位", "规则", "日期"], ["gaj", "立案", "2018-05-01"]]
        self.confirm(self.upload("vetoes", rows))
        refused = self.upload("vetoes", rows)
        refused.refresh_from_db()
        self.assertEqual((refused.state, Veto.objects.count()), (State.FAILED, 1))


class TemplateFilesTest(ImportPagesTestCase):
    def test_every_template_reopens_and_imports_as_it_is(self) -> None:
        for code, kind in KINDS.items():
            for fmt in ("xlsx", "csv"):
                with self.subTest(kind=code, fmt=fmt):
                    url = f"/console/imports/templates/{code}.{fmt}?campaign={self.campaign.code}"
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    disposition = urllib.parse.unquote(response["Content-Disposition"])
                    self.assertIn(f"{kind.name}导入模板.{fmt}", disposition)
                    if fmt == "xlsx":
                        rows = xlsx_rows(response.content)
                        notes = xlsx_rows(response.content, sheet=1)
                        self.assertEqual(notes[0], ["列名", "是否必填", "填写说明"])
                        named = [row[0] for row in notes[1 : len(kind.columns) + 1]]
                        self.assertEqual(named, kind.headers())
                    else:
                        text = response.content.decode("utf-8")
                        self.assertTrue(text.startswith("\ufeff"))
                        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
                    self.assertEqual(rows[0], kind.headers())
                    self.assertGreaterEqual(len(rows), 2)
                    job = self.upload(code, response.content, name=f"template-{code}.{fmt}")
                    job = self.confirm(job)
                    self.assertEqual(job.state, State.DONE, job.problems)

    def test_the_units_template_explains_parent_and_group(self) -> None:
        response = self.client.get("/console/imports/templates/units.xlsx")
        notes = {row[0]: row[2] for row in xlsx_rows(response.content, sheet=1) if row[0]}
        self.assertIn("最上级的单位留空", notes["上级"])
        self.assertIn("留空表示本身不单独排名", notes["组别"])
        rows = xlsx_rows(response.content)
        self.assertEqual(rows[2][2], rows[1][0])  # the window's parent is the first unit
        self.assertIsNone(rows[2][3])  # and it has no group of its own

    def test_without_a_campaign_the_template_shows_the_format(self) -> None:
        response = self.client.get("/console/imports/templates/ballots.csv")
        rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
        self.assertEqual(rows[0], ["答卷", "方法", "单位", "指标", "等级", "类别", "日期"])
        self.assertEqual(rows[1][0], "1")


@override_settings(MINPING_IMPORT_BACKGROUND_ROWS=3)
class BackgroundJobTest(ImportPagesTestCase):
    """Files of MINPING_IMPORT_BACKGROUND_ROWS rows or more go to the worker (3 here)."""

    ROWS = [["答卷", "方法", "单位", "指标", "等级"]] + [
        [str(i), "第三方测评", "gaj", "四风整治", "较好"] for i in range(5)
    ]

    def test_checked_then_stored_by_the_worker_with_its_progress(self) -> None:
        job = self.upload("ballots", self.ROWS)
        job.refresh_from_db()
        self.assertEqual((job.state, job.background, job.rows_total), (State.WAITING, True, 5))
        self.assertEqual(DBTaskResult.objects.count(), 1)
        fragment = self.client.get(f"/console/imports/{job.pk}/progress/")
        self.assertContains(fragment, "等待开始检查")
        self.assertContains(fragment, 'hx-trigger="every 1s"')
        self.assertNotIn("HX-Refresh", fragment)

        run_worker()
        job.refresh_from_db()
        self.assertEqual(job.state, State.READY)
        progress = json.loads((self.folder / job.folder / "progress.json").read_text())
        self.assertEqual(progress["step"], "checking")
        self.assertEqual(progress["done"], progress["total"])
        self.assertEqual(progress["total"], len(csv_bytes(self.ROWS)))  # bytes, for a CSV
        self.assertEqual(Ballot.objects.count(), 0)
        # The page, polling, is told to reload: there is something new to show.
        self.assertEqual(
            self.client.get(f"/console/imports/{job.pk}/progress/")["HX-Refresh"], "true"
        )

        job = self.confirm(job)
        self.assertEqual(job.state, State.WAITING)
        self.assertContains(self.client.get(f"/console/imports/{job.pk}/"), "等待开始导入")
        run_worker()
        job.refresh_from_db()
        self.assertEqual((job.state, job.rows_done, Ballot.objects.count()), (State.DONE, 5, 5))
        self.assertEqual(AuditEntry.objects.get(action="import.ballots").actor_label, "organiser")

    def test_the_bar_shows_rows_and_percent_while_running(self) -> None:
        job = self.upload("ballots", self.ROWS)
        tracker = import_jobs.JobProgress(self.folder / job.folder / "progress.json", "storing")
        tracker.start(1000, "B")
        tracker.update_to(450)
        tracker.write()
        ImportJob.objects.filter(pk=job.pk).update(state=State.STORING)
        fragment = self.client.get(f"/console/imports/{job.pk}/progress/").content.decode()
        self.assertIn("正在导入:约 2 / 5 行(45%)", fragment)
        self.assertIn('<progress max="100" value="45">', fragment)

    def test_a_job_cut_off_shows_as_interrupted_and_runs_again_from_the_start(self) -> None:
        job = self.upload("ballots", self.ROWS)
        run_worker()
        job = self.confirm(job)
        # A worker killed while storing: the state says storing, the heartbeat stopped.
        ImportJob.objects.filter(pk=job.pk).update(state=State.STORING)
        tracker = import_jobs.JobProgress(self.folder / job.folder / "progress.json", "storing")
        tracker.write()
        job.refresh_from_db()
        self.assertFalse(import_jobs.is_stalled(job))
        with override_settings(MINPING_IMPORT_STALE_SECONDS=0):
            time.sleep(0.01)
            body = self.page(job)
            self.assertIn("已中断", body)
            self.assertIn("一条也没有保存", body)
            self.assertIn("用同一文件重新开始", body)
            self.client.post(f"/console/imports/{job.pk}/restart/")
        job.refresh_from_db()
        self.assertEqual(job.state, State.WAITING)
        run_worker()
        job.refresh_from_db()
        self.assertEqual((job.state, Ballot.objects.count()), (State.DONE, 5))

    def test_only_a_job_cut_off_may_restart(self) -> None:
        job = self.upload("ballots", self.ROWS)
        self.client.post(f"/console/imports/{job.pk}/restart/")
        job.refresh_from_db()
        self.assertEqual((job.state, DBTaskResult.objects.count()), (State.WAITING, 1))


class PassivePagesTest(ImportPagesTestCase):
    def test_the_job_page_and_its_progress_do_not_write_the_session(self) -> None:
        job = self.upload("scores", [["方法", "单位", "得分"], ["领导评议", "gaj", "88"]])

        def expiry() -> Any:
            return Session.objects.get().expire_date

        before = expiry()
        self.client.get(f"/console/imports/{job.pk}/")
        self.client.get(f"/console/imports/{job.pk}/progress/")
        self.assertEqual(expiry(), before)
        self.client.get("/console/imports/")  # any other page keeps the sign-in alive
        self.assertGreater(expiry(), before)
