"""Case intake over the API: keys, idempotency (also under concurrency), and no 500 on any input."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client, TestCase, TransactionTestCase
from hypothesis import HealthCheck, settings

from minping.audit.models import AuditEntry
from minping.cases.actions import do_issue_api_key, do_revoke_api_key
from minping.cases.models import Case, Complainant
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
        self.assertRegex(data["number"], r"^2026-\d{6}$")
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
        ]:
            response = post(self.client, self.key, body)
            self.assertEqual(response.status_code, 422, body)
            self.assertIn(message, response.json()["detail"])
        response = post(self.client, self.key, {"external_id": "A4", "summary": "a\x00b"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(Case.objects.count(), 0)


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
