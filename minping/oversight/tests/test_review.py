"""The deduction and veto workflow (R-21, R-22): proposed → signed off → accepted | rejected."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, DeductionRule, VetoRule
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import make_campaign
from minping.orgs.models import Membership, Role
from minping.oversight.actions import (
    NotAllowed,
    do_accept,
    do_propose_deduction,
    do_propose_veto,
    do_reject,
    do_restore_eligibility,
    do_sign_off,
    do_withdraw_eligibility,
)
from minping.oversight.models import Deduction, Review
from minping.scoring.tallies import load_results
from minping.test import BaseTestCase

DAY = datetime.date(2018, 5, 2)


class ReviewTestCase(BaseTestCase):
    campaign: Campaign
    rule: DeductionRule
    veto_rule: VetoRule
    reporter: User
    editor: User
    other_head: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.campaign = make_campaign()
        cls.rule = DeductionRule.objects.get(campaign=cls.campaign, code="no_interview")
        cls.veto_rule = VetoRule.objects.get(campaign=cls.campaign, code="case_filed")
        cls.reporter = User.objects.create_user("reporter")
        cls.editor = User.objects.create_user("editor")
        cls.other_head = User.objects.create_user("other-head")
        Membership.objects.create(user=cls.reporter, role=Role.SOURCE_MEMBER, source_code="media")
        Membership.objects.create(user=cls.editor, role=Role.SOURCE_HEAD, source_code="media")
        Membership.objects.create(user=cls.other_head, role=Role.SOURCE_HEAD, source_code="jw")

    def propose(self, count: int = 3) -> Deduction:
        return do_propose_deduction(
            campaign=self.campaign,
            unit=self.gaj,
            rule=self.rule,
            date=DAY,
            count=count,
            evidence="采访记录",
            document_number="银媒函〔2018〕3号",
            actor=self.reporter,
        )

    def media_deduction(self) -> str:
        gaj = next(u for u in load_results(self.campaign).units if u.unit == "gaj")
        return str(gaj.deductions["media"])

    def test_whole_path_and_only_accepted_counts(self) -> None:
        deduction = self.propose()
        self.assertEqual(deduction.status, Review.PROPOSED)
        self.assertEqual(self.media_deduction(), "0")
        do_sign_off(deduction, actor=self.editor)
        self.assertEqual(self.media_deduction(), "0")  # signed, not yet accepted
        line = next(
            u for u in load_results(self.campaign).units if u.unit == "gaj"
        ).deduction_lines[0]
        self.assertEqual(line.reason, "已签字,待组织单位审核")
        do_accept(deduction, actor=self.organiser, reason="证据充分")
        # 3 events × 0.1 points = 0.3
        self.assertEqual(self.media_deduction(), "3/10")
        deduction.refresh_from_db()
        self.assertEqual(
            (deduction.signed_off_by, deduction.decided_by, deduction.reason),
            (self.editor, self.organiser, "证据充分"),
        )
        actions = list(AuditEntry.objects.values_list("action", flat=True))
        self.assertEqual(actions, ["deduction.propose", "deduction.sign_off", "deduction.accept"])
        self.assertEqual(verify(), [])

    def test_only_the_sources_people_propose(self) -> None:
        for outsider in (self.liaison, self.other_head, self.outsider):
            with self.assertRaisesMessage(NotAllowed, "只有减分提出单位“媒体”的工作人员可以提出"):
                do_propose_deduction(
                    campaign=self.campaign, unit=self.gaj, rule=self.rule, date=DAY, actor=outsider
                )
        self.assertEqual(Deduction.objects.count(), 0)

    def test_only_the_head_signs_off(self) -> None:
        deduction = self.propose()
        for not_head in (self.reporter, self.other_head, self.organiser):
            with self.assertRaisesMessage(NotAllowed, "负责人可以签字"):
                do_sign_off(deduction, actor=not_head)
        deduction.refresh_from_db()
        self.assertEqual(deduction.status, Review.PROPOSED)

    def test_organiser_cannot_accept_before_sign_off(self) -> None:
        deduction = self.propose()
        with self.assertRaisesMessage(NotAllowed, "还没有经提出单位负责人签字"):
            do_accept(deduction, actor=self.organiser)

    def test_only_the_organiser_accepts(self) -> None:
        deduction = self.propose()
        do_sign_off(deduction, actor=self.editor)
        for not_organiser in (self.editor, self.leader, self.liaison):
            with self.assertRaisesMessage(NotAllowed, "只有组织单位可以审核减分"):
                do_accept(deduction, actor=not_organiser)

    def test_rejection_needs_a_reason_and_is_final(self) -> None:
        deduction = self.propose()
        do_sign_off(deduction, actor=self.editor)
        with self.assertRaisesMessage(InvalidInput, "有 1 处错误"):
            do_reject(deduction, actor=self.organiser, reason="  ")
        do_reject(deduction, actor=self.organiser, reason="采访日期与记录不符")
        deduction.refresh_from_db()
        self.assertEqual(
            (deduction.status, deduction.reason), (Review.REJECTED, "采访日期与记录不符")
        )
        with self.assertRaisesMessage(NotAllowed, "未采纳,不能再审核"):
            do_accept(deduction, actor=self.organiser)
        with self.assertRaisesMessage(NotAllowed, "不能再签字"):
            do_sign_off(deduction, actor=self.editor)
        self.assertEqual(self.media_deduction(), "0")

    def test_head_may_decline_to_sign(self) -> None:
        deduction = self.propose()
        do_reject(deduction, actor=self.editor, reason="证据不足")
        deduction.refresh_from_db()
        self.assertEqual(deduction.status, Review.REJECTED)

    def test_accepted_veto_makes_the_unit_unsatisfactory(self) -> None:
        veto = do_propose_veto(
            campaign=self.campaign,
            unit=self.gaj,
            rule=self.veto_rule,
            date=DAY,
            source_code="media",
            evidence="纪委通报",
            actor=self.reporter,
        )

        def vetoed() -> bool:
            return next(u for u in load_results(self.campaign).units if u.unit == "gaj").vetoed

        self.assertFalse(vetoed())
        do_sign_off(veto, actor=self.editor)
        self.assertFalse(vetoed())
        do_accept(veto, actor=self.organiser)
        self.assertTrue(vetoed())

    def test_organisers_veto_skips_sign_off(self) -> None:
        veto = do_propose_veto(
            campaign=self.campaign,
            unit=self.gaj,
            rule=self.veto_rule,
            date=DAY,
            source_code="",
            actor=self.organiser,
        )
        self.assertEqual(veto.status, Review.SIGNED_OFF)
        with self.assertRaisesMessage(NotAllowed, "请选择提出单位"):
            do_propose_veto(
                campaign=self.campaign,
                unit=self.gaj,
                rule=self.veto_rule,
                date=DAY,
                source_code="",
                actor=self.reporter,
            )

    def test_eligibility_withdrawn_and_restored(self) -> None:
        with self.assertRaises(InvalidInput):
            do_withdraw_eligibility(self.campaign, self.gaj, reason="", actor=self.organiser)
        item = do_withdraw_eligibility(
            self.campaign, self.gaj, reason="组织拉票", actor=self.organiser
        )
        with self.assertRaisesMessage(NotAllowed, "已被取消评优资格"):
            do_withdraw_eligibility(self.campaign, self.gaj, reason="再次", actor=self.organiser)
        do_restore_eligibility(item, reason="核实有误", actor=self.organiser)
        self.assertEqual(
            list(AuditEntry.objects.values_list("action", flat=True)),
            ["eligibility.withdraw", "eligibility.restore"],
        )
