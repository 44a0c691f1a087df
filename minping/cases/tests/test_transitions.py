"""Every action of the state machine, in every state: allowed where the table says, else refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from minping.audit.models import AuditEntry
from minping.cases import actions
from minping.cases.actions import TRANSITIONS, CaseActionRefused
from minping.cases.models import Case, CaseEvent, Extension, State
from minping.cases.tests.helpers import TODAY, case_in, refresh, register, today
from minping.orgs.models import Membership, Role, Unit
from minping.test import BaseTestCase


def _decide(case: Case, actor: Any) -> Any:
    extension = case.extensions.filter(decision="pending").first() or Extension.objects.create(
        case=case, workdays=2, reason="需要调查", requested_on=TODAY
    )
    return actions.do_decide_extension(extension, approve=True, actor=actor)


def _approve(case: Case, actor: Any) -> Any:
    Case.objects.filter(pk=case.pk).update(recommendation="建议整改窗口服务")
    return actions.do_approve_recommendation(case, actor=actor)


def _confirm_repeat(case: Case, actor: Any) -> Any:
    previous = Case.objects.filter(state=State.CLOSED, unit=case.unit).exclude(pk=case.pk).first()
    assert previous is not None
    return actions.do_confirm_repeat(case, previous=previous, actor=actor)


def _unit(case: Case) -> Unit:
    assert case.unit is not None
    return case.unit


# One valid call per action; ``actor`` is whoever the test lets act.
CALLS: dict[str, Callable[[Case, Any], Any]] = {
    "draft_recommendation": lambda c, a: actions.do_draft_recommendation(c, text="建议", actor=a),
    "approve_recommendation": _approve,
    "transfer": lambda c, a: actions.do_transfer(c, unit=_unit(c), actor=a),
    "accept": lambda c, a: actions.do_accept(c, actor=a),
    "return": lambda c, a: actions.do_return(c, reason="属水务职责", actor=a),
    "request_extension": lambda c, a: actions.do_request_extension(
        c, workdays=3, reason="需现场核查", actor=a
    ),
    "decide_extension": _decide,
    "reply": lambda c, a: actions.do_reply(
        c, facts="属实", handling="已处理", measures="建制度", actor=a
    ),
    "explain": lambda c, a: actions.do_explain(
        c, kind="not_now", text="需财政安排", plan="明年完成", actor=a
    ),
    "send_back": lambda c, a: actions.do_send_back(c, reason="答复不具体", actor=a),
    "verify": lambda c, a: actions.do_verify(c, actor=a),
    "follow_up": lambda c, a: actions.do_follow_up(c, satisfaction="basically", actor=a),
    "close": lambda c, a: actions.do_close(c, actor=a),
    "merge": lambda c, a: actions.do_merge(c, into=register(c.unit), actor=a),
    "confirm_repeat": _confirm_repeat,
    "dismiss_repeat": lambda c, a: actions.do_dismiss_repeat(c, actor=a),
}


class TransitionTableTest(BaseTestCase):
    chief: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The leader approves recommendations; one person holding both roles acts everywhere.
        cls.chief = User.objects.create_user("chief")
        Membership.objects.create(user=cls.chief, role=Role.ORGANISER)
        Membership.objects.create(user=cls.chief, role=Role.LEADER)

    def setUp(self) -> None:
        pinned = today()
        pinned.__enter__()
        self.addCleanup(pinned.__exit__, None, None, None)
        # A closed case of the same unit, for confirming repeats.
        case_in(State.CLOSED, self.gaj, self.organiser, summary="早先已销号的问题")

    def test_every_action_has_a_call(self) -> None:
        self.assertEqual(set(CALLS), set(TRANSITIONS))

    def test_every_action_in_every_state(self) -> None:
        for name, transition in TRANSITIONS.items():
            for state in State:
                with self.subTest(action=name, state=state.value):
                    case = case_in(state, self.gaj, self.organiser)
                    events = case.events.count()
                    audits = AuditEntry.objects.count()
                    if state in transition.sources:
                        CALLS[name](case, self.chief)
                        after = refresh(case)
                        if transition.target is not None:
                            self.assertEqual(after.state, transition.target)
                        self.assertEqual(after.events.count(), events + 1)
                        self.assertGreater(AuditEntry.objects.count(), audits)
                    else:
                        with self.assertRaises(CaseActionRefused) as refused:
                            CALLS[name](case, self.chief)
                        self.assertIn(State(state).label, refused.exception.message)
                        self.assertEqual(refresh(case).state, state)
                        self.assertEqual(refresh(case).events.count(), events)

    def test_return_goes_back_to_registered_without_a_unit(self) -> None:
        case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        actions.do_return(case, reason="属水务集团职责", actor=self.liaison)
        case = refresh(case)
        self.assertEqual((case.state, case.unit, case.due_on), (State.REGISTERED, None, None))
        actions.do_transfer(case, unit=self.water, actor=self.organiser)
        self.assertEqual(refresh(case).unit, self.water)


class WhoMayActTest(BaseTestCase):
    def setUp(self) -> None:
        pinned = today()
        pinned.__enter__()
        self.addCleanup(pinned.__exit__, None, None, None)
        self.other_liaison = User.objects.create_user("water-liaison")
        Membership.objects.create(user=self.other_liaison, role=Role.LIAISON, unit=self.water)

    def test_the_units_liaison_accepts_and_replies(self) -> None:
        case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        actions.do_accept(case, actor=self.liaison)
        actions.do_reply(case, facts="属实", handling="已改", measures="培训", actor=self.liaison)
        self.assertEqual(refresh(case).state, State.REPLIED)

    def test_a_window_case_is_the_departments_liaisons_too(self) -> None:
        case = case_in(State.TRANSFERRED, self.gaj_window, self.organiser)
        actions.do_accept(case, actor=self.liaison)
        self.assertEqual(refresh(case).state, State.ACCEPTED)

    def test_another_units_liaison_is_refused(self) -> None:
        case = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        with self.assertRaisesMessage(CaseActionRefused, "只有组织单位或责任单位联络员可以受理"):
            actions.do_accept(case, actor=self.other_liaison)
        self.assertEqual(refresh(case).state, State.TRANSFERRED)

    def test_a_liaison_cannot_verify_or_close(self) -> None:
        case = case_in(State.REPLIED, self.gaj, self.organiser)
        with self.assertRaisesMessage(CaseActionRefused, "只有组织单位可以核实"):
            actions.do_verify(case, actor=self.liaison)

    def test_the_leader_approves_but_cannot_transfer(self) -> None:
        case = register(self.gaj)
        actions.do_draft_recommendation(case, text="建议整改", actor=self.organiser)
        with self.assertRaisesMessage(CaseActionRefused, "只有领导可以批准整改建议书"):
            actions.do_approve_recommendation(case, actor=self.organiser)
        with self.assertRaisesMessage(CaseActionRefused, "尚未经领导批准"):
            actions.do_transfer(case, unit=self.gaj, actor=self.organiser)
        actions.do_approve_recommendation(case, actor=self.leader)
        with self.assertRaisesMessage(CaseActionRefused, "只有组织单位可以转办"):
            actions.do_transfer(case, unit=self.gaj, actor=self.leader)
        actions.do_transfer(case, unit=self.gaj, actor=self.organiser)
        case = refresh(case)
        self.assertEqual(case.state, State.TRANSFERRED)
        self.assertEqual(case.recommendation_approved_by, self.leader)
        self.assertRegex(case.card_number, r"^ZB-\d{4}-\d{4}$")

    def test_not_satisfied_reopens_with_a_fresh_deadline(self) -> None:
        case = case_in(State.VERIFIED, self.gaj, self.organiser)
        actions.do_follow_up(case, satisfaction="not_satisfied", actor=self.organiser)
        case = refresh(case)
        # Followed up Fri 20 Mar 2026: 5 working days later is Fri 27 Mar (23-27 Mar).
        self.assertEqual((case.state, str(case.due_on)), (State.ACCEPTED, "2026-03-27"))
        self.assertEqual(case.satisfaction, "not_satisfied")

    def test_the_timeline_lists_every_step(self) -> None:
        case = case_in(State.CLOSED, self.gaj, self.organiser)
        steps = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
        self.assertEqual(
            steps, ["register", "transfer", "accept", "reply", "verify", "follow_up", "close"]
        )

    def test_bad_input_changes_nothing(self) -> None:
        case = case_in(State.ACCEPTED, self.gaj, self.organiser)
        with self.assertRaisesMessage(CaseActionRefused, "请填写处理情况"):
            actions.do_reply(case, facts="属实", handling="  ", measures="x", actor=self.liaison)
        with self.assertRaisesMessage(CaseActionRefused, "请填写整改计划"):
            actions.do_explain(case, kind="not_now", text="暂无条件", actor=self.liaison)
        with self.assertRaisesMessage(CaseActionRefused, "请选择回访结果"):
            actions.do_follow_up(case, satisfaction="ok", actor=self.organiser)
        self.assertEqual(refresh(case).state, State.ACCEPTED)
