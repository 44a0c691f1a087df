"""DESIGN principle 4: no way back from a ballot to a person.

The schema tests fail as soon as anyone gives a ballot-side table a link, a
time or an address; the join tests play an organiser with full database
access who tries to pair ballots with the invitations that brought them.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from django.db import connection, models
from django.test import SimpleTestCase, TransactionTestCase

from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys import phones
from minping.surveys.actions import InvitationClaim, PhoneClaim, do_cast_ballot
from minping.surveys.models import (
    Answer,
    Ballot,
    Comment,
    InterviewerTally,
    Invitation,
    Kiosk,
    Questionnaire,
    RatedPhone,
    SubmissionKey,
)
from minping.surveys.questionnaires import UnitResponse
from minping.surveys.scrub import do_scrub_collection_order
from minping.surveys.tests.helpers import issue, open_collection
from minping.surveys.tokens import token_hash

BALLOT_SIDE: list[type[models.Model]] = [Ballot, Answer, Comment, SubmissionKey]
PERSON_SIDE: list[type[models.Model]] = [Invitation, Kiosk, RatedPhone, InterviewerTally]
# What a ballot-side row may point at: the campaign's definition, never a person or device.
ALLOWED_TARGETS = {
    "campaigns.campaign",
    "campaigns.method",
    "campaigns.indicator",
    "campaigns.scalelevel",
    "orgs.unit",
    "surveys.questionnaire",
    "surveys.ballot",
    "surveys.answer",
    "surveys.comment",
}
# Every column, so that a new one has to be argued for here.
COLUMNS: dict[type[models.Model], set[str]] = {
    # ``sheet`` (version 2) ties the ballots of one questionnaire over several units to each
    # other, so that one person counts once; it is random online and a keyed hash of the
    # file's id on import, and reaches no person, device, invitation or time.
    Ballot: {
        "id", "campaign", "method", "unit", "date", "channel", "category", "status",
        "hold_reason", "held_answers", "questionnaire", "round", "sheet",
    },
    Answer: {"id", "ballot", "campaign", "method", "unit", "indicator", "level"},
    Comment: {"id", "ballot", "campaign", "unit", "date", "text", "follow_up", "case_number"},
    SubmissionKey: {"key", "date"},
    Invitation: {
        "id", "campaign", "method", "unit", "category", "token_hash", "code_hash",
        "holder_key", "issued", "expires", "used",
    },
    # Written in the ballot's transaction: no date at all (it would be the ballot's).
    RatedPhone: {"id", "campaign", "unit", "phone_key"},
    InterviewerTally: {"id", "user", "method", "date", "ballots"},
}  # fmt: skip
TIMES = (models.DateTimeField, models.TimeField, models.DurationField)


def label(model: Any) -> str:
    return str(model._meta.label_lower)


class SchemaTest(SimpleTestCase):
    def test_ballot_side_tables_link_only_to_the_campaign_definition(self) -> None:
        for model in BALLOT_SIDE:
            for field in model._meta.get_fields():
                if field.is_relation and field.related_model is not None:
                    target = label(field.related_model)
                    self.assertIn(target, ALLOWED_TARGETS, f"{label(model)}.{field.name}")

    def test_person_side_tables_never_reach_a_ballot(self) -> None:
        ballot_side = {label(m) for m in BALLOT_SIDE}
        for model in PERSON_SIDE:
            for field in model._meta.get_fields():
                if field.is_relation and field.related_model is not None:
                    self.assertNotIn(label(field.related_model), ballot_side, field.name)

    def test_the_columns_are_exactly_these(self) -> None:
        for model, expected in COLUMNS.items():
            names = {f.name for f in model._meta.concrete_fields}
            self.assertEqual(names, expected, label(model))

    def test_no_time_finer_than_a_day_and_no_address(self) -> None:
        checked: list[type[models.Model]] = [
            *BALLOT_SIDE,
            Invitation,
            Questionnaire,
            RatedPhone,
            InterviewerTally,
        ]
        for model in checked:
            for field in model._meta.concrete_fields:
                self.assertNotIsInstance(field, TIMES, f"{label(model)}.{field.name}")
                self.assertNotIsInstance(field, models.GenericIPAddressField, field.name)
                if isinstance(field, models.DateField):
                    self.assertFalse(field.auto_now or field.auto_now_add, field.name)

    def test_a_rated_phone_has_no_date_and_no_plain_number(self) -> None:
        for field in RatedPhone._meta.concrete_fields:
            self.assertNotIsInstance(field, models.DateField, field.name)
        names = {f.name for f in RatedPhone._meta.concrete_fields}
        self.assertNotIn("phone", names)

    def test_ballot_ids_are_random_uuids(self) -> None:
        field = Ballot._meta.pk
        assert field is not None
        self.assertIsInstance(field, models.UUIDField)
        ids = {Ballot().pk for _ in range(50)}
        self.assertEqual({i.version for i in ids}, {4})
        self.assertEqual(len(ids), 50)


class OrganiserCannotJoinTest(TransactionTestCase):
    """Each cast commits on its own, as in production, so the database's own order is real."""

    COUNT = 12

    def setUp(self) -> None:
        group = Group.objects.create(code="agencies", name="机关")
        self.unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        self.campaign = make_campaign("join-2026", year=2026, groups=["agencies"])
        self.questionnaire = open_collection(self.campaign)
        issued = issue(self.questionnaire.method, self.COUNT, unit=self.unit, prefix="rep")
        self.invitations = [Invitation.objects.get(token_hash=token_hash(i.token)) for i in issued]
        # Used in an order unrelated to the order of issue; each ballot's answers tell us
        # (the test, not the organiser) which invitation it came from.
        self.use_order = list(range(self.COUNT))
        random.Random(7).shuffle(self.use_order)
        audit_before = AuditEntry.objects.count()
        self.truth: dict[str, str] = {}
        codes = self.questionnaire.indicator_codes
        levels = self.questionnaire.spec["levels"]
        for position in self.use_order:
            pattern = {code: levels[(position >> (2 * i)) % 5] for i, code in enumerate(codes)}
            do_cast_ballot(
                questionnaire=self.questionnaire,
                channel="invitation",
                responses=[UnitResponse(self.unit, pattern, f"意见{position}")],
                category="两代表一委员",
                key=f"key-{position:02d}-" + "x" * 24,
                claims=(InvitationClaim(self.invitations[position].pk),),
            )
            ballot = Comment.objects.get(text=f"意见{position}").ballot
            assert ballot is not None
            self.truth[str(self.invitations[position].pk)] = str(ballot.pk)
        self.audit_written = AuditEntry.objects.count() - audit_before

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            return list(cursor.fetchall())

    def test_casting_writes_no_audit_entry(self) -> None:
        self.assertEqual(self.audit_written, 0)

    def test_no_invitation_value_appears_on_the_ballot_side(self) -> None:
        secrets = set()
        for invitation in self.invitations:
            secrets |= {
                str(invitation.pk),
                invitation.pk.hex,
                invitation.token_hash,
                invitation.code_hash,
                invitation.holder_key,
            }
        for model in BALLOT_SIDE:
            for row in self.rows(model._meta.db_table):
                for value in row:
                    text = str(
                        value.hex
                        if hasattr(value, "hex") and not isinstance(value, (int, float))
                        else value
                    )
                    self.assertNotIn(text, secrets, model._meta.db_table)
                    self.assertFalse(any(s in text for s in secrets if len(s) > 20))

    def test_invitation_order_tells_the_order_of_issue_not_of_use(self) -> None:
        # What a stored order would show: rowid in SQLite, heap position in PostgreSQL.
        order = "rowid" if connection.vendor == "sqlite" else "ctid"
        if connection.vendor == "postgresql":
            do_scrub_collection_order()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM surveys_invitation ORDER BY {order}")
            stored = [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
        used_in_order = [str(self.invitations[p].pk) for p in self.use_order]
        self.assertNotEqual(stored, used_in_order)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM surveys_ballot ORDER BY {order}")
            ballots = [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
        guessed = dict(zip(stored, ballots, strict=True))
        right = sum(guessed[i] == b for i, b in self.truth.items())
        # Pairing the two orders is a random guess: 12 right would need 1 chance in 12!.
        self.assertLess(right, self.COUNT)

    def test_postgresql_transaction_ids_are_made_equal(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("xmin exists only in PostgreSQL; SQLite keeps no transaction id")

        def xmins(table: str) -> dict[str, str]:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id::text, xmin::text FROM {table}")
                return dict(cursor.fetchall())

        ballots, invitations = xmins("surveys_ballot"), xmins("surveys_invitation")
        # The leak is real before the scrub: each invitation shares its ballot's xmin.
        joined = {i: b for i, x in invitations.items() for b, y in ballots.items() if x == y}
        self.assertEqual(joined, self.truth)
        do_scrub_collection_order()
        ballots, invitations = xmins("surveys_ballot"), xmins("surveys_invitation")
        self.assertEqual(len(set(ballots.values()) | set(invitations.values())), 1)


class RatedPhoneJoinTest(TransactionTestCase):
    """Online ballots: a phone's row is written in its ballot's transaction, as invitations are."""

    COUNT = 6

    def test_postgresql_transaction_ids_of_phones_are_made_equal(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("xmin exists only in PostgreSQL; SQLite keeps no transaction id")
        group = Group.objects.create(code="agencies", name="机关")
        unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        campaign = make_campaign("phones-2026", year=2026, groups=["agencies"])
        questionnaire = open_collection(campaign, channels=["online"])
        truth: dict[str, str] = {}
        for n in range(self.COUNT):
            key = phones.phone_key(f"1391234{n:04d}")
            do_cast_ballot(
                questionnaire=questionnaire,
                channel="online",
                responses=[
                    UnitResponse(
                        unit, dict.fromkeys(questionnaire.indicator_codes, "好"), f"意见{n}"
                    )
                ],
                category="办事群众",
                claims=(PhoneClaim(campaign.pk, (unit.pk,), key),),
            )
            ballot = Comment.objects.get(text=f"意见{n}").ballot
            assert ballot is not None
            truth[key] = str(ballot.pk)

        def xmins(sql: str) -> dict[str, str]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return dict(cursor.fetchall())

        ballots = xmins("SELECT id::text, xmin::text FROM surveys_ballot")
        rated = xmins("SELECT phone_key, xmin::text FROM surveys_ratedphone")
        # The leak is real before the scrub. The phone's row is inserted in a savepoint (a
        # subtransaction, so its xmin is the next id after its ballot's transaction): the
        # ballot with the nearest id at or below it is the one. Whoever holds the key can
        # hash a candidate number and so find that person's ballot.
        by_xid = sorted((int(x), b) for b, x in ballots.items())
        joined = {
            k: max((xid, b) for xid, b in by_xid if xid <= int(x))[1] for k, x in rated.items()
        }
        self.assertEqual(joined, truth)
        do_scrub_collection_order()
        ballots = xmins("SELECT id::text, xmin::text FROM surveys_ballot")
        rated = xmins("SELECT phone_key, xmin::text FROM surveys_ratedphone")
        self.assertEqual(len(rated), self.COUNT)
        self.assertEqual(len(set(ballots.values()) | set(rated.values())), 1)
