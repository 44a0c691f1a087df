"""Pages under the site's Content-Security-Policy in chromium: nothing refused, htmx and the
admin and API docs still work."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Membership, Role, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page: Any) -> list[str]:
    """Every console error, script error and failed response of ``page``; a CSP violation is a
    console error. The browser's own request for /favicon.ico (pages without an icon of their
    own: the admin's) is not the site's doing."""
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Wait for ``expression`` to hold in the page, asked from here.

    ``page.wait_for_function`` re-checks inside the page with ``eval``, which this site's
    Content-Security-Policy forbids; so it fails whenever the first check is false.
    ``page.evaluate`` goes through the browser's debugging protocol, which the policy allows.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"still not true after {timeout} s: {expression}"
        page.wait_for_timeout(100)


def test_no_page_breaks_the_policy(desktop: Any, live_server: Any) -> None:
    page, base = desktop, live_server.url
    agencies = Group.objects.create(code="agencies", name="机关单位")
    gaj = Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="gaj-w1", name="户政窗口", parent=gaj)
    make_campaign("csp-2026", year=2026, groups=["agencies"])
    organiser = User.objects.create_user("zuzhi", password="pw-zuzhi-2026", is_staff=True)
    organiser.is_superuser = True
    organiser.save()
    Membership.objects.create(user=organiser, role=Role.ORGANISER)
    problems = watch(page)

    page.goto(f"{base}/login/?next=/console/")
    page.get_by_label("用户名").fill("zuzhi")
    page.get_by_label("密码").fill("pw-zuzhi-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_have_text("zuzhi")
    # htmx is loaded with its indicator style switched off (it would be an inline <style>).
    wait_until(page, "window.htmx !== undefined")
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.locator("style").count() == 0
    for path in (
        "/",
        "/console/",
        "/console/units/",
        "/console/campaigns/",
        "/console/imports/",
        "/console/portal/gaj/",
        "/console/oversight/deductions/new/?campaign=csp-2026",
        "/s/manage/csp-2026/progress/",
        "/cases/",
    ):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
    assert problems == []  # a blocked inline style or script is a console error here
    # The unit tree's indentation now comes from the style sheet.
    page.goto(f"{base}/console/units/")
    window = page.get_by_role("cell", name="└ 户政窗口")
    rems = window.evaluate(
        "td => parseFloat(getComputedStyle(td).paddingLeft)"
        " / parseFloat(getComputedStyle(document.documentElement).fontSize)"
    )
    assert rems == pytest.approx(2.1)  # one level deep: 1.5rem + the cell's own .6rem

    # The Django admin: its scripts are files; a change form with its widgets works.
    page.goto(f"{base}/admin/")
    expect(
        page.get_by_role("heading", name="站点管理").or_(page.locator("#site-name"))
    ).to_be_visible()
    page.goto(f"{base}/admin/auth/user/{organiser.pk}/change/")
    wait_until(page, "window.django !== undefined && window.django.jQuery !== undefined")

    # The API's docs page (django-ninja's Swagger UI, local files only) draws the API.
    page.goto(f"{base}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()

    assert problems == []
