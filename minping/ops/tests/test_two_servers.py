"""Two app servers, one database, one Redis (docs/deploy.md): what a respondent, a visitor and
an organiser see does not depend on which server nginx hands them to.

Two real gunicorn servers (``deploy/gunicorn.conf.py``) on free loopback ports, on the test
database and on the running Redis (its own database number and key prefix, removed
afterwards). PostgreSQL only; skipped with the reason otherwise.
"""

from __future__ import annotations

import tempfile
import threading
import unittest
from pathlib import Path
from typing import ClassVar

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import User
from django.test import TransactionTestCase

from minping.lib.tests.import_fixtures import make_campaign
from minping.ops.tests import servers
from minping.ops.tests.servers import AppServer, Browser, Reply, read_form
from minping.orgs.models import Group, Unit
from minping.surveys.models import Answer, Ballot, Invitation
from minping.surveys.tests.helpers import issue, open_collection

# The case-check limit per address, lowered so that a few wrong guesses reach it.
CHECKS = 4


@pytest.mark.slow
class TwoServersTest(TransactionTestCase):
    tmp: ClassVar[tempfile.TemporaryDirectory[str]]
    prefix: ClassVar[str]
    a: ClassVar[AppServer]
    b: ClassVar[AppServer]

    @classmethod
    def setUpClass(cls) -> None:
        if reason := servers.skip_reason():
            raise unittest.SkipTest(reason)
        if not servers.redis_available():
            raise unittest.SkipTest(f"needs Redis on {servers.REDIS_HOST}:{servers.REDIS_PORT}")
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="minping-two-servers-")
        folder = Path(cls.tmp.name)
        cls.prefix = servers.new_redis_prefix()
        env = servers.server_env(
            folder,
            redis_prefix=cls.prefix,
            MINPING_RATE_LIMITS=f"check-address={CHECKS}/900,check-device=100/900",
        )
        cls.a = AppServer(env, folder / "a.log")
        cls.b = AppServer(env, folder / "b.log")
        # Both start at once: two cold Django start-ups side by side take as long as one.
        started = [threading.Thread(target=s.start) for s in (cls.a, cls.b)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
        if not (cls.a.port and cls.b.port) or None in (cls.a.process, cls.b.process):
            cls.tearDownClass()
            raise AssertionError("an app server did not start")

    @classmethod
    def tearDownClass(cls) -> None:
        for server in (getattr(cls, "a", None), getattr(cls, "b", None)):
            if server is not None:
                server.stop()
        if getattr(cls, "prefix", ""):
            servers.drop_redis_keys(cls.prefix)
        if getattr(cls, "tmp", None) is not None:
            cls.tmp.cleanup()
        super().tearDownClass()

    def setUp(self) -> None:
        group = Group.objects.create(code="agencies", name="机关单位")
        self.unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        self.campaign = make_campaign("two-2026", year=2026, groups=["agencies"])
        self.questionnaire = open_collection(self.campaign, channels=["invitation"])

    def both_at_once(self, posts: list[tuple[AppServer, Browser, str, list]]) -> list[Reply]:
        """Send the posts at the same moment, each from its own thread."""
        gate = threading.Barrier(len(posts))
        replies: list[Reply | None] = [None] * len(posts)

        def send(index: int) -> None:
            server, browser, path, fields = posts[index]
            gate.wait(timeout=10)
            replies[index] = browser.post(server, path, fields)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(posts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert all(reply is not None for reply in replies)
        return [reply for reply in replies if reply is not None]

    def test_one_invitation_posted_to_both_servers_at_once_stores_one_ballot(self) -> None:
        tokens = [item.token for item in issue(self.questionnaire.method, 6, unit=self.unit)]
        # Three times the same form (a double tap that nginx spread over both servers), three
        # times two forms of one link opened on two phones, each posted to another server.
        for token in tokens[:3]:
            path = f"/s/i/{token}/"
            browser = Browser()
            page = browser.get(self.a, path)
            self.assertEqual(page.status, 200, page.body[:500])
            form = read_form(page.body, 'name="key"')
            replies = self.both_at_once(
                [(self.a, browser, path, form.fields), (self.b, browser, path, form.fields)]
            )
            # Stored by one, seen as a retry by the other: both thank the respondent.
            self.assertEqual(
                [(r.status, r.headers["Location"]) for r in replies], [(302, "/s/thanks/")] * 2
            )
        for token in tokens[3:]:
            path = f"/s/i/{token}/"
            phone_a, phone_b = Browser(), Browser()
            form_a = read_form(phone_a.get(self.a, path).body, 'name="key"')
            form_b = read_form(phone_b.get(self.b, path).body, 'name="key"')
            self.assertNotEqual(dict(form_a.fields)["key"], dict(form_b.fields)["key"])
            replies = self.both_at_once(
                [(self.a, phone_a, path, form_a.fields), (self.b, phone_b, path, form_b.fields)]
            )
            # One is stored and thanked; the other is told the invitation is used.
            self.assertEqual(
                sorted(r.status for r in replies), [302, 409], [r.body[:300] for r in replies]
            )
        self.assertEqual(Ballot.objects.count(), 6)
        self.assertEqual(Ballot.objects.filter(unit=self.unit).count(), 6)
        self.assertEqual(Answer.objects.count(), 6 * len(self.questionnaire.indicator_codes))
        self.assertEqual(Invitation.objects.filter(used=True).count(), 6)

    def test_rate_limits_are_shared(self) -> None:
        visitor = Browser()

        def wrong_check(server: AppServer) -> int:
            form = read_form(visitor.get(server, "/cases/check/").body)
            fields = [*form.fields, ("number", "2026-00000000"), ("code", "000000")]
            return visitor.post(server, "/cases/check/", fields).status

        # Wrong guesses alternate between the servers; the limit counts them all together.
        statuses = [wrong_check(server) for server in (self.a, self.b) * CHECKS][: CHECKS + 1]
        self.assertEqual(statuses, [404] * CHECKS + [429])
        self.assertEqual(wrong_check(self.a), 429)
        self.assertEqual(wrong_check(self.b), 429)
        self.assertTrue(servers.redis_keys(self.prefix), "the counters are not in Redis")

    def test_a_session_started_on_one_server_works_on_the_other(self) -> None:
        hasher = Argon2PasswordHasher()  # the servers' hasher, not the tests' fast one
        User.objects.create(
            username="zuzhi",
            is_superuser=True,
            is_staff=True,
            password=hasher.encode("two-Servers-2026", hasher.salt()),
        )
        organiser = Browser()
        form = read_form(organiser.get(self.a, "/login/").body)
        fields = [*form.fields, ("username", "zuzhi"), ("password", "two-Servers-2026")]
        signed_in = organiser.post(self.a, "/login/", [*fields, ("next", "/console/")])
        self.assertEqual((signed_in.status, signed_in.headers["Location"]), (302, "/console/"))
        for server in (self.b, self.a, self.b):
            page = organiser.get(server, "/console/")
            self.assertEqual(page.status, 200)
            self.assertIn("<h1>工作台</h1>", page.body)
        # Signing out on one server ends the session on both.
        form = read_form(organiser.get(self.b, "/console/").body, 'action="/logout/"')
        self.assertEqual(organiser.post(self.b, "/logout/", form.fields).status, 302)
        after = organiser.get(self.a, "/console/")
        self.assertEqual(after.status, 302)
        self.assertTrue(after.headers["Location"].startswith("/login/"))
