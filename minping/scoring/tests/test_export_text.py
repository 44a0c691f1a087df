"""Results in CSV and XLSX keep unit names and titles as text, however they begin."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import call_command

from minping.campaigns.models import DeductionSource, Method
from minping.lib.tests.sheet_checks import ATTACKS, SheetAssertions
from minping.orgs.models import Unit
from minping.scoring.tests.db import cast, make_campaign, score
from minping.test import BaseTestCase

LINK, COMMAND, FUNCTION, ARITHMETIC, TAB = ATTACKS


class ResultsTextTest(BaseTestCase, SheetAssertions):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Imported unit names and a definition's titles, as the probe wrote them.
        Unit.objects.filter(pk=cls.gaj.pk).update(name=LINK)
        mzj = Unit.objects.create(code="mzj", name=COMMAND, group=cls.agencies)
        Unit.objects.create(code="jtj", name=TAB, group=cls.agencies)  # has no data
        campaign = make_campaign("yc-2018")
        Method.objects.filter(campaign=campaign, code="survey").update(title=FUNCTION)
        DeductionSource.objects.filter(campaign=campaign, code="media").update(title=ARITHMETIC)
        cast(campaign, cls.gaj_window, "survey", {"a": "好", "b": "好"})
        cast(campaign, mzj, "survey", {"a": "一般", "b": "一般"})
        cast(campaign, cls.water, "survey", {"a": "较好", "b": "较好"})
        for unit in (cls.gaj, mzj, cls.water):
            score(campaign, unit, "80")

    def results(self, *args: str) -> str:
        out = io.StringIO()
        call_command(
            "results", "yc-2018", "--allow-missing", *args, stdout=out, stderr=io.StringIO()
        )
        return out.getvalue()

    def test_csv_quotes_text_that_a_spreadsheet_would_run(self) -> None:
        text = self.results("--format", "csv")
        self.assertCsvTextOnly(text, [LINK, COMMAND, TAB])
        self.assertIn(f"'{FUNCTION}得分 survey.score", text)  # a header built from a method title
        self.assertIn(f"'{ARITHMETIC}减分 deduction.media", text)

    def test_xlsx_ranking_breakdown_and_missing_sheets_hold_no_formula(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "results.xlsx"
            self.results("-o", str(path))
            data = path.read_bytes()
        # The names are in the ranking sheet, the breakdown sheet and the missing-data sheet.
        self.assertTextOnly(data, [LINK, COMMAND, TAB, FUNCTION, ARITHMETIC])
