"""Production mode: the server refuses to start on development secrets, and the settings the
README documents pass ``minping check --deploy`` without a warning.

Each case runs in a fresh process with only the environment under test, as gunicorn or a
cron job would start; the tests' own settings (minping.devsettings) are not inherited.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

README = settings.BASE_DIR / "README.md"
# The font warning depends on the machine, not on the settings (surveys/tests/test_checks.py).
MACHINE_CHECKS = {"minping.W001"}


def documented_environment() -> dict[str, str]:
    """The README's production block, each <placeholder> filled with a fresh random key."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- production-env:", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    env = {}
    for line in block.splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = secrets.token_urlsafe(50) if value.startswith("<") else value
    return env


def run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "PYTHONPATH", "HOME", "LANG") if k in os.environ}
    # Nothing is written outside the test's folder, whatever the README's paths say.
    local = {"MINPING_DATA_DIR": str(tmp_path), "MINPING_AUDIT_ANCHOR_FILE": str(tmp_path / "a")}
    return subprocess.run(
        [sys.executable, *args],
        env={**base, **env, **local},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_block_documents_the_variables_settings_refuses_without() -> None:
    env = documented_environment()
    for name in ("MINPING_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "MINPING_AUDIT_KEY"):
        assert name in env
    assert env["MINPING_ENV"] == "production"


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        documented_environment(),
        *("-m", "minping.cli", "check", "--deploy", "--fail-level", "ERROR"),
    )
    assert result.returncode == 0, result.stderr
    reported = set(re.findall(r"\((\w+\.[EW]\d+)\)", result.stdout + result.stderr))
    assert reported - MACHINE_CHECKS == set(), result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "MINPING_AUDIT_KEY"])
def test_a_command_refuses_to_start_without(tmp_path: Path, missing: str) -> None:
    env = documented_environment()
    del env[missing]
    result = run(tmp_path, env, "-m", "minping.cli", "check")
    assert result.returncode == 1
    assert "拒绝启动" in result.stderr and "Refusing to start" in result.stderr
    assert missing in result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_refuses_to_load_the_app_without_secrets(tmp_path: Path) -> None:
    # No MINPING_ENV at all: production is the default. gunicorn imports minping.wsgi.
    result = run(tmp_path, {}, "-c", "import minping.wsgi")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "MINPING_AUDIT_KEY"):
        assert name in result.stderr


def test_debug_or_a_weak_key_is_refused_in_production(tmp_path: Path) -> None:
    env = {**documented_environment(), "DEBUG": "true", "MINPING_AUDIT_KEY": "short"}
    result = run(tmp_path, env, "-m", "minping.cli", "check")
    assert result.returncode == 1
    assert "DEBUG" in result.stderr and "MINPING_AUDIT_KEY" in result.stderr


def test_development_and_the_demo_need_no_environment(tmp_path: Path) -> None:
    assert (
        run(tmp_path, {"MINPING_ENV": "development"}, "-m", "minping.cli", "check").returncode == 0
    )
    # `minping demo` sets development itself (cli.py); --help loads the settings and stops.
    result = run(tmp_path, {}, "-m", "minping.cli", "demo", "--help")
    assert result.returncode == 0, result.stderr
