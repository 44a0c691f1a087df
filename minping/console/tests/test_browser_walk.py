"""A whole campaign through a real browser, in Chinese: set up from a definition, units submit,
a deduction proposed, signed off and accepted, results computed and published, the unit reads
its report."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from minping.campaigns.models import Campaign, MethodScore
from minping.console.tests.fixtures import WALK_TOML
from minping.lib.tests import upload_fixtures
from minping.orgs.models import Group, Membership, Role, Unit
from minping.oversight.models import Deduction, Review, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/?next=/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="登录").click()
    assert page.locator(".who").inner_text() == username


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def test_whole_campaign(desktop: Any, live_server: Any, tmp_path: Path) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="mzj", name="民政局", group=agencies)
    people = {
        "zuzhi": (Role.ORGANISER, None, ""),
        "gonganlianluo": (Role.LIAISON, gaj, ""),
        "jizhe": (Role.SOURCE_MEMBER, None, "media"),
        "zongbian": (Role.SOURCE_HEAD, None, "media"),
    }
    for name, (role, unit, source) in people.items():
        user = User.objects.create_user(name, password=f"pw-{name}-2026")
        Membership.objects.create(user=user, role=role, unit=unit, source_code=source)

    with override_settings(MEDIA_ROOT=str(tmp_path / "uploads")):
        # 1. The organiser sets the campaign up from its definition file, and asks for a report.
        definition = tmp_path / "walk-2026.toml"
        definition.write_text(WALK_TOML, encoding="utf-8")
        sign_in(page, base, "zuzhi")
        page.goto(f"{base}/console/campaigns/new/")
        page.get_by_label("上传定义文件(.toml)").set_input_files(str(definition))
        page.get_by_role("button", name="检查并保存").click()
        assert page.get_by_role("heading", level=1).inner_text() == "2026年机关作风民主评议"
        assert page.get_by_text("已创建评议活动 walk-2026").is_visible()
        page.get_by_label("材料类型").select_option(label="自查报告")
        page.get_by_label(re.compile("^名称")).fill("2026年自查报告")
        page.get_by_label(re.compile("^截止日期")).fill("2099-05-10")
        page.get_by_role("button", name="添加").click()
        assert page.get_by_text("已保存报送要求“2026年自查报告”").is_visible()
        sign_out(page)

        # 2. The police bureau's liaison hands in its self-inspection report.
        report = tmp_path / "自查报告.docx"
        report.write_bytes(upload_fixtures.docx_file())
        sign_in(page, base, "gonganlianluo")
        page.get_by_role("link", name="本单位").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == "公安局"
        page.get_by_label("选择文件:2026年自查报告").set_input_files(str(report))
        page.get_by_role("button", name="报送", exact=True).click()
        assert page.get_by_text("已报送“2026年自查报告”").is_visible()
        assert Submission.objects.get().unit == gaj
        sign_out(page)

        # 3. A reporter proposes a deduction; the editor-in-chief signs it; the organiser accepts.
        sign_in(page, base, "jizhe")
        page.goto(f"{base}/console/oversight/deductions/")
        page.get_by_role("link", name="提出减分").click()
        page.get_by_label("减分事项").select_option(index=1)
        page.get_by_label("被减分单位").select_option(label="公安局")
        page.get_by_label("事件日期").fill("2026-03-02")
        page.get_by_label("次数").fill("1")
        page.get_by_label("文号").fill("市媒函〔2026〕7号")
        page.get_by_label("依据").fill("拒绝接受采访")
        page.get_by_role("button", name="提出").click()
        assert page.get_by_text("已提出减分,待提出单位负责人签字").is_visible()
        sign_out(page)

        sign_in(page, base, "zongbian")
        page.goto(f"{base}/console/oversight/deductions/")
        page.get_by_role("button", name="签字", exact=True).click()
        assert page.get_by_text("已签字,转组织单位审核").is_visible()
        sign_out(page)

        sign_in(page, base, "zuzhi")
        page.get_by_role("link", name="去审核").click()
        assert page.get_by_text("市媒函〔2026〕7号").is_visible()
        page.get_by_label(re.compile("^意见")).fill("证据充分")
        page.get_by_role("button", name="采纳", exact=True).click()
        assert page.get_by_text("已采纳,计入评分").is_visible()
        assert Deduction.objects.get().status == Review.ACCEPTED

        # The leaders' scores arrive (collection is another part of the system).
        campaign = Campaign.objects.get(code="walk-2026")
        method = campaign.methods.get(code="leaders")
        for code, score in (("gaj", "90"), ("mzj", "80")):
            MethodScore.objects.create(
                campaign=campaign,
                method=method,
                unit=Unit.objects.get(code=code),
                score=Decimal(score),
            )

        # 4. Results computed, checked and published.
        page.goto(f"{base}/console/c/walk-2026/results/")
        page.get_by_role("button", name="计算结果").click()
        assert page.get_by_text("数据完整,可以发布").is_visible()
        page.get_by_role("link", name="发布这次结果").click()
        assert page.get_by_text("这是本活动的第一次计算").is_visible()
        page.get_by_role("button", name="确认发布").click()
        assert page.get_by_text("结果已发布").is_visible()
        sign_out(page)

        # 5. The unit reads its report: 90 × 100% = 90.00, minus 0.5 × 1 for the media = 89.50;
        # first of two, and excellent = 1.
        sign_in(page, base, "gonganlianluo")
        page.get_by_role("link", name="本单位").first.click()
        page.get_by_role("link", name="查看得分明细").click()
        body = page.locator("main").inner_text()
        assert "89.50" in body
        assert "第 1 名" in body
        assert "优秀" in body
        assert "不配合采访" in body
        assert "民政局" not in body
