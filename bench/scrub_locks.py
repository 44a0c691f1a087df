#!/usr/bin/env python3
"""How long the nightly scrub holds its locks on PostgreSQL (docs/collection.md, "Anonymity").

    .venv/bin/python bench/scrub_locks.py --database-url postgres://postgres@127.0.0.1/minping_bench
    .venv/bin/python bench/scrub_locks.py --old 1000000 --recent 20000 --database-url …

Drops and creates the database, migrates it, and fills one campaign with set-based SQL:
``--old`` ballots of last month (three answers and a comment each; the scrub does not
rewrite them but compacts their tables) and ``--recent`` ballots of today, each with its
used invitation and form key. Then it runs the two steps of the scrub and prints how
long each held which lock:

- the rewrite (one transaction, EXCLUSIVE: reads go on, every write waits);
- ``VACUUM FULL`` of each table (ACCESS EXCLUSIVE: reads wait too).

The machine is shared with other work: read the figures as an order of magnitude.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--old", type=int, default=300_000)
    parser.add_argument("--recent", type=int, default=10_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("PostgreSQL only: SQLite's VACUUM rebuilds the whole file, one writer at a time")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    os.environ.setdefault("MINPING_SURVEY_KEY", "bench-only-survey-key-Qm4Z8rT2vX6pL9wB")
    sys.path.insert(0, str(ROOT))
    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    server = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minping.lib.tests.import_fixtures import make_campaign
    from minping.orgs.models import Group, Unit
    from minping.surveys import scrub

    call_command("migrate", verbosity=0)
    group = Group.objects.create(code="agencies", name="机关")
    unit = Unit.objects.create(code="gaj", name="公安局", group=group)
    campaign = make_campaign("bench-2026", year=2026, groups=["agencies"])
    method = campaign.methods.get(code="third_party")
    today = datetime.date.today()
    fill = time.monotonic()
    with connection.cursor() as cursor:
        for count, date, channel in (
            (args.old, today - datetime.timedelta(days=30), "window"),
            (args.recent, today, "invitation"),
        ):
            cursor.execute(
                "INSERT INTO surveys_ballot (id, campaign_id, method_id, unit_id, date, channel,"
                " category, status, hold_reason, round) SELECT gen_random_uuid(), %s, %s, %s, %s,"
                " %s, '办事群众', 'accepted', '', 1 FROM generate_series(1, %s)",
                [campaign.pk, method.pk, unit.pk, date, channel, count],
            )
        cursor.execute(
            "INSERT INTO surveys_answer (ballot_id, campaign_id, method_id, unit_id,"
            " indicator_id, level_id) SELECT b.id, b.campaign_id, b.method_id, b.unit_id, i.id,"
            " (SELECT min(id) FROM campaigns_scalelevel WHERE campaign_id = %s)"
            " FROM surveys_ballot b CROSS JOIN campaigns_indicator i WHERE i.campaign_id = %s",
            [campaign.pk, campaign.pk],
        )
        cursor.execute(
            "INSERT INTO surveys_comment (id, ballot_id, campaign_id, unit_id, date, text,"
            " follow_up, case_number) SELECT gen_random_uuid(), id, campaign_id, unit_id, date,"
            " '窗口工作人员态度很好,办事效率高', false, '' FROM surveys_ballot"
        )
        cursor.execute(
            "INSERT INTO surveys_invitation (id, campaign_id, method_id, unit_id, category,"
            " token_hash, code_hash, holder_key, issued, expires, used) SELECT"
            " gen_random_uuid(), %s, %s, %s, '', md5('t' || n) || md5('u' || n),"
            " md5('c' || n) || md5('d' || n), md5('h' || n) || md5('i' || n), %s, %s, true"
            " FROM generate_series(1, %s) AS n",
            [
                campaign.pk,
                method.pk,
                unit.pk,
                today,
                today + datetime.timedelta(days=30),
                args.recent,
            ],
        )
        cursor.execute(
            "INSERT INTO surveys_submissionkey (key, date) SELECT md5('k' || n) || md5('l' || n),"
            " %s FROM generate_series(1, %s) AS n",
            [today, args.recent],
        )
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('surveys_answer'))")
        answer_size = cursor.fetchone()[0]
    print(f"filled in {time.monotonic() - fill:.1f} s: {args.old:,} old + {args.recent:,} recent")
    print(f"ballots, {3 * (args.old + args.recent):,} answers ({answer_size} with indexes)")

    start = time.monotonic()
    rows, _keys, xid = scrub._rewrite_all(today - datetime.timedelta(days=1))
    print(f"rewrite of {rows:,} rows (EXCLUSIVE, writes wait): {time.monotonic() - start:.2f} s")
    assert xid is not None
    start = time.monotonic()
    scrub._wait_for_older_snapshots(xid)
    print(f"waiting for older snapshots: {time.monotonic() - start:.2f} s")
    for model in scrub.TABLES:
        start = time.monotonic()
        scrub._vacuum_full(model)
        took = time.monotonic() - start
        print(f"VACUUM FULL {model._meta.db_table} (ACCESS EXCLUSIVE): {took:.2f} s")
    connection.close()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
