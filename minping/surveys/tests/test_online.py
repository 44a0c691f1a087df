"""The open online channel (R-14): SMS code, one ballot per phone per unit, anomaly holds."""

from __future__ import annotations

import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from minping.audit.models import AuditEntry
from minping.lib.tests.import_fixtures import make_campaign
from minping.scoring.tallies import read_tallies
from minping.surveys import phones, sms
from minping.surveys.actions import CastRefused, PhoneClaim, do_cast_ballot
from minping.surveys.models import Answer, Ballot, Channel, RatedPhone
from minping.surveys.tests.helpers import all_good, form_for, open_collection
from minping.test import BaseTestCase

PHONE = "13912345678"


def last_code(outbox: Path) -> str:
    """The 6-digit code in the console backend's last message."""
    line = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])
    return "".join(ch for ch in line["text"] if ch.isdigit())[:6]


class OnlineTestBase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.campaign = make_campaign("online-2026", year=2026)
        channels = [Channel.ONLINE, Channel.INTERVIEWER]
        self.questionnaire = open_collection(self.campaign, channels=channels)
        self.folder = tempfile.TemporaryDirectory()
        self.outbox = Path(self.folder.name) / "outbox.jsonl"
        patcher = override_settings(MINPING_SMS_OUTBOX=str(self.outbox))
        patcher.enable()
        self.addCleanup(patcher.disable)
        self.addCleanup(self.folder.cleanup)
        self.url = f"/s/o/{self.campaign.code}/third_party/{self.gaj.code}/"

    def verify(self, phone: str = PHONE) -> None:
        response = self.client.post(self.url, {"step": "send", "phone": phone})
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            self.url, {"step": "verify", "phone": phone, "code": last_code(self.outbox)}
        )
        self.assertEqual(response.status_code, 302)


class PhoneVerificationTest(OnlineTestBase):
    def test_the_whole_way_and_a_second_ballot_for_the_unit_refused(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "获取验证码")
        self.assertContains(page, "手机号码")
        response = self.client.post(self.url, {"step": "send", "phone": "+86 139-1234-5678"})
        self.assertContains(response, "139****5678")
        self.assertIn(PHONE, self.outbox.read_text(encoding="utf-8"))
        wrong = "000000" if last_code(self.outbox) != "000000" else "111111"
        response = self.client.post(self.url, {"step": "verify", "phone": PHONE, "code": wrong})
        self.assertContains(response, "还可以再试 4 次", status_code=400)
        response = self.client.post(
            self.url, {"step": "verify", "phone": PHONE, "code": last_code(self.outbox)}
        )
        self.assertEqual(response.status_code, 302)
        self.assertContains(self.client.get(self.url), "提交评价")
        response = self.client.post(self.url, form_for(self.questionnaire))
        self.assertRedirects(response, "/s/thanks/", fetch_redirect_response=False)
        ballot = Ballot.objects.get()
        self.assertEqual(
            (ballot.channel, ballot.status, ballot.unit), ("online", "accepted", self.gaj)
        )
        claim = RatedPhone.objects.get()
        # Only the keyed hash: no digits of the number anywhere in the row.
        self.assertEqual(claim.phone_key, phones.phone_key(PHONE))
        self.assertNotIn("5678", claim.phone_key)
        again = self.client.get(self.url)
        self.assertContains(again, "已经评价过", status_code=409)
        self.assertEqual(Ballot.objects.count(), 1)

    def test_a_bad_number_is_explained(self) -> None:
        response = self.client.post(self.url, {"step": "send", "phone": "12345"})
        self.assertContains(response, "11 位手机号码", status_code=400)
        self.assertFalse(self.outbox.exists())

    def test_no_code_waiting_is_expired(self) -> None:
        response = self.client.post(self.url, {"step": "verify", "phone": PHONE, "code": "123456"})
        self.assertContains(response, "验证码已过期", status_code=410)

    def test_a_code_expires_after_ten_minutes(self) -> None:
        self.client.post(self.url, {"step": "send", "phone": PHONE})
        code = last_code(self.outbox)
        later = time.time() + 10 * 60 + 1
        with mock.patch("minping.surveys.phones.time.time", return_value=later):
            response = self.client.post(self.url, {"step": "verify", "phone": PHONE, "code": code})
        self.assertEqual(response.status_code, 410)

    def test_five_wrong_tries_lock_the_code(self) -> None:
        self.client.post(self.url, {"step": "send", "phone": PHONE})
        code = last_code(self.outbox)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            self.client.post(self.url, {"step": "verify", "phone": PHONE, "code": wrong})
        # The sixth try is refused even with the right code.
        response = self.client.post(self.url, {"step": "verify", "phone": PHONE, "code": code})
        self.assertContains(response, "输错次数太多", status_code=429)

    def test_sending_is_limited_per_phone_and_per_device(self) -> None:
        self.client.get(self.url)  # sets the device cookie
        self.client.post(self.url, {"step": "send", "phone": PHONE})
        response = self.client.post(self.url, {"step": "send", "phone": PHONE})
        self.assertContains(response, "1 分钟后", status_code=429)
        # The device cookie (set on the first page) allows 5 sends an hour whatever the number.
        for n in range(4):
            response = self.client.post(self.url, {"step": "send", "phone": f"1380000000{n}"})
            self.assertEqual(response.status_code, 200, n)
        response = self.client.post(self.url, {"step": "send", "phone": "13800000009"})
        self.assertContains(response, "次数太多", status_code=429)

    def test_without_verification_no_questionnaire_and_no_ballot(self) -> None:
        response = self.client.post(self.url, form_for(self.questionnaire))
        self.assertContains(response, "获取验证码", status_code=400)
        self.assertEqual(Ballot.objects.count(), 0)

    def test_picking_units_when_the_link_names_none(self) -> None:
        self.url = f"/s/o/{self.campaign.code}/third_party/"
        self.verify()
        self.assertContains(self.client.get(self.url), "评议单位")
        data = form_for(self.questionnaire)
        data["unit"] = self.gaj.code
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ballot.objects.get().unit, self.gaj)

    def test_channel_not_offered(self) -> None:
        open_collection(self.campaign, channels=[Channel.WINDOW])
        self.assertEqual(self.client.get(self.url).status_code, 403)


class PhoneClaimTest(OnlineTestBase):
    def test_the_unique_constraint_refuses_a_second_ballot_and_rolls_it_back(self) -> None:
        claim = PhoneClaim(self.campaign.pk, (self.gaj.pk,), phones.phone_key(PHONE))
        values: dict[str, Any] = {
            "questionnaire": self.questionnaire,
            "channel": Channel.ONLINE,
            "responses": [all_good(self.gaj, self.questionnaire)],
            "category": "办事群众",
            "claims": (claim,),
        }
        do_cast_ballot(**values, key="a" * 32)
        with self.assertRaises(CastRefused) as refused:
            do_cast_ballot(**values, key="b" * 32)
        self.assertEqual(refused.exception.reason, "rated")
        self.assertEqual(Ballot.objects.count(), 1)
        # Another unit is a new claim.
        other = PhoneClaim(self.campaign.pk, (self.water.pk,), phones.phone_key(PHONE))
        values["responses"] = [all_good(self.water, self.questionnaire)]
        do_cast_ballot(**{**values, "claims": (other,)}, key="c" * 32)
        self.assertEqual(RatedPhone.objects.count(), 2)


class HttpGatewayTest(BaseTestCase):
    @override_settings(
        MINPING_SMS_URL="https://sms.example.test/send",
        MINPING_SMS_TEMPLATE='{{"to": "{phone}", "msg": "{text}"}}',
        MINPING_SMS_CONTENT_TYPE="application/json",
        MINPING_SMS_OK='"ok"',
    )
    def test_the_template_is_filled_and_the_answer_checked(self) -> None:
        sent: list[urllib.request.Request] = []
        gateway = sms.HttpGatewayBackend()

        def answer(request: urllib.request.Request) -> tuple[int, str]:
            sent.append(request)
            return 200, '{"status": "ok"}'

        with mock.patch.object(gateway, "transport", answer):
            gateway.send(PHONE, "验证码 123456")
        body = json.loads(sent[0].data or b"")  # type: ignore[arg-type]
        self.assertEqual(body, {"to": PHONE, "msg": "验证码 123456"})
        self.assertEqual(sent[0].full_url, "https://sms.example.test/send")
        for status, text in [(200, '{"status": "fail"}'), (500, "")]:
            with (
                mock.patch.object(gateway, "transport", lambda r, a=(status, text): a),
                self.assertRaises(sms.SmsFailed),
            ):
                gateway.send(PHONE, "x")

    @override_settings(
        MINPING_SMS_URL="", MINPING_SMS_BACKEND="minping.surveys.sms.HttpGatewayBackend"
    )
    def test_a_failed_gateway_gives_a_clear_page(self) -> None:
        campaign = make_campaign("gw-2026", year=2026)
        open_collection(campaign, channels=[Channel.ONLINE])
        url = f"/s/o/{campaign.code}/third_party/{self.gaj.code}/"
        response = self.client.post(url, {"step": "send", "phone": PHONE})
        self.assertContains(response, "短信发送失败", status_code=503)


@override_settings(MINPING_ANOMALY_LIMITS={"burst": (2, 600)})
class AnomalyTest(OnlineTestBase):
    def test_a_burst_is_held_and_the_review_decides_what_counts(self) -> None:
        # A burst limit of 2 per 10 minutes for a unit: ballots 1 and 2 count, 3 and 4 are held.
        for n in range(4):
            self.client.cookies.clear()
            self.verify(f"1370000000{n}")
            data = form_for(self.questionnaire, key=f"{n}" * 32)
            self.assertEqual(self.client.post(self.url, data).status_code, 302)
        held = list(Ballot.objects.filter(status=Ballot.Status.QUARANTINED))
        self.assertEqual(len(held), 2)
        self.assertEqual({b.hold_reason for b in held}, {"burst"})
        self.assertEqual(Answer.objects.filter(ballot__in=held).count(), 0)

        def counted() -> int:
            return sum(
                c.count for c in read_tallies(self.campaign).ballots if c.unit == self.gaj.code
            )

        self.assertEqual(counted(), 2)
        self.client.force_login(self.organiser)
        page = self.client.get(f"/s/manage/{self.campaign.code}/quarantine/")
        self.assertContains(page, "短时间内同一单位答卷激增", count=2)
        accept, reject = held
        self.client.post(f"/s/ballot/{accept.pk}/decide/", {"decision": "accept"})
        self.client.post(f"/s/ballot/{reject.pk}/decide/", {"decision": "reject"})
        # 2 accepted at once + 1 released = 3; the rejected one never counts.
        self.assertEqual(counted(), 3)
        self.assertEqual(Ballot.objects.get(pk=reject.pk).status, "rejected")
        self.assertEqual(Answer.objects.filter(ballot=reject).count(), 0)
        # Three indicators on make_campaign's questionnaire: 3 ballots x 3 = 9 answers.
        self.assertEqual(Answer.objects.filter(unit=self.gaj).count(), 9)
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        self.assertTrue({"ballot.accept", "ballot.reject"} <= actions)
        again = self.client.post(f"/s/ballot/{reject.pk}/decide/", {"decision": "accept"})
        self.assertContains(again, "不在待复核状态", status_code=400)

    @override_settings(MINPING_ANOMALY_LIMITS={"pattern": (1, 600)})
    def test_identical_answers_repeated_are_held(self) -> None:
        for n in range(2):
            self.client.cookies.clear()
            self.verify(f"1360000000{n}")
            self.client.post(self.url, form_for(self.questionnaire, key=f"{n}" * 32))
        reasons = list(Ballot.objects.values_list("status", "hold_reason"))
        self.assertEqual(sorted(reasons), [("accepted", ""), ("quarantined", "pattern")])
