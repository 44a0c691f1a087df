"""Real app servers for the deployment tests (issue 14): gunicorn as ``deploy/`` runs it.

Each server is ``gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:PORT`` on a free
loopback port, in a process group of its own (so that a test can SIGKILL it with its
workers), on the test run's own PostgreSQL database and, where asked, on the running Redis
with a database number and a key prefix of its own. Only PostgreSQL: the servers and the
test process must see one database, which pytest's SQLite database (often in memory) is not.

The client keeps cookies like a browser and reads forms the way ``bench/ballots_http.py``
does: hidden fields, the first choice of every radio group.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Far from 0 (a default install's own cache) and from numbers a developer picks first.
REDIS_DB = 13

INPUT_TAG = re.compile(r"<input\b[^>]*>")
FORM_TAG = re.compile(r"<form\b[^>]*>")
ATTRIBUTE = re.compile(r'([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?')


def skip_reason() -> str:
    """Why these tests cannot run here, or ''."""
    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL (DATABASE_URL=postgres://…): the app servers are separate "
            "processes and must share the test database, which SQLite in memory cannot"
        )
    if not GUNICORN.exists():
        return f"gunicorn is not installed beside {sys.executable}"
    return ""


def redis_available() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_url() -> str:
    """The URL of the database this test process uses (its xdist worker's own)."""
    s = connection.settings_dict
    user = urllib.parse.quote(s.get("USER") or "", safe="")
    password = urllib.parse.quote(s.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{s['NAME']}"


def server_env(data_dir: Path, *, redis_prefix: str = "", **extra: str) -> dict[str, str]:
    """The environment of an app server: the test database, development keys, a data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="minping.settings",
        MINPING_ENV="development",
        DATABASE_URL=database_url(),
        MINPING_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        MINPING_WEB_WORKERS="1",
        MINPING_WEB_THREADS="4",
        MINPING_LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    if redis_prefix:
        env["REDIS_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
        env["MINPING_CACHE_PREFIX"] = redis_prefix
    env.update(extra)
    return env


def new_redis_prefix() -> str:
    return f"minping-test-{uuid.uuid4().hex[:12]}"


def drop_redis_keys(prefix: str) -> None:
    """Remove what the servers wrote under ``prefix`` (and nothing else)."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def redis_keys(prefix: str) -> list[bytes]:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        return list(client.scan_iter(match=f"{prefix}:*", count=500))
    finally:
        client.close()


class AppServer:
    """One app server, as ``minping-web@PORT.service`` starts it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> AppServer:
        self.port = free_port()
        command = [
            str(GUNICORN),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                if self.request("GET", "/healthz", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn not ready in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read().decode())
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a power cut or the OOM killer would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reap_group()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._reap_group()

    def _reap_group(self) -> None:
        """Workers outliving their master would keep answering and hold connections."""
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookies(self) -> dict[str, str]:
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


@dataclass
class Browser:
    """Cookies kept across servers, as one browser behind a load balancer has them."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        server: AppServer,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        reply = server.request(method, path, body, sent)
        self.cookies.update(reply.cookies())
        return reply

    def get(self, server: AppServer, path: str) -> Reply:
        return self.request(server, "GET", path)

    def post(self, server: AppServer, path: str, fields: list[tuple[str, str]]) -> Reply:
        return self.request(server, "POST", path, fields)


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]]


def read_form(page: str, marker: str = 'name="csrfmiddlewaretoken"') -> Form:
    """The first form holding ``marker``: its hidden fields and the first choice of each radio
    group (the top level of every indicator)."""
    chunk = next((part for part in page.split("</form>") if marker in part), "")
    tag = FORM_TAG.search(chunk)
    if tag is None:
        raise AssertionError(f"no form with {marker} on the page:\n{page[:2000]}")
    attributes = dict(ATTRIBUTE.findall(tag.group()[len("<form") :]))
    fields: list[tuple[str, str]] = []
    radios: set[str] = set()
    for input_tag in INPUT_TAG.findall(chunk[tag.start() :]):
        found: dict[str, Any] = {
            k: html.unescape(v) for k, v in ATTRIBUTE.findall(input_tag[len("<input") :])
        }
        kind, name = found.get("type", "text"), found.get("name", "")
        if kind == "hidden":
            fields.append((name, found.get("value", "")))
        elif kind == "radio" and name not in radios:
            fields.append((name, found.get("value", "")))
            radios.add(name)
    return Form(html.unescape(attributes.get("action", "")), fields)
