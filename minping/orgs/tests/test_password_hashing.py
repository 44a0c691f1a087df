"""Passwords are stored with argon2 in production, although the suite uses a fast hasher."""

from __future__ import annotations

import importlib

from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import SimpleTestCase, override_settings

production = importlib.import_module("minping.settings")


class PasswordHashingTest(SimpleTestCase):
    def test_argon2_is_the_production_hasher(self) -> None:
        # conftest.py swaps in MD5 for speed; the settings module itself must not.
        self.assertEqual(
            production.PASSWORD_HASHERS[0], "django.contrib.auth.hashers.Argon2PasswordHasher"
        )
        with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
            stored = make_password("Ningxia-window-2026")
            self.assertEqual(identify_hasher(stored).algorithm, "argon2")
            self.assertTrue(check_password("Ningxia-window-2026", stored))

    def test_the_fast_hasher_is_only_for_tests(self) -> None:
        self.assertTrue(make_password("x").startswith("md5$"))
        self.assertNotIn(
            "django.contrib.auth.hashers.MD5PasswordHasher", production.PASSWORD_HASHERS
        )
