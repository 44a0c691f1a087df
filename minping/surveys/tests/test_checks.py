"""The start-up warning for a server without a Chinese font."""

from __future__ import annotations

import subprocess
from unittest import mock

from django.core import checks
from django.test import SimpleTestCase

from minping.surveys import checks as survey_checks


def fc_list(stdout: str) -> mock.Mock:
    return mock.Mock(return_value=subprocess.CompletedProcess(["fc-list"], 0, stdout, ""))


class ChineseFontCheckTest(SimpleTestCase):
    def warnings(self) -> list[str]:
        return [m.id for m in checks.run_checks() if m.id and m.id.startswith("minping.")]

    def test_no_chinese_font_is_a_warning_with_the_fix(self) -> None:
        with (
            mock.patch.object(survey_checks.shutil, "which", return_value="/usr/bin/fc-list"),
            mock.patch.object(survey_checks.subprocess, "run", fc_list("")),
        ):
            self.assertEqual(self.warnings(), ["minping.W001"])
            (message,) = survey_checks.chinese_font()
            self.assertIn("fonts-wqy-microhei", message.hint or "")

    def test_no_fontconfig_at_all_is_the_same_warning(self) -> None:
        with mock.patch.object(survey_checks.shutil, "which", return_value=None):
            self.assertEqual(self.warnings(), ["minping.W001"])

    def test_a_chinese_font_gives_no_warning(self) -> None:
        with (
            mock.patch.object(survey_checks.shutil, "which", return_value="/usr/bin/fc-list"),
            mock.patch.object(
                survey_checks.subprocess, "run", fc_list("WenQuanYi Micro Hei,文泉驿微米黑\n")
            ),
        ):
            self.assertEqual(self.warnings(), [])
