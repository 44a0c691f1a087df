"""Loading the workflow keys: requirements become oversight's own rows (R-35), a method's
body and deadline and the approving body are stored, and none of it counts as a rule change
of a published campaign; a case formula does."""

from __future__ import annotations

import datetime

from django.utils import timezone

from minping.audit.models import AuditEntry
from minping.campaigns.tests.test_definition import YINCHUAN, edit
from minping.campaigns.tests.test_definition_workflow import (
    APPROVAL,
    SUBMISSIONS,
    THIRD_PARTY,
    WITH_SCHEDULE,
    with_cases,
)
from minping.campaigns.tests.test_load import load
from minping.lib.errors import InvalidInput
from minping.oversight.actions import do_set_requirement, do_submit
from minping.oversight.models import SubmissionKind, SubmissionRequirement
from minping.test import BaseTestCase

D = datetime.date


class RequirementsFromTheFileTests(BaseTestCase):
    def requirements(self) -> list[tuple[str, str, str, datetime.date, str]]:
        return [
            (r.code, r.kind, r.title, r.due, r.stage.code if r.stage else "")
            for r in SubmissionRequirement.objects.order_by("due", "code")
        ]

    def test_loading_creates_the_requirements_units_see(self) -> None:
        campaign = load(YINCHUAN + SUBMISSIONS, actor=self.organiser)
        self.assertEqual(
            self.requirements(),
            [
                ("self_report", "self_inspection", "自查自评报告", D(2018, 5, 10), ""),
                ("contact", "contact", "负责此项工作的部门和人员信息", D(2018, 6, 22), ""),
                ("duties", "duties", "工作职责和服务对象名单", D(2018, 6, 30), "mobilise"),
            ],
        )
        # The stored campaign reads back as the file said.
        self.assertEqual(
            [(s.code, s.due) for s in campaign.as_definition().submissions],
            [
                ("self_report", D(2018, 5, 10)),
                ("contact", D(2018, 6, 22)),
                ("duties", D(2018, 6, 30)),
            ],
        )
        entry = AuditEntry.objects.get(action="campaign.load")
        self.assertEqual(entry.detail["counts"]["submissions"], 3)

    def test_a_new_due_date_moves_the_row_that_holds_what_units_handed_in(self) -> None:
        campaign = load(YINCHUAN + SUBMISSIONS)
        contact = SubmissionRequirement.objects.get(code="contact")
        do_submit(contact, self.gaj, actor=self.liaison, text="办公室 李四 0951-1234567")
        load(edit(YINCHUAN + SUBMISSIONS, "due = 2018-06-22", "due = 2018-06-25"))
        contact.refresh_from_db()
        self.assertEqual(contact.due, D(2018, 6, 25))
        self.assertEqual(contact.submissions.count(), 1)
        change = AuditEntry.objects.get(action="campaign.update").detail["changes"]
        self.assertEqual(
            change["submissions"], {"changed": {"contact": {"due": ["2018-06-22", "2018-06-25"]}}}
        )
        self.assertEqual(campaign.requirements.count(), 3)

    def test_removing_a_requirement_units_answered_is_refused(self) -> None:
        load(YINCHUAN + SUBMISSIONS)
        contact = SubmissionRequirement.objects.get(code="contact")
        do_submit(contact, self.gaj, actor=self.liaison, text="办公室 李四")
        without = edit(
            YINCHUAN + SUBMISSIONS,
            '[[submissions]]\ncode = "contact"\nkind = "contact"\n'
            'title = "负责此项工作的部门和人员信息"\ndue = 2018-06-22\n',
            "",
        )
        with self.assertRaises(InvalidInput) as caught:
            load(without)
        self.assertIn(
            "删去了报送要求“contact”,但它已有数据(报送材料 1 条)", str(caught.exception.problems[0])
        )
        self.assertTrue(SubmissionRequirement.objects.filter(code="contact").exists())

    def test_removing_one_nobody_answered_deletes_it(self) -> None:
        load(YINCHUAN + SUBMISSIONS)
        load(YINCHUAN)
        self.assertEqual(self.requirements(), [])

    def test_one_added_by_hand_is_taken_over_with_what_was_handed_in(self) -> None:
        campaign = load(YINCHUAN)
        by_hand = do_set_requirement(
            campaign,
            kind=SubmissionKind.CONTACT,
            title="负责此项工作的部门和人员信息",
            due=D(2018, 6, 20),
            actor=self.organiser,
        )
        do_submit(by_hand, self.gaj, actor=self.liaison, text="办公室 李四")
        other = do_set_requirement(
            campaign, kind="other", title="其他材料", due=D(2018, 9, 1), actor=self.organiser
        )
        load(YINCHUAN + SUBMISSIONS)
        by_hand.refresh_from_db()
        self.assertEqual((by_hand.code, by_hand.due), ("contact", D(2018, 6, 22)))
        self.assertEqual(by_hand.submissions.count(), 1)
        # One the file does not name stays as it was, and a reload never removes it.
        load(edit(YINCHUAN + SUBMISSIONS, "due = 2018-06-30", "due = 2018-07-01"))
        self.assertTrue(SubmissionRequirement.objects.filter(pk=other.pk, code="").exists())

    def test_renaming_onto_one_added_by_hand_is_refused(self) -> None:
        campaign = load(YINCHUAN + SUBMISSIONS)
        do_set_requirement(
            campaign, kind="contact", title="联络员", due=D(2018, 6, 1), actor=self.organiser
        )
        with self.assertRaises(InvalidInput) as caught:
            load(edit(YINCHUAN + SUBMISSIONS, "负责此项工作的部门和人员信息", "联络员"))
        self.assertIn(
            "与活动页面上添加的报送要求“联络员”(联络人)同类同名", str(caught.exception.problems[0])
        )
        self.assertEqual(
            SubmissionRequirement.objects.get(code="contact").title, "负责此项工作的部门和人员信息"
        )

    def test_the_page_refuses_to_change_a_requirement_the_file_states(self) -> None:
        campaign = load(YINCHUAN + SUBMISSIONS)
        contact = SubmissionRequirement.objects.get(code="contact")
        with self.assertRaises(InvalidInput) as caught:
            do_set_requirement(
                campaign,
                kind="contact",
                title=contact.title,
                due=D(2018, 7, 1),
                actor=self.organiser,
                requirement=contact,
            )
        self.assertIn("写在定义文件中", str(caught.exception.problems[0]))
        contact.refresh_from_db()
        self.assertEqual(contact.due, D(2018, 6, 22))
        # The campaign page says where to change it instead of offering a form.
        self.client.force_login(self.organiser)
        page = self.client.get(f"/console/c/{campaign.code}/").content.decode()
        self.assertIn("写在定义文件中,在“修改定义”中改", page)
        self.assertIn("2018年6月22日", page)


class MethodScheduleAndApprovalTests(BaseTestCase):
    def test_stored_and_shown_in_plain_words(self) -> None:
        campaign = load(edit(YINCHUAN, THIRD_PARTY, WITH_SCHEDULE) + APPROVAL)
        method = campaign.methods.get(code="third_party")
        self.assertEqual(method.deadline, D(2018, 12, 10))
        self.assertEqual(
            method.schedule_text,
            "由国家统计局银川调查队负责;2018年10月15日至2018年11月30日进行;数据于2018年12月10日前报送",
        )
        self.assertTrue(campaign.needs_approval)
        self.client.force_login(self.leader)
        page = self.client.get(f"/console/c/{campaign.code}/").content.decode()
        self.assertIn("由国家统计局银川调查队负责", page)
        self.assertIn("须经省局行评工作领导组审定后才能通报各单位和发布", page)

    def test_a_published_campaign_may_change_them_without_force(self) -> None:
        campaign = load(YINCHUAN)
        campaign.published_at = timezone.now()
        campaign.save()
        load(edit(YINCHUAN, THIRD_PARTY, WITH_SCHEDULE) + APPROVAL + SUBMISSIONS)
        campaign.refresh_from_db()
        self.assertEqual(campaign.approval_title, "省局行评工作领导组")
        self.assertEqual(campaign.methods.get(code="third_party").body, "国家统计局银川调查队")

    def test_a_case_formula_is_a_rule_of_a_published_campaign(self) -> None:
        campaign = load(with_cases())
        campaign.published_at = timezone.now()
        campaign.save()
        changed = with_cases("cases = {on_time = 50, resolved = 50}\n")
        with self.assertRaises(InvalidInput) as caught:
            load(changed)
        self.assertIn("问题办理计分公式", str(caught.exception.problems[0]))
        self.assertEqual(
            campaign.methods.get(code="year_end").case_formula,
            {
                "on_time": "25",
                "resolved": "25",
                "satisfied": "25",
                "promised": "25",
                "no_cases": "100",
            },
        )
        load(changed, force=True)
        formula = campaign.methods.get(code="year_end").case_formula
        self.assertEqual(formula and formula["satisfied"], "0")
