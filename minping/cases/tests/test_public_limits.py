"""The public progress check behind a reverse proxy: limits per case and per device."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from minping.cases.tests.helpers import register
from minping.test import BaseTestCase

PROXY = "10.0.0.2"


def citizen(n: int) -> Client:
    """Citizen ``n``'s own browser, reaching the server through the proxy."""
    browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
    browser.get(reverse("cases:check"))  # sets the device cookie
    return browser


@override_settings(MINPING_TRUSTED_PROXIES=1)
class CheckBehindProxyTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.url = reverse("cases:check")

    def test_typos_of_many_citizens_behind_one_proxy_do_not_close_the_page(self) -> None:
        # Before: 10 wrong lookups per address, the proxy's, closed the check for the city.
        for n in range(12):
            case = register(self.gaj)
            typo = citizen(n).post(self.url, {"number": case.number, "code": "000000x"})
            self.assertEqual(typo.status_code, 404, n)
        mine = register(self.water)
        page = citizen(20).post(self.url, {"number": mine.number, "code": mine.check_code})
        self.assertContains(page, "已登记")

    def test_wrong_codes_against_one_case_lock_that_case_whoever_guesses(self) -> None:
        case, other = register(self.gaj), register(self.water)
        for n in range(5):
            guess = citizen(n).post(self.url, {"number": case.number, "code": "000000x"})
            self.assertEqual(guess.status_code, 404)
        # Locked for everyone, even with the right code from a browser that never guessed.
        right = citizen(9).post(self.url, {"number": case.number, "code": case.check_code})
        self.assertContains(right, "查询次数过多", status_code=429)
        # Another case stays open, even to the guessers.
        page = citizen(0).post(self.url, {"number": other.number, "code": other.check_code})
        self.assertContains(page, "已登记")

    def test_wrong_codes_from_one_device_lock_that_device_not_the_next(self) -> None:
        cases = [register(self.gaj) for _ in range(3)]
        guesser = citizen(1)
        for n in range(10):  # spread over three cases: each stays below its own limit of 5
            target = cases[n % 3]
            guess = guesser.post(self.url, {"number": target.number, "code": f"wrong-{n}"})
            self.assertEqual(guess.status_code, 404)
        mine = register(self.water)
        stopped = guesser.post(self.url, {"number": mine.number, "code": mine.check_code})
        self.assertContains(stopped, "查询次数过多", status_code=429)
        # A second phone on the guesser's own Wi-Fi (same client address) is not stopped.
        neighbour = citizen(1)
        page = neighbour.post(self.url, {"number": mine.number, "code": mine.check_code})
        self.assertContains(page, "已登记")
