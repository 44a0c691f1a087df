"""Lockout after repeated failed sign-ins (django-axes), and sessions that expire."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

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
