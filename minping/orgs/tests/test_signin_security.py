"""Lockout after repeated failed sign-ins (django-axes), and sessions that expire."""

from __future__ import annotations

import datetime
from typing import Any

import pyotp
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

from minping.orgs.actions import do_begin_totp, do_confirm_totp
from minping.test import BaseTestCase


class LockoutTestCase(BaseTestCase):
    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_locked_after_repeated_failures_even_with_the_right_password(self) -> None:
        wrong = {"username": "liaison", "password": "wrong"}
        for _ in range(2):
            response = self.client.post("/login/", wrong)
            self.assertContains(response, "用户名或密码不正确")
        locked = self.client.post("/login/", wrong)
        self.assertEqual(locked.status_code, 429)
        right = self.client.post("/login/", {"username": "liaison", "password": "password-liaison"})
        self.assertEqual(right.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_other_accounts_are_not_locked(self) -> None:
        for _ in range(3):
            self.client.post("/login/", {"username": "liaison", "password": "wrong"})
        response = self.client.post(
            "/login/", {"username": "leader", "password": "password-leader"}
        )
        self.assertEqual(response.status_code, 302)


class SecondFactorLockoutTestCase(BaseTestCase):
    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_wrong_codes_after_the_right_password_lock_the_account_too(self) -> None:
        device = do_begin_totp(self.organiser, actor=self.organiser)
        do_confirm_totp(device, pyotp.TOTP(device.secret).now(), actor=self.organiser)
        device.refresh_from_db()
        right_code = pyotp.TOTP(device.secret).at(timezone.now() + datetime.timedelta(seconds=30))
        wrong_code = "000000" if right_code != "000000" else "111111"
        login = {"username": "organiser", "password": "password-organiser"}
        # Leaving the code out is the normal first step, not a failure.
        for _ in range(3):
            self.assertContains(self.client.post("/login/", login), "此账号已启用动态口令")
        for _ in range(2):
            guessed = self.client.post("/login/", {**login, "otp": wrong_code})
            self.assertContains(guessed, "动态口令不正确")
        self.assertEqual(self.client.post("/login/", {**login, "otp": wrong_code}).status_code, 429)
        # Locked: even the right code does not get in now.
        self.assertEqual(self.client.post("/login/", {**login, "otp": right_code}).status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)


PROXY = "10.0.0.2"


def through_proxy(client_address: str) -> Client:
    """A browser at ``client_address`` reaching the server through the reverse proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@override_settings(AXES_FAILURE_LIMIT=3, MINPING_TRUSTED_PROXIES=1)
class LockoutBehindProxyTestCase(BaseTestCase):
    wrong = {"username": "organiser", "password": "wrong"}
    right = {"username": "organiser", "password": "password-organiser"}

    def test_an_attacker_locks_the_organiser_out_only_where_the_attacker_is(self) -> None:
        # Before: every sign-in came from the proxy's address, so three wrong passwords from
        # anywhere locked the organiser out everywhere.
        attacker = through_proxy("203.0.113.66")
        for _ in range(3):
            attacker.post("/login/", self.wrong)
        self.assertEqual(attacker.post("/login/", self.right).status_code, 429)
        office = through_proxy("198.51.100.20")
        self.assertEqual(office.post("/login/", self.right).status_code, 302)
        attempt = AccessAttempt.objects.get()
        self.assertEqual((attempt.username, attempt.ip_address), ("organiser", "203.0.113.66"))

    @override_settings(MINPING_TRUSTED_PROXIES=0)
    def test_a_forged_forwarded_for_does_not_escape_the_lockout(self) -> None:
        # No trusted proxy: the header is the client's own word, and a new one each time
        # changes nothing; the lockout keys on the connection's address.
        for n in range(3):
            Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
                "/login/", self.wrong
            )
        fresh = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.99")
        self.assertEqual(fresh.post("/login/", self.right).status_code, 429)


@override_settings(AXES_FAILURE_LIMIT=3)
class PasswordChangeLockoutTestCase(BaseTestCase):
    def change(self, old: str) -> Any:
        new = "Ningxia-window-2026"
        form = {"old_password": old, "new_password1": new, "new_password2": new}
        return self.client.post("/console/password/", form)

    def test_wrong_old_passwords_count_towards_the_lockout(self) -> None:
        # Someone at a signed-in desk guessing the password to take the account over: before,
        # /console/password/ let them guess without limit.
        self.client.force_login(self.liaison)
        for _ in range(2):
            self.assertContains(self.change("guess"), "旧密码不正确")
        self.assertEqual(self.change("guess").status_code, 429)
        # Locked: the right old password changes nothing now, and signing in is refused too.
        self.assertEqual(self.change("password-liaison").status_code, 429)
        self.assertTrue(User.objects.get(pk=self.liaison.pk).check_password("password-liaison"))
        self.client.logout()
        login = {"username": "liaison", "password": "password-liaison"}
        self.assertEqual(self.client.post("/login/", login).status_code, 429)


class SessionExpiryTestCase(BaseTestCase):
    def sign_in(self) -> Session:
        self.client.post("/login/", {"username": "leader", "password": "password-leader"})
        return Session.objects.get(session_key=self.client.session.session_key)

    def test_idle_session_expires(self) -> None:
        session = self.sign_in()
        self.assertEqual(self.client.get("/console/").status_code, 200)
        session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
        session.save()
        response = self.client.get("/console/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(settings.LOGIN_URL))

    def test_activity_keeps_the_session_alive(self) -> None:
        session = self.sign_in()
        session.expire_date = timezone.now() + datetime.timedelta(minutes=1)
        session.save()
        self.client.get("/console/")
        renewed = Session.objects.get(session_key=session.session_key).expire_date
        # Saved on every request: the idle limit starts again from now.
        expected = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        self.assertLess(abs((renewed - expected).total_seconds()), 60)
