"""Case intake over the API: keys, idempotency (also under concurrency), and no 500 on any input.

The attacks of issue 10 item 7 are reproduced in ``KeyScopeTest``: two systems
sending with the same source, and an id reused with different content.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client, TestCase, TransactionTestCase, override_settings
from hypothesis import HealthCheck, settings

from minping.audit.models import AuditEntry
from minping.cases.actions import do_issue_api_key, do_revoke_api_key, intake_fingerprint
from minping.cases.models import Case, CaseEvent, Complainant
from minping.orgs.models import Unit
from minping.wsgi import application

URL = "/api/cases/"


def post(client: Client, key: str, body: Any) -> Any:
    return client.post(
        URL, json.dumps(body), content_type="application/json", headers={"X-API-Key": key}
    )


class IntakeTest(TestCase):
    def setUp(self) -> None:
        self.unit = Unit.objects.create(code="gaj", name="公安局")
        self.api_key, self.key = do_issue_api_key(source="12345", name="市12345平台", actor=None)

    def test_a_case_is_registered_once_and_a_retry_returns_it(self) -> None:
        body = {
            "external_id": "12345-2026-0001",
            "summary": "办证窗口态度差",
            "unit": "gaj",
            "registered_on": "2026-03-16",
            "complainant": {"name": "王五", "phone": "13900000000"},
        }
        first = post(self.client, self.key, body)
        self.assertEqual(first.status_code, 201, first.content)
        data = first.json()
        self.assertRegex(data["number"], r"^2026-\d{8}$")
        self.assertRegex(data["check_code"], r"^\d{6}$")
        self.assertEqual((data["state"], data["unit"]), ("registered", "gaj"))
        again = post(self.client, self.key, body)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["number"], data["number"])
        # The check code is given once only.
        self.assertIsNone(again.json()["check_code"])
        self.assertEqual(Case.objects.count(), 1)
        case = Case.objects.get()
        self.assertEqual((case.source, case.external_id), ("12345", "12345-2026-0001"))
        self.assertEqual(Complainant.objects.get(case=case).name, "王五")
        self.assertEqual(AuditEntry.objects.filter(action="case.register").count(), 1)

    def test_the_log_and_the_timeline_name_the_sending_system(self) -> None:
        post(self.client, self.key, {"external_id": "A1", "summary": "反映问题"})
        entry = AuditEntry.objects.get(action="case.register")
        event = CaseEvent.objects.get(action="register")
        # Not "cli:<whoever runs the server>": the key's system, as the organiser named it.
        self.assertEqual(entry.actor_label, "市12345平台(接口)")
        self.assertEqual(event.actor_label, "市12345平台(接口)")
        self.assertEqual(entry.detail["api_key"], self.api_key.prefix)

    def test_the_same_external_id_from_another_source_is_another_case(self) -> None:
        _, other = do_issue_api_key(source="media", name="日报热线", actor=None)
        body = {"external_id": "A1", "summary": "反映问题"}
        self.assertEqual(post(self.client, self.key, body).status_code, 201)
        self.assertEqual(post(self.client, other, body).status_code, 201)
        self.assertEqual(Case.objects.count(), 2)

    def test_a_system_reads_back_only_its_own_cases(self) -> None:
        post(self.client, self.key, {"external_id": "A1", "summary": "反映问题"})
        _, other = do_issue_api_key(source="media", name="日报热线", actor=None)
        mine = self.client.get(f"{URL}A1", headers={"X-API-Key": self.key})
        self.assertEqual(mine.status_code, 200)
        self.assertEqual(mine.json()["state_label"], "已登记")
        self.assertEqual(self.client.get(f"{URL}A1", headers={"X-API-Key": other}).status_code, 404)

    def test_without_a_valid_key_nothing_is_registered(self) -> None:
        body = {"external_id": "A1", "summary": "反映问题"}
        self.assertEqual(post(self.client, "mp_wrong", body).status_code, 401)
        do_revoke_api_key(self.api_key, actor=None)
        self.assertEqual(post(self.client, self.key, body).status_code, 401)
        self.assertEqual(Case.objects.count(), 0)

    def test_bad_input_is_a_clear_422(self) -> None:
        for body, message in [
            ({"external_id": "A1", "summary": "x", "unit": "nope"}, "没有代码为“nope”的单位"),
            ({"external_id": " ", "summary": "x"}, "请提供来源系统编号"),
            ({"external_id": "A2", "summary": "   "}, "请填写问题摘要"),
            ({"external_id": "A3", "summary": "x", "registered_on": "1999-01-01"}, "受理日期"),
            ({"external_id": "A4"}, "summary:缺少必填字段"),
            ({"external_id": "A5", "summary": "x" * 201}, "summary:不能超过 200 个字符"),
            ({"external_id": "A6", "summary": "x", "registered_on": "昨天"}, "应为日期"),
            # A misspelt field is not silently dropped.
            ({"external_id": "A7", "summary": "x", "detials": "经过"}, "detials:接口没有这个字段"),
        ]:
            response = post(self.client, self.key, body)
            self.assertEqual(response.status_code, 422, body)
            self.assertIn(message, response.json()["detail"])
        self.assertEqual(Case.objects.count(), 0)

    def test_control_characters_are_refused_before_anything_is_stored(self) -> None:
        # As JSON escapes too: the raw body holds no NUL byte, the decoded text does.
        for text in ("a\x00b", "a\x1bb", "a\ud800b"):
            response = post(self.client, self.key, {"external_id": "A4", "summary": text})
            self.assertEqual(response.status_code, 400, repr(text))
            self.assertIn("控制字符", response.json()["detail"])
        # The API reads any body as JSON, whatever type the request claims.
        disguised = self.client.post(
            URL,
            '{"external_id": "A5", "summary": "a\\u0000b"}',
            content_type="text/plain",
            headers={"X-API-Key": self.key},
        )
        self.assertEqual(disguised.status_code, 400)
        self.assertEqual(Case.objects.count(), 0)


class KeyScopeTest(TestCase):
    """Two hotline systems with the same source (12345), each with its own key."""

    def setUp(self) -> None:
        self.city, self.city_key = do_issue_api_key(source="12345", name="市12345", actor=None)
        self.county, self.county_key = do_issue_api_key(source="12345", name="县12345", actor=None)
        body = {"external_id": "GD-1", "summary": "市里的投诉", "details": "城管执法粗暴"}
        self.first = post(self.client, self.city_key, body).json()

    def test_a_key_does_not_read_another_systems_case(self) -> None:
        theirs = self.client.get(f"{URL}GD-1", headers={"X-API-Key": self.county_key})
        self.assertEqual(theirs.status_code, 404)
        self.assertNotIn(self.first["number"], theirs.content.decode())
        mine = self.client.get(f"{URL}GD-1", headers={"X-API-Key": self.city_key})
        self.assertEqual(mine.json()["number"], self.first["number"])

    def test_a_colliding_id_from_another_system_is_its_own_new_case(self) -> None:
        body = {"external_id": "GD-1", "summary": "县里的投诉", "details": "窗口推诿"}
        response = post(self.client, self.county_key, body)
        # Before the fix: 200 with the city's case, and the county's complaint dropped.
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotEqual(response.json()["number"], self.first["number"])
        self.assertEqual(
            sorted(Case.objects.values_list("summary", "api_key__name")),
            [("县里的投诉", "县12345"), ("市里的投诉", "市12345")],
        )
        again = self.client.get(f"{URL}GD-1", headers={"X-API-Key": self.county_key})
        self.assertEqual(again.json()["number"], response.json()["number"])

    def test_the_same_id_resent_unchanged_is_the_same_case(self) -> None:
        body = {"external_id": "GD-1", "summary": "市里的投诉", "details": "城管执法粗暴"}
        response = post(self.client, self.city_key, body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["number"], self.first["number"])
        self.assertEqual(Case.objects.count(), 1)

    def test_the_same_id_with_other_content_is_a_conflict(self) -> None:
        body = {"external_id": "GD-1", "summary": "另一件事", "details": "城管执法粗暴"}
        response = post(self.client, self.city_key, body)
        self.assertEqual(response.status_code, 409)
        detail = response.json()["detail"]
        self.assertIn(f"已用于问题 {self.first['number']}", detail)
        self.assertIn("was already used", detail)
        case = Case.objects.get()
        self.assertEqual((case.summary, case.details), ("市里的投诉", "城管执法粗暴"))
        # A different complainant is different content too.
        named: dict[str, Any] = {
            "external_id": "GD-1",
            "summary": "市里的投诉",
            "details": "城管执法粗暴",
            "complainant": {"phone": "13900000000"},
        }
        self.assertEqual(post(self.client, self.city_key, named).status_code, 409)
        self.assertFalse(Complainant.objects.exists())

    def test_the_fingerprint_is_keyed_so_a_database_copy_does_not_give_the_phone(self) -> None:
        payload = {"external_id": "GD-2", "complainant": {"phone": "13900000000"}}
        stored = intake_fingerprint(payload)
        # A plain hash could be recomputed for every phone number by anyone with the table.
        with override_settings(SECRET_KEY="another-installation"):
            self.assertNotEqual(intake_fingerprint(payload), stored)
        self.assertEqual(intake_fingerprint(dict(reversed(payload.items()))), stored)

    def test_a_rotated_key_is_still_the_same_system(self) -> None:
        organiser = User.objects.create_user("organiser", is_superuser=True)
        self.client.force_login(organiser)
        page = self.client.post("/cases/keys/", {"rotate": self.city.pk})
        new_key = re.search(r'<code class="key">([^<]+)</code>', page.content.decode())
        assert new_key is not None
        self.client.logout()
        # The old secret stops at once; the new one reads and resends the earlier case.
        self.assertEqual(
            self.client.get(f"{URL}GD-1", headers={"X-API-Key": self.city_key}).status_code, 401
        )
        mine = self.client.get(f"{URL}GD-1", headers={"X-API-Key": new_key.group(1)})
        self.assertEqual(mine.json()["number"], self.first["number"])
        body = {"external_id": "GD-1", "summary": "市里的投诉", "details": "城管执法粗暴"}
        self.assertEqual(post(self.client, new_key.group(1), body).status_code, 200)
        self.assertEqual(Case.objects.count(), 1)
        entry = AuditEntry.objects.get(action="api_key.rotate")
        self.assertEqual(entry.actor_label, "organiser")
        self.assertNotEqual(entry.detail["old_prefix"], entry.detail["prefix"])

    def test_a_malformed_complainant_is_refused_not_made_anonymous(self) -> None:
        for complainant, message in [
            # The probe's attack: a misspelt key used to give an anonymous case.
            ({"nmae": "王五", "mobile": "13900000000"}, "complainant.nmae:接口没有这个字段"),
            ("王五 13900000000", "complainant:应为一个 JSON 对象"),
            ({}, "投诉人信息为空"),
            ({"name": " ", "phone": ""}, "投诉人信息为空"),
            ({"name": 5}, "complainant.name:应为文本"),
        ]:
            body = {"external_id": "GD-3", "summary": "x", "complainant": complainant}
            response = post(self.client, self.city_key, body)
            self.assertEqual(response.status_code, 422, complainant)
            self.assertIn(message, response.json()["detail"])
        self.assertFalse(Case.objects.filter(external_id="GD-3").exists())
        # Leaving it out (or null) is how a system says "anonymous".
        anonymous = {"external_id": "GD-3", "summary": "x", "complainant": None}
        self.assertEqual(post(self.client, self.city_key, anonymous).status_code, 201)
        self.assertTrue(Case.objects.get(external_id="GD-3").anonymous)


@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent writers (PostgreSQL)")
class ConcurrentIntakeTest(TransactionTestCase):
    def test_racing_retries_create_one_case(self) -> None:
        _, key = do_issue_api_key(source="12345", name="平台", actor=None)
        statuses: list[int] = []
        barrier = threading.Barrier(4)

        def send() -> None:
            try:
                barrier.wait()
                response = post(Client(), key, {"external_id": "RACE-1", "summary": "同时重发"})
                statuses.append(response.status_code)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(statuses), [200, 200, 200, 201])
        self.assertEqual(Case.objects.filter(external_id="RACE-1").count(), 1)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Calling the WSGI app directly would close the test's connection after each request;
    Django's own test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db: None, keep_connection: None) -> str:
    Unit.objects.get_or_create(code="gaj", defaults={"name": "公安局"})
    return do_issue_api_key(source="12345", name="schemathesis", actor=None)[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_gets_a_server_error(case: Any, api_key: str) -> None:
    """Whatever schemathesis sends, with or without a key: never a 500."""
    case.call_and_validate(
        headers={"X-API-Key": api_key},
        checks=[schemathesis.checks.not_a_server_error],
    )
