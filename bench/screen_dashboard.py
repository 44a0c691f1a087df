#!/usr/bin/env python3
"""The hall screen's data endpoint, the 工作台 and the results pages, against /healthz in
the same run.

    .venv/bin/python bench/screen_dashboard.py          # SQLite: 100 units × 200,000 ballots
    .venv/bin/python bench/screen_dashboard.py --ballots 1000000 \
        --database-url postgres://postgres@127.0.0.1/minping_bench_screen

It fills a fresh campaign (100 ranked units, 5 indicators, one ballot method in its second
round, so round 1 — every ballot — is closed and ranked on the screen) with set-based SQL
(``results_vs_count.add_ballots``), computes its results, adds --cases cases, and then,
through the whole Django stack in-process (``django.test.Client``: middleware, sessions,
templates; no network), interleaves --requests rounds of:

- ``GET /healthz`` (one ``SELECT 1``);
- ``GET /c/bench/screen/data.json`` as a leader, as every screen polls it: served from the
  cached document (``MINPING_SCREEN_CACHE_SECONDS``);
- ``GET /console/`` as a leader (the 工作台);
- ``GET /c/bench/`` and ``GET /console/c/bench/results/`` as a leader: the results table
  and the organiser's results page, both drawn from the stored snapshot.

and, fewer times, the screen's data with the cache emptied first: what one poll costs once
every ``MINPING_SCREEN_CACHE_SECONDS`` (``cold: document``) and once every
``MINPING_SCREEN_ROUND_CACHE_SECONDS`` or when a round closes (``cold: round ranking``, the
one scan of the answers). It prints p50 and p95 of each and p95 ÷ p95 of /healthz.
The machine is shared: compare ratios from one run, not milliseconds across runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_vs_count import add_ballots, create_campaign, setup_django

ROOT = Path(__file__).resolve().parent.parent
MINPING = [sys.executable, "-m", "minping.cli"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="默认:临时 SQLite 文件")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=300, help="每种请求的次数")
    parser.add_argument("--cold", type=int, default=10, help="清空缓存后的请求次数")
    return parser.parse_args()


def prepare(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User

    from minping.campaigns.models import Campaign, Method
    from minping.cases.models import Case
    from minping.orgs.models import Membership, Role, Unit
    from minping.scoring.actions import do_compute_results
    from minping.surveys.models import CollectionSettings

    campaign_id, method_id = create_campaign(args.units, 5)
    start = time.perf_counter()
    add_ballots(campaign_id, method_id, 0, args.ballots)
    print(f"filled {args.ballots} ballots in {time.perf_counter() - start:.1f} s")
    # Round 1 (every stored ballot: their round is empty) is closed; round 2 is open.
    CollectionSettings.objects.create(
        method=Method.objects.get(pk=method_id), rounds=2, current_round=2, target=1000
    )
    campaign = Campaign.objects.get(pk=campaign_id)
    start = time.perf_counter()
    do_compute_results(campaign)
    print(f"computed results in {time.perf_counter() - start:.1f} s")
    units = list(Unit.objects.filter(code__startswith="bench-"))
    today = datetime.date.today()
    Case.objects.bulk_create(
        Case(
            number=f"B-{i}",
            source="hotline",
            summary="办事难",
            unit=units[i % len(units)],
            campaign=campaign,
            state=["transferred", "replied", "closed"][i % 3],
            pseudonym="群众",
            registered_on=today,
            transferred_on=today,
            due_on=today + datetime.timedelta(days=i % 10),
            overdue=i % 7 == 0,
        )
        for i in range(args.cases)
    )
    leader = User.objects.create_user("bench-leader")
    Membership.objects.create(user=leader, role=Role.LEADER)


def timed(get: Callable[[], int]) -> float:
    start = time.perf_counter()
    status = get()
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        sys.exit(f"request failed: HTTP {status}")
    return elapsed


def report(name: str, times: list[float], healthz_p95: float) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"{name:<34} {len(times):>5} {statistics.median(times):>8.2f} {p95:>8.2f} "
        f"{p95 / healthz_p95:>7.2f}"
    )


def main() -> None:
    args = parse_args()
    tmp = tempfile.mkdtemp(prefix="minping-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("MINPING_ENV", "development")  # a throw-away database, no secrets
    os.environ["MINPING_DATA_DIR"] = tmp
    env = {**os.environ, "DATABASE_URL": url}
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([*MINPING, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    setup_django(url)
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    prepare(args)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench-leader"))
    print(
        f"database: {connection.vendor}; {args.units} units, {args.ballots} ballots, "
        f"{args.cases} cases"
    )

    def get(path: str) -> Callable[[], int]:
        return lambda: client.get(path).status_code

    healthz, data, board, table, page = [], [], [], [], []
    results_table, results_page = "/c/bench/", "/console/c/bench/results/"
    for _ in range(3):  # warm up: imports, templates, the cached document
        get("/healthz")(), get("/c/bench/screen/data.json")(), get("/console/")()
        get(results_table)(), get(results_page)()
    for _ in range(args.requests):
        healthz.append(timed(get("/healthz")))
        data.append(timed(get("/c/bench/screen/data.json")))
        board.append(timed(get("/console/")))
        table.append(timed(get(results_table)))
        page.append(timed(get(results_page)))
    cold_document, cold_round = [], []
    for _ in range(args.cold):
        # The document expired, the closed round's ranking still cached.
        cache.delete_many([k for k in _screen_keys() if k.startswith("minping:screen:")])
        cold_document.append(timed(get("/c/bench/screen/data.json")))
        cache.clear()
        cold_round.append(timed(get("/c/bench/screen/data.json")))
    p95 = sorted(healthz)[max(0, round(0.95 * len(healthz)) - 1)]
    print(f"{'request':<34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'÷healthz':>7}")
    report("GET /healthz", healthz, p95)
    report("GET screen data.json (cached)", data, p95)
    report("GET /console/ (工作台, leader)", board, p95)
    report("GET /c/bench/ (results table)", table, p95)
    report("GET results page (console)", page, p95)
    report("screen data, cold: document", cold_document, p95)
    report("screen data, cold: round ranking", cold_round, p95)


def _screen_keys() -> list[str]:
    """The local-memory cache's keys, as given to it (the bench runs without REDIS_URL)."""
    from django.core.cache import caches

    stored = getattr(caches["default"], "_cache", None)
    if stored is None:
        sys.exit("the bench needs the local-memory cache: unset REDIS_URL")
    # Stored as ":<version>:<key>".
    return [str(k).split(":", 2)[2] for k in stored]


if __name__ == "__main__":
    main()
