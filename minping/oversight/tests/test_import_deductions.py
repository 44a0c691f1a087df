import datetime
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from minping.audit.models import AuditEntry
from minping.campaigns.batches import AlreadyImported
from minping.campaigns.models import ImportBatch
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.oversight.actions import do_import_deductions, do_import_vetoes
from minping.oversight.models import Deduction, Veto
from minping.test import BaseTestCase

HEADER = ["unit", "rule", "date", "count", "evidence", "signed_off"]


class DeductionImportTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()

    def problems(self, path: Path) -> list[tuple[int | None, str, str]]:
        with self.assertRaises(InvalidInput) as caught:
            do_import_deductions(self.campaign, path)
        self.assertEqual(Deduction.objects.count(), 0)
        self.assertEqual(ImportBatch.objects.count(), 0)
        return [(p.line, p.column, p.message) for p in caught.exception.problems]

    def test_deductions_are_stored_and_dates_outside_the_window_warned_about(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["gaj", "no_interview", "2018-03-02", "2", "银媒函〔2018〕3号", "是"],
                ["water", "不配合采访", "2018/11/30", "", "", "no"],
                ["gaj-w1", "no_interview", "2018年12月1日", "1", "", "Y"],
            ]
        )
        summary = do_import_deductions(self.campaign, path, actor=self.organiser)
        stored = {
            # 是 in signed_off: decided on paper, so accepted; 否: proposed, to be reviewed.
            d.unit.code: (d.rule.code, d.date, d.count, d.evidence, d.status == "accepted")
            for d in Deduction.objects.select_related("unit", "rule")
        }
        self.assertEqual(
            stored,
            {
                "gaj": ("no_interview", datetime.date(2018, 3, 2), 2, "银媒函〔2018〕3号", True),
                "water": ("no_interview", datetime.date(2018, 11, 30), 1, "", False),
                "gaj-w1": ("no_interview", datetime.date(2018, 12, 1), 1, "", True),
            },
        )
        self.assertEqual(summary.counts, {"deductions": 3, "outside_window": 1})
        self.assertEqual(len(summary.warnings), 1)
        self.assertIn("有 1 条减分的日期不在本活动的减分期间", summary.warnings[0])
        self.assertIn("2017-12-01 至 2018-11-30", summary.warnings[0])
        entry = AuditEntry.objects.get(action="import.deductions")
        self.assertEqual((entry.detail["deductions"], entry.detail["outside_window"]), (3, 1))
        self.assertEqual(entry.detail["sha256"], summary.sha256)

    def test_chinese_headers_without_optional_columns_and_xlsx_dates(self) -> None:
        path = self.xlsx_file(
            [
                ["单位", "规则", "日期", "已签字"],
                ["gaj", "no_interview", datetime.date(2018, 5, 1), "是"],
            ]
        )
        do_import_deductions(self.campaign, path)
        deduction = Deduction.objects.get()
        self.assertEqual((deduction.date, deduction.count), (datetime.date(2018, 5, 1), 1))

    def test_every_bad_row(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["gaj", "no_interview", "2018-11-31", "1", "", "是"],
                ["gaj", "no_interview", "2018-11-30", "0", "", "是"],
                ["gaj", "no_interview", "2018-11-30", "1.5", "", "是"],
                ["gaj", "no_interview", "2018-11-30", "1", "", "也许"],
                ["gaj", "no_interview", "2018-11-30", "1", "", ""],
                ["gaj", "nope", "", "1", "", "是"],
                ["nowhere", "no_interview", "2018-11-30", "1", "", "是"],
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems],
            [
                (2, "date"),
                (3, "count"),
                (4, "count"),
                (5, "signed_off"),
                (6, "signed_off"),
                (7, "rule"),
                (7, "date"),
                (8, "unit"),
            ],
        )
        self.assertEqual(problems[0][2], "日期“2018-11-31”不存在:2018 年 11 月只有 30 天")
        self.assertIn("减分规则有:no_interview", problems[5][2])

    def test_missing_columns_are_named(self) -> None:
        path = self.csv_file([["unit", "rule", "count"], ["gaj", "no_interview", "1"]])
        [(line, _, message)] = self.problems(path)
        self.assertEqual(line, 1)
        self.assertIn("date(日期)、signed_off(已签字)", message)

    def test_the_same_file_twice_would_double_count_and_is_refused(self) -> None:
        path = self.csv_file([HEADER, ["gaj", "no_interview", "2018-03-02", "1", "", "是"]])
        do_import_deductions(self.campaign, path)
        with self.assertRaises(AlreadyImported):
            do_import_deductions(self.campaign, path)
        self.assertEqual(Deduction.objects.count(), 1)

    def test_command_prints_the_warning(self) -> None:
        path = self.csv_file([HEADER, ["gaj", "no_interview", "2019-01-02", "1", "", "是"]])
        out, err = StringIO(), StringIO()
        call_command("import", "deductions", "yc-2018", str(path), stdout=out, stderr=err)
        self.assertEqual(out.getvalue().strip(), "已导入 1 条减分到 yc-2018")
        self.assertIn("不在本活动的减分期间", err.getvalue())


class VetoImportTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()

    def test_vetoes_are_stored(self) -> None:
        path = self.csv_file(
            [["单位", "规则", "日期", "依据"], ["water", "立案", "2018-06-01", "纪委通报"]]
        )
        summary = do_import_vetoes(self.campaign, path, actor=self.organiser)
        veto = Veto.objects.get()
        self.assertEqual(
            (veto.unit, veto.rule.code, veto.date, veto.evidence),
            (self.water, "case_filed", datetime.date(2018, 6, 1), "纪委通报"),
        )
        self.assertEqual(summary.text, "已导入 1 条一票否决到 yc-2018")
        self.assertTrue(AuditEntry.objects.filter(action="import.vetoes").exists())

    def test_bad_rows_store_nothing(self) -> None:
        path = self.csv_file(
            [
                ["unit", "rule", "date", "evidence"],
                ["water", "case_filed", "2018-06-01", ""],
                ["water", "no_interview", "2018-02-30", ""],
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_vetoes(self.campaign, path)
        self.assertEqual(
            [(p.line, p.column) for p in caught.exception.problems], [(3, "rule"), (3, "date")]
        )
        self.assertEqual(Veto.objects.count(), 0)

    def test_command(self) -> None:
        path = self.csv_file([["unit", "rule", "date"], ["gaj", "case_filed", "2018-06-01"]])
        out = StringIO()
        call_command("import", "vetoes", "yc-2018", str(path), stdout=out, stderr=StringIO())
        self.assertEqual(out.getvalue().strip(), "已导入 1 条一票否决到 yc-2018")
        with self.assertRaises(AlreadyImported):
            do_import_vetoes(self.campaign, path)
