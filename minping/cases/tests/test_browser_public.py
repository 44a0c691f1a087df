"""A citizen on a phone reports a problem anonymously and checks its progress."""

from __future__ import annotations

from typing import Any

import pytest

from minping.orgs.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_then_check_progress_on_a_phone(phone: Any, live_server: Any) -> None:
    Unit.objects.create(code="gaj", name="公安局")
    phone.goto(f"{live_server.url}/cases/report/")
    phone.get_by_label("反映哪个单位").select_option(label="公安局")
    phone.get_by_label("问题简述(一句话)").fill("办户口要跑三趟")
    phone.get_by_role("button", name="提交").click()
    receipt = phone.locator(".receipt")
    number = receipt.locator("dd").nth(0).inner_text().strip()
    code = receipt.locator("dd").nth(1).inner_text().strip()
    assert len(code) == 6
    phone.get_by_role("link", name="查询办理进度").click()
    phone.get_by_label("问题编号").fill(number)
    phone.get_by_label("查询码").fill(code)
    phone.get_by_role("button", name="查询").click()
    assert "已登记" in phone.locator(".big-state").inner_text()
    # Nothing sideways on a 390 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
