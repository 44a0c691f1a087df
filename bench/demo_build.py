#!/usr/bin/env python3
"""How long ``minping demo --no-serve`` takes from an empty data directory.

    .venv/bin/python bench/demo_build.py            # three builds, SQLite in a temporary directory
    .venv/bin/python bench/demo_build.py --runs 1

Each build migrates, loads the six examples, computes their results and builds the live
campaign (``minping/reports/live_demo.py``); the command says how long the live campaign
took, so the table shows it beside the whole. A second run on the same directory must do
nothing (``test_demo``), so it is timed too. The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = [sys.executable, "-m", "minping.cli", "demo", "--no-serve"]
LIVE = re.compile(r"已建立进行中的活动.*?(\d+\.\d) 秒")


def build(data_dir: str) -> tuple[float, float | None]:
    env = {
        **os.environ,
        "MINPING_DATA_DIR": data_dir,
        "MINPING_ENV": "development",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(DEMO, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    found = LIVE.search(done.stdout)
    return elapsed, float(found[1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| run | first build s | of which the live campaign s | second run s |")
    print("|---:|---:|---:|---:|")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            first, live = build(folder)
            again, _ = build(folder)
        live_text = f"{live:.1f}" if live is not None else "—"
        print(f"| {run} | {first:.1f} | {live_text} | {again:.1f} |", flush=True)


if __name__ == "__main__":
    main()
