#!/usr/bin/env python3
"""The answers download for analysts (``/c/<code>/answers.csv|xlsx``) against the bare query.

    .venv/bin/python bench/answers_download.py \
        --database-url postgres://postgres@127.0.0.1/minping_bench --ballots 20000,60000,100000

For each size it fills the campaign of ``results_vs_count.py`` (set-based SQL, 5 answers
per ballot; ballots spread over 30 days, 4 channels and 6 categories), then runs, each
in a new process so that its peak RSS is its own:

- ``bare``: the download's own query (every column, sorted by every column), iterated in
  chunks through the ORM with nothing done to the rows — what any download must cost;
- ``csv`` and ``xlsx``: the download as a user gets it, through Django's test client
  (middleware, access check, audit entry, the streamed body read to the end).

It prints rows per second for each and the ratio download / bare (the goal is ≥ 0.5),
and the peak RSS, which must not grow with the number of answers. Best of ``--repeat``.
The machine is shared: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from results_vs_count import MINPING, add_ballots, create_campaign, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", help="默认:临时 SQLite 文件")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=5)
    parser.add_argument("--ballots", default="20000,60000,100000", help="逗号分隔,逐级累加")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=["bare", "csv", "xlsx"], help=argparse.SUPPRESS)
    return parser.parse_args()


CHANNELS = ["window", "kiosk", "online", "invitation"]
CATEGORIES = ["办事群众", "企业办事人员", "社区居民", "农村居民", "机关干部", "市场主体"]


def vary_ballots() -> None:
    """Spread the ballots over 30 days, 4 channels and 6 categories, as a real campaign's are
    (``add_ballots`` gives them all one day and channel, which would make most rows equal)."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"

    def pick(options: list[str]) -> str:
        if pg:
            listed = ", ".join(f"'{o}'" for o in options)
            return f"(ARRAY[{listed}])[1 + floor(random() * {len(options)})::int]"
        whens = " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(options))
        return f"CASE abs(random()) % {len(options)} {whens} END"

    day = (
        "DATE '2026-09-01' + floor(random() * 30)::int"
        if pg
        else "date('2026-09-01', '+' || (abs(random()) % 30) || ' days')"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE surveys_ballot SET date = {day}, channel = {pick(CHANNELS)}, "
            f"category = {pick(CATEGORIES)} WHERE channel = 'import'"
        )


def child(kind: str) -> None:
    """One measurement in this process: prints the seconds it took."""
    setup_django(os.environ["DATABASE_URL"])
    from django.contrib.auth.models import User
    from django.test import Client

    from minping.campaigns.models import Campaign
    from minping.orgs.models import Membership, Role
    from minping.reports.answers import answer_query

    campaign = Campaign.objects.get(code="bench")
    start = time.perf_counter()
    if kind == "bare":
        for _ in answer_query(campaign):
            pass
    else:
        user, made = User.objects.get_or_create(username="bench-organiser")
        if made:
            Membership.objects.create(user=user, role=Role.ORGANISER)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        start = time.perf_counter()
        response = client.get(f"/c/bench/answers.{kind}")
        assert response.status_code == 200, response.status_code
        size = 0
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            size += len(chunk)
        assert size > 0
    print(f"{time.perf_counter() - start:.4f}")


def measured(kind: str, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds (as the child timed them) and peak RSS (MiB) of one child."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{kind} failed:\n{err}")
    return float(out.split()[0]), usage.ru_maxrss // 1024


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child)
        return
    sizes = [int(s) for s in args.ballots.split(",")]
    tmp = tempfile.mkdtemp(prefix="minping-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("MINPING_ENV", "development")  # a throw-away database, no secrets
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MINPING_DATA_DIR": tmp,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "minping.settings",
    }
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        subprocess.run(["psql", admin, "-qc", drop], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([*MINPING, "migrate", "-v0"], env=env, check=True)
    setup_django(url)
    from django.db import connection

    campaign_id, method_id = create_campaign(args.units, args.indicators)
    print(f"database: {connection.vendor}; {args.units} units × {args.indicators} indicators")
    print(
        f"{'answers':>9} {'bare rows/s':>12} {'csv rows/s':>11} {'xlsx rows/s':>12} "
        f"{'csv/bare':>9} {'xlsx/bare':>10} {'bare MiB':>9} {'csv MiB':>8} {'xlsx MiB':>9}"
    )
    done = 0
    for size in sizes:
        add_ballots(campaign_id, method_id, done, size - done)
        vary_ballots()
        done = size
        answers = size * args.indicators
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.repeat):
            for kind in ("bare", "csv", "xlsx"):  # side by side, in turn
                seconds, peak = measured(kind, env)
                old = best.get(kind)
                best[kind] = (
                    min(seconds, old[0]) if old else seconds,
                    max(peak, old[1] if old else 0),
                )
        rate = {kind: answers / seconds for kind, (seconds, _) in best.items()}
        print(
            f"{answers:>9,} {rate['bare']:>12,.0f} {rate['csv']:>11,.0f} {rate['xlsx']:>12,.0f} "
            f"{rate['csv'] / rate['bare']:>9.2f} {rate['xlsx'] / rate['bare']:>10.2f} "
            f"{best['bare'][1]:>9} {best['csv'][1]:>8} {best['xlsx'][1]:>9}"
        )


if __name__ == "__main__":
    main()
