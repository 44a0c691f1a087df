"""Signing in through a real browser on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from minping.orgs.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_liaison_signs_in_and_out(phone: Any, live_server: Any) -> None:
    user = User.objects.create_user("lianluo", password="correct-horse-9")
    Membership.objects.create(user=user, role=Role.LEADER)
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("用户名").fill("lianluo")
    phone.get_by_label("密码").fill("wrong-password")
    phone.get_by_role("button", name="登录").click()
    assert phone.get_by_role("alert").inner_text().startswith("用户名或密码不正确")
    phone.get_by_label("密码").fill("correct-horse-9")
    phone.get_by_role("button", name="登录").click()
    assert phone.locator(".who").inner_text() == "lianluo"
    phone.get_by_role("button", name="退出").click()
    assert phone.locator(".topbar").get_by_role("link", name="登录").is_visible()
