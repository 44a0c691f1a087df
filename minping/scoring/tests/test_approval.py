"""Results approved by a higher body before they stand (R-23: 上报省局审定; seed 003's county
leading group 综合考核确定): computed → submitted → approved → released → published, each
step audited and refused out of order; without ``[approval]``, computed → published as before."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from django.contrib.auth.models import User

from minping.audit.log import verify
from minping.audit.models import AuditEntry
from minping.campaigns.models import Campaign, Method, MethodScore
from minping.orgs.models import Membership, Role
from minping.scoring.actions import (
    PublishRefused,
    ResultsRefused,
    do_approve_results,
    do_compute_results,
    do_publish_results,
    do_release_results,
    do_return_results,
    do_submit_results,
)
from minping.scoring.models import ResultSnapshot
from minping.scoring.tests.db import make_campaign
from minping.test import BaseTestCase


class ApprovalTestCase(BaseTestCase):
    approver: User
    other_body: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.approver = User.objects.create_user("approver", password="password-approver")
        Membership.objects.create(user=cls.approver, role=Role.APPROVER, source_code="province")
        # An approver of another body: may approve nothing of this campaign.
        cls.other_body = User.objects.create_user("county", password="password-county")
        Membership.objects.create(user=cls.other_body, role=Role.APPROVER, source_code="county")

    def setUp(self) -> None:
        self.campaign = make_campaign(
            "xw-2010",
            groups=["agencies"],
            approval_code="province",
            approval_title="省局行评工作领导组",
        )
        # Only the imported-score method, so that gaj alone has everything it needs.
        Method.objects.filter(campaign=self.campaign, code="survey").delete()
        Method.objects.filter(campaign=self.campaign, code="online").update(weight=100)
        MethodScore.objects.create(
            campaign=self.campaign,
            method=self.campaign.methods.get(code="online"),
            unit=self.gaj,
            score=Decimal("88.5"),
        )
        self.snapshot = do_compute_results(self.campaign, actor=self.organiser)

    def state(self) -> str:
        return ResultSnapshot.objects.get(pk=self.snapshot.pk).state

    def refused(self, step: object, *fragments: str, **kwargs: object) -> None:
        before = self.state()
        with self.assertRaises(ResultsRefused) as caught:
            step(self.snapshot, **kwargs)  # type: ignore[operator]
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertEqual(self.state(), before)


class ActionsTests(ApprovalTestCase):
    def test_the_whole_way_audited_step_by_step(self) -> None:
        self.assertEqual(self.state(), "computed")
        do_submit_results(self.snapshot, actor=self.organiser)
        self.assertEqual(self.state(), "submitted")
        do_approve_results(self.snapshot, actor=self.approver)
        self.assertEqual(self.state(), "approved")
        self.assertIsNone(ResultSnapshot.released(self.campaign))
        do_release_results(self.snapshot, actor=self.organiser)
        self.assertEqual(self.state(), "released")
        self.assertEqual(ResultSnapshot.released(self.campaign), self.snapshot)
        self.assertIsNone(Campaign.objects.get().published_at)
        do_publish_results(self.snapshot, actor=self.organiser)
        self.assertEqual(self.state(), "published")
        self.assertIsNotNone(Campaign.objects.get().published_at)
        entries = list(AuditEntry.objects.filter(action__startswith="scoring.").order_by("pk"))
        self.assertEqual(
            [(e.action, e.actor_label) for e in entries],
            [
                ("scoring.compute", "organiser"),
                ("scoring.submit", "organiser"),
                ("scoring.approve", "approver"),
                ("scoring.release", "organiser"),
                ("scoring.publish", "organiser"),
            ],
        )
        self.assertEqual(entries[2].detail["body"], "province")
        self.assertEqual(verify(), [])

    def test_nothing_goes_out_before_approval(self) -> None:
        self.refused(
            do_release_results, "已计算", "须先经省局行评工作领导组审定", actor=self.organiser
        )
        self.refused(do_publish_results, "须先经省局行评工作领导组审定", actor=self.organiser)
        do_submit_results(self.snapshot, actor=self.organiser)
        self.refused(do_release_results, "已上报,待审定", actor=self.organiser)
        self.refused(do_publish_results, "已上报,待审定", actor=self.organiser)
        self.assertIsNone(ResultSnapshot.released(self.campaign))
        self.assertIsNone(Campaign.objects.get().published_at)

    def test_only_the_named_body_approves_or_returns(self) -> None:
        do_submit_results(self.snapshot, actor=self.organiser)
        for who in (self.organiser, self.leader, self.other_body):
            self.refused(do_approve_results, "只有省局行评工作领导组的审定人", actor=who)
            self.refused(do_return_results, "只有省局行评工作领导组的审定人", actor=who, reason="x")

    def test_steps_out_of_order(self) -> None:
        self.refused(do_approve_results, "已计算", "只有已上报的结果才能审定", actor=self.approver)
        do_submit_results(self.snapshot, actor=self.organiser)
        self.refused(do_submit_results, "已上报,待审定,不能再上报审定", actor=self.organiser)
        do_approve_results(self.snapshot, actor=self.approver)
        self.refused(do_approve_results, "已审定", actor=self.approver)
        self.refused(do_return_results, "已审定", actor=self.approver, reason="晚了")

    def test_returned_results_go_back_with_the_reason(self) -> None:
        do_submit_results(self.snapshot, actor=self.organiser)
        self.refused(do_return_results, "要写明理由", actor=self.approver, reason="  ")
        do_return_results(self.snapshot, actor=self.approver, reason="请核实甲市的减分")
        self.snapshot.refresh_from_db()
        self.assertEqual(
            (self.snapshot.state, self.snapshot.returned_reason), ("computed", "请核实甲市的减分")
        )
        entry = AuditEntry.objects.get(action="scoring.return")
        self.assertEqual(entry.detail["reason"], "请核实甲市的减分")
        # Submitted again, the reason is cleared.
        do_submit_results(self.snapshot, actor=self.organiser)
        self.snapshot.refresh_from_db()
        self.assertEqual(self.snapshot.returned_reason, "")

    def test_incomplete_results_are_never_submitted(self) -> None:
        MethodScore.objects.all().delete()
        incomplete = do_compute_results(self.campaign, actor=self.organiser)
        with self.assertRaisesMessage(ResultsRefused, "结果不能上报审定"):
            do_submit_results(incomplete, actor=self.organiser)

    def test_approvers_are_told_by_mail_once_submitted(self) -> None:
        self.approver.email = "approver@example.org"
        self.approver.save()
        with (
            mock.patch("minping.scoring.actions.send_mail") as send,
            self.captureOnCommitCallbacks(execute=True),
        ):
            do_submit_results(self.snapshot, actor=self.organiser)
        send.assert_called_once()
        self.assertEqual(send.call_args.args[3], ["approver@example.org"])


class WithoutApprovalTests(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign("yc-2018", groups=["agencies"])
        Method.objects.filter(campaign=self.campaign, code="survey").delete()
        Method.objects.filter(campaign=self.campaign, code="online").update(weight=100)
        MethodScore.objects.create(
            campaign=self.campaign,
            method=self.campaign.methods.get(code="online"),
            unit=self.gaj,
            score=Decimal("80"),
        )
        self.snapshot = do_compute_results(self.campaign, actor=self.organiser)

    def test_publish_straight_away_as_before(self) -> None:
        self.assertIs(PublishRefused, ResultsRefused)
        do_publish_results(self.snapshot, actor=self.organiser)
        self.assertEqual(ResultSnapshot.objects.get(pk=self.snapshot.pk).state, "published")
        self.assertEqual(ResultSnapshot.released(self.campaign), self.snapshot)

    def test_the_approval_steps_are_refused_with_the_reason(self) -> None:
        for step in (do_submit_results, do_release_results):
            with self.assertRaisesMessage(ResultsRefused, "没有规定结果须经上级审定"):
                step(self.snapshot, actor=self.organiser)


class PagesTests(ApprovalTestCase):
    def page(self, user: User) -> str:
        self.client.force_login(user)
        return self.client.get("/console/c/xw-2010/results/").content.decode()

    def test_each_role_sees_the_state_and_its_own_buttons(self) -> None:
        page = self.page(self.organiser)
        self.assertIn("上报省局行评工作领导组审定", page)
        self.assertNotIn("审定通过", page)
        self.assertNotIn("发布</button>", page)
        self.client.post(f"/console/c/xw-2010/results/{self.snapshot.pk}/submit/")
        page = self.page(self.approver)
        self.assertIn("已上报,待审定", page)
        self.assertIn("审定通过", page)
        self.assertIn("退回理由", page)
        self.assertIn("88.50", page)  # what is being approved is shown in full
        self.assertNotIn("计算结果</button>", page)
        page = self.page(self.leader)
        self.assertIn("已上报,待审定", page)
        self.assertNotIn("<button", page.split("历次计算")[1])
        self.client.force_login(self.approver)
        self.client.post(f"/console/c/xw-2010/results/{self.snapshot.pk}/approve/")
        page = self.page(self.organiser)
        self.assertIn("通报各单位</button>", page)
        # Publishing goes through a confirmation page that shows what changes.
        self.assertIn(f'results/{self.snapshot.pk}/publish/confirm/">发布</a>', page)

    def test_a_step_out_of_order_says_why_on_the_page(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            f"/console/c/xw-2010/results/{self.snapshot.pk}/release/", follow=True
        )
        self.assertContains(response, "须先经省局行评工作领导组审定")
        self.assertEqual(self.state(), "computed")

    def test_an_approver_of_another_body_does_not_see_the_campaign(self) -> None:
        do_submit_results(self.snapshot, actor=self.organiser)
        self.client.force_login(self.other_body)
        self.assertEqual(self.client.get("/console/c/xw-2010/results/").status_code, 404)
        response = self.client.post(f"/console/c/xw-2010/results/{self.snapshot.pk}/approve/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.state(), "submitted")

    def test_the_approvers_home_links_their_campaigns(self) -> None:
        self.client.force_login(self.approver)
        self.assertContains(self.client.get("/console/"), "审定结果:")
        self.client.force_login(self.other_body)
        self.assertNotContains(self.client.get("/console/"), "审定结果:")

    def test_the_liaison_sees_results_only_once_released(self) -> None:
        self.client.force_login(self.liaison)
        portal = "/console/portal/gaj/"
        self.assertContains(self.client.get(portal), "结果尚未通报本单位")
        do_submit_results(self.snapshot, actor=self.organiser)
        do_approve_results(self.snapshot, actor=self.approver)
        self.assertContains(self.client.get(portal), "结果尚未通报本单位")
        self.assertContains(self.client.get(f"{portal}c/xw-2010/"), "结果尚未通报本单位")
        do_release_results(self.snapshot, actor=self.organiser)
        page = self.client.get(portal)
        self.assertNotContains(page, "结果尚未通报本单位")
        self.assertContains(page, "88.50")
        self.assertContains(self.client.get(f"{portal}c/xw-2010/"), "88.50")
        # Released to units is not published to the public (R-37 aside, not yet published).
        self.client.logout()
        self.assertNotEqual(self.client.get("/c/xw-2010/").status_code, 200)
