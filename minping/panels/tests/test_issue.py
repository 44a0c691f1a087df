"""A draw issues invitations: through the surveys action, as letters (PDF) and text messages,
and their response is counted per stratum without naming anyone."""

from __future__ import annotations

import datetime
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import segno
from django.utils import timezone
from pypdf import PdfReader

from minping.audit.models import AuditEntry
from minping.panels.actions import Letter, do_issue_from_draw
from minping.panels.letters import QR_SCALE, Letterhead, letters_pdf
from minping.panels.models import Draw, DrawMember, StratumInvitation
from minping.panels.notify import send_invitations
from minping.panels.responses import draw_response
from minping.panels.tests.helpers import collecting_campaign, draw, fill_pool, phone
from minping.surveys.actions import Holder, InvitationClaim, do_cast_ballot, do_issue_invitations
from minping.surveys.models import Channel, Invitation
from minping.surveys.questionnaires import current_questionnaire
from minping.surveys.tests.helpers import all_good
from minping.surveys.tokens import code_hash, normalise_code, token_hash
from minping.test import BaseTestCase

SITE = "https://minping.example.gov.cn"
ISSUER = "银川市纠风办"
VERIFY = "0951-6012345"


def link(token: str) -> str:
    return f"{SITE}/s/i/{token}/"


def drawn_images(page: Any) -> list[Any]:
    """The images a page actually draws (WeasyPrint may share one resource dict among pages)."""
    names = re.findall(rb"/([\w.]+) Do", page.get_contents().get_data())
    by_name = {image.name.rsplit(".", 1)[0]: image for image in page.images}
    return [by_name[name.decode()] for name in names if name.decode() in by_name]


def qr_modules(image: Any, scale: int) -> list[list[int]]:
    """Dark (1) or light (0) at the centre of each module of a QR image drawn at ``scale``."""
    grey = image.convert("L")
    size = grey.width // scale
    return [
        [
            int(grey.getpixel((x * scale + scale // 2, y * scale + scale // 2)) < 128)
            for x in range(size)
        ]
        for y in range(size)
    ]


def expected_modules(url: str) -> list[list[int]]:
    return [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=2)]


class IssueTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.dir = Path(folder.name)
        self.campaign, self.method = collecting_campaign()
        people = [
            (phone(1), "张三", "办事群众", "公安局"),
            (phone(2), "", "办事群众", "公安局"),  # no name given
            (phone(3), "李四", "企业办事人员", "水务集团"),
            (phone(4), "", "两代表一委员", ""),  # rates units of their choice
        ]
        self.pool = fill_pool(self.dir, self.campaign, people)
        self.draw = draw(self.method, self.pool, per_stratum=1)
        self.expires = timezone.localdate() + datetime.timedelta(days=30)

    def issue(self, **options: Any) -> Any:
        options.setdefault("issuer", ISSUER)
        options.setdefault("verify_phone", VERIFY)
        return do_issue_from_draw(self.organiser, self.draw, expires=self.expires, **options)

    def test_each_person_drawn_gets_one_invitation_of_their_stratum(self) -> None:
        # Three strata (公安局 · 办事群众 holds two people), one person drawn from each.
        self.assertEqual(self.draw.sample_size, 3)
        outcome = self.issue()
        self.assertEqual(len(outcome.letters), 3)
        self.assertEqual(Invitation.objects.filter(campaign=self.campaign).count(), 3)
        for link_row in StratumInvitation.objects.select_related("invitation", "stratum"):
            invitation, stratum = link_row.invitation, link_row.stratum
            self.assertEqual(invitation.unit_id, stratum.unit_id)
            self.assertEqual(invitation.category, stratum.category)
            self.assertEqual(invitation.expires, self.expires)
        self.assertIsNone(Invitation.objects.get(category="两代表一委员").unit)
        self.assertFalse(DrawMember.objects.filter(reserve=False, invited=False).exists())
        entry = AuditEntry.objects.get(action="draw.issue")
        self.assertEqual((entry.detail["invitations"], entry.detail["issuer"]), (3, ISSUER))
        # Issuing went through the one home for issuing: its own audit entry, one a stratum.
        self.assertEqual(AuditEntry.objects.filter(action="invitation.issue").count(), 3)

    def test_someone_already_invited_in_the_campaign_is_not_invited_again(self) -> None:
        # the deputy was invited by hand before (the invite page, identity = phone).
        do_issue_invitations(
            self.organiser, self.method, [Holder("", phone(4))], expires=self.expires
        )
        outcome = self.issue()
        self.assertEqual(len(outcome.letters), 2)
        self.assertEqual(outcome.batch.already, 1)
        self.assertEqual(Invitation.objects.filter(campaign=self.campaign).count(), 3)

    def test_the_letters_read_back(self) -> None:
        outcome = self.issue()
        for paper in ("A4", "A5"):
            with self.subTest(paper=paper):
                pdf = letters_pdf(
                    self.method,
                    outcome.letters,
                    Letterhead(ISSUER, VERIFY, paper),
                    link=link,
                    code_url=f"{SITE}/s/code/",
                )
                reader = PdfReader(io.BytesIO(pdf))
                self.assertEqual(len(reader.pages), len(outcome.letters), "one page a letter")
                seen_codes = set()
                for page, letter in zip(reader.pages, outcome.letters, strict=True):
                    text = page.extract_text()
                    # Chinese text as printed: the campaign, who asks, whom to call, the date.
                    self.assertIn(self.campaign.title, text)
                    self.assertIn("问卷调查邀请函", text)
                    self.assertIn(f"请拨打 {VERIFY} 向{ISSUER}核实", text)
                    self.assertIn(f"请在 {self.expires.year}年{self.expires.month}月", text)
                    # A name only where the pool gave one; never a number.
                    if letter.names:
                        self.assertIn(f"尊敬的{letter.names[0]}:", text)
                    else:
                        self.assertIn("您好:", text)
                        self.assertNotIn("尊敬的", text)
                    for name in ("张三", "李四"):
                        if name not in letter.names:
                            self.assertNotIn(name, text)
                    self.assertNotIn(letter.phone, text.replace("\n", ""))
                    # The short code printed opens this very invitation.
                    code = re.search(r"[2-9A-Z]{5}-[2-9A-Z]{5}", text)
                    assert code is not None
                    stored = normalise_code(code.group())
                    assert stored is not None
                    invitation = Invitation.objects.get(code_hash=code_hash(stored))
                    self.assertEqual(invitation.token_hash, token_hash(letter.token))
                    seen_codes.add(stored)
                    # One QR code on the page, and it holds the link printed under it.
                    images = drawn_images(page)
                    self.assertEqual(len(images), 1)
                    self.assertEqual(
                        qr_modules(images[0].image, QR_SCALE), expected_modules(link(letter.token))
                    )
                    self.assertIn(link(letter.token), text.replace("\n", ""))
                self.assertEqual(len(seen_codes), len(outcome.letters))

    def test_text_messages_go_through_the_sms_backend(self) -> None:
        outbox = self.dir / "outbox.jsonl"
        outcome = self.issue(letters=False, sms=True)
        with self.settings(MINPING_SMS_OUTBOX=str(outbox)):
            failed = send_invitations(
                self.method,
                outcome.letters,
                Letterhead(ISSUER, VERIFY, "A4"),
                link=link,
                code_url=f"{SITE}/s/code/",
            )
        self.assertEqual(failed, [])
        sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
        self.assertEqual(
            sorted(m["phone"] for m in sent), sorted(item.phone for item in outcome.letters)
        )
        for message in sent:
            letter = next(item for item in outcome.letters if item.phone == message["phone"])
            self.assertIn(link(letter.token), message["text"])
            self.assertIn(VERIFY, message["text"])
            self.assertIn(f"【{ISSUER}】", message["text"])

    def test_a_gateway_that_fails_leaves_the_letters_to_print(self) -> None:
        outcome = self.issue(letters=False, sms=True)
        with self.settings(MINPING_SMS_BACKEND="minping.panels.tests.test_issue.BrokenGateway"):
            failed = send_invitations(
                self.method,
                outcome.letters,
                Letterhead(ISSUER, VERIFY, "A4"),
                link=link,
                code_url="",
            )
        self.assertEqual(len(failed), 3)

    def test_nothing_to_send_and_bad_letterheads_are_refused(self) -> None:
        from minping.lib.errors import InvalidInput

        for options in (
            {"letters": False, "sms": False},
            {"issuer": ""},
            {"verify_phone": "请打电话"},
        ):
            with self.subTest(options=options), self.assertRaises(InvalidInput):
                self.issue(**options)
        self.assertFalse(Invitation.objects.exists())
        self.issue()
        with self.assertRaises(InvalidInput):
            self.issue()  # the sample has had its invitations


class BrokenGateway:
    def send(self, phone: str, text: str) -> None:
        from minping.surveys.sms import SmsFailed

        raise SmsFailed("gateway down")


class ResponseTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.campaign, self.method = collecting_campaign()
        people = [(phone(i), "", "办事群众", "公安局" if i < 10 else "水务集团") for i in range(20)]
        self.pool = fill_pool(Path(folder.name), self.campaign, people)
        self.draw = draw(self.method, self.pool, per_stratum=4, reserve_percent=50, target=6)
        self.expires = timezone.localdate() + datetime.timedelta(days=30)

    def answer(self, letter: Letter) -> None:
        """The respondent opens the letter's link and answers (as views.invitation does)."""
        invitation = Invitation.objects.select_related("unit").get(
            token_hash=token_hash(letter.token)
        )
        questionnaire = current_questionnaire(self.method)
        assert questionnaire is not None and invitation.unit is not None
        do_cast_ballot(
            questionnaire=questionnaire,
            channel=Channel.INVITATION,
            responses=[all_good(invitation.unit, questionnaire)],
            category=invitation.category,
            claims=[InvitationClaim(invitation.pk)],
        )

    def test_response_per_stratum_and_the_reserve(self) -> None:
        outcome = do_issue_from_draw(
            self.organiser, self.draw, expires=self.expires, issuer=ISSUER, verify_phone=VERIFY
        )
        gaj_letters = [item for item in outcome.letters if item.unit == "公安局"]
        water_letters = [item for item in outcome.letters if item.unit == "水务集团"]
        for letter in gaj_letters[:3] + water_letters[:1]:
            self.answer(letter)
        response = draw_response(self.draw)
        rows = {r.stratum.unit.name: r for r in response.strata if r.stratum.unit}
        # 公安局: 3 of 4 answered (75.0 %); 水务集团: 1 of 4 (25.0 %); 4 of 8 in all (50.0 %).
        self.assertEqual(
            (rows["公安局"].issued, rows["公安局"].used, str(rows["公安局"].rate)), (4, 3, "75.0")
        )
        self.assertEqual(
            (rows["水务集团"].issued, rows["水务集团"].used, str(rows["水务集团"].rate)),
            (4, 1, "25.0"),
        )
        self.assertEqual((response.issued, response.used, str(response.rate)), (8, 4, "50.0"))
        # Target 不少于 6 份: 4 answered, 2 short.
        self.assertEqual(response.short, 2)
        # The water company's non-response is made up from its reserve (2 of ceil(4 × 50%) = 2).
        water = rows["水务集团"].stratum
        more = do_issue_from_draw(
            self.organiser,
            self.draw,
            expires=self.expires,
            issuer=ISSUER,
            verify_phone=VERIFY,
            reserve={water.pk: 5},
        )
        self.assertEqual(len(more.letters), 2)  # only 2 in reserve
        self.assertTrue(more.batch.reserve)
        response = draw_response(self.draw)
        water_row = next(r for r in response.strata if r.stratum.pk == water.pk)
        self.assertEqual(
            (water_row.issued, water_row.reserve_issued, water_row.reserve_left), (6, 2, 0)
        )
        # Reserve people are invited in the order drawn.
        invited_reserve = list(
            DrawMember.objects.filter(stratum=water, reserve=True)
            .order_by("position")
            .values_list("invited", flat=True)
        )
        self.assertEqual(invited_reserve, [True, True])

    def test_nothing_ties_a_pool_row_to_a_ballot(self) -> None:
        from minping.surveys.models import Answer, Ballot

        for model in (Ballot, Answer, Invitation):
            related = {f.related_model for f in model._meta.get_fields() if f.is_relation}
            self.assertFalse(
                {m for m in related if m and m._meta.app_label == "panels"} - {StratumInvitation},
                model,
            )
        # The link from a draw to its invitations goes through the stratum, never a person.
        fields = {f.name for f in StratumInvitation._meta.get_fields()}
        self.assertEqual(fields, {"invitation", "stratum", "reserve"})
        self.assertFalse(
            any(f.related_model is Draw for f in Invitation._meta.get_fields() if f.is_relation)
        )
