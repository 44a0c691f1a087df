#!/usr/bin/env python3
"""How close ``minping results`` comes to the floor: one GROUP BY scan of the answers.

    .venv/bin/python bench/results_vs_count.py       # SQLite: 100 units × 1,000,000 ballots × 5
    .venv/bin/python bench/results_vs_count.py \
        --database-url postgres://postgres@127.0.0.1/minping_bench
    .venv/bin/python bench/results_vs_count.py --ballots 100000,300000,1000000  # memory vs size
    .venv/bin/python bench/results_vs_count.py --compare /tmp/old   # also an older checkout

For each size it fills a fresh campaign with set-based SQL (so that generating five
million answers takes seconds), then times, side by side in one run:

- ``count``: the bare ``SELECT … COUNT(*) … GROUP BY`` of the same answers, fetched
  in-process — the least any scoring can cost;
- ``results``: ``minping results CAMPAIGN --format json`` as a user runs it (a new
  process: Django start-up, both GROUP BYs, the engine, JSON out), with its peak RSS;
- ``startup``: ``minping check`` in a new process, to show what start-up alone costs;
- with ``--compare DIR`` (a checkout of another version, e.g. ``git archive`` of an older
  commit), ``results`` and ``startup`` of that version too, on the same database, each
  repetition alternating between the two.

Each figure is the best of ``--repeat`` runs. The machine is shared: compare ratios
from one run, not seconds across runs.
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
MINPING = [sys.executable, "-m", "minping.cli"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", help="默认:临时 SQLite 文件")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=5)
    parser.add_argument("--ballots", default="1000000", help="逗号分隔的答卷数,逐级累加")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", metavar="DIR", help="另一版本的代码目录,同库对照")
    return parser.parse_args()


def timed_child(args: list[str], env: dict[str, str], code: Path = ROOT) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process running the code in ``code``."""
    env = {**env, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    import django

    django.setup()


def create_campaign(units: int, indicators: int) -> tuple[int, int]:
    """A campaign with one ballot method, ``units`` ranked units and the default scale."""
    from minping.campaigns.models import Campaign, Indicator, Method, ScaleLevel
    from minping.orgs.models import Group, Unit

    group, _ = Group.objects.get_or_create(code="bench", defaults={"name": "基准"})
    Unit.objects.bulk_create(
        [Unit(code=f"bench-{i:04d}", name=f"单位{i}", group=group) for i in range(units)],
        ignore_conflicts=True,
    )
    campaign = Campaign.objects.create(code="bench", title="基准测试", year=2026, groups=["bench"])
    for order, (label, points) in enumerate(
        [("好", 100), ("较好", 80), ("一般", 60), ("较差", 30), ("差", 0)]
    ):
        ScaleLevel.objects.create(
            campaign=campaign, order=order, label=label, points=points, satisfied=order < 2
        )
    for i in range(indicators):
        Indicator.objects.create(campaign=campaign, order=i, code=f"i{i}", title=f"指标{i}")
    method = Method.objects.create(
        campaign=campaign, order=0, code="survey", title="问卷", weight=100
    )
    return campaign.pk, method.pk


def add_ballots(campaign_id: int, method_id: int, first: int, count: int) -> None:
    """Insert ballots ``first … first+count-1`` and their answers, set-based in the database."""
    from django.db import connection, transaction

    from minping.campaigns.models import Indicator, ScaleLevel
    from minping.orgs.models import Unit

    unit_ids = sorted(Unit.objects.filter(code__startswith="bench-").values_list("id", flat=True))
    u0, nu = unit_ids[0], len(unit_ids)
    assert unit_ids == list(range(u0, u0 + nu)), "bench units must have consecutive ids"
    levels = list(
        ScaleLevel.objects.filter(campaign_id=campaign_id)
        .order_by("order")
        .values_list("id", flat=True)
    )
    indicators = list(
        Indicator.objects.filter(campaign_id=campaign_id).values_list("id", flat=True)
    )
    pg = connection.vendor == "postgresql"
    new_id = "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))"
    # Most answers good, a tail of poor ones, as in real surveys.
    rnd = "(random() * 100)::int" if pg else "(abs(random()) % 100)"
    # One random draw per answer, stored: SQLite would re-draw random() in every WHEN.
    draws = ", ".join(f"r{i} integer" for i in range(len(indicators)))
    draw_values = ", ".join(rnd for _ in indicators)
    with transaction.atomic(), connection.cursor() as cur:
        id_type = "uuid" if pg else "char(32)"
        cur.execute(f"CREATE TEMPORARY TABLE bench_new (id {id_type}, unit_id bigint, {draws})")
        series = (
            f"SELECT n FROM generate_series({first}, {first + count - 1}) AS n"
            if pg
            else f"WITH RECURSIVE s(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {first + count - 1}) SELECT n FROM s"
        )
        cur.execute(
            f"INSERT INTO bench_new SELECT {new_id}, {u0} + (n % {nu}), {draw_values} "
            f"FROM ({series}) AS t"
        )
        cur.execute(
            "INSERT INTO surveys_ballot "
            "(id, campaign_id, method_id, unit_id, date, channel, category) "
            f"SELECT id, {campaign_id}, {method_id}, unit_id, '2026-09-01', 'import', '' "
            "FROM bench_new"
        )
        for i, indicator in enumerate(indicators):
            level = (
                f"CASE WHEN r{i} < 55 THEN {levels[0]} WHEN r{i} < 80 THEN {levels[1]} "
                f"WHEN r{i} < 92 THEN {levels[2]} WHEN r{i} < 97 THEN {levels[3]} "
                f"ELSE {levels[4]} END"
            )
            cur.execute(
                "INSERT INTO surveys_answer "
                "(ballot_id, campaign_id, method_id, unit_id, indicator_id, level_id) "
                f"SELECT id, {campaign_id}, {method_id}, unit_id, {indicator}, {level} "
                "FROM bench_new"
            )
        cur.execute("DROP TABLE bench_new")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def bare_count(campaign_id: int, repeat: int) -> float:
    from django.db import connection

    sql = (
        "SELECT method_id, unit_id, indicator_id, level_id, COUNT(*) FROM surveys_answer "
        "WHERE campaign_id = %s GROUP BY method_id, unit_id, indicator_id, level_id"
    )
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, [campaign_id])
            cur.fetchall()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.ballots.split(",")]
    tmp = tempfile.mkdtemp(prefix="minping-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("MINPING_ENV", "development")  # a throw-away database, no secrets
    env = {**os.environ, "DATABASE_URL": url, "MINPING_DATA_DIR": tmp}
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
    versions = [("this", ROOT)] + (
        [("compare", Path(args.compare).resolve())] if args.compare else []
    )
    print(
        f"{'version':>8} {'ballots':>9} {'answers':>9} {'fill s':>7} {'count s':>8} "
        f"{'results s':>9} {'startup s':>9} {'ratio':>6} {'ratio-startup':>13} {'peak MiB':>8}"
    )
    done = 0
    for size in sizes:
        start = time.perf_counter()
        add_ballots(campaign_id, method_id, done, size - done)
        fill = time.perf_counter() - start
        done = size
        count = bare_count(campaign_id, args.repeat)
        runs: dict[str, list[tuple[float, int]]] = {name: [] for name, _ in versions}
        checks: dict[str, list[float]] = {name: [] for name, _ in versions}
        for _ in range(args.repeat):  # alternating, so that the machine's load hits both alike
            for name, code in versions:
                runs[name].append(
                    timed_child([*MINPING, "results", "bench", "--format", "json"], env, code)
                )
        for _ in range(args.repeat):
            for name, code in versions:
                checks[name].append(timed_child([*MINPING, "check"], env, code)[0])
        for name, _ in versions:
            results = min(r[0] for r in runs[name])
            peak = max(r[1] for r in runs[name])
            startup = min(checks[name])
            print(
                f"{name:>8} {size:>9,} {size * args.indicators:>9,} {fill:>7.1f} {count:>8.2f} "
                f"{results:>9.2f} {startup:>9.2f} {results / count:>6.2f} "
                f"{(results - startup) / count:>13.2f} {peak:>8}"
            )
    if not args.database_url:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
