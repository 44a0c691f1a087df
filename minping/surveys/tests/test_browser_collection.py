"""Respondents on a phone (Debian's chromium): each channel, a used code, a double tap."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys.actions import do_register_kiosk
from minping.surveys.models import Ballot, Comment, Questionnaire
from minping.surveys.tests.helpers import issue, open_collection, window_link
from minping.surveys.tokens import format_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTIONS = 'fieldset.question:has(input[name^="u"])'


@pytest.fixture
def world() -> dict[str, Any]:
    cache.clear()
    group = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=group)
    water = Unit.objects.create(code="water", name="水务集团", group=group)
    window = Unit.objects.create(code="gaj-w1", name="户政窗口", parent=gaj)
    campaign = make_campaign("phone-2026", year=2026, groups=["agencies"])
    questionnaire = open_collection(campaign)
    return {"gaj": gaj, "water": water, "window": window, "q": questionnaire}


def answer_all(page: Any, level: str, category: str | None = "办事群众") -> None:
    questions = page.locator(QUESTIONS)
    for index in range(questions.count()):
        questions.nth(index).get_by_label(level, exact=True).tap()
    if category:
        page.get_by_label(category, exact=True).tap()


def assert_fits_a_phone(page: Any) -> None:
    """No sideways scrolling, and every choice is at least 44 px tall to tap."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    heights = page.locator("label.level, label.choice").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44


def test_an_invitation_link_a_lost_response_a_retry_and_the_used_link(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    questionnaire: Questionnaire = world["q"]
    token = issue(questionnaire.method, unit=world["gaj"])[0].token
    url = f"{live_server.url}/s/i/{token}/"
    phone.goto(url)
    expect(phone.get_by_role("heading", name="公安局")).to_be_visible()
    assert_fits_a_phone(phone)
    answer_all(phone, "较好")
    phone.get_by_label("意见和建议(可不填)").fill("办证很快,态度好")
    # The first submission reaches the server, but its answer is lost on the way back
    # (a 204 leaves the form on screen), so the respondent taps the button again.
    lost: list[int] = []

    def lose_the_answer(route: Any) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch(max_redirects=0).status)
            route.fulfill(status=204)
        else:
            route.continue_()

    phone.route(f"**/s/i/{token}/", lose_the_answer)
    phone.get_by_role("button", name="提交评价").tap()
    for _ in range(100):
        if lost:
            break
        phone.wait_for_timeout(100)
    assert lost == [302] and Ballot.objects.count() == 1
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    assert Ballot.objects.count() == 1
    assert Comment.objects.get().text == "办证很快,态度好"
    # Opening the link again: used, said plainly.
    phone.goto(url)
    expect(phone.get_by_role("heading", name="邀请码已使用")).to_be_visible()
    expect(phone.get_by_role("alert")).to_contain_text("只能提交一次")


def test_a_double_tap_stores_one_ballot(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    token = issue(world["q"].method, unit=world["gaj"])[0].token
    phone.goto(f"{live_server.url}/s/i/{token}/")
    answer_all(phone, "一般")
    # Two submissions of the same form as fast as the page can send them.
    phone.evaluate(
        "() => { const f = document.querySelector('form.survey');"
        " f.requestSubmit(); f.requestSubmit(); }"
    )
    phone.wait_for_url("**/s/thanks/")
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    assert Ballot.objects.count() == 1


def test_a_typed_code_and_picking_units(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    issued = issue(world["q"].method, category="两代表一委员")[0]
    phone.goto(f"{live_server.url}/s/code/")
    phone.get_by_label("邀请码").fill("wrong")
    phone.get_by_role("button", name="下一步").tap()
    expect(phone.get_by_role("alert")).to_contain_text("10 位字母和数字")
    phone.get_by_label("邀请码").fill(format_code(issued.code).lower())
    phone.get_by_role("button", name="下一步").tap()
    phone.get_by_label("公安局").tap()
    phone.get_by_label("水务集团").tap()
    phone.get_by_role("button", name="下一步").tap()
    expect(phone.get_by_role("heading", name="1. 公安局")).to_be_visible()
    expect(phone.get_by_role("heading", name="2. 水务集团")).to_be_visible()
    answer_all(phone, "好", category=None)  # the invitation says 两代表一委员
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    assert sorted(Ballot.objects.values_list("unit__code", "category")) == [
        ("gaj", "两代表一委员"),
        ("water", "两代表一委员"),
    ]


def test_a_window_qr_code_once_per_service(
    phone: Any, browser: Any, live_server: Any, world: dict[str, Any]
) -> None:
    link = window_link(world["q"].method, world["window"])
    url = f"{live_server.url}/s/w/{link.slug}/"
    phone.goto(url)
    expect(phone.get_by_role("heading", name="户政窗口")).to_be_visible()
    answer_all(phone, "好")
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    # Scanning again: told at once, before filling anything in.
    phone.goto(url)
    expect(phone.get_by_role("heading", name="您刚刚评价过")).to_be_visible()
    expect(phone.get_by_text("分钟后可以再评价")).to_be_visible()
    assert phone.get_by_role("button", name="提交评价").count() == 0
    # The next citizen's phone on the same address (the hall's Wi-Fi) is another device.
    other = browser.new_context(locale="zh-CN", is_mobile=True, has_touch=True)
    neighbour = other.new_page()
    neighbour.goto(url)
    answer_all(neighbour, "较好")
    neighbour.get_by_role("button", name="提交评价").tap()
    expect(neighbour.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    other.close()
    assert list(Ballot.objects.values_list("channel", flat=True)) == ["window", "window"]


def test_a_kiosk_resets_after_each_ballot(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    link = window_link(world["q"].method, world["window"])
    _, token = do_register_kiosk(None, link, "户政平板")
    phone.goto(f"{live_server.url}/s/kiosk/pair/{token}/")
    phone.get_by_role("button", name="确认设置").tap()
    phone.wait_for_url("**/s/kiosk/")
    expect(phone.get_by_role("heading", name="户政窗口")).to_be_visible()
    assert phone.get_by_role("link").count() == 0  # nothing to wander off to
    answer_all(phone, "较好")
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    # Back to a fresh questionnaire by itself after five seconds.
    phone.wait_for_url("**/s/kiosk/", timeout=10_000)
    phone.locator(QUESTIONS).first.wait_for()
    assert phone.locator("input:checked").count() == 0
    assert Ballot.objects.get().channel == "kiosk"


def test_a_window_with_javascript_off(
    browser: Any, live_server: Any, world: dict[str, Any]
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN"
    )
    page = context.new_page()
    link = window_link(world["q"].method, world["window"])
    page.goto(f"{live_server.url}/s/w/{link.slug}/")
    answer_all_clicks = page.locator(QUESTIONS)
    for index in range(answer_all_clicks.count()):
        answer_all_clicks.nth(index).get_by_label("一般", exact=True).click()
    page.get_by_label("机关干部", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", name="感谢您的评价!")).to_be_visible()
    assert Ballot.objects.get().category == "机关干部"
    context.close()
