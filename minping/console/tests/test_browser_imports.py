"""Imports through a real browser (Debian's chromium), as the organiser: a units file with
errors, then fixed and stored; 100,000 ballots checked and stored in the background while the
progress bar runs to the end.

The background worker: on PostgreSQL a real ``minping db_worker`` process against the test
database, as on a server. On SQLite the test database lives in this process's memory (the
live server shares the test's own connection to it), so no other process can open it: the
worker's own loop (django-tasks' ``Worker``, what ``db_worker --batch`` runs) goes in a thread
on that shared connection, started once the page shows the job waiting and joined before the
next click, so that the browser's only requests meanwhile are the job page's read-only polls.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from minping.campaigns.models import ImportBatch, ImportJob
from minping.lib.tests.import_fixtures import make_campaign
from minping.lib.tests.test_browser_csp import watch
from minping.orgs.models import Group, Membership, Role, Unit
from minping.surveys.models import Answer, Ballot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BALLOTS = 100_000


class BackgroundWorker:
    """The task worker for the test: a ``minping db_worker`` process, or a thread (see above)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    @property
    def separate_process(self) -> bool:
        return connection.vendor == "postgresql"

    def start(self) -> None:
        if self.separate_process:
            if self.process is None:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "minping.cli", "db_worker", "--interval", "0.2"],
                    env={**os.environ, **self.environment()},
                    stdout=subprocess.DEVNULL,
                    stderr=open(self.folder / "worker.log", "wb"),  # noqa: SIM115
                )
            return
        shared = connections["default"]  # this thread's: the test's in-memory database
        self.thread = threading.Thread(target=self.run_in_thread, args=(shared,), daemon=True)
        self.thread.start()

    def environment(self) -> dict[str, str]:
        db = connection.settings_dict
        user = db["USER"] or "postgres"
        url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return {"DATABASE_URL": url, "MINPING_IMPORT_DIR": str(self.folder)}

    def run_in_thread(self, shared: Any) -> None:
        connections["default"] = shared
        shared.inc_thread_sharing()
        try:
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="browser-test",
                excluded_queue_names=[],
            ).run()
        except BaseException as error:  # reported by wait()
            self.failure = error
        finally:
            shared.dec_thread_sharing()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=600)
            self.thread = None
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/?next=/console/imports/")
    page.get_by_label("用户名").fill("zuzhi")
    page.get_by_label("密码").fill("pw-zuzhi-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="导入数据", exact=True)).to_be_visible()


def upload(page: Any, base: str, kind: str, path: Path, campaign: str = "") -> None:
    page.goto(f"{base}/console/imports/")
    page.get_by_label("导入什么").select_option(label=kind)
    if campaign:
        page.get_by_label("评议活动", exact=True).select_option(label=campaign)
    page.get_by_label("文件(.xlsx 或 .csv,第一行为列名)").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()


def watch_the_bar(page: Any, until: str, worker: BackgroundWorker) -> list[int]:
    """The values the progress bar shows until the page says ``until``."""
    seen: list[int] = []
    deadline = time.monotonic() + 600
    done = page.get_by_text(until)
    while not done.is_visible():
        assert time.monotonic() < deadline, f"no “{until}” after ten minutes"
        if worker.failure is not None:
            raise worker.failure
        try:  # the bar is replaced every second, and gone once the page reloads
            value = page.locator("#import-progress progress").get_attribute("value", timeout=500)
        except PlaywrightTimeout:
            value = None
        if value is not None and (not seen or seen[-1] != int(value)):
            seen.append(int(value))
        time.sleep(0.2)
    return seen


def test_units_with_errors_then_fixed_and_100000_ballots_in_the_background(
    desktop: Any, live_server: Any, tmp_path: Path
) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    Unit.objects.create(code="gaj", name="公安局", group=agencies)
    make_campaign("yc-2026", title="2026年群众评议机关作风", year=2026, groups=["agencies"])
    organiser = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=organiser, role=Role.ORGANISER)
    folder = tmp_path / "imports"
    worker = BackgroundWorker(folder)
    trouble = watch(page)  # a script or style the policy blocks, a failed request
    with override_settings(MINPING_IMPORT_DIR=str(folder)):
        try:
            sign_in(page, base)

            # 1. A units file with three mistakes: every one listed by line, nothing stored.
            units = tmp_path / "单位.csv"
            rows = [
                ["代码", "名称", "上级", "组别"],
                ["zfzx", "政务服务中心", "", ""],
                ["zfzx-w1", "", "zfzx", "windows"],
                ["zfzx-w2", "社保窗口", "zfzx-x", "windows"],
                ["mzj", "民政局", "", "机关单位"],
                ["mzj", "民政局(重复)", "", "机关单位"],
            ]
            write_csv(units, rows)
            upload(page, base, "评议对象", units)
            expect(page.get_by_text("未导入,没有保存任何数据。")).to_be_visible()
            problems = page.locator("table.problems tbody tr")
            expect(problems).to_have_count(3)
            lines = [problems.nth(i).locator("td").first.inner_text() for i in range(3)]
            assert sorted(lines) == ["3", "4", "6"]
            expect(page.get_by_text("上级单位“zfzx-x”在文件中和系统中都不存在")).to_be_visible()
            expect(page.locator("table.preview")).to_contain_text("政务服务中心")
            assert Unit.objects.count() == 1 and not ImportBatch.objects.exists()

            # Fixed, checked, confirmed, stored.
            rows[2][1] = "不动产窗口"
            rows[3][2] = "zfzx"
            del rows[5]
            write_csv(units, rows)
            page.get_by_role("link", name="上传改正后的文件").click()
            upload(page, base, "评议对象", units)
            expect(page.get_by_text("检查通过,没有发现错误。")).to_be_visible()
            expect(page.get_by_text("将导入评议对象 4 个:新增 4")).to_be_visible()
            assert Unit.objects.count() == 1
            page.get_by_role("button", name="确认导入").click()
            expect(page.get_by_text("导入完成。")).to_be_visible()
            assert Unit.objects.get(code="zfzx-w1").parent == Unit.objects.get(code="zfzx")

            # 2. 100,000 ballots, one answer each: checked, then stored, in the background.
            ballots = tmp_path / "答卷.csv"
            write_csv(
                ballots,
                [["答卷", "方法", "单位", "指标", "等级"]]
                + [
                    [f"q{i}", "第三方测评", "gaj", "服务态度", ["好", "较好", "一般"][i % 3]]
                    for i in range(BALLOTS)
                ],
            )
            upload(page, base, "答卷", ballots, campaign="2026年群众评议机关作风")
            expect(page.get_by_text("等待开始检查")).to_be_visible()
            worker.start()
            checking = watch_the_bar(page, "检查通过,没有发现错误。", worker)
            worker.wait()
            expect(page.get_by_text(f"将导入 {BALLOTS:,} 份答卷")).to_be_visible()
            assert Ballot.objects.count() == 0

            page.get_by_role("button", name="确认导入").click()
            # A worker process (PostgreSQL) is still running and may already have begun.
            expect(page.get_by_text(re.compile("等待开始导入|正在导入")).first).to_be_visible()
            worker.start()
            storing = watch_the_bar(page, "导入完成。", worker)
            worker.wait()
            expect(
                page.get_by_text(f"已导入 {BALLOTS:,} 份答卷({BALLOTS:,} 条答案)")
            ).to_be_visible()
            for values in (checking, storing):
                assert any(0 < value < 100 for value in values), values  # seen on its way
            assert (Ballot.objects.count(), Answer.objects.count()) == (BALLOTS, BALLOTS)
            job = ImportJob.objects.get(kind="ballots")
            assert (job.background, job.state, job.rows_done) == (True, "done", BALLOTS)
            assert trouble == []
        finally:
            worker.stop()


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
