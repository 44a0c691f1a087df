#!/usr/bin/env python3
"""Two commands for a fresh machine that has only Python 3.11+.

    python3 dev.py demo     set everything up and serve the demo at http://127.0.0.1:8000/
    python3 dev.py test     set everything up and run the whole test suite

Both create ``.venv`` beside this file and install the project into it the first
time (and again whenever pyproject.toml changes). Anything after ``test`` is
passed to pytest; ``DATABASE_URL`` selects PostgreSQL instead of SQLite.

``test`` runs the suite in parallel, one pytest-xdist worker per core (each with its own
test database); ``MINPING_TEST_WORKERS=N`` sets the number, ``0`` runs it in one process,
and ``-n N`` or ``-p no:xdist`` given after ``test`` wins.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".minping-installed"


def ensure_environment() -> None:
    """Create the virtual environment and install the project, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before anything is installed
        sys.exit("需要 Python 3.11 或更新版本 / Python 3.11+ is required")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("正在创建虚拟环境 .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    print("正在安装依赖(首次需要几分钟)…", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def parallel(args: list[str]) -> list[str]:
    """pytest's arguments with xdist's unless the caller chose: ``-n auto`` by default."""
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in args)
    if chosen:
        return args
    workers = os.environ.get("MINPING_TEST_WORKERS", "auto")
    # worksteal, not loadscope: schemathesis gives its operations one node id, which
    # loadscope would run once instead of once per operation.
    return ["-n", workers, "--dist", "worksteal", *args]


def run(*args: str) -> int:
    return subprocess.call([str(BIN / args[0]), *args[1:]], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "check"):
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return run("minping", "demo", *rest)
    if command == "check":
        return (
            run("ruff", "check", ".") or run("ruff", "format", "--check", ".") or run("mypy", ".")
        )
    return run("pytest", *parallel(rest))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
