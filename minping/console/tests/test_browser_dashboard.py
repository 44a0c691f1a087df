"""The 工作台 in a real browser: a leader and an organiser sign in, land on it, see its figures
and follow them to their pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from minping.campaigns.models import Campaign
from minping.orgs.models import Group, Membership, Role, Unit
from minping.reports.tests.small_campaign import build_small_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", [Role.LEADER, Role.ORGANISER])
def test_signing_in_lands_on_the_dashboard_whose_figures_lead_to_their_pages(
    desktop: Any, live_server: Any, role: str
) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    industries = Group.objects.create(code="industries", name="重点行业")
    Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="water", name="水务集团", group=industries)
    user = User.objects.create_user("lingdao", password="pw-lingdao-2026")
    Membership.objects.create(user=user, role=role)
    build_small_campaign(publish=False)
    Campaign.objects.filter(code="t-2017").update(published_at=timezone.now())
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )

    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("lingdao")
    page.get_by_label("密码").fill("pw-lingdao-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    assert page.url == f"{base}/console/"
    expect(page.locator("header nav").get_by_role("link", name="工作台")).to_be_visible()

    # Cases of the police bureau: C-2 and C-3 are open (small_campaign.py).
    page.get_by_role("link", name="2 件未办结").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("问题线索")
    expect(page.get_by_text("C-3")).to_be_visible()
    expect(page.get_by_text("C-1", exact=True)).to_have_count(0)

    page.go_back()
    # The top of the agencies' ranking leads to the bureau's row on the results page.
    page.get_by_role("link", name="1 公安局 88.00").click()
    assert page.url.endswith("/c/t-2018/#unit-gaj")
    expect(page.locator("#unit-gaj")).to_contain_text("公安局")

    page.go_back()
    page.get_by_role("link", name="优秀 1 个").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("t-2018")
    assert refused == []
