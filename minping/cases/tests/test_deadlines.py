"""Deadlines in working days (R-28) against the official 2025 and 2026 holiday schedules.

2025 (国办发明电〔2024〕12号): Spring Festival off Tue 28 Jan – Tue 4 Feb, make-up working
days Sun 26 Jan and Sat 8 Feb; National Day off Wed 1 Oct – Wed 8 Oct, make-up Sun 28 Sep
and Sat 11 Oct.
2026 (国办发明电〔2025〕7号): Spring Festival off Sun 15 Feb – Mon 23 Feb, make-up Sat 14 Feb
and Sat 28 Feb; National Day off Thu 1 Oct – Wed 7 Oct, make-up Sun 20 Sep and Sat 10 Oct.
The day of registration is not counted.
"""

from __future__ import annotations

import datetime
from io import StringIO

from django.core import mail
from django.core.management import call_command

from minping.cases import actions
from minping.cases.actions import CaseActionRefused
from minping.cases.models import Case, CaseEvent, State
from minping.cases.tests.helpers import case_in, refresh, register, today
from minping.lib.models import CalendarDay
from minping.test import BaseTestCase

D = datetime.date


class DeadlineTest(BaseTestCase):
    def due_after(self, registered_on: datetime.date) -> datetime.date | None:
        case = register(self.gaj, registered_on=registered_on)
        with today(registered_on):
            actions.do_transfer(case, unit=self.gaj, actor=self.organiser)
        return refresh(case).due_on

    def test_spring_festival_2025(self) -> None:
        # Registered Fri 24 Jan 2025. Sat 25 off; Sun 26 make-up (1); Mon 27 (2);
        # 28 Jan – 4 Feb off; Wed 5 (3), Thu 6 (4), Fri 7 Feb (5).
        self.assertEqual(self.due_after(D(2025, 1, 24)), D(2025, 2, 7))

    def test_national_day_2025(self) -> None:
        # Registered Fri 26 Sep 2025. Sat 27 off; Sun 28 make-up (1); Mon 29 (2); Tue 30 (3);
        # 1–8 Oct off; Thu 9 (4), Fri 10 Oct (5).
        self.assertEqual(self.due_after(D(2025, 9, 26)), D(2025, 10, 10))

    def test_spring_festival_2026(self) -> None:
        # Registered Thu 12 Feb 2026. Fri 13 (1); Sat 14 make-up (2); 15–23 Feb off;
        # Tue 24 (3), Wed 25 (4), Thu 26 Feb (5).
        self.assertEqual(self.due_after(D(2026, 2, 12)), D(2026, 2, 26))

    def test_national_day_2026(self) -> None:
        # Registered Wed 30 Sep 2026. 1–7 Oct off; Thu 8 (1), Fri 9 (2), Sat 10 make-up (3);
        # Sun 11 off; Mon 12 (4), Tue 13 Oct (5).
        self.assertEqual(self.due_after(D(2026, 9, 30)), D(2026, 10, 13))

    def test_the_organisers_table_wins(self) -> None:
        # As National Day 2026, with a local holiday on Mon 12 Oct: the fifth day is Wed 14.
        CalendarDay.objects.create(date=D(2026, 10, 12), is_workday=False, note="地方假日")
        self.assertEqual(self.due_after(D(2026, 9, 30)), D(2026, 10, 14))

    def test_an_unknown_year_asks_for_the_table_and_changes_nothing(self) -> None:
        case = register(self.gaj, registered_on=D(2040, 3, 1))
        with self.assertRaises(CaseActionRefused) as refused:
            actions.do_transfer(case, unit=self.gaj, actor=self.organiser)
        self.assertIn("尚无 2040 年的法定节假日和调休安排", refused.exception.message)
        self.assertIn("节假日与调休", refused.exception.message)
        case = refresh(case)
        self.assertEqual((case.state, case.due_on, case.card_number), (State.REGISTERED, None, ""))

    def test_the_command_line_gives_the_same_date(self) -> None:
        out = StringIO()
        call_command("workdays", "add", "2026-02-12", "5", stdout=out)
        self.assertEqual(out.getvalue().strip(), "2026-02-26")


class ExtensionTest(BaseTestCase):
    def test_extensions_together_stay_within_one_month(self) -> None:
        # Registered Mon 16 Mar 2026: due Mon 23 Mar (17,18,19,20,23); limit Thu 23 Apr.
        with today(D(2026, 3, 18)):
            case = case_in(State.ACCEPTED, self.gaj, self.organiser)
            self.assertEqual(case.due_on, D(2026, 3, 23))
            first = actions.do_request_extension(
                case, workdays=10, reason="需现场核查", actor=self.liaison
            )
            actions.do_decide_extension(first, approve=True, actor=self.organiser)
            # 10 working days after Mon 23 Mar: 24–27 Mar (4), 30 Mar – 3 Apr (9),
            # Mon 6 Apr is Qingming (off, 4–6 Apr), so Tue 7 Apr (10).
            self.assertEqual(refresh(case).due_on, D(2026, 4, 7))
            second = actions.do_request_extension(
                case, workdays=15, reason="仍需时间", actor=self.liaison
            )
            # 15 more would end past Thu 23 Apr: refused, the deadline unchanged.
            with self.assertRaisesMessage(CaseActionRefused, "延期合计不得超过一个月"):
                actions.do_decide_extension(second, approve=True, actor=self.organiser)
            self.assertEqual(refresh(case).due_on, D(2026, 4, 7))
            actions.do_decide_extension(second, approve=False, actor=self.organiser)
            third = actions.do_request_extension(
                case, workdays=12, reason="再延", actor=self.liaison
            )
            # 12 after Tue 7 Apr: 8–10 (3), 13–17 (8), 20–23 (12) = Thu 23 Apr, the limit itself.
            actions.do_decide_extension(third, approve=True, actor=self.organiser)
            self.assertEqual(refresh(case).due_on, D(2026, 4, 23))

    def test_a_liaison_cannot_approve_their_own_extension(self) -> None:
        with today():
            case = case_in(State.ACCEPTED, self.gaj, self.organiser)
            request = actions.do_request_extension(case, workdays=2, reason="x", actor=self.liaison)
            with self.assertRaisesMessage(CaseActionRefused, "只有组织单位可以审批延期"):
                actions.do_decide_extension(request, approve=True, actor=self.liaison)

    def test_one_month_is_calendar_aware(self) -> None:
        self.assertEqual(actions.add_one_month(D(2026, 1, 31)), D(2026, 2, 28))
        self.assertEqual(actions.add_one_month(D(2026, 12, 15)), D(2027, 1, 15))


class OverdueTest(BaseTestCase):
    def test_the_daily_run_marks_reminds_and_escalates_once(self) -> None:
        self.liaison.email = "gaj@example.org"
        self.liaison.save()
        self.organiser.email = "jfb@example.org"
        self.organiser.save()
        with today(D(2026, 3, 17)):
            late = case_in(State.ACCEPTED, self.gaj, self.organiser)
            on_time = case_in(State.TRANSFERRED, self.water, self.organiser)
            answered = case_in(State.REPLIED, self.gaj, self.organiser)
        # All due Mon 23 Mar 2026. Push the water case's deadline to 31 Mar.
        Case.objects.filter(pk=on_time.pk).update(due_on=D(2026, 3, 31))
        with self.captureOnCommitCallbacks(execute=True):
            # On the due day itself nothing is overdue yet.
            self.assertEqual(actions.mark_overdue(D(2026, 3, 23)), [])
            marked = actions.mark_overdue(D(2026, 3, 24))
        self.assertEqual([c.pk for c in marked], [late.pk])
        self.assertTrue(refresh(late).overdue)
        self.assertEqual(refresh(late).overdue_since, D(2026, 3, 24))
        self.assertFalse(refresh(on_time).overdue or refresh(answered).overdue)
        recipients = sorted(address for message in mail.outbox for address in message.to)
        self.assertEqual(recipients, ["gaj@example.org", "jfb@example.org"])
        self.assertEqual(actions.mark_overdue(D(2026, 3, 25)), [])
        self.assertEqual(CaseEvent.objects.filter(case=late, action="overdue").count(), 1)

    def test_the_command_runs_the_same_function(self) -> None:
        with today(D(2026, 3, 17)):
            late = case_in(State.TRANSFERRED, self.gaj, self.organiser)
        out = StringIO()
        call_command("cases", "overdue", "--date", "2026-03-24", stdout=out)
        self.assertIn("1", out.getvalue())
        self.assertTrue(refresh(late).overdue)

    def test_a_late_reply_is_marked_late(self) -> None:
        with today(D(2026, 3, 17)):
            case = case_in(State.ACCEPTED, self.gaj, self.organiser)
        with today(D(2026, 3, 24)):
            actions.do_reply(case, facts="a", handling="b", measures="c", actor=self.liaison)
        self.assertTrue(refresh(case).replied_late)
