"""Who the log names for public intake, what a liaison sees before a transfer, case numbers.

Issue 10 item 10: public and API intake were logged as ``cli:<server user>``; a
liaison read complaints about their unit before the organiser transferred them;
case numbers counted the year's complaints.
"""

from __future__ import annotations

import io
import itertools
import re

import openpyxl
from django.core.cache import cache
from django.urls import reverse

from minping.audit.models import AuditEntry
from minping.cases import actions
from minping.cases.models import Case, CaseEvent, State
from minping.cases.tests.helpers import case_in, register, today
from minping.test import BaseTestCase


class PublicIntakeIsNamedTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_a_web_report_is_logged_as_the_public(self) -> None:
        response = self.client.post(
            reverse("cases:report"), {"unit": self.gaj.pk, "summary": "办事要跑好几趟"}
        )
        self.assertEqual(response.status_code, 200)
        entry = AuditEntry.objects.get(action="case.register")
        event = CaseEvent.objects.get(action="register")
        self.assertEqual(entry.actor_label, "群众(网上)")
        self.assertEqual(event.actor_label, "群众(网上)")
        self.assertIsNone(entry.actor)
        # The timeline shows it as such to staff.
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("cases:detail", args=[Case.objects.get().number]))
        self.assertContains(page, "群众(网上)")
        self.assertNotContains(page, "cli:")


class LiaisonSeesOnlyTransferredCasesTest(BaseTestCase):
    def setUp(self) -> None:
        with today():
            # Registered against the police bureau, not yet sent there.
            self.waiting = register(self.gaj, summary="尚未转办的投诉")
            # Merged as a duplicate before anyone transferred it.
            self.merged = case_in(State.MERGED, self.gaj, self.organiser, summary="已合并的重复件")
            self.sent = case_in(State.TRANSFERRED, self.gaj, self.organiser, summary="已转办的投诉")
        self.client.force_login(self.liaison)

    def test_list_detail_and_ledger_show_a_case_only_once_transferred(self) -> None:
        listing = self.client.get(reverse("cases:list")).content.decode()
        self.assertIn("已转办的投诉", listing)
        self.assertNotIn("尚未转办的投诉", listing)
        self.assertNotIn("已合并的重复件", listing)
        for case in (self.waiting, self.merged):
            for name in ("cases:detail", "cases:card", "cases:card-docx"):
                url = reverse(name, args=[case.number])
                self.assertEqual(self.client.get(url).status_code, 404, (name, case.summary))
        ledger = self.client.get(reverse("cases:ledger", args=["gaj"])).content.decode()
        self.assertIn(self.sent.number, ledger)
        self.assertNotIn(self.waiting.number, ledger)
        book = openpyxl.load_workbook(
            io.BytesIO(self.client.get(reverse("cases:ledger-xlsx", args=["gaj"])).content)
        )
        cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
        self.assertIn(self.sent.number, cells)
        self.assertNotIn(self.waiting.number, cells)
        self.assertNotIn(self.merged.number, cells)

    def test_the_organiser_and_leader_see_every_case(self) -> None:
        for user in (self.organiser, self.leader):
            self.client.force_login(user)
            listing = self.client.get(reverse("cases:list")).content.decode()
            self.assertIn("尚未转办的投诉", listing)

    def test_after_the_transfer_the_liaison_sees_it(self) -> None:
        with today():
            actions.do_transfer(self.waiting, unit=self.gaj, actor=self.organiser)
        url = reverse("cases:detail", args=[self.waiting.number])
        self.assertEqual(self.client.get(url).status_code, 200)


class CaseNumberTest(BaseTestCase):
    def test_numbers_do_not_count_the_days_complaints(self) -> None:
        with today():
            numbers = [register(self.gaj).number for _ in range(20)]
        self.assertTrue(all(re.fullmatch(r"2026-\d{8}", n) for n in numbers), numbers)
        self.assertEqual(len(set(numbers)), 20)
        # A running count would differ by one from each number to the next.
        steps = {int(b[5:]) - int(a[5:]) for a, b in itertools.pairwise(numbers)}
        self.assertNotEqual(steps, {1})
        # The list still shows the latest first: the order of entry is kept by the id.
        self.client.force_login(self.organiser)
        page = self.client.get(reverse("cases:list")).content.decode()
        self.assertLess(page.index(numbers[-1]), page.index(numbers[0]))
