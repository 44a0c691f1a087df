import os
import subprocess
import sys
from pathlib import Path


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MINPING_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "minping.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unmigrated_database_gets_a_hint_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "workdays", "add", "2026-09-29", "5")
    assert result.returncode == 1
    assert "minping migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_project_commands(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "help")
    assert result.returncode == 0
    for command in ("audit", "workdays"):
        assert command in result.stdout
