"""Tampering with the log in the database, as someone with SQL access would: always detected."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from minping.audit import log
from minping.audit.models import AuditEntry
from minping.audit.tests.base import AnchorFileTestCase


class TamperTestCase(AnchorFileTestCase):
    def setUp(self) -> None:
        super().setUp()
        for n in range(4):
            with transaction.atomic():
                log.record("test.step", actor=self.organiser, obj=self.gaj, detail={"n": n})

    def verify_fails(self) -> str:
        err = StringIO()
        with self.assertRaises(CommandError):
            call_command("audit", "verify", stdout=StringIO(), stderr=err)
        return err.getvalue()

    def test_edited_row_with_its_hash_recomputed_breaks_the_next_link(self) -> None:
        # A careful forger rewrites entry 2 and its own hash; entry 3 still names the old hash.
        entry = AuditEntry.objects.get(seq=2)
        entry.detail = {"n": 99}
        entry.hash = entry.compute_hash()
        entry.save()
        messages = self.verify_fails()
        self.assertIn("第 3 条记录与前一条的链接不符", messages)

    def test_edited_actor_by_raw_sql_is_detected(self) -> None:
        table = AuditEntry._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET actor_label = %s WHERE seq = 1", ["someone-else"])
        self.assertIn("第 1 条记录的内容被改动", self.verify_fails())

    def test_deleted_row_by_raw_sql_fails_the_command(self) -> None:
        table = AuditEntry._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE seq = 2")
        self.assertIn("第 2–2 条记录缺失", self.verify_fails())

    def test_deleted_tail_fails_the_command(self) -> None:
        AuditEntry.objects.filter(seq__gte=3).delete()
        self.assertIn("链头指向第 4 条", self.verify_fails())

    def test_untouched_log_passes(self) -> None:
        out = StringIO()
        call_command("audit", "verify", stdout=out)
        self.assertIn("共 4 条", out.getvalue())
