"""The nightly scrub: nothing the database keeps pairs a ballot with a person or a time.

A ballot is written in one transaction with what it used up (its invitation, its
phone's row, its form key), so on PostgreSQL they share a transaction id
(``xmin``), and every table keeps rows in the order they were written (heap
position, SQLite ``rowid``, ``Answer.id``). Old row versions and freed space keep
both, readable by a database superuser (``pageinspect``). The scrub, run once a
day (docs/collection.md, "Anonymity"):

1. in one transaction, with every collection table locked against writes, copies
   the rows to rewrite aside, deletes them, and inserts them back **in random
   order** — afterwards they all carry the scrub's own transaction id, sit in a
   random physical order, and answers have fresh ids in random order;
2. then removes every old row version and every freed byte: ``VACUUM FULL`` of
   each table on PostgreSQL (a new file with only the live rows; a plain VACUUM
   leaves the old tuples' bytes in the page), ``VACUUM`` and a WAL checkpoint on
   SQLite (deleted content zeroed with ``secure_delete`` besides).

It also deletes form keys older than the period and purges the SMS outbox.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from minping.surveys import sms
from minping.surveys.models import (
    Answer,
    Ballot,
    Channel,
    Comment,
    InterviewerTally,
    Invitation,
    RatedPhone,
    SubmissionKey,
)

# Every table a ballot's transaction writes, and the interviewers' tally (written in the
# transaction right after it, so its id is the ballot's plus one).
TABLES: list[type[models.Model]] = [
    Ballot,
    Answer,
    Comment,
    Invitation,
    RatedPhone,
    SubmissionKey,
    InterviewerTally,
]
# How long the scrub waits for its table locks before giving up, so that a long
# transaction elsewhere does not make every ballot queue behind the scrub.
LOCK_TIMEOUT = "10s"
# PostgreSQL: how long to wait for other sessions still holding a snapshot from before
# the rewrite (their old row versions cannot be removed while they run).
SNAPSHOT_WAIT_SECONDS = 300
VACUUM_TRIES = 3


class ScrubBusy(Exception):
    """Another session held a collection table longer than LOCK_TIMEOUT."""

    def __init__(self, message: str, *, rewritten: bool) -> None:
        super().__init__(message)
        # False: the rewrite itself could not start, and nothing changed.
        self.rewritten = rewritten


def _lock_not_available(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", "") == "55P03"


@dataclass(frozen=True)
class ScrubResult:
    rows: int  # rows rewritten
    keys_deleted: int  # form keys older than the period
    outbox_purged: int  # SMS outbox messages removed
    # What still saw the rows as they were when the tables were compacted (PostgreSQL:
    # sessions, a replication slot; SQLite: a reader of the WAL file): their old versions
    # survive until the next scrub.
    held_back: int = 0


def q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def table(model: type[models.Model]) -> str:
    return q(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return q(field.column)


def _selection(since: datetime.date) -> list[tuple[type[models.Model], str, list[Any]]]:
    """(model, SQL condition, parameters): the rows each table has rewritten."""
    ballot_ids = f"SELECT {column(Ballot, 'id')} FROM {_scratch(Ballot)}"
    return [
        (
            Ballot,
            f"{column(Ballot, 'date')} >= %s AND {column(Ballot, 'channel')} <> %s",
            [since, str(Channel.IMPORT)],
        ),
        (Answer, f"{column(Answer, 'ballot')} IN ({ballot_ids})", []),
        (Comment, f"{column(Comment, 'date')} >= %s", [since]),
        # Used invitations have no date of use (it would be the ballot's): all of them.
        (Invitation, f"{column(Invitation, 'used')} = %s", [True]),
        # No date either, for the same reason.
        (RatedPhone, "1 = 1", []),
        (SubmissionKey, "1 = 1", []),
        (InterviewerTally, f"{column(InterviewerTally, 'date')} >= %s", [since]),
    ]


def _scratch(model: type[models.Model]) -> str:
    return q(f"minping_scrub_{model._meta.db_table}")


def _rewrite(cursor: Any, model: type[models.Model], where: str, params: list[Any]) -> int:
    """Delete the selected rows and insert them back in random order; return how many.

    Answers get new ids (their autoincrement id is the order of casting); every other
    table keeps its random UUID or natural key. Foreign keys are checked at commit, by
    when every ballot is back.
    """
    scratch, name = _scratch(model), table(model)
    assert model._meta.pk is not None
    pk = column(model, model._meta.pk.name)
    fields = [f for f in model._meta.concrete_fields if not (model is Answer and f.primary_key)]
    columns = ", ".join(column(model, f.name) for f in fields)
    cursor.execute(f"CREATE TEMP TABLE {scratch} AS SELECT * FROM {name} WHERE {where}", params)
    cursor.execute(f"DELETE FROM {name} WHERE {pk} IN (SELECT {pk} FROM {scratch})")
    cursor.execute(
        f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {scratch} ORDER BY random()"
    )
    return int(cursor.rowcount)


def do_scrub_collection_order(since: datetime.date | None = None) -> ScrubResult:
    """Rewrite the period's collection rows in random order, then remove every old version.

    ``since`` (default yesterday): ballots dated then or later (not imported ones),
    their answers and comments, interviewers' tallies; every used invitation, rated
    phone and form key; form keys older than ``since`` are deleted (a retry never
    comes that late). Safe while ballots are being cast (they wait for the locks, see
    docs/collection.md) and idempotent. Must run outside a transaction: VACUUM cannot
    run inside one.
    """
    if connection.in_atomic_block:
        raise TransactionManagementError(
            "do_scrub_collection_order() compacts tables with VACUUM and must run "
            "outside transaction.atomic()"
        )
    since = since or timezone.localdate() - datetime.timedelta(days=1)
    with _deleted_content_zeroed():
        try:
            rows, keys_deleted, xid = _rewrite_all(since)
        except OperationalError as error:
            if _lock_not_available(error):
                raise ScrubBusy(str(error), rewritten=False) from error
            raise
        held_back = _compact(xid)
    return ScrubResult(rows, keys_deleted, sms.purge_outbox(), held_back)


def _rewrite_all(since: datetime.date) -> tuple[int, int, int | None]:
    """Step 1, one transaction: the rewrite. Returns rows, keys deleted, PostgreSQL's xid."""
    postgres = connection.vendor == "postgresql"
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        xid = None
        if postgres:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            # EXCLUSIVE lets plain reads go on and makes every write (a ballot being
            # cast, a quarantine decision) wait for the commit; a waiting statement
            # then reads the rewritten rows, never the deleted ones.
            names = ", ".join(table(model) for model in TABLES)
            cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            xid = int(cursor.fetchone()[0])
        cursor.execute(
            f"DELETE FROM {table(SubmissionKey)} WHERE {column(SubmissionKey, 'date')} < %s",
            [since],
        )
        keys_deleted = int(cursor.rowcount)
        selection = _selection(since)
        for model, where, params in selection:
            rows += _rewrite(cursor, model, where, params)
        for model, _where, _params in selection:
            cursor.execute(f"DROP TABLE {_scratch(model)}")
    return rows, keys_deleted, xid


def _compact(xid: int | None) -> int:
    """Step 2, outside any transaction: no old row version or freed byte remains."""
    if connection.vendor == "postgresql":
        assert xid is not None
        held_back = _wait_for_older_snapshots(xid)
        for model in TABLES:
            _vacuum_full(model)
        return held_back
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
        # The WAL file holds earlier images of the pages, in the order they were written.
        # Busy (1): a reader still uses them, and the file could not be emptied this time.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@contextmanager
def _deleted_content_zeroed() -> Iterator[None]:
    """SQLite: overwrite deleted rows with zeros for this connection (often the default)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {before}")


# What may still see the rows as they were before the rewrite, so that VACUUM has to keep
# those versions: a transaction anywhere in the cluster that began before the rewrite and
# is still running (VACUUM FULL's own snapshot has to treat it as running, whatever its
# database), a session of this database holding an older snapshot, a replication slot.
# Running transactions are seen whatever their role; other roles' read-only sessions are
# not (docs/collection.md says what that leaves).
_OLDER_SNAPSHOTS = """
    SELECT (pg_snapshot_xmin(pg_current_snapshot()) <= %(xid8)s::text::xid8)::int
      + (SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND backend_xmin IS NOT NULL AND age(backend_xmin) >= age(%(xid)s::text::xid))
      + (SELECT count(*) FROM pg_replication_slots
         WHERE xmin IS NOT NULL AND age(xmin) >= age(%(xid)s::text::xid))
"""


def _wait_for_older_snapshots(xid: int) -> int:
    """Wait until nothing can see the rows from before transaction ``xid``; else how many can."""
    deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_OLDER_SNAPSHOTS, {"xid8": xid, "xid": xid % 2**32})
            holding = int(cursor.fetchone()[0])
        if holding == 0 or time.monotonic() >= deadline:
            return holding
        time.sleep(1)


def _vacuum_full(model: type[models.Model]) -> None:
    """Rewrite one table into a new file; retried when another session holds it too long."""
    for attempt in range(1, VACUUM_TRIES + 1):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
                try:
                    cursor.execute(f"VACUUM (FULL) {table(model)}")
                finally:
                    cursor.execute("RESET lock_timeout")
            return
        except OperationalError as error:
            if not _lock_not_available(error):
                raise
            if attempt == VACUUM_TRIES:
                raise ScrubBusy(str(error), rewritten=True) from error
            time.sleep(5)
