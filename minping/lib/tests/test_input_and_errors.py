"""Input that used to give a 500 on PostgreSQL, and what is left behind when an error happens.

Issue 10 item 8: a NUL byte in a query or form value reached PostgreSQL (which
refuses it) and a 256-character user name overflowed django-axes' column; with
DEBUG off, the traceback went nowhere. Run on PostgreSQL to see the old 500s.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.test import Client
from django.urls import reverse

from minping.cases.models import Case, State
from minping.cases.tests.helpers import case_in, today
from minping.lib.clean_input import has_control_characters
from minping.lib.request_id import RequestIdFilter
from minping.test import BaseTestCase

CJK = re.compile(r"[\u4e00-\u9fff]")


class ControlCharactersTest(BaseTestCase):
    def setUp(self) -> None:
        with today():
            self.case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        self.client.force_login(self.organiser)

    def assert_refused(self, response: object) -> None:
        self.assertEqual(response.status_code, 400)  # type: ignore[attr-defined]
        page = response.content.decode()  # type: ignore[attr-defined]
        self.assertIn('role="alert"', page)
        self.assertIn("控制字符", page)

    def test_the_probes_nul_bytes_are_a_400_in_chinese(self) -> None:
        number = self.case.number
        for url in [
            "/cases/?q=%00",
            "/cases/?unit=%00",
            "/cases/%00/",
            "/cases/ledger/%00/",
            "/console/oversight/deductions/?campaign=%00",
        ]:
            self.assert_refused(self.client.get(url))
        for url, data in [
            (f"/cases/{number}/merge/", {"into": "\x00"}),
            (f"/cases/{number}/accept/", {"note": "a\x00"}),
            ("/cases/ledger/gaj/add/", {"due_on": "2026-06-30", "case": "\x00"}),
            ("/cases/keys/", {"source": "12345", "name": "平台\x00"}),
            ("/cases/keys/", {"\x00": "x"}),
        ]:
            self.assert_refused(self.client.post(url, data))
        self.assertEqual(Case.objects.get().state, State.TRANSFERRED)

    def test_other_control_characters_and_surrogates_too(self) -> None:
        for text in ("\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f"):
            self.assert_refused(self.client.get("/cases/", {"q": f"投诉{text}"}))
        response = self.client.post(
            "/api/cases/", '{"summary": "\\ud800"}', content_type="application/json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("控制字符", response.json()["detail"])
        self.assertTrue(has_control_characters("\ud800"))

    def test_line_ends_and_tabs_are_text(self) -> None:
        with today():
            self.client.post(f"/cases/{self.case.number}/accept/")
            response = self.client.post(
                f"/cases/{self.case.number}/reply/",
                {"facts": "属实\r\n第二行", "handling": "已处理\t完毕", "measures": "一次告知"},
            )
        self.assertEqual(response.status_code, 302)
        case = Case.objects.get()
        self.assertEqual((case.state, case.reply_facts), (State.REPLIED, "属实\r\n第二行"))

    def test_a_header_with_a_control_character_is_refused(self) -> None:
        self.assert_refused(self.client.get("/cases/", headers={"User-Agent": "evil\x00agent"}))

    def test_a_cookie_with_a_nul_is_dropped_not_looked_up(self) -> None:
        # The session store would hand the NUL to the database: the visitor is just signed out.
        client = Client()
        client.cookies["sessionid"] = "\x00" + "a" * 31
        response = client.get("/cases/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_deeply_nested_json_is_refused_not_a_crash(self) -> None:
        body = "[" * 100_000 + "]" * 100_000
        response = Client().post("/api/cases/", body, content_type="application/json")
        self.assertEqual(response.status_code, 400)


class SignInTest(BaseTestCase):
    def test_a_256_character_user_name_is_a_form_error(self) -> None:
        # It used to reach django-axes, whose attempt log holds 255 characters (PostgreSQL: 500).
        response = self.client.post(
            reverse("login"), {"username": "a" * 256, "password": "whatever"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "用户名最长 150 个字符")
        self.assertFalse(response.wsgi_request.user.is_authenticated)


@contextmanager
def server_log() -> Iterator[io.StringIO]:
    """What the configured stderr handler writes, as the service manager would keep it."""
    (handler,) = [
        h
        for h in logging.getLogger("django").handlers
        if any(isinstance(f, RequestIdFilter) for f in h.filters)  # not pytest's own
    ]
    assert isinstance(handler, logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


class RequestIdTest(BaseTestCase):
    def test_every_response_carries_an_id(self) -> None:
        first = self.client.get("/healthz")["X-Request-ID"]
        second = self.client.get("/healthz")["X-Request-ID"]
        self.assertRegex(first, r"^[0-9a-f]{12}$")
        self.assertNotEqual(first, second)
        # Even a request refused before any view has one.
        self.assertIn("X-Request-ID", self.client.get("/cases/?q=%00"))

    def test_a_proxys_plain_id_is_kept_anything_else_replaced(self) -> None:
        kept = self.client.get("/healthz", headers={"X-Request-ID": "nginx-5f2c9a1b7e3d4c60"})
        self.assertEqual(kept["X-Request-ID"], "nginx-5f2c9a1b7e3d4c60")
        for forged in ("short", "x" * 65, "a b c d e f g h", "abc123\nERROR forged line", "<b>"):
            response = self.client.get("/healthz", headers={"X-Request-ID": forged})
            self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{12}$", forged)

    def test_an_unexpected_error_shows_the_id_and_logs_the_traceback_with_it(self) -> None:
        client = Client(raise_request_exception=False)
        with (
            server_log() as log,
            mock.patch("minping.lib.views.connection") as connection,
        ):
            connection.cursor.side_effect = RuntimeError("数据库连接断开")
            response = client.get("/healthz")
        self.assertEqual(response.status_code, 500)
        the_id = response["X-Request-ID"]
        page = response.content.decode()
        self.assertIn(f'错误编号:<strong class="request-id">{the_id}</strong>', page)
        self.assertRegex(page, CJK)
        self.assertNotIn("数据库连接断开", page)  # the cause is for the log, not the visitor
        written = log.getvalue()
        self.assertIn(f"ERROR [{the_id}] django.request: Internal Server Error: /healthz", written)
        self.assertIn("Traceback (most recent call last)", written)
        self.assertIn("RuntimeError: 数据库连接断开", written)

    def test_a_warning_after_the_view_carries_the_id_too(self) -> None:
        with server_log() as log:
            response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertRegex(response.content.decode(), CJK)
        the_id = response["X-Request-ID"]
        self.assertIn(
            f"WARNING [{the_id}] django.request: Not Found: /no-such-page/", log.getvalue()
        )

    def test_the_api_gets_the_id_too(self) -> None:
        response = self.client.post("/api/cases/", json.dumps({}), content_type="application/json")
        self.assertEqual(response.status_code, 401)
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{12}$")
