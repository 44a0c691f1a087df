"""Every routed view, as every role, with hostile input: never a 500 (issue 10, item 8).

The access matrix's world and tables give the URLs and the roles; the fields come
from the pages themselves (every form, by where it posts), and each form's own
target is walked too (a case page's actions, a ledger item's update), so a new
form is fuzzed as soon as it is routed. What is sent: NUL bytes (raw and as
``%00``), long text, invalid UTF-8 escapes, huge, negative and non-numbers, in
the query string, the form body (or JSON) and every path parameter. Run on
PostgreSQL too, which refuses NUL and overflowing numbers where SQLite shrugs.

Bounded in time (marked ``slow``; about a minute per database): each URL gets
the full set from one role that may open it, a long-text query and form from
every other role that may, and one request from each role that may not (proving
only that the refusal itself does not crash). ``HEAVY`` views (PDFs, password
hashing, results) get one request per role.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse

from minping.cases.actions import do_issue_api_key
from minping.orgs.tests.matrix import ROLES, Expect, World
from minping.orgs.tests.test_access_matrix import access_tables

# Who tries each URL hardest: the first of these that may open it reaches most code.
PRIMARY_ORDER = ["organiser", "liaison", "inspector", "source_head", "interviewer", "anonymous"]
# A second or more per request (WeasyPrint, argon2, scoring): one request per role.
HEAVY = {
    "cases:card-pdf",
    "surveys:window_sheet",
    "console:compute",
    "console:password-change",
    "console:password-reset",
}

LONG = "长" * 400  # longer than any character column (the longest holds 300)
HUGE = "9" * 40  # beyond a 64-bit integer
# Names a list page may read from its query string without a form showing them.
QUERY_NAMES = {"q", "page", "state", "unit", "month", "campaign", "method", "code"}
SKIP_FIELDS = {"csrfmiddlewaretoken"}
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r'\baction="([^"]*)"', re.I)
POSTS = re.compile(r'\bmethod="post"', re.I)
FIELD_NAME = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"', re.I)


def encoded(fields: set[str], value: str) -> str:
    return urlencode(dict.fromkeys(sorted(fields), value))


def raw(fields: set[str], value: str) -> str:
    """Fields with ``value`` inserted unescaped (for escapes no encoder would write)."""
    return "&".join(f"{quote(name)}={value}" for name in sorted(fields))


def hostile(fields: set[str]) -> list[tuple[str, str]]:
    """(label, encoded fields): one hostile value in every field at once. The first is the
    one every role sends."""
    return [
        ("long", encoded(fields, LONG)),
        ("huge", encoded(fields, HUGE)),
        ("negative", encoded(fields, "-1")),
        # Invalid UTF-8, an overlong "/", and the text "%00" itself (not a NUL).
        ("bad utf-8", raw(fields, "%ff%fe%c0%af") + "&" + raw(fields, "%2500abc")),
    ]


def with_path_parameter_replaced(path: str, values: list[str]) -> Iterator[tuple[str, str]]:
    """The path with each parameter value, one at a time, replaced by hostile ones."""
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if segment not in values:
            continue
        for bad in ("-1", HUGE, "x" * 300, "%ff%fe", "%00"):
            changed = [*segments[:index], bad, *segments[index + 1 :]]
            yield f"path {segment[:10]}→{bad[:6]}", "/".join(changed)


@dataclass
class Target:
    """A URL to attack and what is known about it."""

    name: str
    path: str
    method: str
    allow: list[str]
    fields: set[str] = field(default_factory=set)
    parameters: list[str] = field(default_factory=list)
    json: bool = False


@pytest.mark.slow
class EveryViewFuzzTest(TestCase):
    world: World
    expectations: list[Expect]
    api_key: str

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = World.create()
        cls.expectations = []
        for table in access_tables():
            if hasattr(table, "build"):
                table.build(cls.world)
            cls.expectations.extend(table.EXPECT)
        cls.api_key = do_issue_api_key(source="12345", name="模糊测试", actor=None)[1]

    def setUp(self) -> None:
        self.clients: dict[str, Client] = {}
        self.failures: list[str] = []
        self.timings: dict[str, float] = {}
        self.statuses: Counter[int] = Counter()
        self.logout = reverse("logout")

    def client_for(self, role: str) -> Client:
        if role not in self.clients:
            client = Client()
            if role != "anonymous":
                client.force_login(self.world.users[role])
            self.clients[role] = client
        return self.clients[role]

    # --- what to attack ------------------------------------------------------------------------

    def targets(self) -> list[Target]:
        """Every expectation's URL, and every form target its pages show, with their fields."""
        targets: dict[tuple[str, str], Target] = {}
        for expect in self.expectations:
            kwargs = expect.kwargs(self.world) if expect.kwargs else {}
            path = reverse(expect.name, kwargs=kwargs)
            target = Target(
                expect.name,
                path,
                expect.method,
                [role for role in ROLES if role in expect.allow],
                set(QUERY_NAMES) | set(expect.data(self.world) if expect.data else ()),
                [quote(str(value), safe="") for value in kwargs.values()],
                expect.content_type == "application/json",
            )
            targets[(expect.method, path)] = target
        for target in list(targets.values()):
            if target.method != "get" or target.name in HEAVY:
                continue
            for role in target.allow[:3]:
                page = self.client_for(role).get(target.path)
                if not page.get("Content-Type", "").startswith("text/html"):
                    continue
                for attributes, inner in FORM.findall(page.content.decode(errors="replace")):
                    action = ACTION.search(attributes)
                    where = urlsplit(html.unescape(action.group(1)) if action else "").path
                    where = where or target.path
                    if not where.startswith("/"):
                        continue
                    method = "post" if POSTS.search(attributes) else "get"
                    names = set(FIELD_NAME.findall(inner)) - SKIP_FIELDS
                    found = targets.setdefault(
                        (method, where),
                        Target(f"{target.name} → {where}", where, method, [role]),
                    )
                    found.fields |= names
                    target.fields |= names
        return list(targets.values())

    def attempts(self, target: Target, full: bool) -> Iterator[tuple[str, str, str, str, str]]:
        """(label, method, path, query, body) for one role."""
        variants = hostile(target.fields)
        for label, values in variants if full else variants[:1]:
            yield f"query {label}", "get", target.path, values, ""
            yield f"form {label}", "post", target.path, values, values
            if target.json:
                body = json.dumps(dict.fromkeys(sorted(target.fields), label if full else LONG))
                yield f"json {label}", "post", target.path, "", body
        if full:
            yield "nul query", "get", target.path, raw(target.fields, "%00"), ""
            yield "nul form", "post", target.path, "", raw(target.fields, "a%00b")
            for label, path in with_path_parameter_replaced(target.path, target.parameters):
                yield label, target.method, path, "", ""

    # --- sending -------------------------------------------------------------------------------

    def send(self, role: str, target: Target, attempt: tuple[str, str, str, str, str]) -> None:
        label, method, path, query, body = attempt
        client = self.client_for(role)
        url = path + (f"?{query}" if query else "")
        headers = {"X-API-Key": self.api_key} if target.json else {}
        kind = "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
        started = time.perf_counter()
        detail = ""
        try:
            # A savepoint per request: a database error must not poison the requests after it.
            with transaction.atomic():
                if method == "get":
                    status = client.get(url, headers=headers).status_code
                else:
                    response = client.generic(
                        method.upper(), url, body, content_type=kind, headers=headers
                    )
                    status = response.status_code
        except Exception as error:  # the test client re-raises what became a 500
            status, detail = 500, f"{type(error).__name__}: {str(error)[:200]}"
        self.timings[target.name] = self.timings.get(target.name, 0.0) + (
            time.perf_counter() - started
        )
        self.statuses[status] += 1
        if status >= 500:
            self.failures.append(f"{role} {method.upper()} {url[:120]} [{label}] {detail}")
        if path == self.logout:
            self.clients.pop(role, None)  # signed out: sign in again for the next URL

    def test_no_input_anywhere_gives_a_server_error(self) -> None:
        started = time.perf_counter()
        targets = self.targets()
        for target in targets:
            cache.clear()  # rate limits would answer 429 before the view is reached
            fallback = target.allow[0] if target.allow else ""
            primary = next((r for r in PRIMARY_ORDER if r in target.allow), fallback)
            for role in ROLES:
                attempts = list(self.attempts(target, full=role == primary))
                if role not in target.allow or target.name in HEAVY:
                    # One request of the target's own method proves the refusal does not crash.
                    attempts = [a for a in attempts if a[1] == target.method][:1]
                elif role != primary:
                    attempts = attempts[:2]
                for attempt in attempts:
                    self.send(role, target, attempt)
        elapsed = time.perf_counter() - started
        slowest = sorted(self.timings.items(), key=lambda item: -item[1])[:6]
        print(
            f"fuzz walk: {len(targets)} targets, {self.statuses.total()} requests, {elapsed:.1f} s"
        )
        print(f"statuses: {sorted(self.statuses.items())}; slowest: {slowest}")
        self.assertFalse(self.failures, "server errors:\n" + "\n".join(self.failures))
