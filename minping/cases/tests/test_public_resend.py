"""The public report form sent twice: a weak connection must not register a problem twice."""

from __future__ import annotations

import re
from unittest import mock

from django.core.cache import cache
from django.urls import reverse

from minping.cases.models import Case
from minping.cases.public_views import _receipt_key
from minping.test import BaseTestCase


class ResentReportTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.url = reverse("cases:report")

    def form_key(self) -> str:
        page = self.client.get(self.url).content.decode()
        found = re.search(r'name="retry_key" value="([^"]+)"', page)
        assert found is not None, "the form carries no key"
        return found.group(1)

    def send(self, key: str) -> str:
        data = {"unit": self.gaj.pk, "summary": "办事要跑好几趟", "retry_key": key}
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    @staticmethod
    def receipt(page: str) -> tuple[str, str]:
        number, code = re.findall(r"<dd><strong>([^<]+)</strong></dd>", page)
        return number, code

    def test_the_same_form_sent_again_shows_the_first_receipt(self) -> None:
        key = self.form_key()
        first = self.receipt(self.send(key))
        again = self.receipt(self.send(key))
        self.assertEqual(again, first)
        self.assertEqual(Case.objects.count(), 1)
        self.assertEqual(Case.objects.get().number, first[0])

    def test_the_cache_never_holds_a_usable_check_code(self) -> None:
        key = self.form_key()
        number, code = self.receipt(self.send(key))
        stored = cache.get(_receipt_key(key))
        self.assertEqual(stored["number"], number)  # kept under the key's digest
        self.assertNotIn(code, repr(stored))
        self.assertNotIn(key, repr(stored))
        self.assertEqual(self.receipt(self.send(key)), (number, code))

    def test_two_forms_are_two_problems(self) -> None:
        first = self.receipt(self.send(self.form_key()))
        second = self.receipt(self.send(self.form_key()))
        self.assertNotEqual(first[0], second[0])
        self.assertEqual(Case.objects.count(), 2)

    def test_a_second_tap_while_the_first_is_registering_registers_nothing(self) -> None:
        key = self.form_key()
        real = cache.add
        seen: list[str] = []

        def add(cache_key: str, value: object, timeout: int) -> bool:
            # The first sending has claimed the key and is still registering.
            if cache_key.startswith("case-receipt:") and not seen:
                seen.append(cache_key)
                real(cache_key, "registering", 60)
                return False
            return real(cache_key, value, timeout)

        with mock.patch.object(cache, "add", side_effect=add):
            response = self.client.post(
                self.url, {"unit": self.gaj.pk, "summary": "x", "retry_key": key}
            )
        self.assertContains(response, "不会重复登记", status_code=409)
        self.assertFalse(Case.objects.exists())

    def test_a_key_the_site_did_not_make_is_ignored_not_an_error(self) -> None:
        for key in ("", "<script>", "x" * 300):
            with self.subTest(key=key):
                self.receipt(self.send(key))
        self.assertEqual(Case.objects.count(), 3)
