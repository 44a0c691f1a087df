"""The console SMS backend's outbox keeps no number and no send time past a code's use."""

from __future__ import annotations

import datetime
import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase, override_settings
from django.utils import timezone

from minping.surveys import sms

OLD, NEW = "13900000001", "13900000002"


class OutboxTest(SimpleTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.outbox = Path(folder.name) / "sms" / "outbox.jsonl"
        patcher = override_settings(MINPING_SMS_OUTBOX=str(self.outbox))
        patcher.enable()
        self.addCleanup(patcher.disable)

    def sent_ago(self, phone: str, minutes: int) -> None:
        """A message as the console backend wrote it ``minutes`` ago."""
        sent = timezone.now() - datetime.timedelta(minutes=minutes)
        line = {"phone": phone, "text": "验证码 123456", "sent": sent.isoformat()}
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def phones(self) -> list[str]:
        lines = self.outbox.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["phone"] for line in lines]

    def test_a_send_drops_messages_older_than_the_limit_and_their_bytes(self) -> None:
        # Default 15 minutes: a code lives 10, so a 16-minute-old message helps no one.
        self.sent_ago(OLD, 16)
        self.sent_ago(NEW, 14)
        with self.assertLogs("minping.sms", "INFO") as logged:
            sms.ConsoleBackend().send("13900000003", "验证码 654321")
        self.assertEqual(self.phones(), [NEW, "13900000003"])
        self.assertNotIn(OLD.encode(), self.outbox.read_bytes())
        # The log says that a message was written, never to whom or what.
        self.assertNotIn("13900000003", "\n".join(logged.output))
        self.assertNotIn("654321", "\n".join(logged.output))

    def test_the_limit_is_a_setting(self) -> None:
        self.sent_ago(OLD, 6)
        self.sent_ago(NEW, 4)
        with override_settings(MINPING_SMS_OUTBOX_MINUTES=5):
            self.assertEqual(sms.purge_outbox(), 1)
        self.assertEqual(self.phones(), [NEW])

    def test_the_nightly_command_purges_without_any_send(self) -> None:
        self.sent_ago(OLD, 60 * 24)
        self.sent_ago(NEW, 60)
        self.outbox.open("a", encoding="utf-8").write("not json\n")
        out = io.StringIO()
        call_command("scrub_collection", "--outbox-only", stdout=out)
        self.assertEqual(out.getvalue().strip(), "已从短信发件箱删除 3 条短信")
        self.assertEqual(self.outbox.read_bytes(), b"")
        # Nothing to purge, nothing created.
        self.outbox.unlink()
        self.assertEqual(sms.purge_outbox(), 0)
        self.assertFalse(self.outbox.exists())
