"""The delete-and-rehash attack on the audit log, by an attacker with and without the key.

Whoever can write the database can delete entries, renumber the rest and recompute every
hash and the head. Without the audit key (held outside the database) the rewritten chain
no longer verifies; with the key it does, and the anchors kept outside the database are
what still catch it.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import shutil

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import override_settings

from minping.audit import log
from minping.audit.models import GENESIS, KEYED, PLAIN, AuditEntry, AuditHead, canonical
from minping.audit.tests.base import AnchorFileTestCase


def rewrite(delete: set[int], scheme: str, key: str | None) -> None:
    """The attack: delete entries, renumber the rest, recompute every link, hash and the head.

    ``key`` None hashes with plain SHA-256, as the log did before it was keyed.
    """
    AuditEntry.objects.filter(seq__in=delete).delete()
    prev, seq = GENESIS, 0
    for seq, entry in enumerate(AuditEntry.objects.order_by("seq"), start=1):
        entry.seq, entry.prev_hash, entry.scheme = seq, prev, scheme
        data = canonical(entry)
        if key is None:
            entry.hash = hashlib.sha256(data).hexdigest()
        else:
            entry.hash = hmac.new(key.encode(), data, hashlib.sha256).hexdigest()
        entry.save()
        prev = entry.hash
    AuditHead.objects.filter(id=1).update(seq=seq, hash=prev)


class DeleteAndRehashTestCase(AnchorFileTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Anchors after entry 4 and entry 6, as two daily runs would leave them.
        self.write(4)
        self.run_audit("anchor")
        self.write(2)
        self.run_audit("anchor")

    def test_untouched_chain_with_its_anchors_verifies(self) -> None:
        out = self.run_audit("verify")
        self.assertIn("共 6 条", out)
        self.assertIn("与留存的 2 个锚点相符", out)
        self.assertEqual(len(self.anchor_file.read_text().splitlines()), 2)

    def test_rehashed_with_plain_sha256_as_the_old_entries_fails(self) -> None:
        # The attacker lacks the key and passes the rewritten entries off as pre-key ones.
        rewrite({3, 4}, PLAIN, key=None)
        self.assertNotEqual(log.verify(), [])  # without the anchors, too
        self.assertIn("日志末尾的第 4 条记录没有密钥签名", self.audit_fails("verify"))

    def test_rehashed_with_plain_sha256_as_keyed_entries_fails(self) -> None:
        rewrite({3, 4}, KEYED, key=None)
        self.assertIn("第 1 条记录的内容被改动", [p.message for p in log.verify()])

    def test_rehashed_with_a_guessed_key_fails(self) -> None:
        rewrite({3, 4}, KEYED, key="not-the-audit-key")
        messages = [p.message for p in log.verify()]
        self.assertIn("第 3 条记录的内容被改动", messages)

    def test_rehashed_with_the_key_is_caught_by_the_anchors(self) -> None:
        # The worst case: the attacker has the key too. The chain itself verifies …
        rewrite({3, 4}, KEYED, key=settings.MINPING_AUDIT_KEY)
        self.assertEqual(log.verify(), [])
        # … but entry 4 no longer has the hash anchored after it, and entry 6 is gone.
        messages = self.audit_fails("verify")
        self.assertIn("第 4 条记录与", messages)
        self.assertIn("锚点不符", messages)
        self.assertIn("锚点指向第 6 条记录,日志末尾的记录被删除", messages)

    def test_anchors_from_a_mailed_copy_catch_it_when_the_file_is_rewritten(self) -> None:
        # The attacker with the key also replaces the anchor file on the server; the copy
        # mailed away still holds the original anchors.
        mailed = self.anchor_file.with_name("mailed.txt")
        shutil.copy(self.anchor_file, mailed)
        rewrite({3, 4}, KEYED, key=settings.MINPING_AUDIT_KEY)
        self.anchor_file.unlink()
        self.run_audit("anchor")  # a fresh anchor of the forged chain
        self.run_audit("verify")
        self.assertIn("锚点不符", self.audit_fails("verify", "--anchors", str(mailed)))

    def test_edited_anchor_line_is_refused(self) -> None:
        # Someone without the key puts the forged chain's hash into the anchor file.
        rewrite({3, 4}, KEYED, key=settings.MINPING_AUDIT_KEY)
        lines = self.anchor_file.read_text().splitlines()
        forged = AuditEntry.objects.get(seq=4).hash
        lines[0] = lines[0].replace(lines[0].split("hash=")[1][:64], forged)
        self.anchor_file.write_text("\n".join(lines[:1]) + "\n")
        self.assertIn("锚点的签名不符", self.audit_fails("verify"))

    def test_anchor_refuses_a_broken_chain(self) -> None:
        rewrite({3, 4}, KEYED, key=settings.MINPING_AUDIT_KEY)
        before = self.anchor_file.read_text()
        self.assertIn("锚点不符", self.audit_fails("anchor"))
        self.assertEqual(self.anchor_file.read_text(), before)


class AnchorCommandTestCase(AnchorFileTestCase):
    def test_anchor_prints_appends_and_mails_the_head(self) -> None:
        self.write(3)
        out = self.run_audit("anchor", "--mail", "jiwei@example.gov.cn")
        head = AuditHead.objects.get()
        self.assertIn(f"第 3 条记录,哈希 {head.hash}", out)
        line = self.anchor_file.read_text().strip()
        self.assertTrue(line.startswith(f"minping-audit-anchor seq=3 hash={head.hash} at="))
        self.assertIn(line, out)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["jiwei@example.gov.cn"])
        self.assertIn(line, mail.outbox[0].body)
        # The mail, saved as it is, is an anchor file for verify.
        saved = self.anchor_file.with_name("mail.txt")
        saved.write_text(str(mail.outbox[0].body))
        self.assertIn("与留存的 2 个锚点相符", self.run_audit("verify", "--anchors", str(saved)))

    def test_bad_address_writes_nothing(self) -> None:
        self.write(1)
        self.audit_fails("anchor", "--mail", "not-an-address")
        self.assertFalse(self.anchor_file.exists())

    def test_empty_log_needs_no_anchor(self) -> None:
        self.assertIn("还是空的", self.run_audit("anchor"))
        self.assertFalse(self.anchor_file.exists())

    def test_missing_anchor_file_given_explicitly_fails(self) -> None:
        self.write(1)
        self.assertIn("无法读取锚点文件", self.audit_fails("verify", "--anchors", "/nonexistent"))

    def test_without_anchors_verify_says_to_take_them(self) -> None:
        self.write(1)
        self.assertIn("minping audit anchor", self.run_audit("verify"))

    def test_another_key_fails_every_keyed_entry_and_says_why(self) -> None:
        self.write(2)
        with override_settings(MINPING_AUDIT_KEY="some-other-key-" + "x" * 32):
            messages = self.audit_fails("verify")
        self.assertIn("MINPING_AUDIT_KEY 与写入日志时的密钥不同", messages)


class SwitchOverTestCase(AnchorFileTestCase):
    """A log written before the key: its plain entries stay, closed by one keyed entry."""

    def setUp(self) -> None:
        super().setUp()
        self.write(3)
        rewrite(set(), PLAIN, key=None)  # exactly what the unkeyed code used to write
        migration = importlib.import_module("minping.audit.migrations.0002_keyed_chain")
        with transaction.atomic():
            migration.close_the_plain_chain(apps, None)

    def test_old_entries_verify_and_new_ones_are_keyed(self) -> None:
        switch = AuditEntry.objects.get(seq=4)
        self.assertEqual((switch.action, switch.scheme), ("audit.keyed", KEYED))
        self.assertEqual(switch.detail, {"plain_until": 3})
        self.write(1)
        self.assertEqual(AuditEntry.objects.get(seq=5).scheme, KEYED)
        self.assertIn("共 5 条", self.run_audit("verify"))

    def test_rewritten_old_entries_break_the_keyed_link(self) -> None:
        # Plain entries can be recomputed by anyone, but the keyed switch-over names the
        # old head's hash.
        entry = AuditEntry.objects.get(seq=2)
        entry.detail = {"n": 99}
        entry.save()
        plain = list(AuditEntry.objects.filter(seq__lte=3).order_by("seq"))
        prev = GENESIS
        for entry in plain:
            entry.prev_hash = prev
            entry.hash = hashlib.sha256(canonical(entry)).hexdigest()
            entry.save()
            prev = entry.hash
        self.assertIn("第 4 条记录与前一条的链接不符", self.audit_fails("verify"))

    def test_keyed_entries_deleted_and_the_rest_passed_off_as_old_fails(self) -> None:
        self.write(2)
        rewrite({4, 5, 6}, PLAIN, key=None)
        self.assertIn("日志末尾的第 3 条记录没有密钥签名", self.audit_fails("verify"))

    def test_a_plain_entry_after_a_keyed_one_fails(self) -> None:
        self.write(1)
        entry = AuditEntry.objects.get(seq=5)
        entry.scheme = PLAIN
        entry.hash = hashlib.sha256(canonical(entry)).hexdigest()
        entry.save()
        AuditHead.objects.filter(id=1).update(hash=entry.hash)
        self.write(1)  # a keyed entry after it, linked to the forged hash
        self.assertIn(
            "第 5 条记录没有密钥签名,却排在有密钥签名的记录之后", self.audit_fails("verify")
        )
