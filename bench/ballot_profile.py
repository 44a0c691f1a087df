#!/usr/bin/env python3
"""Where a ballot's CPU goes: the form GET and the ballot POST against /healthz, in-process.

    .venv/bin/python bench/ballot_profile.py                  # CPU ms per request, SQLite
    .venv/bin/python bench/ballot_profile.py --profile post   # and cProfile of the POSTs
    .venv/bin/python bench/ballot_profile.py --database-url postgres://…/minping_profile

Django's test client (every middleware, the real views, no HTTP server) on a fresh database:
N invitations naming one unit, then N × GET /healthz, N × GET of a form, N × POST of it.
Prints the process CPU per request of each (on SQLite the database's work is in-process
too; on PostgreSQL it is not, as with the real server). ``bench/ballots_http.py`` measures
the same through gunicorn; this one is for finding what to change.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--database-url", help="会被删除重建的数据库;默认临时 SQLite 文件")
    parser.add_argument("--profile", choices=["get", "post", "healthz"])
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="minping-profile-")
    url = args.database_url or f"sqlite:///{tmp}/profile.sqlite3"
    os.environ.update(
        MINPING_ENV="development",
        DATABASE_URL=url,
        MINPING_DATA_DIR=tmp,
        ALLOWED_HOSTS="testserver",
    )
    os.environ.setdefault("MINPING_SURVEY_KEY", "bench-only-survey-key-not-secret-x7Qp")
    if url.startswith("postgres"):
        name, admin = url.rsplit("/", 1)[1], url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([sys.executable, "-m", "minping.cli", "migrate", "-v0"], check=True, cwd=ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "minping.settings"
    import django

    django.setup()
    from django.test import Client

    from minping.lib.tests.import_fixtures import make_campaign
    from minping.orgs.models import Group, Unit
    from minping.surveys.models import Ballot
    from minping.surveys.tests.helpers import issue, open_collection

    sys.path.insert(0, str(ROOT / "bench"))
    from ballots_http import read_form

    group = Group.objects.create(code="agencies", name="机关单位")
    unit = Unit.objects.create(code="gaj", name="公安局", group=group)
    campaign = make_campaign("profile-2026", year=2026, groups=["agencies"])
    questionnaire = open_collection(campaign, channels=["invitation"])
    tokens = [item.token for item in issue(questionnaire.method, args.n, unit=unit)]

    import random

    rng = random.Random(1)
    client = Client()
    for _ in range(20):  # warm-up: imports, URL resolver, templates
        client.get("/healthz")
        client.get("/s/i/warm-up-not-a-token/")

    class Reply:
        def __init__(self, response: object) -> None:
            self.body = response.content.decode()  # type: ignore[attr-defined]
            self.headers = _Headers(response)

    class _Headers:
        def __init__(self, response: object) -> None:
            self.response = response

        def get_all(self, name: str) -> list[str]:
            cookies = self.response.cookies  # type: ignore[attr-defined]
            return [f"{k}={v.value}" for k, v in cookies.items()]

    forms: list[tuple[str, str, dict[str, str]]] = []
    phases: dict[str, float] = {}
    profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for the database

    def run(name: str, work: list[Any]) -> None:
        if args.profile == name:
            profiler.enable()
        start = time.process_time()
        for job in work:
            job()
        phases[name] = (time.process_time() - start) / len(work) * 1000
        if args.profile == name:
            profiler.disable()

    def healthz() -> None:
        assert client.get("/healthz").status_code == 200

    def get(token: str) -> object:
        def job() -> None:
            browser = Client()
            response = browser.get(f"/s/i/{token}/")
            assert response.status_code == 200
            form = read_form(Reply(response), rng, comment=False)  # type: ignore[arg-type]
            forms.append((form.action, form.body, browser))  # type: ignore[arg-type]

        return job

    def post(index: int) -> object:
        def job() -> None:
            action, body, browser = forms[index]
            response = browser.post(  # type: ignore[attr-defined]
                action, body, content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 302, response.content[:300]

        return job

    run("healthz", [healthz] * args.n)
    run("get", [get(t) for t in tokens])
    run("post", [post(i) for i in range(args.n)])
    assert Ballot.objects.count() == args.n
    base = phases["healthz"]
    print(f"{connection_vendor()}  N={args.n}  process CPU ms per request (× /healthz):")
    for name in ("healthz", "get", "post"):
        print(f"  {name:<8} {phases[name]:7.2f} ms  ×{phases[name] / base:5.1f}")
    if args.profile:
        profiler.dump_stats(os.path.join(tmp, "profile.prof"))
        print("profile:", os.path.join(tmp, "profile.prof"))
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


if __name__ == "__main__":
    main()
