"""The ledger and statistics workbooks keep what citizens and liaisons typed as text."""

from __future__ import annotations

import datetime

from django.urls import reverse

from minping.cases import actions
from minping.cases.models import State
from minping.cases.tests.helpers import case_in, today
from minping.lib.tests.sheet_checks import ATTACKS, SheetAssertions
from minping.test import BaseTestCase

LINK, COMMAND, FUNCTION, ARITHMETIC = ATTACKS[:4]


class ExportTextTest(BaseTestCase, SheetAssertions):
    def setUp(self) -> None:
        super().setUp()
        # An imported unit name, a citizen's summary and a liaison's ledger text.
        self.gaj.name = LINK
        self.gaj.save()
        with today():
            case = case_in(State.ACCEPTED, self.gaj, self.organiser, summary=COMMAND)
            item = actions.do_add_ledger_item(
                unit=self.gaj,
                problem=ARITHMETIC,
                measure=FUNCTION,
                responsible="@王科长",
                due_on=datetime.date(2026, 4, 30),
                case=case,
                actor=self.liaison,
            )
            actions.do_update_ledger_item(
                item, progress="-已建立制度", feedback="=1+1 群众认可", actor=self.liaison
            )

    def test_the_ledger_workbook_holds_no_formula(self) -> None:
        self.client.force_login(self.liaison)
        response = self.client.get(reverse("cases:ledger-xlsx", args=["gaj"]))
        self.assertEqual(response.status_code, 200)
        texts = [LINK, COMMAND, ARITHMETIC, FUNCTION, "@王科长", "-已建立制度", "=1+1 群众认可"]
        self.assertTextOnly(response.content, texts)

    def test_the_statistics_workbook_holds_no_formula(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.get(reverse("cases:stats-xlsx") + "?month=2026-03")
        self.assertEqual(response.status_code, 200)
        self.assertTextOnly(response.content, [LINK])
