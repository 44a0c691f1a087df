"""The report page in a real browser: a large campaign's report is queued, the page shows its
progress and then its downloads without a reload (htmx under the strict CSP), and the file
downloads with its Chinese name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from minping.orgs.models import Group, Membership, Role, Unit
from minping.reports.models import ReportJob
from minping.reports.tests import files
from minping.reports.tests.small_campaign import build_small_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_generated_in_the_background_shows_progress_then_downloads(
    desktop: Any, live_server: Any, tmp_path: Path
) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    Group.objects.create(code="industries", name="重点行业")
    Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="water", name="水务集团", group=Group.objects.get(code="industries"))
    user = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=user, role=Role.ORGANISER)
    build_small_campaign()
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )

    with override_settings(MEDIA_ROOT=str(tmp_path), MINPING_REPORT_INLINE_UNITS=0):
        page.goto(f"{base}/login/?next=/c/t-2018/report/")
        page.get_by_label("用户名").fill("zuzhi")
        page.get_by_label("密码").fill("pw-zuzhi-2026")
        page.get_by_role("button", name="登录").click()
        assert page.get_by_role("heading", level=1).inner_text() == "分析报告和单位成绩单"

        page.get_by_role("button", name="生成分析报告").click()
        expect(page.get_by_text("已开始在后台生成")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="排队等待")).to_be_visible()
        expect(page.locator("progress")).to_have_count(1)

        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        assert ReportJob.objects.get().state == ReportJob.State.DONE

        # No reload: the fragment the page polls turns into the download links.
        word = page.get_by_role("link", name="Word 文件")
        expect(word).to_be_visible(timeout=30_000)
        expect(page.locator("progress")).to_have_count(0)
        with page.expect_download() as info:
            word.click()
        download = info.value
        name = download.suggested_filename
        assert name.startswith("t-2018 群众评议机关作风分析报告("), name
        assert name.endswith(").docx"), name
        saved = tmp_path / "report.docx"
        download.save_as(saved)
        assert files.headings(files.open_docx(saved.read_bytes()))[0] == "一、基本情况"
    assert refused == []
