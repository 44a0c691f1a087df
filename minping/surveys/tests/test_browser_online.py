"""The online channel on a phone, and interviewer entry on a desktop (Debian's chromium)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from playwright.sync_api import expect

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Membership, Role, Unit
from minping.surveys.models import Ballot, Channel, InterviewerTally
from minping.surveys.tests.helpers import open_collection
from minping.surveys.tests.test_browser_collection import answer_all, assert_fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> dict[str, Any]:
    cache.clear()
    settings.MINPING_SMS_OUTBOX = str(tmp_path / "outbox.jsonl")
    group = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=group)
    Unit.objects.create(code="water", name="水务集团", group=group)
    campaign = make_campaign("online-2026", year=2026, groups=["agencies"])
    questionnaire = open_collection(campaign, channels=[Channel.ONLINE, Channel.INTERVIEWER])
    return {"gaj": gaj, "q": questionnaire, "outbox": tmp_path / "outbox.jsonl"}


def sms_code(outbox: Path) -> str:
    text = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])["text"]
    return "".join(ch for ch in text if ch.isdigit())[:6]


def test_number_code_questionnaire_thanks_and_a_second_try_refused(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    url = f"{live_server.url}/s/o/online-2026/third_party/gaj/"
    phone.goto(url)
    phone.get_by_label("手机号码").fill("139 1234 5678")
    phone.get_by_role("button", name="获取验证码").tap()
    expect(phone.get_by_role("status")).to_contain_text("139****5678")
    phone.get_by_label("短信验证码").fill(sms_code(world["outbox"]))
    phone.get_by_role("button", name="验证并开始评价").tap()
    expect(phone.get_by_role("heading", name="公安局")).to_be_visible()
    assert_fits_a_phone(phone)
    answer_all(phone, "好")
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone).to_have_url(f"{live_server.url}/s/thanks/")
    assert Ballot.objects.get().channel == "online"
    # Same phone, same unit, in a fresh browser session: verified again, then refused.
    phone.context.clear_cookies()
    cache.clear()  # the one-minute gap between codes for one phone: wait it out
    phone.goto(url)
    phone.get_by_label("手机号码").fill("13912345678")
    phone.get_by_role("button", name="获取验证码").tap()
    expect(phone.get_by_role("status")).to_contain_text("139****5678")
    phone.get_by_label("短信验证码").fill(sms_code(world["outbox"]))
    phone.get_by_role("button", name="验证并开始评价").tap()
    expect(phone.get_by_role("alert")).to_contain_text("已经评价过公安局")
    assert Ballot.objects.count() == 1


def test_an_interviewer_enters_a_paper_ballot(
    desktop: Any, live_server: Any, world: dict[str, Any]
) -> None:
    user = User.objects.create_user("fangwen", password="correct-horse-9")
    Membership.objects.create(user=user, role=Role.INTERVIEWER)
    desktop.goto(f"{live_server.url}/login/?next=/s/enter/")
    desktop.get_by_label("用户名").fill("fangwen")
    desktop.get_by_label("密码").fill("correct-horse-9")
    desktop.get_by_role("button", name="登录").click()
    desktop.get_by_role("link", name="第三方测评").first.click()
    desktop.get_by_label("纸质问卷").check()
    desktop.get_by_label("被评议单位").select_option("gaj")
    questions = desktop.locator('fieldset.question:has(input[name^="u0-"])')
    for index in range(questions.count()):
        questions.nth(index).get_by_label("较好", exact=True).check()
    desktop.get_by_label("办事群众", exact=True).check()
    desktop.get_by_role("button", name="保存这份答卷").click()
    expect(desktop.get_by_role("status")).to_contain_text("已保存一份答卷")
    expect(desktop.locator("#today")).to_have_text("1")
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.unit.code) == ("paper", "gaj")
    assert InterviewerTally.objects.get().ballots == 1
