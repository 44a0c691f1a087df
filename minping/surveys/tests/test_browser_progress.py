"""The progress monitor on a desktop: a new ballot shows up without reloading the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Membership, Role, Unit
from minping.surveys.actions import do_cast_ballot
from minping.surveys.models import Channel
from minping.surveys.tests.helpers import all_good, open_collection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_ballot_appears_on_the_open_page(
    desktop: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page polls every 10 s; 1 s here keeps the suite from waiting (the page reads it).
    monkeypatch.setattr("minping.surveys.views_progress.POLL_SECONDS", 1)
    group = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=group)
    campaign = make_campaign("live-2026", year=2026, groups=["agencies"])
    questionnaire = open_collection(campaign, channels=[Channel.ONLINE], target=2)
    user = User.objects.create_user("zuzhi", password="correct-horse-9")
    Membership.objects.create(user=user, role=Role.ORGANISER)

    def cast() -> None:
        do_cast_ballot(
            questionnaire=questionnaire,
            channel=Channel.ONLINE,
            responses=[all_good(gaj, questionnaire)],
            category="办事群众",
        )

    cast()
    desktop.goto(f"{live_server.url}/login/?next=/s/manage/live-2026/progress/")
    desktop.get_by_label("用户名").fill("zuzhi")
    desktop.get_by_label("密码").fill("correct-horse-9")
    desktop.get_by_role("button", name="登录").click()
    total = desktop.locator('[data-total="third_party"]')
    unit = desktop.locator('[data-unit="third_party:gaj"]')
    expect(total).to_have_text("1")
    expect(desktop.locator("tr.below")).to_have_count(1)  # 1 of 2: below target
    desktop.evaluate("window.notReloaded = true")
    cast()
    # The fragment polls every second here: within 5 s the numbers change in place.
    expect(total).to_have_text("2", timeout=5_000)
    expect(unit).to_have_text("2")
    expect(desktop.locator("tr.below")).to_have_count(0)
    assert desktop.evaluate("window.notReloaded") is True  # the same page, not a reload
