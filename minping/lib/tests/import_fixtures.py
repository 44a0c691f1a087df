"""Shared by the import tests: a small campaign made through the ORM, and files to import."""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from django.test import SimpleTestCase

from minping.campaigns.models import (
    Campaign,
    DeductionRule,
    DeductionSource,
    Indicator,
    Method,
    ScaleLevel,
    VetoRule,
)

LEVELS = [("好", 100, True), ("较好", 80, True), ("一般", 60, False), ("较差", 30, False)]
LEVELS += [("差", 0, False)]


def make_campaign(code: str = "yc-2018", **fields: Any) -> Campaign:
    """A campaign like Yinchuan 2018: two ballot methods, one score method, rules for oversight."""
    values: dict[str, Any] = {
        "title": "2018年银川市群众评议机关作风",
        "year": 2018,
        "groups": ["agencies", "industries"],
        "deductions_from": datetime.date(2017, 12, 1),
        "deductions_to": datetime.date(2018, 11, 30),
    }
    values.update(fields)
    campaign = Campaign.objects.create(code=code, **values)
    for order, (label, points, satisfied) in enumerate(LEVELS):
        ScaleLevel.objects.create(
            campaign=campaign, order=order, label=label, points=points, satisfied=satisfied
        )
    for order, (ind_code, title) in enumerate(
        [("sifeng", "四风整治"), ("sanbuwei", "三不为整治"), ("fuwu", "服务态度")]
    ):
        Indicator.objects.create(campaign=campaign, order=order, code=ind_code, title=title)
    for order, (m_code, title, weight, input_) in enumerate(
        [
            ("third_party", "第三方测评", 25, Method.BALLOTS),
            ("online", "网络评议", 25, Method.BALLOTS),
            ("leaders", "领导评议", 50, Method.SCORES),
        ]
    ):
        Method.objects.create(
            campaign=campaign, order=order, code=m_code, title=title, weight=weight, input=input_
        )
    media = DeductionSource.objects.create(
        campaign=campaign, order=0, code="media", title="媒体", cap=Decimal(5)
    )
    DeductionRule.objects.create(
        campaign=campaign,
        source=media,
        order=0,
        code="no_interview",
        title="不配合采访",
        points=Decimal("0.1"),
    )
    VetoRule.objects.create(campaign=campaign, order=0, code="case_filed", title="立案")
    return campaign


class FilesMixin(SimpleTestCase):
    """A temporary directory per test, and writers for CSV and XLSX files in it."""

    def setUp(self) -> None:
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def csv_file(
        self, rows: Sequence[Sequence[Any]], name: str = "data.csv", encoding: str = "utf-8"
    ) -> Path:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        path = self.dir / name
        path.write_bytes(out.getvalue().encode(encoding))
        return path

    def xlsx_file(self, rows: Sequence[Sequence[Any]], name: str = "data.xlsx") -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(list(row))
        path = self.dir / name
        workbook.save(path)
        return path
