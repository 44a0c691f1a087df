#!/usr/bin/env python3
"""A pool of a million people: importing it, and drawing 10,000 from it against one bare read.

    .venv/bin/python bench/pool_draw.py                    # SQLite file in a temporary folder
    .venv/bin/python bench/pool_draw.py \\
        --database-url postgres://postgres@127.0.0.1:5432/minping_panels_bench

It makes a campaign with ``--units`` ranked units, writes CSV files of 100,000 and
``--rows`` people (unique mobile numbers, four categories, a unit name, a district),
and then:

- **import**: ``minping panels import`` as a user runs it, in a new process for each file,
  into its own pool: wall time, rows per second, and the process's peak RSS (``wait4``).
  Memory is flat when the two peaks are about equal although one file is ten times the
  other.
- **read**: the bare ``SELECT id, unit_id, category FROM panels_respondent WHERE pool_id =
  …`` a draw needs, fetched in-process through the same cursor the draw uses: the floor.
- **draw**: ``do_make_draw`` of ``--sample`` people in proportion to the frame (at least
  ``--minimum`` a unit, a 20 % reserve) in-process: it reads the frame (the same scan),
  allocates, picks, and writes the sample and reserve. **ratio** = draw / read; the goal is
  at most 2. It is also split into its parts (frame, picking, writing).

Each in-process figure is the best of ``--repeat`` runs. The machine is shared: compare
ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MINPING = [sys.executable, "-m", "minping.cli"]
CATEGORIES = ["办事群众", "企业办事人员", "社区居民", "两代表一委员"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", help="默认:临时 SQLite 文件")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--small", type=int, default=100_000, help="the file that shows memory is flat"
    )
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--minimum", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def write_pool_file(path: Path, rows: int, units: int, offset: int) -> None:
    """``rows`` people with distinct numbers, spread unevenly over units and categories."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["手机号", "姓名", "类别", "单位", "区县"])
        for n in range(rows):
            # Unit i gets a share that grows with i, so strata differ in size.
            unit = int(units * ((n * 7919) % rows / rows) ** 0.5)
            writer.writerow(
                [
                    f"1{3 + (n + offset) % 7}{(n + offset):09d}",
                    "" if n % 3 else f"居民{n}",
                    CATEGORIES[n % len(CATEGORIES)],
                    f"单位{unit:04d}",
                    f"区{n % 9}",
                ]
            )


def timed_child(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert proc.stderr is not None
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    import django

    django.setup()


def create_campaign(units: int) -> str:
    from minping.campaigns.models import Campaign, Method
    from minping.orgs.models import Group, Unit
    from minping.surveys.models import CollectionSettings

    group, _ = Group.objects.get_or_create(code="bench", defaults={"name": "基准"})
    Unit.objects.bulk_create(
        [Unit(code=f"bench-{i:04d}", name=f"单位{i:04d}", group=group) for i in range(units)],
        ignore_conflicts=True,
    )
    campaign = Campaign.objects.create(code="bench", title="基准测试", year=2026, groups=["bench"])
    method = Method.objects.create(
        campaign=campaign, order=0, code="survey", title="问卷", weight=100
    )
    CollectionSettings.objects.create(method=method, channels=["invitation"], categories=CATEGORIES)
    return campaign.code


def bare_read(pool_id: int) -> float:
    """Fetch every (id, unit, category) of the pool as the draw does, and nothing else."""
    from django.db import connection, transaction

    from minping.panels.frame import FETCH, scan

    start = time.perf_counter()
    rows = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(scan(pool_id))
        while batch := cursor.fetchmany(FETCH):
            rows += len(batch)
    elapsed = time.perf_counter() - start
    assert rows > 0
    return elapsed


def one_draw(pool_id: int, sample: int, minimum: int) -> tuple[float, dict[str, float]]:
    """Time ``do_make_draw`` and, inside the same run, its parts; the draw is deleted after.

    The parts are timed by wrapping the functions the action calls: ``frame`` is
    ``read_frame`` (the scan and the grouping), ``pick`` is ``sampling.draw`` and
    ``frame_digest``, and ``rest`` is everything else (allocation, the draw's rows, the
    members, the audit entry).
    """
    from minping.panels import actions, sampling
    from minping.panels.actions import DrawPlan, do_make_draw
    from minping.panels.models import Draw, Pool

    parts = {"frame": 0.0, "pick": 0.0}

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] += time.perf_counter() - start

        return wrapper

    pool = Pool.objects.select_related("campaign").get(pk=pool_id)
    method = pool.campaign.methods.get(code="survey")
    plan = DrawPlan(Draw.PROPORTIONAL, total=sample, minimum_per_unit=minimum, reserve_percent=20)
    originals = (actions.read_frame, sampling.draw, sampling.frame_digest)
    actions.read_frame = timed("frame", actions.read_frame)
    sampling.draw = timed("pick", sampling.draw)
    sampling.frame_digest = timed("pick", sampling.frame_digest)
    try:
        start = time.perf_counter()
        made = do_make_draw(None, method, pool, plan, seed=20260701)
        whole = time.perf_counter() - start
    finally:
        actions.read_frame, sampling.draw, sampling.frame_digest = originals
    assert made.sample_size == sample, made.sample_size
    Draw.objects.filter(pk=made.pk).delete()
    parts["rest"] = whole - parts["frame"] - parts["pick"]
    return whole, parts


def main() -> None:
    args = parse_args()
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

    from minping.panels.models import Pool

    code = create_campaign(args.units)
    print(f"database: {connection.vendor}; {args.units} units, {len(CATEGORIES)} categories")
    print(f"{'file':>10} {'MB':>6} {'import s':>9} {'rows/s':>8} {'peak MiB':>9}")
    pools = {}
    for rows, offset in ((args.small, 500_000_000), (args.rows, 0)):
        path = Path(tmp) / f"pool-{rows}.csv"
        write_pool_file(path, rows, args.units, offset)
        title = f"样本库{rows}"
        elapsed, peak = timed_child([*MINPING, "panels", "import", code, title, str(path)], env)
        size = path.stat().st_size / 1e6
        print(f"{rows:>10,} {size:>6.1f} {elapsed:>9.1f} {rows / elapsed:>8,.0f} {peak:>9}")
        pools[rows] = Pool.objects.get(title=title).pk
        path.unlink()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    big = pools[args.rows]
    print(
        f"\ndraw {args.sample:,} (at least {args.minimum} a unit, 20 % reserve) from {args.rows:,}"
    )
    read = min(bare_read(big) for _ in range(args.repeat))
    runs = [one_draw(big, args.sample, args.minimum) for _ in range(args.repeat)]
    best, parts = min(runs, key=lambda run: run[0])
    print(f"{'read s':>8} {'draw s':>8} {'ratio':>6}   parts of the best draw")
    detail = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
    print(f"{read:>8.2f} {best:>8.2f} {best / read:>6.2f}   {detail}")


if __name__ == "__main__":
    main()
