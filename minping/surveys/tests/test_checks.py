"""Start-up checks: a Chinese font for the window sheets, and a survey key of its own."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

from minping.reports.management.commands.demo import Command as DemoCommand
from minping.reports.management.commands.demo import use_demo_survey_key
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


GOOD_KEY = "k3Yq9-Zp2WmX7rT5vB8nL4cH6jD1fG0sA"


def errors() -> list[str]:
    return [m.id or "" for m in survey_checks.survey_key() if m.is_serious()]


class SurveyKeyCheckTest(SimpleTestCase):
    """Issue 10: no serving for real without a survey key of its own (minping.E010–E012)."""

    def test_without_a_key_a_server_refuses_and_says_how_to_make_one(self) -> None:
        with override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY=""):
            self.assertEqual(errors(), ["minping.E010"])
            self.assertIn("minping.E010", [m.id for m in checks.run_checks()])
            (message,) = survey_checks.survey_key()
            self.assertIn("secrets.token_urlsafe", message.hint or "")

    def test_the_secret_key_again_or_a_short_key_is_refused(self) -> None:
        with override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY="x" * 64, SECRET_KEY="x" * 64):
            self.assertEqual(errors(), ["minping.E011"])
        with override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY=GOOD_KEY[:31]):
            self.assertEqual(errors(), ["minping.E012"])
        with override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY="ab" * 32):
            self.assertEqual(errors(), ["minping.E012"])

    def test_a_key_of_its_own_passes_and_development_needs_none(self) -> None:
        with override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY=GOOD_KEY):
            self.assertEqual(errors(), [])
        with override_settings(DEVELOPMENT=True, MINPING_SURVEY_KEY=""):
            self.assertEqual(errors(), [])

    def test_the_demo_makes_its_own_key_and_keeps_it(self) -> None:
        with (
            tempfile.TemporaryDirectory() as folder,
            override_settings(DEVELOPMENT=False, MINPING_SURVEY_KEY="", DATA_DIR=Path(folder)),
            mock.patch.object(DemoCommand, "handle", return_value=None),
        ):
            # The demo's own system checks run before anything else (skip_checks=False).
            call_command("demo", no_serve=True, skip_checks=False, stdout=io.StringIO())
            key = settings.MINPING_SURVEY_KEY
            self.assertEqual(errors(), [])
            self.assertEqual((Path(folder) / "demo-survey-key").read_text(), key)
            settings.MINPING_SURVEY_KEY = ""
            use_demo_survey_key()
            self.assertEqual(settings.MINPING_SURVEY_KEY, key)


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python in a fresh process with the environment a production server would have."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    environment.update(
        MINPING_ENV="production",
        DJANGO_SETTINGS_MODULE="minping.settings",
        SECRET_KEY="s" + GOOD_KEY * 2,
        MINPING_AUDIT_KEY="a" + GOOD_KEY,
        ALLOWED_HOSTS="pingyi.example.gov.cn",
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )


class ServerStartTest(SimpleTestCase):
    """What a WSGI server (gunicorn, uWSGI) and `minping check` do: checks run nowhere else."""

    def test_the_wsgi_application_refuses_to_load_without_a_survey_key(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            refused = run("import minping.wsgi", MINPING_SURVEY_KEY="", MINPING_DATA_DIR=folder)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("ImproperlyConfigured", refused.stderr)
            self.assertIn("minping.E010", refused.stderr)
            served = run(
                "import minping.wsgi", MINPING_SURVEY_KEY=GOOD_KEY, MINPING_DATA_DIR=folder
            )
            self.assertEqual(served.returncode, 0, served.stderr)

    def test_minping_check_fails_without_a_survey_key(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            result = run(
                "from minping.cli import main; import sys; sys.argv = ['minping', 'check']; main()",
                MINPING_SURVEY_KEY="",
                MINPING_DATA_DIR=folder,
            )
        self.assertEqual(result.returncode, 1)
        self.assertIn("minping.E010", result.stderr)
