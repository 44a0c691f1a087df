"""The hall screen in a real browser, landscape 1920×1080 and portrait 1080×1920: it fits the
screen (no scroll bar), pages through long rankings, and takes a new round and then the final
results without a reload; a revoked link stops it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from minping.campaigns.models import Campaign
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.reports.actions import do_issue_screen_link, do_revoke_screen_link
from minping.scoring.models import ResultSnapshot
from minping.surveys.actions import do_advance_round, do_cast_ballot
from minping.surveys.models import Channel, Questionnaire
from minping.surveys.questionnaires import UnitResponse
from minping.surveys.tests.helpers import open_collection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAST = {
    "MINPING_SCREEN_POLL_SECONDS": 1,
    "MINPING_SCREEN_PAGE_SECONDS": 1,
    "MINPING_SCREEN_CACHE_SECONDS": 0,
    "MINPING_SCREEN_ROUND_CACHE_SECONDS": 0,
    "MINPING_CATEGORY_THRESHOLD": 2,
}
LEVELS = ["好", "较好", "一般", "较差"]
LONG_NAME = "市人力资源和社会保障局劳动保障监察支队政务服务大厅综合受理窗口"


def build() -> tuple[Campaign, Questionnaire, list[Unit]]:
    """40 agencies (more than one screen of rows in either orientation) and 3 industries."""
    agencies = Group.objects.create(code="agencies", name="机关单位")
    industries = Group.objects.create(code="industries", name="重点行业")
    units = [
        Unit.objects.create(
            code=f"a{i:02}", name=LONG_NAME if i == 0 else f"第{i}局", group=agencies
        )
        for i in range(40)
    ] + [Unit.objects.create(code=f"i{i}", name=f"公司{i}", group=industries) for i in range(3)]
    campaign = make_campaign("hall-2026", year=2026, title="2026年群众满意度测评")
    q = open_collection(campaign, channels=[str(Channel.ONLINE)], rounds=3)
    return campaign, q, units


def cast_round(q: Questionnaire, units: list[Unit], shift: int) -> None:
    for n, unit in enumerate(units):
        for k in range(2):
            level = LEVELS[(n + k + shift) % len(LEVELS)]
            do_cast_ballot(
                questionnaire=q,
                channel=Channel.ONLINE,
                responses=[
                    UnitResponse(unit, dict.fromkeys(("sifeng", "sanbuwei", "fuwu"), level))
                ],
                category="办事群众",
            )


def fits(page: Any) -> None:
    size = page.evaluate(
        """() => { const d = document.documentElement;
        const rows = document.querySelectorAll('tbody tr');
        const last = rows.length ? rows[rows.length - 1].getBoundingClientRect().bottom : 0;
        return [d.scrollHeight, innerHeight, d.scrollWidth, innerWidth, last]; }"""
    )
    height, inner_height, width, inner_width, last_row = size
    assert height <= inner_height, size
    assert width <= inner_width, size
    assert last_row <= inner_height, size


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_the_screen_fits_pages_and_updates_without_a_reload(
    browser: Any, live_server: Any, size: tuple[int, int]
) -> None:
    campaign, q, units = build()
    cast_round(q, units, 0)
    do_advance_round(None, q.method, 1)
    _link, token = do_issue_screen_link(User.objects.create_user("zuzhi"), campaign, "一楼大厅")
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": size[0], "height": size[1]}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    try:
        with override_settings(**FAST):
            page.goto(f"{live_server.url}/tv/{token}/")
            heading = page.locator("#screen-board h2")
            expect(heading).to_contain_text("第三方测评 第 1 轮排名")
            expect(page.locator("#screen-counts")).to_contain_text("第 2 轮(共 3 轮)进行中")
            fits(page)
            # 40 agencies do not fit one screen: the pages turn, then the next group shows.
            where = page.locator("#screen-page")
            expect(where).to_have_text(re.compile(r"机关单位 第 1/\d 页"))
            # Read in the page, at once: the pages keep turning while the test runs.
            pages = page.wait_for_function(
                """() => { const m = document.getElementById('screen-page').textContent
                .match(/机关单位 第 \\d\\/(\\d) 页/); return m ? Number(m[1]) : 0; }"""
            ).json_value()
            assert pages >= 2
            expect(where).to_have_text(re.compile(r"机关单位 第 2/\d 页"))
            fits(page)
            expect(where).to_have_text("重点行业", timeout=pages * 3000 + 10_000)
            fits(page)
            page.evaluate("() => { window.notReloaded = true; }")

            # Round 2 closes: its ranking replaces round 1's, on the same page.
            cast_round(q, units, 1)
            do_advance_round(None, q.method, 2)
            expect(heading).to_contain_text("第三方测评 第 2 轮排名")
            fits(page)

            # The results are published to the public: the final ranking and grades.
            results = {
                "units": [
                    {
                        "unit": u.code,
                        "name": u.name,
                        "group": "agencies",
                        "rank": n + 1,
                        "composite": 90.0 - n / 2,
                        "grade": "excellent" if n < 3 else None,
                    }
                    for n, u in enumerate(units[:40])
                ]
            }
            ResultSnapshot.objects.create(campaign=campaign, results=results, published=True)
            Campaign.objects.filter(pk=campaign.pk).update(
                publish=True, published_at=timezone.now()
            )
            expect(heading).to_contain_text("评议结果")
            expect(page.locator("#screen-status")).to_have_text("评议结果已公布")
            expect(page.locator("tbody")).to_contain_text("优秀")
            fits(page)
            assert page.evaluate("() => window.notReloaded") is True

            do_revoke_screen_link(None, campaign.screen_links.get())
            expect(page.locator(".screen-empty")).to_have_text("此大屏已停止显示。")
            assert page.evaluate("() => window.notReloaded") is True
    finally:
        context.close()
    assert refused == []
