"""Rate limits behind a reverse proxy and a hall's Wi-Fi: per device, not per address.

Every citizen here reaches the server through one proxy (REMOTE_ADDR ``PROXY``), which
appends the citizen's own address to X-Forwarded-For; each has their own browser
(a Django test client keeps its own cookies, so its own device cookie).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from minping.lib.clients import DEVICE_COOKIE
from minping.lib.tests.import_fixtures import make_campaign
from minping.settings import rate_limits
from minping.surveys import limits
from minping.surveys.models import Ballot, Channel
from minping.surveys.tests.helpers import form_for, open_collection, window_link
from minping.surveys.tests.test_online import last_code
from minping.test import BaseTestCase

PROXY = "10.0.0.2"
LEVELS = ["好", "较好", "一般", "较差", "差"]


def citizen(n: int, *, proxies: bool = True) -> Client:
    """Citizen ``n``'s browser: behind the proxy with their own address, or on the hall's Wi-Fi."""
    if proxies:
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
    return Client(REMOTE_ADDR=PROXY)


def varied_form(questionnaire: object, n: int, **extra: str) -> dict[str, str]:
    """Citizen n's honest answers: 125 different combinations of the five levels on three
    indicators, so that no two of twenty citizens give the same ones (that is the
    ``pattern`` anomaly, not what is tested here)."""
    codes = questionnaire.indicator_codes  # type: ignore[attr-defined]
    combo = list(itertools.product(LEVELS, repeat=len(codes)))[n]
    data = {f"u0-{code}": level for code, level in zip(codes, combo, strict=True)}
    data.update({"step": "answer", "category": "办事群众", "key": f"{n:032d}"})
    data.update(extra)
    return data


@override_settings(MINPING_TRUSTED_PROXIES=1)
class WindowBehindProxyTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.campaign = make_campaign("limits-2026", year=2026)
        self.questionnaire = open_collection(self.campaign)
        self.link = window_link(self.questionnaire.method, self.gaj_window)
        self.url = reverse("surveys:window", args=[self.link.slug])

    def test_twenty_citizens_behind_one_proxy_all_rate_the_window_within_a_minute(self) -> None:
        # Before: one rating per address per 120 s, the address being the proxy's: 1 of 20.
        for n in range(20):
            browser = citizen(n)
            self.assertContains(browser.get(self.url), "提交评价")
            posted = browser.post(self.url, varied_form(self.questionnaire, n))
            self.assertRedirects(
                posted, "/s/thanks/", fetch_redirect_response=False, msg_prefix=str(n)
            )
        self.assertEqual(Ballot.objects.filter(status=Ballot.Status.ACCEPTED).count(), 20)

    @override_settings(MINPING_TRUSTED_PROXIES=0)
    def test_twenty_citizens_on_one_wifi_all_rate_the_window(self) -> None:
        # A hall's Wi-Fi: one address, no proxy header at all. The device cookie tells them apart.
        for n in range(20):
            browser = citizen(n, proxies=False)
            browser.get(self.url)
            self.assertEqual(
                browser.post(self.url, varied_form(self.questionnaire, n)).status_code, 302
            )
        self.assertEqual(Ballot.objects.count(), 20)

    def test_one_device_twice_is_refused_when_the_page_opens(self) -> None:
        browser = citizen(1)
        browser.get(self.url)
        self.assertIn(DEVICE_COOKIE, browser.cookies)
        self.assertEqual(browser.post(self.url, form_for(self.questionnaire)).status_code, 302)
        # Opening the page again: refused at once, with no form to fill in for nothing.
        again = browser.get(self.url)
        self.assertContains(again, "您刚刚已经评价过这个窗口,谢谢。", status_code=429)
        self.assertContains(again, "2 分钟后可以再评价", status_code=429)  # window_interval 120 s
        self.assertNotContains(again, "提交评价", status_code=429)
        # A form kept open in another tab and sent now is refused too, and stores nothing.
        other_tab = browser.post(self.url, form_for(self.questionnaire, key="t" * 32))
        self.assertContains(other_tab, "您刚刚已经评价过", status_code=429)
        self.assertEqual(Ballot.objects.count(), 1)
        # The citizen next to them, same address, own phone: not affected.
        neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
        self.assertContains(neighbour.get(self.url), "提交评价")

    @override_settings(MINPING_TRUSTED_PROXIES=0)
    def test_a_spoofed_forwarded_for_does_not_evade_the_limit(self) -> None:
        # Without a trusted proxy X-Forwarded-For is the client's own word and is ignored; a
        # script that keeps no cookie is counted by its address, whatever header it sends.
        first = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
        self.assertEqual(first.post(self.url, form_for(self.questionnaire)).status_code, 302)
        for n in range(2, 5):
            spoofed = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
            posted = spoofed.post(self.url, form_for(self.questionnaire, key=f"{n}" * 32))
            self.assertContains(posted, "您刚刚已经评价过", status_code=429)
        # A forged device cookie is no device either.
        forged = Client(REMOTE_ADDR="203.0.113.9")
        forged.cookies[DEVICE_COOKIE] = "made-up-device-id-000000"
        posted = forged.post(self.url, form_for(self.questionnaire, key="f" * 32))
        self.assertEqual(posted.status_code, 429)
        self.assertEqual(Ballot.objects.count(), 1)

    @override_settings(MINPING_RATE_LIMITS={"window": (3, 60)})
    def test_all_devices_together_meet_the_window_ceiling(self) -> None:
        # Fresh cookies for every ballot (a script) get past 一次一评, not past the ceiling:
        # 3 a minute here, so the 4th is refused with the answers kept for a later send.
        for n in range(3):
            browser = citizen(n)
            browser.get(self.url)
            self.assertEqual(
                browser.post(self.url, varied_form(self.questionnaire, n)).status_code, 302
            )
        browser = citizen(3)
        browser.get(self.url)
        refused = browser.post(self.url, varied_form(self.questionnaire, 3))
        self.assertContains(refused, "评价的人较多", status_code=429)
        self.assertContains(refused, 'value="较差" checked', status_code=429)
        self.assertEqual(Ballot.objects.count(), 3)


@override_settings(MINPING_TRUSTED_PROXIES=1)
class CodeEntryBehindProxyTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.url = reverse("surveys:code")

    def test_ten_wrong_codes_lock_that_device_not_the_next_one_behind_the_proxy(self) -> None:
        # Before: ten wrong codes per address, the proxy's, locked code entry for the city.
        guesser = citizen(1)
        guesser.get(self.url)
        for letter in "23456789AB":
            wrong = guesser.post(self.url, {"code": f"ABCDEFGH{letter}K"})
            self.assertContains(wrong, "没有找到这个邀请码", status_code=400)
        locked = guesser.post(self.url, {"code": "ABCDEFGHJK"})
        self.assertContains(locked, "次数太多", status_code=429)
        # Another phone behind the same proxy, even on the guesser's own Wi-Fi address.
        neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
        neighbour.get(self.url)
        self.assertContains(
            neighbour.post(self.url, {"code": "ABCDEFGHJK"}), "没有找到", status_code=400
        )

    @override_settings(MINPING_RATE_LIMITS={"code-address": (15, 900)})
    def test_one_address_still_meets_a_ceiling(self) -> None:
        # A script taking a fresh cookie for every guess: 15 wrong codes from its address, then no
        # more from there, whatever cookie it shows.
        for _ in range(15):
            browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
            browser.get(self.url)
            self.assertEqual(browser.post(self.url, {"code": "ABCDEFGHJK"}).status_code, 400)
        browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
        browser.get(self.url)
        self.assertEqual(browser.post(self.url, {"code": "ABCDEFGHJK"}).status_code, 429)


@override_settings(MINPING_TRUSTED_PROXIES=1)
class OnlineBehindProxyTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.campaign = make_campaign("online-limits-2026", year=2026)
        self.questionnaire = open_collection(self.campaign, channels=[Channel.ONLINE])
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.outbox = Path(folder.name) / "outbox.jsonl"
        outbox = override_settings(MINPING_SMS_OUTBOX=str(self.outbox))
        outbox.enable()
        self.addCleanup(outbox.disable)
        self.url = f"/s/o/{self.campaign.code}/third_party/{self.gaj.code}/"

    def verify(self, browser: Client, phone: str) -> None:
        browser.get(self.url)
        self.assertEqual(browser.post(self.url, {"step": "send", "phone": phone}).status_code, 200)
        code = last_code(self.outbox)
        verified = browser.post(self.url, {"step": "verify", "phone": phone, "code": code})
        self.assertEqual(verified.status_code, 302)

    def test_twenty_five_citizens_behind_one_proxy_all_rate_and_none_is_held(self) -> None:
        # Before: 20 SMS per address an hour (the 21st citizen got no code) and more than 10
        # ballots from one address held as an anomaly: 10 counted, the rest held or refused.
        for n in range(25):
            browser = citizen(n)
            self.verify(browser, f"1390000{n:04d}")
            posted = browser.post(self.url, varied_form(self.questionnaire, n))
            self.assertEqual(posted.status_code, 302, n)
        statuses = list(Ballot.objects.values_list("status", flat=True))
        self.assertEqual(statuses, [Ballot.Status.ACCEPTED] * 25)

    @override_settings(MINPING_ANOMALY_LIMITS={"device": (2, 3600)})
    def test_many_ballots_from_one_device_are_held_not_its_neighbours(self) -> None:
        # One phone verifying number after number: its third ballot is held (reason "device");
        # the neighbour behind the same address is not.
        browser = citizen(1)
        for n in range(3):
            browser.cookies.pop("minping_phone", None)
            self.verify(browser, f"1370000{n:04d}")
            browser.post(self.url, varied_form(self.questionnaire, n))
        neighbour = citizen(2)
        self.verify(neighbour, "13700009999")
        neighbour.post(self.url, varied_form(self.questionnaire, 9))
        held = list(Ballot.objects.exclude(status=Ballot.Status.ACCEPTED))
        self.assertEqual([(b.status, b.hold_reason) for b in held], [("quarantined", "device")])
        self.assertEqual(Ballot.objects.filter(status=Ballot.Status.ACCEPTED).count(), 3)

    def test_sms_sends_are_limited_per_device_not_per_address(self) -> None:
        # One device: 5 codes an hour whatever the number; the next device is not affected.
        browser = citizen(1)
        browser.get(self.url)
        for n in range(5):
            sent = browser.post(self.url, {"step": "send", "phone": f"1380000000{n}"})
            self.assertEqual(sent.status_code, 200, n)
        sixth = browser.post(self.url, {"step": "send", "phone": "13800000009"})
        self.assertContains(sixth, "次数太多", status_code=429)
        neighbour = citizen(1)  # the same client address: a second phone on one Wi-Fi
        neighbour.get(self.url)
        self.assertEqual(
            neighbour.post(self.url, {"step": "send", "phone": "13600000000"}).status_code, 200
        )

    def test_wrong_sms_codes_lock_the_code_whichever_devices_guess(self) -> None:
        # Five wrong tries against one number's code, each from another device and address:
        # the code is locked, even for its owner with the right digits.
        owner = citizen(0)
        owner.get(self.url)
        owner.post(self.url, {"step": "send", "phone": "13500000000"})
        code = last_code(self.outbox)
        wrong = "000000" if code != "000000" else "111111"
        for n in range(1, 6):
            guesser = citizen(n)
            guesser.post(self.url, {"step": "verify", "phone": "13500000000", "code": wrong})
        right = owner.post(self.url, {"step": "verify", "phone": "13500000000", "code": code})
        self.assertContains(right, "输错次数太多", status_code=429)

    @override_settings(MINPING_RATE_LIMITS={"sms-wrong-device": (3, 3600)})
    def test_wrong_sms_codes_on_one_device_stop_that_device(self) -> None:
        # A device guessing the codes of several numbers (each code allows 5 tries) stops
        # after 3 wrong ones in all; a neighbour's right code still works.
        neighbour = citizen(2)
        neighbour.get(self.url)
        neighbour.post(self.url, {"step": "send", "phone": "13500000009"})
        neighbours_code = last_code(self.outbox)
        guesser = citizen(1)
        guesser.get(self.url)
        for n in range(3):
            guesser.post(self.url, {"step": "send", "phone": f"1350000000{n}"})
            wrong = "000000" if last_code(self.outbox) != "000000" else "111111"
            guesser.post(self.url, {"step": "verify", "phone": f"1350000000{n}", "code": wrong})
        stopped = guesser.post(
            self.url, {"step": "verify", "phone": "13500000009", "code": neighbours_code}
        )
        self.assertContains(stopped, "输错次数太多", status_code=429)
        verified = neighbour.post(
            self.url, {"step": "verify", "phone": "13500000009", "code": neighbours_code}
        )
        self.assertEqual(verified.status_code, 302)


class ConfiguredLimitsTest(BaseTestCase):
    def test_the_environment_form_is_read_and_a_misspelt_name_stops_start_up(self) -> None:
        self.assertEqual(
            rate_limits(" window=60/60, code-address=500/900 "),
            {"window": (60, 60), "code-address": (500, 900)},
        )
        with self.assertRaises(ValueError):
            rate_limits("window=60")
        with override_settings(MINPING_RATE_LIMITS={"window": (60, 60)}):
            self.assertEqual(limits.limit("window"), (60, 60))
            self.assertEqual(limits.unknown_limits(), [])
        with override_settings(MINPING_RATE_LIMITS={"windows": (60, 60)}):
            (error,) = limits.unknown_limits()
            self.assertEqual(error.id, "minping.E020")
            self.assertIn("windows", error.msg)
