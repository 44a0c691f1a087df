"""Results approved by a higher body, through a real browser (R-23, seed 004: 上报省局审定): the
organiser submits, the approver approves, the organiser releases, and the liaison's portal,
empty until then, shows the unit's results."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, MethodScore
from minping.console.tests.fixtures import WALK_TOML
from minping.console.tests.test_browser_walk import sign_in, sign_out
from minping.orgs.models import Group, Membership, Role, Unit
from minping.scoring.models import ResultSnapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPROVED_TOML = (
    WALK_TOML
    + """
[approval]
code = "province"
title = "省局行评工作领导组"

[[submissions]]
code = "summary"
kind = "summary"
title = "总结报告及报表"
due = 2099-12-10
stage = "self_check"
"""
)


def test_submit_approve_release_and_the_portal_changes(
    desktop: Any, live_server: Any, tmp_path: Path
) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
    people = {
        "zuzhi": (Role.ORGANISER, None, ""),
        "shengju": (Role.APPROVER, None, "province"),
        "gonganlianluo": (Role.LIAISON, gaj, ""),
    }
    for name, (role, unit, body) in people.items():
        user = User.objects.create_user(name, password=f"pw-{name}-2026")
        Membership.objects.create(user=user, role=role, unit=unit, source_code=body)

    # The organiser loads the definition, which names the approving body and a submission.
    definition = tmp_path / "walk-2026.toml"
    definition.write_text(APPROVED_TOML, encoding="utf-8")
    sign_in(page, base, "zuzhi")
    page.goto(f"{base}/console/campaigns/new/")
    page.get_by_label("上传定义文件(.toml)").set_input_files(str(definition))
    page.get_by_role("button", name="检查并保存").click()
    facts = page.locator(".facts").inner_text()
    assert "须经省局行评工作领导组审定后才能通报各单位和发布" in facts
    assert "总结报告及报表" in page.locator("#requirements").inner_text()
    campaign = Campaign.objects.get(code="walk-2026")
    MethodScore.objects.create(
        campaign=campaign,
        method=campaign.methods.get(code="leaders"),
        unit=gaj,
        score=Decimal("91"),
    )

    # 1. Computed and submitted; no publish button before approval.
    page.goto(f"{base}/console/c/walk-2026/results/")
    page.get_by_role("button", name="计算结果").click()
    assert page.get_by_text("可以上报省局行评工作领导组审定").is_visible()
    assert page.get_by_role("button", name="发布").count() == 0
    page.get_by_role("button", name="上报省局行评工作领导组审定").click()
    assert page.get_by_text("已上报省局行评工作领导组审定。").is_visible()
    assert page.locator("#snapshots").get_by_text("已上报,待审定").is_visible()
    sign_out(page)

    # Meanwhile the liaison sees no result.
    sign_in(page, base, "gonganlianluo")
    page.get_by_role("link", name="本单位").first.click()
    assert page.get_by_text("结果尚未通报本单位。").is_visible()
    sign_out(page)

    # 2. The approver finds the campaign on the front page, reads the figures and approves.
    sign_in(page, base, "shengju")
    page.get_by_role("link", name="审定结果:2026年机关作风民主评议").click()
    assert "91.00" in page.locator("main").inner_text()
    page.get_by_role("button", name="审定通过").click()
    assert page.get_by_text("已审定通过。").is_visible()
    assert page.locator("#snapshots").get_by_text("已审定", exact=True).is_visible()
    sign_out(page)

    # 3. The organiser releases the approved results to the units.
    sign_in(page, base, "zuzhi")
    page.goto(f"{base}/console/c/walk-2026/results/")
    page.get_by_role("button", name="通报各单位").click()
    assert page.get_by_text("已通报各单位").first.is_visible()
    sign_out(page)

    # 4. The liaison's portal now shows the unit's own result: 91 × 100% = 91.00, alone → 1st.
    sign_in(page, base, "gonganlianluo")
    page.get_by_role("link", name="本单位").first.click()
    body = page.locator("main").inner_text()
    assert "结果尚未通报本单位" not in body
    assert "91.00" in body
    assert "第 1 名" in body
    assert ResultSnapshot.objects.get().state == "released"
    assert list(
        AuditEntry.objects.filter(
            action__in=["scoring.submit", "scoring.approve", "scoring.release"]
        )
        .order_by("pk")
        .values_list("action", "actor_label")
    ) == [("scoring.submit", "zuzhi"), ("scoring.approve", "shengju"), ("scoring.release", "zuzhi")]
