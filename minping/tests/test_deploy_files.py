"""The deployment files (docs/deploy.md) stay in step with the settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "minping.env.example"
# Read by settings.py for the test suite only, never set in production.
TEST_ONLY = {"MINPING_TEST_SQLITE"}


def template_names() -> set[str]:
    """Every variable the template sets or shows commented out."""
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", TEMPLATE.read_text(), re.M))


def test_the_environment_template_lists_every_variable_the_settings_read() -> None:
    source = (ROOT / "minping" / "settings.py").read_text()
    read = set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    read |= {f"MINPING_SMS_{name}" for name in re.findall(r'"([A-Z_]+)"', _sms_loop(source))}
    assert read, "the pattern found no variable: settings.py changed shape"
    missing = read - TEST_ONLY - template_names()
    assert not missing, f"add to deploy/minping.env.example: {sorted(missing)}"


def _sms_loop(source: str) -> str:
    found = re.search(r"for _sms in \(([^)]*)\)", source)
    return found.group(1) if found else ""


def test_sms_gateway_settings_come_from_the_environment() -> None:
    env = {**os.environ, "MINPING_SMS_URL": "https://sms.example.gov.cn/send"}
    env["MINPING_SMS_TIMEOUT"] = "7"
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import minping.settings as s; print(s.MINPING_SMS_URL, s.MINPING_SMS_TIMEOUT)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split() == ["https://sms.example.gov.cn/send", "7"], shown.stderr
