"""English on the respondent pages: the catalogue covers every string, and is compiled."""

from __future__ import annotations

import os
import shutil
import unittest

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from minping.surveys.management.commands.respondent_messages import CATALOGUE, entries
from minping.surveys.tests.test_online import OnlineTestBase


def unescape(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape")


class CatalogueTest(unittest.TestCase):
    @unittest.skipUnless(
        shutil.which("xgettext") or os.environ.get("MINPING_REQUIRE_GETTEXT"),
        "GNU gettext 未安装(CI 会安装并要求这项测试)",
    )
    def test_every_respondent_string_is_in_the_catalogue_and_translated(self) -> None:
        """makemessages over the code and templates finds nothing new, nothing untranslated."""
        call_command("respondent_messages", "--check", verbosity=0)

    def test_the_compiled_catalogue_is_the_one_committed(self) -> None:
        """Every entry of django.po reads back in English from django.mo."""
        catalogue = entries(CATALOGUE.read_text(encoding="utf-8"))
        self.assertGreater(len(catalogue), 80)
        with translation.override("en"):
            for msgid, (msgstr, fuzzy) in catalogue.items():
                self.assertFalse(fuzzy, msgid)
                self.assertEqual(translation.gettext(unescape(msgid)), unescape(msgstr), msgid)


class EnglishOnlinePageTest(OnlineTestBase):
    def test_the_phone_step_reads_in_english(self) -> None:
        self.client.post(reverse("surveys:language"), {"language": "en", "next": self.url})
        page = self.client.get(self.url)
        self.assertContains(page, "Mobile number")
        self.assertContains(page, "Send me a code")
        self.assertNotContains(page, "获取验证码")
        refused = self.client.post(self.url, {"step": "send", "phone": "12345"})
        self.assertContains(refused, "11-digit mobile number", status_code=400)
