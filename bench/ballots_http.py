#!/usr/bin/env python3
"""Accepted ballots per second through the real HTTP stack, against /healthz in the same run.

    .venv/bin/python bench/ballots_http.py                       # 2000 invitations, C=16, W=4
    .venv/bin/python bench/ballots_http.py --invitations 500 --concurrency 8 --workers 2
    .venv/bin/python bench/ballots_http.py --conn-max-age 60     # persistent DB connections

What it does:

1. drops and creates the PostgreSQL database named in --database-url, migrates it and
   loads examples/yc-2018 (``minping import units``, ``minping load``);
2. opens collection for the method ``representatives`` the way the organiser does
   (``do_update_collection_settings`` allows invitations, ``do_freeze_questionnaire``)
   and issues N invitations with ``do_issue_invitations``, spread over the ranked units;
3. starts gunicorn (gthread, --workers W, --threads T) on 127.0.0.1 and waits for /healthz;
4. runs the load with C client threads, each with its own keep-alive connection, in
   --slices rounds of: A) N/slices GET /healthz; B1) GET the form of N/slices
   invitations (cookie, CSRF token, hidden key); B2) POST those forms. Only the POST is
   "a ballot"; GET+POST is the pair a respondent waits for;
5. re-POSTs --retries forms already sent (same key: must show the thank-you and store
   nothing) and opens their links again (must say "used", 409);
6. checks the database: exactly N accepted ballots, the expected count per unit, every
   invitation used, one form key per ballot, the answers and comments expected, and no
   request failed. Exits 1 otherwise;
7. counts (with --show-queries lists) the SQL queries of one GET and one POST in-process
   (Django's test client, on one extra invitation issued after the check);
8. unless --no-pgbench: the floor without Python. pgbench replays that POST's SQL (each
   run with a new form key, a new ballot id and a random invitation) against ``SELECT 1``,
   once opening a connection per transaction (as the server does with CONN_MAX_AGE=0) and
   once on kept connections, and prints the ratio the server could reach at best;
9. drops the database (unless --keep).

Ratio = POST ballots/s ÷ /healthz requests/s, both measured in the same interleaved run.
The client runs on the same machine as gunicorn and PostgreSQL: compare ratios from one
run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import datetime
import html
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "yc-2018"
CAMPAIGN = "yc-2018"
METHOD = "representatives"
MINPING = [sys.executable, "-m", "minping.cli"]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minping_bench_http"
# One comment in this many ballots: a Comment row too, as real respondents sometimes write.
COMMENT_EVERY = 10

INPUT_TAG = re.compile(r"<input\b[^>]*>")
TEXTAREA_TAG = re.compile(r"<textarea\b[^>]*>")
FORM_TAG = re.compile(r"<form\b[^>]*>")
ATTRIBUTE = re.compile(r'([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help="会被删除重建的 PostgreSQL 数据库"
    )
    parser.add_argument("--invitations", type=int, default=2000, help="邀请码数 N = 答卷数")
    parser.add_argument("--concurrency", type=int, default=16, help="客户端并发连接数 C")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn 进程数 W")
    parser.add_argument("--threads", type=int, default=4, help="每个 gunicorn 进程的线程数")
    parser.add_argument("--slices", type=int, default=10, help="A/B 两个阶段交替的轮数")
    parser.add_argument("--retries", type=int, default=100, help="重复提交的表单数")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="服务器数据库连接保留秒数(默认 0:项目设置,每个请求新建连接)",
    )
    parser.add_argument("--port", type=int, default=0, help="默认:任一空闲端口")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--show-queries", action="store_true", help="列出表单 GET 与答卷 POST 的 SQL"
    )
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库")
    parser.add_argument(
        "--no-pgbench", action="store_true", help="不用 pgbench 测量只有 SQL 时的比值"
    )
    args = parser.parse_args()
    if args.invitations < args.slices or min(args.concurrency, args.workers, args.slices) < 1:
        parser.error("--invitations 不能少于 --slices,各数量至少为 1")
    if not 0 <= args.retries <= args.invitations:
        parser.error("--retries 须在 0 与 --invitations 之间")
    return args


# --- Database and server -------------------------------------------------------------------


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True
    )
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True
    )


def load_example(env: dict[str, str]) -> None:
    for command in (
        ["migrate", "-v0"],
        ["import", "units", str(EXAMPLE / "units.csv")],
        ["load", str(EXAMPLE / "campaign.toml")],
    ):
        subprocess.run([*MINPING, *command], env=env, check=True, stdout=subprocess.DEVNULL)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings")
    import django

    django.setup()


@dataclass
class Prepared:
    tokens: list[str]
    per_unit: dict[str, int]  # unit code → invitations issued for it
    indicators: int


def open_collection_and_issue(count: int) -> Prepared:
    """What the organiser does on the collection pages, through the same actions."""
    from django.utils import timezone

    from minping.campaigns.models import Campaign
    from minping.surveys.actions import (
        Holder,
        do_freeze_questionnaire,
        do_issue_invitations,
        do_update_collection_settings,
    )
    from minping.surveys.models import Channel
    from minping.surveys.questionnaires import pickable_units

    campaign = Campaign.objects.get(code=CAMPAIGN)
    method = campaign.methods.get(code=METHOD)
    do_update_collection_settings(None, method, {"channels": [str(Channel.INVITATION)]})
    questionnaire = do_freeze_questionnaire(None, method)
    units = pickable_units(campaign).units
    expires = timezone.localdate() + datetime.timedelta(days=30)
    tokens: list[str] = []
    per_unit: dict[str, int] = {}
    # Invitations naming a unit, as a letter to a deputy about one department would.
    for index, unit in enumerate(units):
        share = count // len(units) + (1 if index < count % len(units) else 0)
        if share == 0:
            continue
        holders = [Holder(f"代表{unit.code}-{i}", f"bench-{unit.code}-{i}") for i in range(share)]
        result = do_issue_invitations(None, method, holders, expires=expires, unit=unit)
        tokens.extend(item.token for item in result.issued)
        per_unit[unit.code] = len(result.issued)
    assert len(tokens) == count, f"issued {len(tokens)} invitations, wanted {count}"
    return Prepared(tokens, per_unit, len(questionnaire.spec["indicators"]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(
    args: argparse.Namespace, env: dict[str, str], port: int, tmp: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "minping.wsgi",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        # Longer than any pause between phases, so client connections stay open.
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    if args.conn_max_age:
        # The project reads no CONN_MAX_AGE from the environment; set it in each worker.
        config = tmp / "gunicorn_conf.py"
        config.write_text(
            "def post_worker_init(worker):\n"
            "    from django.conf import settings\n"
            f"    settings.DATABASES['default']['CONN_MAX_AGE'] = {args.conn_max_age}\n"
        )
        command += ["--config", str(config)]
    log = (tmp / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn 已退出:\n{(tmp / 'gunicorn.log').read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn 60 秒内没有就绪")


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine spent busy so far (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def worker_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User + system CPU of gunicorn's master and workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- Client ----------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float


class Client:
    """One keep-alive connection per thread; a dropped connection is reopened once."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()
        self.reconnects = 0
        self.lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.local.connection = connection
        return connection

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        for attempt in (1, 2):
            connection = self._connection()
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                text = response.read().decode()
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
                # A POST resent here carries the same key: the server stores it at most once,
                # which the database check at the end verifies.
                with self.lock:
                    self.reconnects += 1
                continue
            return Reply(response.status, response.headers, text, time.perf_counter() - start)
        raise AssertionError("unreachable")


@dataclass
class Form:
    action: str
    body: str
    cookie: str


def read_form(reply: Reply, rng: random.Random, comment: bool) -> Form:
    """What a browser would send: hidden fields, one choice per radio group, the CSRF cookie."""
    # The page has other forms too (the language switch): take the one with the form key.
    page = next((f for f in reply.body.split("</form>") if 'name="key"' in f), "")
    form_tag = FORM_TAG.search(page)
    if form_tag is None:
        raise ValueError("no questionnaire form on the page")
    page = page[form_tag.start() :]
    action = html.unescape(dict(ATTRIBUTE.findall(form_tag.group()))["action"])
    fields: list[tuple[str, str]] = []
    radios: dict[str, list[str]] = {}
    for tag in INPUT_TAG.findall(page):
        attributes = {k: html.unescape(v) for k, v in ATTRIBUTE.findall(tag[len("<input") :])}
        kind, name = attributes.get("type", "text"), attributes.get("name", "")
        if kind == "hidden":
            fields.append((name, attributes.get("value", "")))
        elif kind == "radio":
            radios.setdefault(name, []).append(attributes.get("value", ""))
    # Most answers good, as in real surveys; every level appears.
    for name, values in radios.items():
        fields.append((name, values[0] if rng.random() < 0.6 else rng.choice(values)))
    if comment:
        for tag in TEXTAREA_TAG.findall(page):
            name = dict(ATTRIBUTE.findall(tag[len("<textarea") :])).get("name", "")
            fields.append((name, "窗口服务态度很好,希望办事指南再清楚一些。"))
    cookies = [c.split(";", 1)[0] for c in reply.headers.get_all("Set-Cookie") or []]
    return Form(action, urllib.parse.urlencode(fields), "; ".join(cookies))


@dataclass
class Phase:
    """Latencies and wall time of one kind of request, summed over the slices."""

    name: str
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        rank = max(1, int(-(-p * len(ordered) // 100)))
        return ordered[rank - 1] * 1000


@dataclass
class Tally:
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def run_phase(
    pool: ThreadPoolExecutor,
    phase: Phase,
    jobs: Sequence[Callable[[], float | None]],
    server: subprocess.Popen[bytes],
    bar: tqdm[Any],
) -> None:
    """Run ``jobs`` on the pool; each returns its latency, or None when it failed."""

    def run(job: Callable[[], float | None]) -> float | None:
        try:
            return job()
        finally:
            bar.update(1)

    cpu, server_cpu, start = time.process_time(), worker_cpu_seconds(server), time.perf_counter()
    machine = machine_busy_seconds()
    results = list(pool.map(run, jobs))
    phase.wall += time.perf_counter() - start
    phase.client_cpu += time.process_time() - cpu
    phase.server_cpu += worker_cpu_seconds(server) - server_cpu
    phase.machine_cpu += machine_busy_seconds() - machine
    phase.latencies.extend(r for r in results if r is not None)


# --- Checks --------------------------------------------------------------------------------


def verify(prepared: Prepared, comments: int, tally: Tally) -> list[str]:
    """Every way the run could have lost or duplicated a ballot, as failed checks."""
    from django.db.models import Count

    from minping.campaigns.models import Method
    from minping.surveys.models import Answer, Ballot, Comment, Invitation, SubmissionKey

    method = Method.objects.get(campaign__code=CAMPAIGN, code=METHOD)
    n = len(prepared.tokens)
    ballots = Ballot.objects.filter(method=method)
    per_unit = dict(ballots.values_list("unit__code").annotate(n=Count("id")))
    checks = {
        "accepted invitation ballots": (
            ballots.filter(status=Ballot.Status.ACCEPTED, channel="invitation").count(),
            n,
        ),
        "all ballots of the method": (ballots.count(), n),
        "units whose count differs": (
            sum(per_unit.get(code, 0) != k for code, k in prepared.per_unit.items())
            + len(set(per_unit) - set(prepared.per_unit)),
            0,
        ),
        "answers": (Answer.objects.filter(method=method).count(), n * prepared.indicators),
        "comments": (Comment.objects.filter(ballot__method=method).count(), comments),
        "unused invitations": (Invitation.objects.filter(method=method, used=False).count(), 0),
        "form keys taken": (SubmissionKey.objects.count(), n),
        "failed requests": (len(tally.errors), 0),
    }
    failed = []
    for name, (got, want) in checks.items():
        mark = "ok" if got == want else "FAIL"
        print(f"  {mark:>4}  {name}: {got} (expected {want})")
        if got != want:
            failed.append(name)
    return failed


def count_queries() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """SQL queries of one form GET and one ballot POST, in-process, on an extra invitation."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from minping.campaigns.models import Method
    from minping.surveys.actions import Holder, do_issue_invitations
    from minping.surveys.questionnaires import pickable_units

    method = Method.objects.select_related("campaign").get(campaign__code=CAMPAIGN, code=METHOD)
    unit = pickable_units(method.campaign).units[0]
    expires = timezone.localdate() + datetime.timedelta(days=1)
    token = (
        do_issue_invitations(
            None, method, [Holder("计数", "bench-query-count")], expires=expires, unit=unit
        )
        .issued[0]
        .token
    )
    client = TestClient()
    with CaptureQueriesContext(connection) as get_queries:
        page = client.get(f"/s/i/{token}/")
    reply = Reply(page.status_code, http.client.HTTPMessage(), page.content.decode(), 0.0)
    form = read_form(reply, random.Random(0), comment=False)
    data = urllib.parse.parse_qs(form.body)
    with CaptureQueriesContext(connection) as post_queries:
        posted = client.post(form.action, {k: v[0] for k, v in data.items()})
    assert posted.status_code == 302, posted.status_code
    return get_queries.captured_queries, post_queries.captured_queries


# --- The floor: the same SQL without Python -------------------------------------------------

KEY_LITERAL = re.compile(r"""(INSERT INTO "surveys_submissionkey" .* VALUES \()'[^']*'""")
UUID_LITERAL = re.compile(r"'[0-9a-f]{32}'")


def pgbench_script(post_queries: list[dict[str, str]]) -> str:
    """The POST's statements as a pgbench script: a fresh key and ballot id each run.

    Each run updates a random invitation (real ballots each use their own, and one row
    for all would queue the runs behind its lock), without the "not used yet" condition
    so that every run writes; everything else is the SQL Django sent.
    """
    lines = [
        "SELECT gen_random_uuid() AS ballot, md5(random()::text) AS formkey, "
        "COALESCE((SELECT id FROM surveys_invitation WHERE id >= gen_random_uuid() "
        "ORDER BY id LIMIT 1), (SELECT id FROM surveys_invitation ORDER BY id LIMIT 1)) "
        "AS invitation \\gset"
    ]
    ballot_id = ""
    for query in post_queries:
        sql = " ".join(query["sql"].split())
        sql = KEY_LITERAL.sub(r"\1':formkey'", sql)
        if sql.startswith('UPDATE "surveys_invitation"'):
            sql = sql.replace(' AND NOT "surveys_invitation"."used"', "")
            sql = UUID_LITERAL.sub("':invitation'", sql)
        if sql.startswith('INSERT INTO "surveys_ballot"'):
            ballot_id = UUID_LITERAL.findall(sql)[0].strip("'")
        if ballot_id:
            sql = sql.replace(ballot_id, ":ballot")
        lines.append(sql + ";")
    return "\n".join(lines) + "\n"


@dataclass
class SqlRun:
    """One pgbench script's runs: transactions, wall time and the machine's busy CPU."""

    transactions: int = 0
    wall: float = 0.0
    machine_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.transactions / self.wall if self.wall else 0.0

    @property
    def machine_ms(self) -> float:
        return 1000 * self.machine_cpu / self.transactions if self.transactions else 0.0


def run_pgbench(url: str, script: Path, clients: int, connect_each: bool, into: SqlRun) -> None:
    command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", "8", "-f", str(script)]
    if connect_each:
        command.append("-C")
    busy, start = machine_busy_seconds(), time.perf_counter()
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    into.wall += time.perf_counter() - start
    into.machine_cpu += machine_busy_seconds() - busy
    count = re.search(r"^number of transactions actually processed: (\d+)", done.stdout, re.M)
    if count is None or "failed transactions: 0 " not in done.stdout:
        sys.exit(f"pgbench:\n{done.stdout}\n{done.stderr}")
    into.transactions += int(count.group(1))


def sql_floor(
    url: str,
    post_queries: list[dict[str, str]],
    tmp: Path,
    clients: int,
    healthz: Phase,
    connect_each_request: bool,
) -> None:
    """How fast PostgreSQL alone runs the POST's SQL against SELECT 1, and what that allows.

    The bound: if a POST cost Python and HTTP no more than /healthz does, it would cost
    the machine healthz − SELECT 1 + the POST's SQL (each in machine CPU per request,
    the SQL as pgbench measured it in the server's connection mode); the ratio could be
    at most healthz ÷ that.
    """
    post = tmp / "post.sql"
    post.write_text(pgbench_script(post_queries))
    trivial = tmp / "trivial.sql"
    trivial.write_text("SELECT 1;\n")
    print(f"SQL alone (pgbench, {clients} clients, 2 × 8 s each, no Python, no HTTP):")
    modes = ((True, "a connection per transaction"), (False, "kept connections"))
    for connect_each, label in modes:
        one, ballot = SqlRun(), SqlRun()
        for _round in range(2):  # interleaved, as the HTTP phases are
            run_pgbench(url, trivial, clients, connect_each, one)
            run_pgbench(url, post, clients, connect_each, ballot)
        print(
            f"  {label:<29} SELECT 1 {one.rate:>9.1f}/s {one.machine_ms:>5.2f} ms   "
            f"POST's SQL {ballot.rate:>7.1f}/s {ballot.machine_ms:>5.2f} ms   "
            f"ratio {ballot.rate / one.rate:.2f}"
        )
        if connect_each == connect_each_request and healthz.latencies:
            per_healthz = 1000 * healthz.machine_cpu / len(healthz.latencies)
            best = per_healthz / (per_healthz - one.machine_ms + ballot.machine_ms)
            print(
                f"  bound for this server's connection mode: /healthz {per_healthz:.2f} ms of "
                f"machine CPU; a POST costing no more Python than /healthz → ratio ≤ {best:.2f}"
            )


# --- Main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    url = args.database_url
    if not url.startswith("postgres"):
        sys.exit("--database-url 必须是 PostgreSQL")
    tmp = Path(tempfile.mkdtemp(prefix="minping-bench-http-"))
    secret = "bench-" + os.urandom(16).hex()
    os.environ.update(
        {
            "DATABASE_URL": url,
            # Plain HTTP on 127.0.0.1, as the demo: no HTTPS redirect, no production checks.
            "MINPING_ENV": "development",
            "SECRET_KEY": secret,
            # The server refuses to start without a survey key of its own (minping.E010).
            "MINPING_SURVEY_KEY": "bench-survey-" + os.urandom(24).hex(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "MINPING_DATA_DIR": str(tmp),
        }
    )
    env = dict(os.environ)
    n, c, rng = args.invitations, args.concurrency, random.Random(args.seed)

    print(f"preparing {url.rsplit('/', 1)[1]}: migrate, {EXAMPLE.name}, {n} invitations …")
    recreate_database(url)
    load_example(env)
    setup_django()
    prepared = open_collection_and_issue(n)
    rng.shuffle(prepared.tokens)

    port = args.port or free_port()
    server = start_gunicorn(args, env, port, tmp)
    client = Client(port)
    tally = Tally()
    healthz, form_get, ballot_post, retry = (Phase(x) for x in ("healthz", "GET", "POST", "retry"))
    forms: dict[str, Form] = {}
    pair: dict[str, float] = {}
    comments = 0

    def get_healthz() -> float | None:
        reply = client.request("GET", "/healthz")
        if reply.status != 200 or reply.body != "ok":
            tally.error(f"/healthz → {reply.status}")
            return None
        return reply.seconds

    def get_form(token: str, comment: bool) -> Callable[[], float | None]:
        def job() -> float | None:
            try:
                reply = client.request("GET", f"/s/i/{token}/")
                if reply.status != 200:
                    raise ValueError(f"status {reply.status}")
                forms[token] = read_form(reply, random.Random(token), comment)
            except (ValueError, KeyError, OSError, http.client.HTTPException) as error:
                tally.error(f"GET form: {error}")
                return None
            pair[token] = reply.seconds
            return reply.seconds

        return job

    def post_form(token: str, phase_pair: bool = True) -> Callable[[], float | None]:
        def job() -> float | None:
            form = forms.get(token)
            if form is None:
                return None  # its GET failed and was counted
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": form.cookie,
            }
            try:
                reply = client.request("POST", form.action, form.body, headers)
            except (OSError, http.client.HTTPException) as error:
                tally.error(f"POST: {error}")
                return None
            if reply.status != 302 or reply.headers.get("Location") != "/s/thanks/":
                tally.error(
                    f"POST → {reply.status} {reply.headers.get('Location')} {reply.body[:200]}"
                )
                return None
            if phase_pair:
                pair[token] += reply.seconds
            return reply.seconds

        return job

    def used_link(token: str) -> Callable[[], float | None]:
        def job() -> float | None:
            reply = client.request("GET", f"/s/i/{token}/")
            if reply.status != 409:
                tally.error(f"GET of a used invitation → {reply.status}")
                return None
            return reply.seconds

        return job

    # Warm every worker thread up (imports, URL resolver, templates) outside the figures.
    with ThreadPoolExecutor(c) as pool:
        for path in ("/healthz", "/s/i/warm-up-not-a-token/") * (4 * args.workers * args.threads):
            pool.submit(client.request, "GET", path)
    size = -(-n // args.slices)
    total = 3 * n + 2 * args.retries
    print(
        f"gunicorn: {args.workers} workers × {args.threads} threads (gthread), "
        f"CONN_MAX_AGE={args.conn_max_age}; client: {c} connections; {args.slices} slices"
    )
    try:
        with (
            ThreadPoolExecutor(c) as pool,
            tqdm(total=total, unit="req", dynamic_ncols=True, mininterval=1) as bar,
        ):
            for start in range(0, n, size):
                chunk = prepared.tokens[start : start + size]
                bar.set_description("A /healthz")
                run_phase(pool, healthz, [get_healthz] * len(chunk), server, bar)
                bar.set_description("B GET form")
                jobs = []
                for i, token in enumerate(chunk, start):
                    with_comment = i % COMMENT_EVERY == 0
                    comments += with_comment
                    jobs.append(get_form(token, with_comment))
                run_phase(pool, form_get, jobs, server, bar)
                bar.set_description("B POST ballot")
                run_phase(pool, ballot_post, [post_form(t) for t in chunk], server, bar)
            sample = rng.sample(prepared.tokens, args.retries)
            bar.set_description("retries")
            run_phase(pool, retry, [post_form(t, phase_pair=False) for t in sample], server, bar)
            run_phase(pool, retry, [used_link(t) for t in sample], server, bar)
    finally:
        server.terminate()
        server.wait(timeout=30)

    pairs = Phase("GET+POST", latencies=[pair[t] for t in prepared.tokens if t in forms])
    pairs.wall = form_get.wall + ballot_post.wall
    print()
    print(
        f"N={n}  C={c}  W={args.workers}×{args.threads}  slices={args.slices}  "
        f"client reconnects={client.reconnects}"
    )
    print(
        f"{'phase':<10} {'requests':>8} {'wall s':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'server CPU ms/req':>17} {'machine CPU ms/req':>18} {'client CPU %':>12}"
    )
    for phase in (healthz, form_get, ballot_post, pairs):
        count = len(phase.latencies)
        server_ms = f"{1000 * phase.server_cpu / count:.1f}" if phase.server_cpu and count else "—"
        client_pct = f"{100 * phase.client_cpu / phase.wall:.0f}" if phase.client_cpu else "—"
        machine = phase.machine_cpu
        machine_ms = f"{1000 * machine / count:.1f}" if machine and count else "—"
        print(
            f"{phase.name:<10} {count:>8} {phase.wall:>7.2f} {phase.rate:>8.1f} "
            f"{phase.percentile(50):>7.1f} {phase.percentile(99):>7.1f} "
            f"{server_ms:>17} {machine_ms:>18} {client_pct:>12}"
        )
    print(
        f"ratio POST ballots/s ÷ /healthz req/s = {ballot_post.rate / healthz.rate:.2f}; "
        f"GET+POST ballots/s ÷ /healthz req/s = {pairs.rate / healthz.rate:.2f}"
    )
    print(f"retries: {args.retries} re-posts of sent forms and {args.retries} reopened links")
    for error in tally.errors[:10]:
        print(f"  error: {error}")

    print("database check:")
    failed = verify(prepared, comments, tally)
    get_queries, post_queries = count_queries()
    print(f"SQL queries (Django test client): form GET {len(get_queries)}, ballot POST", end=" ")
    print(len(post_queries))
    if args.show_queries:
        for query in [*get_queries, *post_queries]:
            print(f"  {query['sql'][:160]}")
    if not args.no_pgbench:
        sql_floor(url, post_queries, tmp, c, healthz, args.conn_max_age == 0)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(url)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("OK: every ballot stored exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
