"""An app server killed with SIGKILL in the middle of a burst of ballots and case registrations.

A real gunicorn server (``deploy/gunicorn.conf.py``) takes a bounded burst — ballot forms
posted by respondents and cases pushed through the intake API, several at a time — and is
SIGKILLed with its workers after the first few answers. Requests in flight are cut off and
the rest are refused. It is started again, every request that got no answer is sent again
as a browser's or a 12345 platform's retry would, and then: every ballot and case that was
acknowledged is there exactly once, the retried ones too, every invitation is used by exactly
one ballot, and the audit chain is intact. PostgreSQL only; skipped with the reason otherwise.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import unittest
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import TransactionTestCase

from minping.audit import log as audit_log
from minping.audit.models import AuditEntry
from minping.cases.actions import do_issue_api_key
from minping.cases.models import Case
from minping.lib.tests.import_fixtures import make_campaign
from minping.ops.tests import servers
from minping.ops.tests.servers import AppServer, Browser, read_form
from minping.orgs.models import Group, Unit
from minping.surveys.models import Answer, Ballot, Invitation, SubmissionKey
from minping.surveys.tests.helpers import issue, open_collection

BALLOTS = 24  # 12 invitations for each of two units
CASES = 24
KILL_AFTER = 10  # acknowledged requests before the kill; the rest are cut off or refused
CLIENTS = 8


@pytest.mark.slow
class KilledServerTest(TransactionTestCase):
    def setUp(self) -> None:
        if reason := servers.skip_reason():
            raise unittest.SkipTest(reason)
        self.tmp = tempfile.TemporaryDirectory(prefix="minping-crash-")
        self.addCleanup(self.tmp.cleanup)
        folder = Path(self.tmp.name)
        self.env = servers.server_env(folder)
        self.log = folder / "server.log"
        group = Group.objects.create(code="agencies", name="机关单位")
        self.units = [
            Unit.objects.create(code="gaj", name="公安局", group=group),
            Unit.objects.create(code="swj", name="税务局", group=group),
        ]
        campaign = make_campaign("crash-2026", year=2026, groups=["agencies"])
        self.questionnaire = open_collection(campaign, channels=["invitation"])
        self.tokens = {
            unit.code: [
                item.token
                for item in issue(
                    self.questionnaire.method, BALLOTS // 2, unit=unit, prefix=unit.code
                )
            ]
            for unit in self.units
        }
        _, self.api_key = do_issue_api_key(source="12345", name="市12345平台", actor=None)

    def server(self) -> AppServer:
        server = AppServer(self.env, self.log).start()
        self.addCleanup(server.stop)
        return server

    def test_acknowledged_ballots_and_cases_survive_a_sigkill_exactly_once(self) -> None:
        server = self.server()
        # Each respondent opens the form first (a GET changes nothing); the burst is the posts.
        jobs: dict[str, Callable[[AppServer], bool]] = {}
        for code, tokens in self.tokens.items():
            for token in tokens:
                browser, path = Browser(), f"/s/i/{token}/"
                form = read_form(browser.get(server, path).body, 'name="key"')
                jobs[f"ballot:{code}:{token}"] = self.ballot(browser, path, form.fields)
        numbers: dict[str, str] = {}
        for i in range(CASES):
            jobs[f"case:12345-{i:04d}"] = self.case(f"12345-{i:04d}", numbers)
        order = [
            name
            for pair in zip(list(jobs)[:BALLOTS], list(jobs)[BALLOTS:], strict=True)
            for name in pair
        ]

        acknowledged: list[str] = []
        lock, enough = threading.Lock(), threading.Event()

        def send(name: str) -> None:
            try:
                ok = jobs[name](server)
            except (OSError, http.client.HTTPException):
                return  # cut off or refused: no answer, so the client will try again
            if ok:
                with lock:
                    acknowledged.append(name)
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

        with ThreadPoolExecutor(CLIENTS) as pool:
            for name in order:
                pool.submit(send, name)
            self.assertTrue(enough.wait(timeout=120), "the server answered too few requests")
            server.kill()
        unanswered = [name for name in order if name not in acknowledged]
        # The kill came in the middle of the burst, not after it.
        self.assertGreaterEqual(len(acknowledged), KILL_AFTER)
        self.assertGreater(len(unanswered), CLIENTS)

        # What the kill left: nothing half-stored. Every ballot has its answers, its form
        # key and a used invitation; every case its registration in the audit log.
        stored = Ballot.objects.count()
        self.assertEqual(Answer.objects.count(), stored * len(self.questionnaire.indicator_codes))
        self.assertEqual(SubmissionKey.objects.count(), stored)
        self.assertEqual(Invitation.objects.filter(used=True).count(), stored)
        registered = Case.objects.count()
        self.assertEqual(AuditEntry.objects.filter(action="case.register").count(), registered)
        acknowledged_ballots = sum(name.startswith("ballot:") for name in acknowledged)
        self.assertGreaterEqual(stored, acknowledged_ballots)
        self.assertGreaterEqual(registered, len(acknowledged) - acknowledged_ballots)

        again = self.server()
        for name in unanswered:
            self.assertTrue(jobs[name](again), f"the retry of {name} failed")
        # A retry of something acknowledged is harmless too (a refresh after the thank-you).
        for name in acknowledged[:4]:
            self.assertTrue(jobs[name](again), f"the second retry of {name} failed")

        self.assertEqual(Ballot.objects.count(), BALLOTS)
        per_unit = Counter(Ballot.objects.values_list("unit__code", flat=True))
        self.assertEqual(per_unit, {unit.code: BALLOTS // 2 for unit in self.units})
        self.assertEqual(Answer.objects.count(), BALLOTS * len(self.questionnaire.indicator_codes))
        self.assertEqual(SubmissionKey.objects.count(), BALLOTS)
        self.assertEqual(Invitation.objects.filter(used=False).count(), 0)
        self.assertEqual(Invitation.objects.count(), BALLOTS)

        cases = Counter(Case.objects.values_list("external_id", flat=True))
        self.assertEqual(cases, {f"12345-{i:04d}": 1 for i in range(CASES)})
        # An acknowledged case keeps the number it was given.
        for name in acknowledged:
            if name.startswith("case:"):
                external_id = name.removeprefix("case:")
                self.assertEqual(
                    Case.objects.get(external_id=external_id).number, numbers[external_id]
                )
        self.assertEqual(AuditEntry.objects.filter(action="case.register").count(), CASES)
        self.assertEqual(audit_log.verify(), [])

    def ballot(
        self, browser: Browser, path: str, fields: list[tuple[str, str]]
    ) -> Callable[[AppServer], bool]:
        def post(server: AppServer) -> bool:
            reply = browser.post(server, path, fields)
            return (reply.status, reply.headers.get("Location")) == (302, "/s/thanks/")

        return post

    def case(self, external_id: str, numbers: dict[str, str]) -> Callable[[AppServer], bool]:
        body = json.dumps(
            {
                "external_id": external_id,
                "summary": f"办事窗口排队太久({external_id})",
                "unit": "gaj",
            }
        )

        def post(server: AppServer) -> bool:
            headers = {"Content-Type": "application/json", "X-API-Key": self.api_key}
            reply = server.request("POST", "/api/cases/", body, headers)
            if reply.status not in (200, 201):
                return False
            numbers.setdefault(external_id, json.loads(reply.body)["number"])
            return True

        return post
