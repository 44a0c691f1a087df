"""A test case for the audit commands: a log to write and an anchor file of its own."""

from __future__ import annotations

import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from minping.audit import log
from minping.test import BaseTestCase


class AnchorFileTestCase(BaseTestCase):
    """Each test keeps its anchors in a file of its own, never the developer's data/."""

    def setUp(self) -> None:
        super().setUp()
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        self.anchor_file = folder / "anchors.txt"
        setting = override_settings(MINPING_AUDIT_ANCHOR_FILE=self.anchor_file)
        setting.enable()
        self.addCleanup(setting.disable)

    def write(self, count: int) -> None:
        for n in range(count):
            with transaction.atomic():
                log.record("test.step", actor=self.organiser, obj=self.gaj, detail={"n": n})

    def run_audit(self, *args: str) -> str:
        out = StringIO()
        call_command("audit", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def audit_fails(self, *args: str) -> str:
        err = StringIO()
        with self.assertRaises(CommandError):
            call_command("audit", *args, stdout=StringIO(), stderr=err)
        return err.getvalue()
