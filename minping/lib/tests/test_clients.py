"""The client's address through trusted proxies, and the signed device cookie."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from minping.lib.clients import (
    DEVICE_COOKIE,
    client_address,
    device_id,
    device_subject,
    remember_device,
)

PROXY = "10.0.0.2"


def address(forwarded: str | None, proxies: int, remote: str = PROXY) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(MINPING_TRUSTED_PROXIES=proxies):
        return client_address(request)


class ClientAddressTest(SimpleTestCase):
    def test_without_a_trusted_proxy_the_header_is_ignored(self) -> None:
        self.assertEqual(address("198.51.100.7", 0), PROXY)
        self.assertEqual(address(None, 0), PROXY)

    def test_the_nth_entry_from_the_right_with_n_trusted_proxies(self) -> None:
        # nginx appends the address it saw; what the client wrote itself stays on the left.
        self.assertEqual(address("198.51.100.7", 1), "198.51.100.7")
        self.assertEqual(address("6.6.6.6, 198.51.100.7", 1), "198.51.100.7")
        # Two proxies: the outer one appended the client, the inner one the outer proxy.
        self.assertEqual(address("6.6.6.6, 198.51.100.7, 10.0.0.9", 2), "198.51.100.7")

    def test_a_client_cannot_choose_its_address_by_writing_the_header(self) -> None:
        # The forged part lies left of what the trusted proxy wrote and is never read.
        self.assertEqual(address("not an address, 198.51.100.7", 1), "198.51.100.7")
        self.assertEqual(address("1.1.1.1, 2.2.2.2, 198.51.100.7", 1), "198.51.100.7")

    def test_a_malformed_or_short_header_falls_back_to_the_connection(self) -> None:
        self.assertEqual(address("", 1), PROXY)
        self.assertEqual(address(None, 1), PROXY)
        self.assertEqual(address("198.51.100.7, garbage", 1), PROXY)
        self.assertEqual(address("198.51.100.7", 2), PROXY)  # one proxy was skipped
        self.assertEqual(address("999.1.1.1", 1), PROXY)

    def test_addresses_are_written_one_way(self) -> None:
        self.assertEqual(address("2001:DB8::0:1", 1), "2001:db8::1")
        self.assertEqual(address("[2001:db8::1]:443", 1), "2001:db8::1")
        self.assertEqual(address(" 198.51.100.7:51234 ", 1), "198.51.100.7")


class DeviceCookieTest(SimpleTestCase):
    def test_a_new_browser_gets_a_signed_http_only_cookie_and_keeps_it(self) -> None:
        request = RequestFactory().get("/")
        response = remember_device(request, HttpResponse())
        cookie = response.cookies[DEVICE_COOKIE]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertFalse(cookie["secure"])
        again = RequestFactory().get("/", HTTP_COOKIE=f"{DEVICE_COOKIE}={cookie.value}")
        self.assertTrue(device_id(again))
        self.assertEqual(device_subject(again), f"device:{device_id(again)}")
        self.assertNotIn(DEVICE_COOKIE, remember_device(again, HttpResponse()).cookies)

    def test_over_https_the_cookie_is_secure(self) -> None:
        request = RequestFactory().get("/", secure=True)
        self.assertTrue(remember_device(request, HttpResponse()).cookies[DEVICE_COOKIE]["secure"])

    def test_a_forged_cookie_is_no_device_and_the_address_counts_instead(self) -> None:
        request = RequestFactory().get(
            "/", REMOTE_ADDR="203.0.113.9", HTTP_COOKIE=f"{DEVICE_COOKIE}=chosen-by-me-1234567890"
        )
        self.assertEqual(device_id(request), "")
        self.assertEqual(device_subject(request), "address:203.0.113.9")
