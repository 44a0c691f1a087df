"""The campaign editor in a real browser, as the organiser: a campaign made in the forms is the
campaign its equivalent definition file makes, and the forms check as you type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from minping.campaigns.actions import load_campaign
from minping.campaigns.definition import parse_definition
from minping.campaigns.models import Campaign
from minping.console.tests.test_browser_walk import sign_in
from minping.orgs.models import Group, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the organiser types into the forms below, written as a definition file.
EQUIVALENT_TOML = """\
code = "form-2027"
title = "2027年机关作风民主评议"
year = 2027
groups = [{code = "agencies", title = "机关单位"}]
publish = true

[[indicators]]
code = "fuwu"
title = "服务态度"

[[indicators]]
code = "xiaolv"
title = "办事效率"
weight = 2

[[methods]]
code = "leaders"
title = "领导评议"
weight = 40
input = "scores"

[[methods]]
code = "online"
title = "网络评议"
weight = 60

[deductions]
from = 2027-01-01
to = 2027-11-30

[[deductions.sources]]
code = "media"
title = "市有关媒体"
cap = 5

[[deductions.rules]]
code = "no_interview"
title = "不配合采访"
source = "media"
points = 0.5

[[vetoes]]
code = "case_filed"
title = "工作人员被立案"

[[stages]]
code = "self_check"
title = "自查自纠"
starts = 2027-05-01
ends = 2027-08-31

[grading]
excellent = 1
unsatisfactory = 1
watchlist = 1
"""


def rows(campaign: Campaign) -> dict[str, Any]:
    """What loading stored for a campaign, without its code."""
    return {
        "campaign": (campaign.title, campaign.year, campaign.groups, campaign.publish),
        "dates": (campaign.deductions_from, campaign.deductions_to),
        "grading": (campaign.excellent, campaign.unsatisfactory, campaign.watchlist),
        "levels": list(campaign.levels.values_list("label", "points", "satisfied", "order")),
        "indicators": list(campaign.indicators.values_list("code", "title", "weight", "order")),
        "methods": list(campaign.methods.values_list("code", "title", "weight", "input", "order")),
        "sources": list(campaign.deduction_sources.values_list("code", "title", "cap")),
        "rules": list(
            campaign.deduction_rules.values_list("code", "title", "source__code", "points")
        ),
        "vetoes": list(campaign.veto_rules.values_list("code", "title")),
        "stages": list(campaign.stages.values_list("code", "title", "starts", "ends")),
    }


def fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"[name='{name}']").fill(value)


def test_form_campaign_equals_the_file_campaign(desktop: Any, live_server: Any) -> None:
    page, base = desktop, live_server.url
    Group.objects.create(code="agencies", name="机关单位")
    user = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=user, role=Role.ORGANISER)
    sign_in(page, base, "zuzhi")

    page.goto(f"{base}/console/campaigns/")
    page.get_by_role("link", name="新建活动", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "新建评议活动"
    # The ranking groups and the usual five-level scale are there already.
    assert page.locator("[name='groups-0-title']").input_value() == "机关单位"
    assert page.locator("[name='scale-4-label']").input_value() == "差"

    fill(
        page,
        {
            "basics-title": "2027年机关作风民主评议",
            "basics-code": "form-2027",
            "basics-year": "2027",
            "indicators-0-title": "服务态度",
            "indicators-0-code": "fuwu",
            "methods-0-title": "领导评议",
            "methods-0-weight": "40",
            "methods-0-code": "leaders",
            "basics-deductions_from": "2027-01-01",
            "basics-deductions_to": "2027-11-30",
            "sources-0-title": "市有关媒体",
            "sources-0-cap": "5",
            "sources-0-code": "media",
            "rules-0-title": "不配合采访",
            "rules-0-source": "市有关媒体",  # by its name, as the list under the box offers
            "rules-0-points": "0.5",
            "rules-0-code": "no_interview",
            "vetoes-0-title": "工作人员被立案",
            "vetoes-0-code": "case_filed",
            "stages-0-title": "自查自纠",
            "stages-0-starts": "2027-05-01",
            "stages-0-ends": "2027-08-31",
            "stages-0-code": "self_check",
            "basics-excellent": "1",
            "basics-unsatisfactory": "1",
            "basics-watchlist": "1",
        },
    )
    page.get_by_label("结果向社会公开").check()
    page.locator("[name='methods-0-input']").select_option(label="直接录入得分")

    indicators = page.locator("[data-part=indicators]")
    indicators.get_by_role("button", name="再加一行").click()
    fill(page, {"indicators-1-title": "办事效率", "indicators-1-weight": "2"})
    page.locator("[name='indicators-1-code']").fill("xiaolv")

    # Checked as typed: the weights' sum, a code used twice, an end before its start.
    methods = page.locator("[data-part=methods]")
    methods.get_by_role("button", name="再加一行").click()
    fill(
        page, {"methods-1-title": "网络评议", "methods-1-weight": "50", "methods-1-code": "leaders"}
    )
    assert methods.locator("[data-sum]").inner_text() == "权重合计:90,应为 100"
    assert methods.get_by_text("代码“leaders”重复").is_visible()
    fill(page, {"methods-1-weight": "60", "methods-1-code": "online"})
    assert methods.locator("[data-sum]").inner_text() == "权重合计:100(正确)"
    assert not methods.get_by_text("重复").is_visible()
    page.locator("[name='scale-1-label']").fill("好")
    assert page.get_by_text("等级“好”重复").is_visible()
    page.locator("[name='scale-1-label']").fill("较好")
    assert not page.get_by_text("等级“好”重复").is_visible()
    page.locator("[name='stages-0-ends']").fill("2027-04-01")
    assert page.get_by_text("结束日期早于开始日期").is_visible()
    page.locator("[name='stages-0-ends']").fill("2027-08-31")
    assert not page.get_by_text("结束日期早于开始日期").is_visible()

    page.get_by_role("button", name="检查并保存").click()
    assert page.get_by_role("heading", level=1).inner_text() == "2027年机关作风民主评议"
    assert page.get_by_text("已创建评议活动“2027年机关作风民主评议”").is_visible()

    # The same definition as the file gives, and the same rows as loading the file stores.
    by_form = Campaign.objects.get(code="form-2027")
    assert parse_definition(by_form.definition) == parse_definition(EQUIVALENT_TOML)
    file_text = EQUIVALENT_TOML.replace('code = "form-2027"', 'code = "file-2027"')
    load_campaign(parse_definition(file_text), file_text)
    by_file = Campaign.objects.get(code="file-2027")
    assert rows(by_form) == rows(by_file)
    assert rows(by_form)["methods"][1][:3] == ("online", "网络评议", 60)


def test_server_errors_sit_next_to_their_fields(desktop: Any, live_server: Any) -> None:
    page, base = desktop, live_server.url
    user = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=user, role=Role.ORGANISER)
    sign_in(page, base, "zuzhi")
    page.goto(f"{base}/console/campaigns/new/form/")
    fill(
        page,
        {
            "basics-title": "坏的活动",
            "basics-code": "Bad Code",
            "basics-year": "2027",
            "groups-0-title": "机关单位",
            "methods-0-title": "领导评议",
            "methods-0-weight": "40",
        },
    )
    page.get_by_role("button", name="检查并保存").click()
    code = page.locator(".editor-field", has=page.locator("[name='basics-code']"))
    assert "只能由小写字母、数字和连字符(-)组成" in code.inner_text()
    methods = page.locator("[data-part=methods]")
    assert "合计应为 100,现在是 40" in methods.inner_text()
    assert page.locator("[name='methods-0-title']").input_value() == "领导评议"  # kept
    assert not Campaign.objects.exists()


def test_copy_last_year(desktop: Any, live_server: Any, tmp_path: Path) -> None:
    page, base = desktop, live_server.url
    load_campaign(parse_definition(EQUIVALENT_TOML), EQUIVALENT_TOML)
    user = User.objects.create_user("zuzhi", password="pw-zuzhi-2026")
    Membership.objects.create(user=user, role=Role.ORGANISER)
    sign_in(page, base, "zuzhi")
    page.goto(f"{base}/console/c/form-2027/")
    page.get_by_role("link", name="以本活动为底稿新建下一年度活动").click()
    assert page.locator("[name='basics-code']").input_value() == "form-2028"
    assert page.locator("[name='stages-0-starts']").input_value() == "2028-05-01"
    page.get_by_role("button", name="检查并保存").click()
    assert page.get_by_role("heading", level=1).inner_text() == "2028年机关作风民主评议"
    new = Campaign.objects.get(code="form-2028")
    assert new.baseline_code == "form-2027"
    assert new.methods.count() == 2
