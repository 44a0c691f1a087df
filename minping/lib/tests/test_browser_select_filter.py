"""The search box above long unit lists (static/minping/select-filter.js), in a real browser:
a citizen on a phone types part of a name instead of scrolling through every unit."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from minping.orgs.models import Group, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["公安局", "民政局", "人社局", "自然资源局", "住建局", "交通局", "水务局", "农业局"]
NAMES += ["商务局", "文旅局", "卫健委", "市场监管局"]


def test_typing_part_of_a_name_keeps_only_matching_units(phone: Any, live_server: Any) -> None:
    agencies = Group.objects.create(code="agencies", name="机关单位")
    for number, name in enumerate(NAMES):
        Unit.objects.create(code=f"u{number:02d}", name=name, group=agencies)
    page = phone
    page.goto(f"{live_server.url}/cases/report/")
    units = page.get_by_label("反映哪个单位")
    search = page.get_by_placeholder("输入单位名称筛选")
    expect(search).to_be_visible()
    search.fill("局")
    visible = units.locator("option:not([hidden])")
    # Every unit but 卫健委 ends in 局, and the empty choice stays.
    expect(visible).to_have_count(len(NAMES))
    search.fill("水务")
    expect(visible).to_have_count(2)
    # One unit left: it is chosen, as the person typing its name means it.
    expect(units.locator("option:checked")).to_have_text("水务局")
    search.fill("")
    expect(visible).to_have_count(len(NAMES) + 1)
    expect(units.locator("option:checked")).to_have_text("水务局")
