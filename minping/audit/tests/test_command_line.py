"""`minping audit` from the console script, as cron runs it: exit status 0 only when all is well."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def minping(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MINPING_DATA_DIR"] = str(folder)
    env["MINPING_AUDIT_ANCHOR_FILE"] = str(folder / "anchors.txt")
    return subprocess.run(
        [sys.executable, "-m", "minping.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_anchor_and_verify_exit_statuses(tmp_path: Path) -> None:
    assert minping(tmp_path, "migrate", "-v0").returncode == 0
    units = settings.BASE_DIR / "examples" / "yc-2018" / "units.csv"
    assert minping(tmp_path, "import", "units", str(units)).returncode == 0  # entry 1
    anchored = minping(tmp_path, "audit", "anchor")
    assert anchored.returncode == 0, anchored.stderr
    assert "minping-audit-anchor seq=1 " in anchored.stdout
    assert minping(tmp_path, "audit", "verify").returncode == 0

    with sqlite3.connect(tmp_path / "minping.sqlite3") as db:
        db.execute("DELETE FROM audit_auditentry")
        db.execute("UPDATE audit_audithead SET seq = 0, hash = ?", ["0" * 64])
    result = minping(tmp_path, "audit", "verify")
    assert result.returncode == 1
    assert "锚点指向第 1 条记录" in result.stderr
    assert "Traceback" not in result.stderr
