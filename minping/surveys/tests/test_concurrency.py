"""Exactly once under load: many submissions at the same moment through do_cast_ballot.

PostgreSQL only: SQLite takes one writer at a time (IMMEDIATE transactions), so
concurrency there proves nothing; the PostgreSQL run is what a city installs.
Threads share the test database through their own connections; 32 at a time
keeps well under the server's 100 connections, which other sessions share.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import TransactionTestCase

from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys.actions import CastRefused, InvitationClaim, do_cast_ballot
from minping.surveys.models import Answer, Ballot, Invitation
from minping.surveys.tests.helpers import all_good, issue, open_collection
from minping.surveys.tokens import token_hash

WORKERS = 32


@pytest.mark.slow
class ConcurrentCastTest(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest(
                "needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serialises writers, "
                "so concurrent submissions cannot race there"
            )
        group = Group.objects.create(code="agencies", name="机关")
        self.unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        campaign = make_campaign("race-2026", year=2026, groups=["agencies"])
        self.questionnaire = open_collection(campaign)

    def run_all(self, jobs: list[Callable[[], str]]) -> Counter[str]:
        start = threading.Barrier(min(WORKERS, len(jobs)))

        def run(job: Callable[[], str]) -> str:
            try:
                with contextlib.suppress(threading.BrokenBarrierError):
                    start.wait(timeout=5)
                return job()
            finally:
                connection.close()

        with ThreadPoolExecutor(WORKERS) as pool:
            return Counter(pool.map(run, jobs))

    def submit(self, invitation_id: object, key: str) -> Callable[[], str]:
        def job() -> str:
            try:
                result = do_cast_ballot(
                    questionnaire=self.questionnaire,
                    channel="invitation",
                    responses=[all_good(self.unit, self.questionnaire)],
                    category="两代表一委员",
                    key=key,
                    claims=(InvitationClaim(invitation_id),),  # type: ignore[arg-type]
                )
            except CastRefused as refusal:
                return refusal.reason
            return "replayed" if result.replayed else "stored"

        return job

    def test_200_submissions_with_one_invitation_store_one_ballot(self) -> None:
        token = issue(self.questionnaire.method, unit=self.unit)[0].token
        invitation = Invitation.objects.get(token_hash=token_hash(token))
        outcomes = self.run_all(
            [self.submit(invitation.pk, f"form-key-{i:04d}-xxxxxxxxxxxx") for i in range(200)]
        )
        self.assertEqual(outcomes, Counter({"stored": 1, "used": 199}))
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(Answer.objects.count(), 3)

    def test_a_double_tap_of_one_form_stores_once(self) -> None:
        token = issue(self.questionnaire.method, unit=self.unit)[0].token
        invitation = Invitation.objects.get(token_hash=token_hash(token))
        outcomes = self.run_all(
            [self.submit(invitation.pk, "the-same-form-key-xxxxxxxxxxx") for _ in range(50)]
        )
        # The first stores; the rest wait on the key's unique index and see a replay
        # (or, arriving after the commit, the key already taken).
        self.assertEqual(outcomes, Counter({"stored": 1, "replayed": 49}))
        self.assertEqual(Ballot.objects.count(), 1)

    def test_1000_submissions_with_different_invitations_store_1000(self) -> None:
        issued = issue(self.questionnaire.method, 1000, unit=self.unit)
        ids = dict(Invitation.objects.values_list("token_hash", "id"))
        jobs = [
            self.submit(ids[token_hash(item.token)], f"form-key-{i:04d}-yyyyyyyyyyyy")
            for i, item in enumerate(issued)
        ]
        outcomes = self.run_all(jobs)
        self.assertEqual(outcomes, Counter({"stored": 1000}))
        self.assertEqual(Ballot.objects.count(), 1000)
        self.assertEqual(Answer.objects.count(), 3000)  # 3 indicators each
        self.assertEqual(Invitation.objects.filter(used=False).count(), 0)
