"""The nightly scrub against someone who reads the database's own pages (issue 10, item 2).

240 ballots are cast one transaction at a time, as the site casts them: 200 with
invitations used in a shuffled order, 30 online with a phone each, 10 entered by an
interviewer, and an audit entry (a timestamped row) after every 20. The attacker is
a PostgreSQL superuser reading every page of every collection table with
``pageinspect``, dead row versions included, and the freed bytes in the pages; on
SQLite, the row order and the database image. Before the scrub each attack pairs
every ballot with its invitation, its phone and its time; after it, none.
"""

from __future__ import annotations

import datetime
import io
import random
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.transaction import TransactionManagementError
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from minping.audit import log
from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys import phones, scrub
from minping.surveys.actions import (
    InvitationClaim,
    PhoneClaim,
    do_cast_ballot,
    do_count_interviewer_entry,
)
from minping.surveys.models import (
    Answer,
    Ballot,
    Channel,
    Comment,
    Invitation,
    RatedPhone,
    SubmissionKey,
)
from minping.surveys.questionnaires import UnitResponse
from minping.surveys.scrub import TABLES, do_scrub_collection_order
from minping.surveys.tasks import scrub_collection_order
from minping.surveys.tests.helpers import issue, open_collection
from minping.surveys.tokens import token_hash

INVITED, ONLINE, ENTERED = 200, 30, 10
TICK = 20  # an audit entry after every 20 ballots
# Spearman's rho of two unrelated orders of n = 200 items has a standard deviation of
# 1/√199 ≈ 0.071: |rho| > 0.3 is more than four of them (odds about 1 in 40,000).
UNCORRELATED = 0.3


def spearman(order: list[str], other: list[str]) -> float:
    """Rank correlation of two orders of the same items: 1 the same, 0 unrelated."""
    assert sorted(order) == sorted(other)
    rank = {item: i for i, item in enumerate(other)}
    n = len(order)
    squares = sum((i - rank[item]) ** 2 for i, item in enumerate(order))
    return 1 - 6 * squares / (n * (n * n - 1))


class ScrubTestCase(TransactionTestCase):
    """The scrub purges the SMS outbox too: a throw-away one, not the data directory's."""

    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        patcher = override_settings(MINPING_SMS_OUTBOX=str(Path(folder.name) / "outbox.jsonl"))
        patcher.enable()
        self.addCleanup(patcher.disable)


class Collected(ScrubTestCase):
    """The 240 ballots, with what only the test knows: which ballot came from what, and when."""

    def setUp(self) -> None:
        super().setUp()
        group = Group.objects.create(code="agencies", name="机关")
        self.unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        self.campaign = make_campaign("scrub-2026", year=2026, groups=["agencies"])
        channels = [Channel.INVITATION, Channel.ONLINE, Channel.INTERVIEWER]
        self.questionnaire = open_collection(self.campaign, channels=[str(c) for c in channels])
        method = self.questionnaire.method
        issued = issue(method, INVITED, unit=self.unit, prefix="rep")
        invitations = [Invitation.objects.get(token_hash=token_hash(i.token)) for i in issued]
        interviewer = User.objects.create_user("fangwen")
        schedule = [("invitation", n) for n in range(INVITED)]
        schedule += [("online", n) for n in range(ONLINE)]
        schedule += [("paper", n) for n in range(ENTERED)]
        random.Random(11).shuffle(schedule)
        self.cast_order: list[str] = []  # ballot ids in the order they were cast
        self.invitation_of: dict[str, str] = {}  # invitation id → its ballot
        self.phone_of: dict[str, str] = {}  # phone key → its ballot
        self.use_order: list[str] = []  # invitation ids in the order they were used
        levels = self.questionnaire.spec["levels"]
        codes = self.questionnaire.indicator_codes
        for position, (channel, n) in enumerate(schedule):
            claims: tuple[Any, ...] = ()
            if channel == "invitation":
                claims = (InvitationClaim(invitations[n].pk),)
            elif channel == "online":
                claims = (PhoneClaim(self.campaign.pk, (self.unit.pk,), self.phone(n)),)
            answers = {code: levels[(position + i) % len(levels)] for i, code in enumerate(codes)}
            do_cast_ballot(
                questionnaire=self.questionnaire,
                channel=channel,
                responses=[UnitResponse(self.unit, answers, f"意见 {position}")],
                category="办事群众",
                key=f"form-{position:04d}-" + "k" * 22,
                claims=claims,
            )
            ballot = Comment.objects.get(text=f"意见 {position}").ballot
            assert ballot is not None
            self.cast_order.append(str(ballot.pk))
            if channel == "invitation":
                self.invitation_of[str(invitations[n].pk)] = str(ballot.pk)
                self.use_order.append(str(invitations[n].pk))
            elif channel == "online":
                self.phone_of[self.phone(n)] = str(ballot.pk)
            else:
                do_count_interviewer_entry(interviewer, method, 1)
            if (position + 1) % TICK == 0:
                with transaction.atomic():
                    log.record("test.tick", detail={"after": position + 1})
        # Form keys of last week (a retry never comes that late): the scrub deletes them.
        week_ago = timezone.localdate() - datetime.timedelta(days=7)
        SubmissionKey.objects.create(key="old-form-" + "o" * 23, date=week_ago)

    @staticmethod
    def phone(n: int) -> str:
        return phones.phone_key(f"1391234{n:04d}")

    def ballots_in_stored_order(self, sql: str) -> list[str]:
        """Ballot ids, each at its first appearance in the rows ``sql`` returns."""
        with connection.cursor() as cursor:
            cursor.execute(sql)
            seen = dict.fromkeys(str(uuid.UUID(str(row[0]))) for row in cursor.fetchall())
        return list(seen)


# --- PostgreSQL, read as a superuser reads it -------------------------------------------


@dataclass(frozen=True)
class Item:
    """One line pointer of a heap page, as heap_page_item_attrs shows it."""

    place: tuple[int, int]  # (page, line pointer): the physical order
    xmin: int
    xmax: int
    attrs: dict[str, bytes]  # raw column values by column name

    def uuid(self, name: str) -> str:
        return str(uuid.UUID(bytes=self.attrs[name]))

    def text(self, name: str) -> str:
        raw = self.attrs[name]
        return raw[1:].decode()  # a short varlena: one header byte


def heap(model: type[models.Model]) -> tuple[list[Item], int]:
    """Every item with data on every page of the table, and the number of items without."""
    name = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [name],
        )
        columns = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [name]
        )
        pages = int(cursor.fetchone()[0])
        items, empty = [], 0
        for page in range(pages):
            cursor.execute(
                "SELECT lp, t_xmin::text::bigint, t_xmax::text::bigint, t_attrs "
                "FROM heap_page_item_attrs(get_raw_page(%s, %s), %s::regclass)",
                [name, page, name],
            )
            for lp, xmin, xmax, attrs in cursor.fetchall():
                if attrs is None:
                    empty += 1
                    continue
                values = {c: bytes(v) for c, v in zip(columns, attrs, strict=True) if v is not None}
                items.append(Item((page, lp), int(xmin), int(xmax), values))
    return items, empty


def raw_pages(model: type[models.Model]) -> bytes:
    """Every byte of the table's pages, free space included."""
    name = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT get_raw_page(%s, n) FROM generate_series(0, "
            "pg_relation_size(%s::regclass) / current_setting('block_size')::int - 1) AS n",
            [name, name],
        )
        return b"".join(bytes(row[0]) for row in cursor.fetchall())


class PostgresPagesTest(Collected):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("pageinspect and transaction ids exist only in PostgreSQL")
        super().setUp()
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")

    def ballot_xids(self) -> dict[int, set[str]]:
        """Transaction id → the ballots whose rows (ballot, answers, comment) carry it."""
        found: dict[int, set[str]] = {}
        for item in heap(Ballot)[0]:
            found.setdefault(item.xmin, set()).add(item.uuid("id"))
        for model in (Answer, Comment):
            for item in heap(model)[0]:
                found.setdefault(item.xmin, set()).add(item.uuid("ballot_id"))
        return found

    def pair_by_transaction_id(self) -> tuple[int, int]:
        """The probe's attack: how many invitations and phones it pairs with the right ballot.

        An invitation's row versions carry the ballot's id as xmin (the version that
        says "used") or xmax (the version it replaced). A phone's row is inserted in a
        savepoint, whose id comes just after its ballot's: the ballot with the nearest
        id at or below. A guess counts only when one ballot alone has that id.
        """
        by_xid = self.ballot_xids()
        own = {xid: next(iter(ids)) for xid, ids in by_xid.items() if len(ids) == 1}
        guesses: dict[str, set[str]] = {}
        for item in heap(Invitation)[0]:
            found = {own[x] for x in (item.xmin, item.xmax) if x in own}
            guesses.setdefault(item.uuid("id"), set()).update(found)
        invitations = sum(guesses[i] == {b} for i, b in self.invitation_of.items())
        phones_paired = 0
        for item in heap(RatedPhone)[0]:
            below = [xid for xid in by_xid if xid <= item.xmin]
            if below and max(below) in own:
                phones_paired += own[max(below)] == self.phone_of[item.text("phone_key")]
        return invitations, phones_paired

    def placed_in_time(self) -> int:
        """Ballots an attacker places between the right two audit entries (timestamped rows)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT xmin::text::bigint FROM audit_auditentry WHERE action = 'test.tick'"
            )
            ticks = sorted(int(row[0]) for row in cursor.fetchall())
        placed = 0
        for xid, ids in self.ballot_xids().items():
            if len(ids) == 1:
                (ballot,) = ids
                interval = sum(tick < xid for tick in ticks)
                placed += interval == self.cast_order.index(ballot) // TICK
        return placed

    def physical_order(self, model: type[models.Model], column: str) -> list[str]:
        ordered = sorted(heap(model)[0], key=lambda item: item.place)
        return list(dict.fromkeys(item.uuid(column) for item in ordered))

    def test_before_the_scrub_every_ballot_pairs_with_its_invitation_phone_and_time(self) -> None:
        self.assertEqual(self.pair_by_transaction_id(), (INVITED, ONLINE))
        self.assertEqual(self.placed_in_time(), INVITED + ONLINE + ENTERED)
        self.assertGreater(spearman(self.physical_order(Ballot, "id"), self.cast_order), 0.9)
        by_answer_id = self.ballots_in_stored_order(
            "SELECT ballot_id FROM surveys_answer ORDER BY id"
        )
        self.assertEqual(by_answer_id, self.cast_order)

    def test_after_the_scrub_no_row_version_pairs_anything(self) -> None:
        result = do_scrub_collection_order()
        total = INVITED + ONLINE + ENTERED
        answers = total * len(self.questionnaire.indicator_codes)
        # Ballots, answers, comments, used invitations, phones, form keys, one tally row.
        self.assertEqual(result.rows, total + answers + total + INVITED + ONLINE + total + 1)
        self.assertEqual(result.keys_deleted, 1)
        self.assertEqual(result.held_back, 0)

        self.assertEqual(self.pair_by_transaction_id(), (0, 0))
        self.assertEqual(self.placed_in_time(), 0)

        # Every item with data in every collection table, live or dead: one and the same
        # transaction id (the scrub's), no deleting or locking one, and nothing dead.
        xmins: set[int] = set()
        for model in TABLES:
            items, _empty = heap(model)
            self.assertEqual(len(items), model._default_manager.count(), model)
            self.assertEqual({item.xmax for item in items}, {0}, model)
            xmins |= {item.xmin for item in items}
        self.assertEqual(len(xmins), 1)
        # The free space of the pages holds no copy of an old row either (a plain VACUUM
        # leaves the bytes there): each ballot's and each invitation's id is on its table's
        # pages exactly once, and no page has a line pointer left from a removed row.
        pages = raw_pages(Ballot)
        self.assertEqual({pages.count(uuid.UUID(b).bytes) for b in self.cast_order}, {1})
        pages = raw_pages(Invitation)
        self.assertEqual({pages.count(uuid.UUID(i).bytes) for i in self.use_order}, {1})
        self.assertEqual(sum(heap(model)[1] for model in TABLES), 0)

        # The physical order of ballots, answers and invitations, and the answers' ids,
        # no longer follow the order of casting.
        stored = self.physical_order(Ballot, "id")
        self.assertLess(abs(spearman(stored, self.cast_order)), UNCORRELATED)
        answers_stored = self.physical_order(Answer, "ballot_id")
        self.assertLess(abs(spearman(answers_stored, self.cast_order)), UNCORRELATED)
        by_answer_id = self.ballots_in_stored_order(
            "SELECT ballot_id FROM surveys_answer ORDER BY id"
        )
        self.assertLess(abs(spearman(by_answer_id, self.cast_order)), UNCORRELATED)
        invitations_stored = self.physical_order(Invitation, "id")
        self.assertLess(abs(spearman(invitations_stored, self.use_order)), UNCORRELATED)
        # Pairing the n-th invitation on disk with the n-th invited ballot on disk: about
        # one right by chance (a random permutation has one fixed point on average).
        invited = [b for b in stored if b in set(self.invitation_of.values())]
        right = sum(
            self.invitation_of[i] == b for i, b in zip(invitations_stored, invited, strict=True)
        )
        self.assertLess(right, 10)

    def test_running_it_again_changes_nothing_that_counts(self) -> None:
        do_scrub_collection_order()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT ballot_id) FROM surveys_answer")
            before = cursor.fetchone()
        again = do_scrub_collection_order()
        self.assertEqual(again.keys_deleted, 0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT ballot_id) FROM surveys_answer")
            self.assertEqual(cursor.fetchone(), before)
        self.assertEqual(len({i.xmin for m in TABLES for i in heap(m)[0]}), 1)
        self.assertEqual(sum(heap(m)[1] for m in TABLES), 0)


class PostgresOtherSessionsTest(Collected):
    """What another session does to the scrub: it waits, reports, and never lies about it."""

    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("locks and snapshots of other sessions: PostgreSQL")
        super().setUp()
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        self.other = connections.create_connection(DEFAULT_DB_ALIAS)
        self.addCleanup(self.other.close)
        self.other.set_autocommit(False)

    def test_a_write_in_progress_past_the_lock_timeout_leaves_everything_as_it_was(self) -> None:
        with self.other.cursor() as cursor:
            cursor.execute("LOCK TABLE surveys_ballot IN ROW EXCLUSIVE MODE")
        before = {item.xmin for item in heap(Ballot)[0]}
        with (
            mock.patch.object(scrub, "LOCK_TIMEOUT", "1s"),
            self.assertRaisesMessage(CommandError, "本次没有做任何修改"),
        ):
            call_command("scrub_collection", stdout=io.StringIO())
        self.assertEqual({item.xmin for item in heap(Ballot)[0]}, before)
        self.other.rollback()

    def test_a_transaction_older_than_the_rewrite_is_reported_not_ignored(self) -> None:
        # An import or a report that began before the scrub and is still running: the old
        # row versions must stay for it, so VACUUM FULL keeps them — and the command says so.
        with self.other.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
        with (
            mock.patch.object(scrub, "SNAPSHOT_WAIT_SECONDS", 2),
            self.assertRaisesMessage(CommandError, "旧行版本这次无法清除"),
        ):
            call_command("scrub_collection", stdout=io.StringIO())
        self.other.rollback()
        self.assertGreater(len(heap(Ballot)[0]), Ballot.objects.count())
        # The next night, with nothing older running, removes them.
        self.assertEqual(do_scrub_collection_order().held_back, 0)
        self.assertEqual(len(heap(Ballot)[0]), Ballot.objects.count())


# --- SQLite ------------------------------------------------------------------------------


class SqliteOrderTest(Collected):
    def setUp(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("rowid and the database image are SQLite's")
        super().setUp()

    def test_rowid_and_answer_ids_follow_casting_before_and_not_after(self) -> None:
        by_rowid = "SELECT id FROM surveys_ballot ORDER BY rowid"
        by_answer_id = "SELECT ballot_id FROM surveys_answer ORDER BY id"
        self.assertEqual(self.ballots_in_stored_order(by_rowid), self.cast_order)
        self.assertEqual(self.ballots_in_stored_order(by_answer_id), self.cast_order)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            secure_delete = cursor.fetchone()[0]
        result = do_scrub_collection_order()
        self.assertEqual(result.keys_deleted, 1)
        for sql in (by_rowid, by_answer_id):
            stored = self.ballots_in_stored_order(sql)
            self.assertLess(abs(spearman(stored, self.cast_order)), UNCORRELATED, sql)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM surveys_invitation WHERE used ORDER BY rowid")
            stored = [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
            self.assertLess(abs(spearman(stored, self.use_order)), UNCORRELATED)
            # VACUUM rebuilt the file: no free page keeps an old row.
            cursor.execute("PRAGMA freelist_count")
            self.assertEqual(cursor.fetchone()[0], 0)
            cursor.execute("PRAGMA secure_delete")
            self.assertEqual(cursor.fetchone()[0], secure_delete)
        # The database image holds no deleted form key, and every ballot's id the same
        # number of times (its row, answers, comment and their indexes): no stale copy.
        image = connection.connection.serialize()
        self.assertNotIn(b"old-form-", image)
        counts = {image.count(uuid.UUID(b).hex.encode()) for b in self.cast_order}
        self.assertEqual(len(counts), 1)


# --- Both ---------------------------------------------------------------------------------


class ScrubCommandTest(ScrubTestCase):
    def test_the_command_reports_and_refuses_a_bad_date(self) -> None:
        group = Group.objects.create(code="agencies", name="机关")
        unit = Unit.objects.create(code="gaj", name="公安局", group=group)
        campaign = make_campaign("scrub-cmd-2026", year=2026, groups=["agencies"])
        questionnaire = open_collection(campaign)
        token = issue(questionnaire.method, unit=unit)[0].token
        invitation = Invitation.objects.get(token_hash=token_hash(token))
        top = questionnaire.spec["levels"][0]
        do_cast_ballot(
            questionnaire=questionnaire,
            channel=Channel.INVITATION,
            responses=[UnitResponse(unit, dict.fromkeys(questionnaire.indicator_codes, top), "好")],
            category="办事群众",
            key="s" * 32,
            claims=(InvitationClaim(invitation.pk),),
        )
        out = io.StringIO()
        call_command("scrub_collection", stdout=out)
        # One ballot, its three answers, one used invitation, one comment, one form key.
        self.assertEqual(
            out.getvalue().strip(), "已重写 7 行,删除过期表单键 0 个,从短信发件箱删除 0 条短信"
        )
        self.assertEqual(Answer.objects.count(), 3)
        self.assertEqual(Ballot.objects.get().comment.text, "好")
        with self.assertRaisesMessage(CommandError, "日期“2026-02-30”无效"):
            call_command("scrub_collection", "--since", "2026-02-30")
        # The background task does the same and returns the counts.
        self.assertEqual(
            scrub_collection_order.call(),
            {"rows": 7, "keys_deleted": 0, "outbox_purged": 0, "held_back": 0},
        )

    def test_inside_a_transaction_it_refuses_before_touching_anything(self) -> None:
        with self.assertRaises(TransactionManagementError), transaction.atomic():
            do_scrub_collection_order()
        self.assertFalse(AuditEntry.objects.exists())
