"""The organiser in a real browser: make a draw, print the letters, see response per stratum.

A respondent then answers from a letter: the link printed on it, opened on a phone.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect
from pypdf import PdfReader

from minping.orgs.models import Group, Membership, Role, Unit
from minping.panels.models import Draw
from minping.panels.tests.helpers import collecting_campaign, fill_pool, phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTIONS = 'fieldset.question:has(input[name^="u"])'


@pytest.fixture
def world() -> dict[str, Any]:
    agencies = Group.objects.create(code="agencies", name="机关单位")
    industries = Group.objects.create(code="industries", name="重点行业")
    Unit.objects.create(code="gaj", name="公安局", group=agencies)
    Unit.objects.create(code="water", name="水务集团", group=industries)
    campaign, _method = collecting_campaign("browser-2026")
    with tempfile.TemporaryDirectory() as folder:
        people = [
            (phone(i), f"群众{i}" if i % 2 else "", "办事群众", "公安局" if i < 8 else "水务集团")
            for i in range(16)
        ]
        pool = fill_pool(Path(folder), campaign, people)
    user = User.objects.create_user("zuzhi", password="correct-horse-9")
    Membership.objects.create(user=user, role=Role.ORGANISER)
    return {"campaign": campaign, "pool": pool}


def test_the_organiser_draws_prints_letters_and_sees_responses(
    desktop: Any, phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    code = world["campaign"].code
    desktop.goto(f"{live_server.url}/login/?next=/console/panels/")
    desktop.get_by_label("用户名").fill("zuzhi")
    desktop.get_by_label("密码").fill("correct-horse-9")
    desktop.get_by_role("button", name="登录").click()
    desktop.get_by_role("link", name=world["campaign"].title).click()
    desktop.get_by_role("link", name="新的抽样").click()
    # Step one: the method, round and pool (one of each here).
    desktop.get_by_role("button", name="查看可抽取的人数").click()
    expect(desktop.get_by_text("抽样框共 16 人")).to_be_visible()
    # The searchable strata table: typing a unit's name hides the other rows.
    rows = desktop.locator("#strata tbody tr")
    expect(rows).to_have_count(2)
    desktop.get_by_placeholder("输入单位名称").fill("水务")
    expect(rows.filter(has_text="公安局")).to_be_hidden()
    expect(rows.filter(has_text="水务集团")).to_be_visible()
    desktop.get_by_placeholder("输入单位名称").fill("")
    # Step two: 6 in proportion, at least 3 a unit (3 + 3), a reserve of 33 %: ceil(0.99) = 1 each.
    desktop.get_by_label("给出总数,按各层人数比例分配(每个单位可设最少人数)").check()
    desktop.get_by_label("样本总数").fill("6")
    desktop.get_by_label("每个单位至少抽取").fill("3")
    desktop.get_by_label("备用样本(占样本的百分比)").fill("33")
    desktop.get_by_label("随机种子(可不填)").fill("20260701")
    desktop.get_by_role("button", name="抽样", exact=True).click()
    expect(desktop.get_by_role("heading", name=re.compile("抽样报告"))).to_be_visible()
    expect(desktop.get_by_text("样本 6 人,备用 2 人")).to_be_visible()
    expect(desktop.locator(".seed")).to_have_text("20260701")
    made = Draw.objects.get()
    assert made.seed == 20260701

    # Print the letters: the PDF comes with the answer to the issuing form, once.
    desktop.get_by_label("发函单位").fill("兴庆区纠风办")
    desktop.get_by_label("核实电话").fill("0951-6012345")
    desktop.get_by_label("A5").check()
    desktop.get_by_role("button", name="向样本中的 6 人发出邀请").click()
    expect(desktop.get_by_role("heading", name=re.compile("已发出 6 份邀请"))).to_be_visible()
    with desktop.expect_download() as download_info:
        desktop.get_by_role("link", name=re.compile("下载邀请函 PDF")).click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(pdf.pages) == 6
    texts = [page.extract_text() for page in pdf.pages]
    assert all("兴庆区纠风办" in text and "0951-6012345" in text for text in texts)

    # A respondent opens the link printed on the first 公安局 letter, on a phone, and answers.
    letter = next(text for text in texts if "公安局" in text)
    found = re.search(r"(https?://\S+/s/i/[\w-]+/)", letter.replace("\n", ""))
    assert found is not None
    phone.goto(found.group(1))
    expect(phone.get_by_role("heading", name="公安局")).to_be_visible()
    questions = phone.locator(QUESTIONS)
    for index in range(questions.count()):
        questions.nth(index).get_by_label("好", exact=True).tap()
    phone.get_by_role("button", name="提交评价").tap()
    expect(phone.get_by_role("heading", name="感谢您的评价!")).to_be_visible()

    # Back on the console: the responses page counts it in its stratum, and no one is named.
    desktop.goto(f"{live_server.url}/console/panels/c/{code}/responses/")
    gaj_row = desktop.locator("tr", has_text="公安局")
    expect(gaj_row.locator("[data-used]")).to_have_text("1")
    expect(gaj_row).to_contain_text("33.3%")  # 1 of 3 invited
    expect(desktop.locator("tr", has_text="水务集团").locator("[data-used]")).to_have_text("0")
    expect(desktop.get_by_text("已发邀请 6,已回应 1")).to_be_visible()
