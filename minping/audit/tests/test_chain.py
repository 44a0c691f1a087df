from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from minping.audit import log
from minping.audit.models import AuditEntry, AuditHead
from minping.audit.tests.base import AnchorFileTestCase


class AuditChainTestCase(AnchorFileTestCase):
    def write_three(self) -> None:
        for n in range(3):
            with transaction.atomic():
                log.record("test.step", actor=self.organiser, obj=self.gaj, detail={"n": n})

    def test_entries_chain_and_verify(self) -> None:
        self.write_three()
        entries = list(AuditEntry.objects.all())
        self.assertEqual([e.seq for e in entries], [1, 2, 3])
        self.assertEqual(entries[1].prev_hash, entries[0].hash)
        self.assertEqual(entries[0].actor_label, "organiser")
        self.assertEqual(entries[0].object_type, "orgs.unit")
        self.assertEqual(log.verify(), [])
        out = StringIO()
        call_command("audit", "verify", stdout=out)
        self.assertIn("共 3 条", out.getvalue())

    def test_record_outside_transaction_is_refused(self) -> None:
        # TestCase wraps each test in atomic(), so leave it to see the guard.
        with self.assertRaises(RuntimeError):
            transaction.get_connection().in_atomic_block = False
            try:
                log.record("test.step")
            finally:
                transaction.get_connection().in_atomic_block = True

    def test_altered_entry_is_detected(self) -> None:
        self.write_three()
        AuditEntry.objects.filter(seq=2).update(detail={"n": 99})
        problems = log.verify()
        self.assertEqual([p.seq for p in problems], [2])
        with self.assertRaises(CommandError):
            call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())

    def test_removed_entry_in_the_middle_is_detected(self) -> None:
        self.write_three()
        AuditEntry.objects.filter(seq=2).delete()
        messages = [p.message for p in log.verify()]
        self.assertTrue(any("缺失" in m for m in messages), messages)

    def test_removed_last_entry_is_detected(self) -> None:
        self.write_three()
        AuditEntry.objects.filter(seq=3).delete()
        messages = [p.message for p in log.verify()]
        self.assertTrue(any("末尾" in m for m in messages), messages)

    def test_head_follows_the_chain(self) -> None:
        self.write_three()
        head = AuditHead.objects.get()
        self.assertEqual(head.seq, 3)
        self.assertEqual(head.hash, AuditEntry.objects.get(seq=3).hash)
