"""Score sheets and the calendar in a real browser: the organiser assigns raters with the
searchable unit picker, a rater fills and submits the sheet on a phone, the organiser sees the
method score; the organiser pastes a year's holidays. No page breaks the site's CSP."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from minping.campaigns.models import MethodScore
from minping.lib.models import office_calendar
from minping.lib.tests.import_fixtures import make_campaign
from minping.lib.tests.test_browser_csp import watch
from minping.orgs.models import Group, Membership, Role, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/?next=/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_have_text(username)


def person(username: str, role: str, unit: Unit | None = None, name: str = "") -> User:
    user = User.objects.create_user(username, password=f"pw-{username}-2026", first_name=name)
    Membership.objects.create(user=user, role=role, unit=unit)
    return user


def test_organiser_assigns_rater_fills_on_a_phone_organiser_sees_the_score(
    desktop: Any, phone: Any, live_server: Any
) -> None:
    base = live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    industries = Group.objects.create(code="industries", name="重点行业")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="gaj-w1", name="户政窗口", parent=gaj)
    Unit.objects.create(code="mzj", name="民政局", group=agencies)
    water = Unit.objects.create(code="water", name="水务集团", group=industries)
    campaign = make_campaign("sheet-2026", year=2026)
    person("zuzhi", Role.ORGANISER)
    person("lisi", Role.RATER, water, name="李四")
    problems = watch(desktop)

    # 1. The organiser opens the campaign's score sheets and assigns 李四 two units.
    sign_in(desktop, base, "zuzhi")
    desktop.goto(f"{base}/console/c/{campaign.code}/")
    desktop.get_by_role("link", name="评分表(领导小组评议、互评等)").click()
    desktop.get_by_role("link", name="领导评议").click()
    desktop.get_by_label("评分人", exact=True).select_option(label="李四(水务集团)")
    picker = desktop.get_by_role("group", name="要评分的单位")
    # The filter hides what does not match (static/console/picker.js, allowed by the CSP).
    picker.get_by_role("searchbox").fill("公安")
    expect(picker.get_by_label("民政局")).to_be_hidden()
    picker.get_by_label("公安局", exact=True).check()
    picker.get_by_role("searchbox").fill("")
    # A unit rating itself is refused with a plain message, and nothing is assigned.
    picker.get_by_label("水务集团").check()
    desktop.get_by_role("button", name="指派", exact=True).click()
    expect(desktop.get_by_text("不能给水务集团(本单位)评分:单位不给自己评分")).to_be_visible()
    # The form comes back as filled in: the rater chosen, the units ticked.
    picker = desktop.get_by_role("group", name="要评分的单位")
    expect(picker.get_by_label("公安局", exact=True)).to_be_checked()
    picker.get_by_label("水务集团").uncheck()
    picker.get_by_label("民政局").check()
    desktop.get_by_role("button", name="指派", exact=True).click()
    expect(desktop.get_by_text("已给李四指派 2 个单位")).to_be_visible()
    expect(desktop.locator("#sheets")).to_contain_text("未填写")

    # 2. 李四 fills the sheet on a phone: a draft first, then submits.
    problems += watch(phone)
    sign_in(phone, base, "lisi")
    phone.get_by_role("link", name="评分表").first.click()
    phone.get_by_role("link", name="2018年银川市群众评议机关作风:领导评议").click()
    phone.get_by_label("公安局").fill("88.5")
    phone.get_by_role("button", name="保存草稿").click()
    expect(phone.get_by_text("已保存草稿")).to_be_visible()
    assert not MethodScore.objects.exists()
    phone.get_by_label("民政局").fill("91")
    # Nothing on the phone page runs off the screen's side.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="提交评分表").click()
    expect(phone.get_by_text("评分表已提交")).to_be_visible()
    expect(phone.get_by_role("button", name="提交评分表")).to_have_count(0)

    # 3. The organiser sees the submission and the unit's score in the method.
    desktop.reload()
    expect(desktop.locator("#sheets")).to_contain_text("已提交")
    expect(desktop.locator("#unit-scores")).to_contain_text("88.5")
    assert MethodScore.objects.get(unit=gaj).score == Decimal("88.5")
    assert problems == []


def test_organiser_pastes_a_years_holidays(desktop: Any, live_server: Any) -> None:
    page, base = desktop, live_server.url
    person("zuzhi", Role.ORGANISER)
    problems = watch(page)
    sign_in(page, base, "zuzhi")
    page.get_by_role("link", name="节假日与调休").click()
    page.goto(f"{base}/console/calendar/?year=2027")
    expect(page.get_by_text("尚无 2027 年的国务院放假安排")).to_be_visible()
    page.get_by_label("或粘贴各行").fill("2027-10-01至2027-10-07 休 国庆节\n2027-10-09 班 国庆节")
    page.get_by_role("button", name="检查并导入").click()
    expect(page.get_by_text("已导入:新增 8 天")).to_be_visible()
    expect(page.locator("#calendar-days")).to_contain_text("2027-10-09")
    # Registered Thu 30 Sep 2027: 1–7 Oct off, Fri 8 Oct (1), Sat 9 Oct make-up (2).
    assert office_calendar().add_workdays(datetime.date(2027, 9, 30), 2) == datetime.date(
        2027, 10, 9
    )
    assert problems == []
