"""Every role against every view: a view without a stated rule fails here.

The URL names come from the URL configuration itself, so a new view is
tested as soon as it is routed; the expectations come from each app's
``tests/access_table.py`` (see ``matrix.py``), never from the view's own
decorator, so a wrong decorator is caught too.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from minping.orgs.access import ACCESS_ATTRIBUTE
from minping.orgs.tests.matrix import ROLES, Expect, World

# Django's admin checks is_staff itself; it is tested separately below.
SKIPPED_NAMESPACES = {"admin"}


def routed_views(
    resolvers: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, Any]]:
    """(name, callback) for every named URL, namespaces included."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routed_views(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def access_tables() -> list[Any]:
    """The ``tests.access_table`` module of every minping app that has one."""
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("minping."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.tests.access_table"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.tests.access_table":
                raise
    return modules


def refused(response: HttpResponse) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(settings.LOGIN_URL)


class AccessMatrixTest(TestCase):
    world: World
    expectations: list[Expect]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = World.create()
        cls.expectations = []
        for table in access_tables():
            if hasattr(table, "build"):
                table.build(cls.world)
            cls.expectations.extend(table.EXPECT)

    def test_every_routed_view_has_an_expectation(self) -> None:
        stated = {expect.name for expect in self.expectations}
        missing = sorted(name for name, _ in routed_views() if name not in stated)
        self.assertEqual(missing, [], "views with no row in any tests/access_table.py")

    def test_every_view_declares_its_access(self) -> None:
        undeclared = sorted(
            name
            for name, callback in routed_views()
            if not hasattr(callback, ACCESS_ATTRIBUTE) and not _is_api(callback)
        )
        self.assertEqual(undeclared, [], "views without @require(...) or @public")

    def test_no_expectation_for_a_view_that_does_not_exist(self) -> None:
        routed = {name for name, _ in routed_views()}
        stale = sorted({e.name for e in self.expectations} - routed)
        self.assertEqual(stale, [])

    def test_every_role_against_every_view(self) -> None:
        wrong = []
        for expect in self.expectations:
            for role in ROLES:
                allowed = not refused(self.request(expect, role))
                if allowed != (role in expect.allow):
                    verdict = "allowed" if allowed else "refused"
                    wrong.append(f"{expect.method.upper()} {expect.name} as {role}: {verdict}")
        self.assertEqual(wrong, [])

    def request(self, expect: Expect, role: str) -> HttpResponse:
        client = Client()
        if role != "anonymous":
            client.force_login(self.world.users[role])
        kwargs = expect.kwargs(self.world) if expect.kwargs else {}
        url = reverse(expect.name, kwargs=kwargs) + (f"?{expect.query}" if expect.query else "")
        data = expect.data(self.world) if expect.data else {}
        send = getattr(client, expect.method)
        if expect.content_type:
            return send(url, data, content_type=expect.content_type)
        response: HttpResponse = send(url, data)
        return response


def _is_api(callback: Any) -> bool:
    """django-ninja routes carry their own authentication; their table rows still apply."""
    target = getattr(callback, "func", callback)  # ninja routes some views through partial()
    owner = getattr(target, "__self__", None)
    module = type(owner).__module__ if owner is not None else getattr(target, "__module__", "")
    return str(module).startswith("ninja")


class AdminTest(TestCase):
    def test_admin_is_for_staff_only(self) -> None:
        world = World.create()
        for role, expected in [("anonymous", 302), ("liaison", 302), ("organiser", 200)]:
            client = Client()
            if role != "anonymous":
                client.force_login(world.users[role])
            self.assertEqual(client.get("/admin/").status_code, expected, role)
