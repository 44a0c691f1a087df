"""do_cast_ballot and the organiser's collection actions, without pages."""

from __future__ import annotations

import datetime

from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.campaigns.models import Indicator
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import make_campaign
from minping.surveys.actions import (
    CastRefused,
    CastResult,
    Holder,
    InvitationClaim,
    do_cast_ballot,
    do_decide_quarantined,
    do_freeze_questionnaire,
    do_issue_invitations,
    do_mark_comment,
)
from minping.surveys.models import Answer, Ballot, Channel, Comment, Invitation, SubmissionKey
from minping.surveys.questionnaires import UnitResponse, settings_for
from minping.surveys.tests.helpers import all_good, issue, open_collection
from minping.surveys.tokens import code_hash, holder_key, normalise_code, token_hash
from minping.test import BaseTestCase

KEY = "a" * 32


class CastTest(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign("cast-2026", year=2026)
        self.questionnaire = open_collection(self.campaign)
        self.method = self.questionnaire.method

    def cast(self, *responses: UnitResponse, **options: object) -> CastResult:
        values: dict[str, object] = {
            "questionnaire": self.questionnaire,
            "channel": Channel.WINDOW,
            "responses": list(responses) or [all_good(self.gaj, self.questionnaire)],
            "category": "办事群众",
        }
        values.update(options)
        return do_cast_ballot(**values)  # type: ignore[arg-type]

    def test_a_ballot_its_answers_and_its_comment(self) -> None:
        result = self.cast(all_good(self.gaj, self.questionnaire, "  窗口排队太久  "))
        ballot = Ballot.objects.get()
        self.assertEqual(result.ballots, 1)
        self.assertEqual(
            (ballot.channel, ballot.category, ballot.round, ballot.questionnaire_id),
            ("window", "办事群众", 1, self.questionnaire.pk),
        )
        self.assertEqual(ballot.date, timezone.localdate())
        # Three indicators on make_campaign's questionnaire: three answers at 好.
        self.assertEqual(
            sorted(Answer.objects.values_list("indicator__code", "level__label")),
            [("fuwu", "好"), ("sanbuwei", "好"), ("sifeng", "好")],
        )
        self.assertEqual(Comment.objects.get().text, "窗口排队太久")

    def test_a_quarantined_ballot_holds_its_answers_until_accepted(self) -> None:
        self.cast(status=Ballot.Status.QUARANTINED)
        ballot = Ballot.objects.get()
        self.assertEqual(Answer.objects.count(), 0)
        self.assertEqual(ballot.held_answers, {"sifeng": "好", "sanbuwei": "好", "fuwu": "好"})
        do_decide_quarantined(self.organiser, ballot, accept=True)
        self.assertEqual(Answer.objects.count(), 3)
        ballot.refresh_from_db()
        self.assertEqual((ballot.status, ballot.held_answers), ("accepted", None))
        self.assertTrue(AuditEntry.objects.filter(action="ballot.accept").exists())

    def test_a_missing_answer_stores_nothing_and_says_which(self) -> None:
        response = UnitResponse(self.gaj, {"sifeng": "好", "fuwu": "不存在的等级"})
        with self.assertRaises(InvalidInput) as caught:
            self.cast(response, key=KEY)
        messages = [p.message for p in caught.exception.problems]
        self.assertEqual(
            messages,
            ["请为“公安局”的“三不为整治”选择一个评价。", "请为“公安局”的“服务态度”选择一个评价。"],
        )
        self.assertEqual((Ballot.objects.count(), SubmissionKey.objects.count()), (0, 0))

    def test_the_category_must_be_one_offered(self) -> None:
        with self.assertRaises(InvalidInput):
            self.cast(category="外星人")
        self.assertEqual(Ballot.objects.count(), 0)

    def test_the_same_form_key_stores_once(self) -> None:
        first = self.cast(key=KEY)
        second = self.cast(key=KEY)
        self.assertEqual((first.replayed, second.replayed), (False, True))
        self.assertEqual(Ballot.objects.count(), 1)

    def test_an_invitation_is_consumed_with_its_ballot_and_only_once(self) -> None:
        token = issue(self.method, unit=self.gaj)[0].token
        invitation = Invitation.objects.get(token_hash=token_hash(token))
        claim = InvitationClaim(invitation.pk)
        self.cast(channel=Channel.INVITATION, claims=(claim,), key="b" * 32)
        with self.assertRaises(CastRefused) as caught:
            self.cast(channel=Channel.INVITATION, claims=(claim,), key="c" * 32)
        self.assertEqual(caught.exception.reason, "used")
        self.assertEqual(Ballot.objects.count(), 1)
        # The refused attempt rolled back its form key too: a retry is not a "thank you".
        self.assertFalse(SubmissionKey.objects.filter(key="c" * 32).exists())

    def test_an_expired_invitation_is_refused(self) -> None:
        issue(self.method, days=0)
        invitation = Invitation.objects.get()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with self.assertRaises(CastRefused) as caught:
            self.cast(
                channel=Channel.INVITATION, claims=(InvitationClaim(invitation.pk),), today=tomorrow
            )
        self.assertEqual(caught.exception.reason, "expired")
        invitation.refresh_from_db()
        self.assertFalse(invitation.used)

    def test_closed_collection_and_channels_not_offered_are_refused(self) -> None:
        settings = settings_for(self.method)
        settings.channels = ["invitation"]
        settings.save()
        with self.assertRaises(CastRefused) as caught:
            self.cast()
        self.assertEqual(caught.exception.reason, "channel")
        settings.channels, settings.closed = ["window"], True
        settings.save()
        with self.assertRaises(CastRefused) as caught:
            self.cast()
        self.assertEqual(caught.exception.reason, "closed")
        settings.closed = False
        settings.closes = timezone.localdate() - datetime.timedelta(days=1)
        settings.save()
        with self.assertRaises(CastRefused):
            self.cast()
        self.assertEqual(Ballot.objects.count(), 0)

    def test_the_current_round_is_recorded(self) -> None:
        settings = settings_for(self.method)
        settings.rounds, settings.current_round = 2, 2
        settings.save()
        self.cast()
        self.assertEqual(Ballot.objects.get().round, 2)

    def test_several_units_picked_give_one_ballot_each(self) -> None:
        self.cast(all_good(self.gaj, self.questionnaire), all_good(self.water, self.questionnaire))
        self.assertEqual(
            sorted(Ballot.objects.values_list("unit__code", flat=True)), ["gaj", "water"]
        )
        self.assertEqual(Answer.objects.count(), 6)  # 2 ballots × 3 indicators


class QuestionnaireVersionTest(BaseTestCase):
    def test_a_change_makes_a_new_version_and_old_ballots_keep_theirs(self) -> None:
        campaign = make_campaign("ver-2026", year=2026)
        first = open_collection(campaign)
        self.assertEqual(do_freeze_questionnaire(self.organiser, first.method).pk, first.pk)
        do_cast_ballot(
            questionnaire=first,
            channel=Channel.WINDOW,
            responses=[all_good(self.gaj, first)],
            category="办事群众",
        )
        Indicator.objects.create(campaign=campaign, order=9, code="lianjie", title="廉洁自律")
        second = do_freeze_questionnaire(self.organiser, first.method)
        self.assertEqual((first.version, second.version), (1, 2))
        self.assertEqual(second.indicator_codes, ["sifeng", "sanbuwei", "fuwu", "lianjie"])
        self.assertEqual(first.indicator_codes, ["sifeng", "sanbuwei", "fuwu"])
        self.assertEqual(Ballot.objects.get().questionnaire_id, first.pk)
        self.assertEqual(AuditEntry.objects.filter(action="questionnaire.freeze").count(), 2)


class InvitationIssueTest(BaseTestCase):
    def test_one_invitation_per_person_per_campaign(self) -> None:
        campaign = make_campaign("inv-2026", year=2026)
        method = open_collection(campaign).method
        # The same deputy listed as a people's congress deputy and a CPPCC member,
        # with the identity typed differently each time.
        holders = [
            Holder("张三(人大代表)", "13800000001"),
            Holder("张三(政协委员)", " 1380000 0001 "),
            Holder("李四", "13900000002"),
        ]
        expires = timezone.localdate() + datetime.timedelta(days=10)
        first = do_issue_invitations(self.organiser, method, holders, expires=expires)
        self.assertEqual(len(first.issued), 2)
        self.assertEqual(first.issued[0].names, ("张三(人大代表)", "张三(政协委员)"))
        again = do_issue_invitations(
            self.organiser, method, [Holder("张三", "13800000001")], expires=expires
        )
        self.assertEqual((again.issued, again.already), ([], ["张三"]))
        self.assertEqual(Invitation.objects.count(), 2)
        stored = Invitation.objects.get(holder_key=holder_key("13800000001"))
        issued = first.issued[0]
        # Only hashes are kept; the plain token and code appear nowhere in the row.
        self.assertEqual(stored.token_hash, token_hash(issued.token))
        self.assertEqual(stored.code_hash, code_hash(issued.code))
        row = " ".join(
            str(v) for v in Invitation.objects.filter(pk=stored.pk).values().get().values()
        )
        self.assertNotIn(issued.token, row)
        self.assertNotIn(issued.code, row)
        self.assertNotIn("13800000001", row)
        self.assertGreaterEqual(len(issued.token), 22)  # ≥ 128 bits in base64url

    def test_a_typed_code_is_read_forgivingly(self) -> None:
        self.assertEqual(normalise_code("abcde-fghjk"), "ABCDEFGHJK")
        self.assertEqual(normalise_code("ABCDE FGHJK"), "ABCDEFGHJK")
        self.assertEqual(normalise_code("ＡＢＣＤＥ－ＦＧＨＪＫ"), "ABCDEFGHJK")  # full width
        self.assertIsNone(normalise_code("ABCDE-FGHJ0"))  # 0 is not in the alphabet
        self.assertIsNone(normalise_code("ABC"))


class CommentTest(BaseTestCase):
    def test_marking_a_comment_for_follow_up_is_audited(self) -> None:
        campaign = make_campaign("com-2026", year=2026)
        comment = Comment.objects.create(
            campaign=campaign, unit=self.gaj, date=timezone.localdate(), text="办事推诿"
        )
        do_mark_comment(self.organiser, comment, True)
        comment.refresh_from_db()
        self.assertTrue(comment.follow_up)
        entry = AuditEntry.objects.get(action="comment.mark")
        self.assertEqual(entry.detail, {"unit": "gaj", "follow_up": True})
