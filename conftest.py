"""Shared pytest fixtures: test-session settings (a fast password hasher, a private data
folder) and a real browser (Debian's chromium through Playwright) for page tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.devsettings")
# Playwright's sync API runs an event loop in the test's thread; Django would then refuse
# the ORM calls a test makes between clicks, although they are plainly synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The tests run with DEBUG off, as a server does, so they need a survey key of their own
# (system check minping.E010); the commands some tests start as subprocesses inherit it.
os.environ.setdefault("MINPING_SURVEY_KEY", "tests-only-survey-key-V7qL2xR9mW4kT8nB3cH6")


def pytest_configure(config: pytest.Config) -> None:
    """pytest-django may have read the settings before this file set the key."""
    from django.conf import settings

    if not settings.MINPING_SURVEY_KEY:
        settings.MINPING_SURVEY_KEY = os.environ["MINPING_SURVEY_KEY"]


# Timing is not what property tests check: on a busy machine (CI shares its cores) a slow
# example or slow input generation must not fail a test that found no counterexample.
hypothesis_settings.register_profile(
    "minping", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("minping")

CHROMIUM = os.environ.get("MINPING_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


def _replace_settings(**values: Any) -> Callable[[], None]:
    """Change settings for the whole session; returns the undo.

    Like override_settings (receivers of setting_changed reset their caches), but on the
    settings themselves: override_settings would hide SETTINGS_MODULE, which commands that
    start a sub-process pass on.
    """
    from django.conf import settings
    from django.test.signals import setting_changed

    saved = {name: getattr(settings, name) for name in values}

    def put(new: dict[str, Any], enter: bool) -> None:
        for name, value in new.items():
            setattr(settings, name, value)
            setting_changed.send(sender=None, setting=name, value=value, enter=enter)

    put(values, True)
    return lambda: put(saved, False)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> Iterator[None]:
    """Tests create and sign in hundreds of users: MD5, not argon2 (0.1–0.5 s a hash here).

    Only under pytest; ``minping/orgs/tests/test_password_hashing.py`` keeps argon2 the
    production hasher.
    """
    undo = _replace_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    yield
    undo()


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Uploads, mail files and the SMS outbox of a test run go to its own folder (one per
    xdist worker), never to the developer's ``data/``."""
    folder = tmp_path_factory.mktemp("data")
    undo = _replace_settings(
        DATA_DIR=folder, MEDIA_ROOT=folder / "uploads", EMAIL_FILE_PATH=folder / "mail"
    )
    yield
    undo()


@pytest.fixture(scope="session", autouse=True)
def _private_cache() -> Iterator[None]:
    """Each test process its own in-memory cache, even with REDIS_URL set: every test
    clears the cache, which on a shared Redis would wipe another xdist worker's (or a
    live site's) rate-limit counters."""
    undo = _replace_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    )
    yield
    undo()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits live in the cache: one test's attempts must not count against the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless. CI sets MINPING_REQUIRE_BROWSER=1 so it is never skipped."""
    if not shutil.which(CHROMIUM):
        message = f"browser tests need {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("MINPING_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def _page(browser: Any, **options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page the size of a common phone, with touch, as most citizens will see minping."""
    yield from _page(browser, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """A page on an office computer's screen."""
    yield from _page(browser, viewport={"width": 1280, "height": 900})
