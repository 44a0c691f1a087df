"""Repeat complaints (R-31): suggested, confirmed by staff, and then a proposed deduction."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse

from minping.campaigns.models import DeductionRule
from minping.cases import actions
from minping.cases.actions import CaseActionRefused
from minping.cases.models import Case, State
from minping.cases.repeats import similarity, suggest_repeats
from minping.cases.tests.helpers import case_in, refresh, register, today
from minping.lib.tests.import_fixtures import make_campaign
from minping.oversight.models import Deduction, Review
from minping.test import BaseTestCase

D = datetime.date
FIRST = "户政窗口办理户口迁移推诿扯皮,让群众多次往返补材料"
REWORDED = "户口迁移又被户政窗口推诿,让我多次往返补材料"
OTHER = "水费账单金额有误,营业厅不予更正"


class SimilarityTest(BaseTestCase):
    def test_rewordings_are_similar_and_other_matters_are_not(self) -> None:
        self.assertGreaterEqual(similarity(FIRST, REWORDED), 0.4)
        self.assertLess(similarity(FIRST, OTHER), 0.1)
        self.assertEqual(similarity("", FIRST), 0.0)


class RepeatTest(BaseTestCase):
    def setUp(self) -> None:
        self.campaign = make_campaign(
            "yc-2026", year=2026, deductions_from=D(2026, 1, 1), deductions_to=D(2026, 12, 31)
        )
        media = self.campaign.deduction_sources.get(code="media")
        self.rule = DeductionRule.objects.create(
            campaign=self.campaign,
            source=media,
            order=1,
            code="repeat_complaint",
            title="推诿扯皮导致二次投诉并经查实的(每次)",
            points=Decimal("0.1"),
        )
        with today(D(2026, 3, 20)):
            self.closed = case_in(
                State.CLOSED,
                self.gaj,
                self.organiser,
                summary="户口迁移推诿",
                details=FIRST,
                campaign=self.campaign,
            )

    def new_case(self, **fields: object) -> Case:
        values: dict[str, object] = {
            "summary": "又被推诿",
            "details": REWORDED,
            "registered_on": D(2026, 4, 1),
            "campaign": self.campaign,
            "complainant": {"name": "李某", "phone": "13311112222"},
        }
        values.update(fields)
        return register(self.gaj, **values)

    def test_similar_text_about_the_same_unit_is_suggested(self) -> None:
        suggestions = suggest_repeats(self.new_case())
        self.assertEqual([s.previous.pk for s in suggestions], [self.closed.pk])
        self.assertFalse(suggestions[0].same_complainant)
        self.assertIn("内容相似度", suggestions[0].reason)

    def test_the_same_complainant_is_suggested_even_in_other_words(self) -> None:
        # The closed case's complainant is 张三 / 13800000000 (see helpers.register).
        case = self.new_case(
            details=OTHER, summary="别的事", complainant={"name": "", "phone": "13800000000"}
        )
        suggestions = suggest_repeats(case)
        self.assertEqual([s.previous.pk for s in suggestions], [self.closed.pk])
        self.assertEqual(suggestions[0].reason, "同一投诉人")

    def test_nothing_is_suggested_for_another_unit_a_different_matter_or_before_closing(
        self,
    ) -> None:
        self.assertEqual(suggest_repeats(register(self.water, details=REWORDED)), [])
        self.assertEqual(suggest_repeats(self.new_case(details=OTHER, summary="水费")), [])
        # Registered before the earlier case was closed (closed 20 Mar 2026).
        self.assertEqual(suggest_repeats(self.new_case(registered_on=D(2026, 3, 18))), [])

    def test_a_confirmed_repeat_is_a_proposed_deduction_that_does_not_count_yet(self) -> None:
        case = self.new_case()
        deduction = actions.do_confirm_repeat(case, previous=self.closed, actor=self.organiser)
        assert deduction is not None
        self.assertEqual(
            (deduction.unit, deduction.rule, deduction.date, deduction.count, deduction.status),
            (self.gaj, self.rule, D(2026, 4, 1), 1, Review.PROPOSED),
        )
        self.assertIn(case.number, deduction.evidence)
        case = refresh(case)
        self.assertTrue(case.is_repeat)
        self.assertEqual(case.repeat_of, self.closed)
        # Only signed-off and accepted deductions count: this one waits.
        self.assertFalse(deduction.counts)
        # Confirmed once only, and no longer suggested.
        self.assertEqual(suggest_repeats(case), [])
        with self.assertRaisesMessage(CaseActionRefused, "已经确认为二次投诉"):
            actions.do_confirm_repeat(case, previous=self.closed, actor=self.organiser)
        self.assertEqual(Deduction.objects.count(), 1)

    def test_staff_confirm_on_the_case_page(self) -> None:
        case = self.new_case()
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("cases:detail", args=[case.number]))
        self.assertContains(page, "可能是二次投诉")
        self.assertContains(page, self.closed.number)
        response = self.client.post(
            reverse("cases:act", args=[case.number, "confirm_repeat"]),
            {"previous": self.closed.number},
            follow=True,
        )
        self.assertContains(response, "须经签认后才计入得分")
        self.assertEqual(Deduction.objects.get().status, Review.PROPOSED)

    def test_an_open_previous_case_or_another_unit_is_refused(self) -> None:
        with today(D(2026, 3, 20)):
            still_open = case_in(State.ACCEPTED, self.gaj, self.organiser)
        case = self.new_case()
        with self.assertRaisesMessage(CaseActionRefused, "尚未销号"):
            actions.do_confirm_repeat(case, previous=still_open, actor=self.organiser)
        water_case = register(self.water, details=REWORDED)
        with self.assertRaisesMessage(CaseActionRefused, "同一单位"):
            actions.do_confirm_repeat(water_case, previous=self.closed, actor=self.organiser)
        self.assertEqual(Deduction.objects.count(), 0)

    def test_without_a_matching_rule_it_is_confirmed_without_a_deduction(self) -> None:
        self.rule.delete()
        case = self.new_case()
        self.assertIsNone(
            actions.do_confirm_repeat(case, previous=self.closed, actor=self.organiser)
        )
        self.assertTrue(refresh(case).is_repeat)
        self.assertIn("未提出减分", case.events.last().note)  # type: ignore[union-attr]

    def test_dismissed_suggestions_stay_dismissed(self) -> None:
        case = self.new_case()
        actions.do_dismiss_repeat(case, actor=self.organiser)
        self.assertEqual(suggest_repeats(refresh(case)), [])


class OverdueDeductionTest(BaseTestCase):
    def test_overdue_cases_feed_one_proposal_each(self) -> None:
        campaign = make_campaign("yc-2026", year=2026)
        DeductionRule.objects.create(
            campaign=campaign,
            source=campaign.deduction_sources.get(code="media"),
            order=1,
            code="hotline_overdue",
            title="未在5个工作日内解决并答复的(每次)",
            points=Decimal("0.1"),
        )
        with today(D(2026, 3, 17)):
            late = case_in(State.ACCEPTED, self.gaj, self.organiser, campaign=campaign)
            case_in(State.ACCEPTED, self.water, self.organiser)  # no campaign: not counted
        actions.mark_overdue(D(2026, 3, 24))
        proposed = actions.do_propose_overdue_deductions(
            campaign, start=D(2026, 3, 1), end=D(2026, 3, 31), actor=self.organiser
        )
        self.assertEqual(
            [(d.unit, d.date, d.counts) for d in proposed], [(self.gaj, D(2026, 3, 24), False)]
        )
        self.assertIn(late.number, proposed[0].evidence)
        again = actions.do_propose_overdue_deductions(
            campaign, start=D(2026, 3, 1), end=D(2026, 3, 31), actor=self.organiser
        )
        self.assertEqual(again, [])
        with self.assertRaisesMessage(CaseActionRefused, "只有组织单位"):
            actions.do_propose_overdue_deductions(
                campaign, start=D(2026, 3, 1), end=D(2026, 3, 31), actor=self.liaison
            )
