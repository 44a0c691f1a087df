"""Publishing through a real browser: the results page warns that an input changed after the
computation, the organiser computes again, and publishing first shows what changes against the
computation before and asks for confirmation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from minping.campaigns.models import MethodScore
from minping.console.tests.test_browser_walk import sign_in
from minping.orgs.models import Group, Membership, Role, Unit
from minping.reports.tests.small_campaign import build_small_campaign
from minping.scoring.models import ResultSnapshot
from minping.scoring.tests.db import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publish_shows_the_comparison_and_asks_first(desktop: Any, live_server: Any) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    industries = Group.objects.create(code="industries", name="重点行业")
    Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="water", name="水务集团", group=industries)
    built = build_small_campaign(publish=False)
    user = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=user, role=Role.ORGANISER)

    # After the computation: mzj's online score corrected (85 → 95) and two new ballots.
    MethodScore.objects.filter(campaign=built.campaign, unit__code="mzj").update(score=Decimal(95))
    cast(built.campaign, built.units["mzj"], "survey", {"a": "一般", "b": "一般"})
    cast(built.campaign, built.units["mzj"], "survey", {"a": "一般", "b": "一般"})

    sign_in(page, base, "zuzhi")
    page.goto(f"{base}/console/c/t-2018/results/")
    assert "收到了 2 份新答卷" in page.locator("#stale").inner_text()
    page.get_by_role("button", name="计算结果").click()
    assert page.locator("#stale").count() == 0
    # mzj: survey (60 + 60)/2 = 60 on 5 ballots, weighted 0.4 × 60 + 0.6 × 95 = 81.00 (was 75.00).
    latest = ResultSnapshot.objects.order_by("-pk").first()
    assert latest is not None and latest.pk != built.snapshot.pk

    page.locator("#snapshots tbody tr").first.get_by_role("link", name="发布这次结果").click()
    assert page.get_by_role("heading", name="确认发布结果").is_visible()
    table = page.locator(".comparison-table").inner_text()
    assert "民政局" in table
    assert "75.00 → 81.00(+6.00)" in table
    assert "公安局" not in table
    assert "1 个单位的得分、排名或等次有变化" in page.locator(".comparison").inner_text()
    latest.refresh_from_db()
    assert not latest.published  # nothing happens before the confirmation

    page.get_by_role("button", name="确认发布").click()
    assert page.get_by_text("结果已发布").is_visible()
    latest.refresh_from_db()
    assert latest.published
    built.snapshot.refresh_from_db()
    assert not built.snapshot.published
