from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from minping.audit.models import AuditEntry
from minping.campaigns.batches import AlreadyImported
from minping.campaigns.importers import parse_score
from minping.campaigns.models import ImportBatch, MethodScore
from minping.campaigns.score_actions import do_import_scores
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.test import BaseTestCase

HEADER = ["method", "unit", "score"]


class ScoreImportTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()

    def scores(self) -> dict[tuple[str, str], Decimal]:
        return {
            (s.method.code, s.unit.code): s.score
            for s in MethodScore.objects.select_related("method", "unit")
        }

    def problems(self, path: Path) -> list[tuple[int | None, str, str]]:
        before = self.scores()
        with self.assertRaises(InvalidInput) as caught:
            do_import_scores(self.campaign, path)
        self.assertEqual(self.scores(), before)
        return [(p.line, p.column, p.message) for p in caught.exception.problems]

    def test_scores_are_stored_and_a_reimport_corrects_them_with_an_audit_of_old_and_new(
        self,
    ) -> None:
        first = self.csv_file([HEADER, ["leaders", "gaj", "86.5"], ["领导评议", "water", "90"]])
        summary = do_import_scores(self.campaign, first, actor=self.organiser)
        self.assertEqual(
            self.scores(),
            {("leaders", "gaj"): Decimal("86.5"), ("leaders", "water"): Decimal(90)},
        )
        self.assertEqual(summary.counts, {"created": 2, "corrected": 0, "unchanged": 0})
        self.assertEqual(summary.text, "已导入 2 个得分到 yc-2018 / 领导评议:新增 2,更正 0,未变 0")
        second = self.csv_file(
            [["方法", "单位", "得分"], ["leaders", "gaj", "88.25"], ["leaders", "water", "90.0"]],
            name="fix.csv",
        )
        summary = do_import_scores(self.campaign, second, actor=self.organiser)
        self.assertEqual(summary.counts, {"created": 0, "corrected": 1, "unchanged": 1})
        self.assertEqual(self.scores()[("leaders", "gaj")], Decimal("88.25"))
        self.assertEqual(MethodScore.objects.count(), 2)
        entry = AuditEntry.objects.filter(action="import.scores").latest("seq")
        self.assertEqual(
            entry.detail["corrections"],
            [{"method": "leaders", "unit": "gaj", "old": "86.5", "new": "88.25"}],
        )
        self.assertEqual(entry.detail["sha256"], summary.sha256)
        self.assertEqual(ImportBatch.objects.filter(kind="scores").count(), 2)

    def test_xlsx_numbers(self) -> None:
        do_import_scores(self.campaign, self.xlsx_file([HEADER, ["leaders", "gaj", 77.125]]))
        self.assertEqual(self.scores(), {("leaders", "gaj"): Decimal("77.125")})

    def test_every_bad_row(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["leaders", "gaj", "100.5"],
                ["leaders", "gaj", "-1"],
                ["leaders", "gaj", "很好"],
                ["leaders", "gaj", "86.12345"],
                ["online", "gaj", "80"],
                ["leaders", "nowhere", "80"],
                ["leaders", "water", ""],
                ["leaders", "gaj-w1", "80"],
                ["leaders", "gaj-w1", "81"],
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems],
            [
                (2, "score"),
                (3, "score"),
                (4, "score"),
                (5, "score"),
                (6, "method"),
                (7, "unit"),
                (8, "score"),
                (10, "unit"),
            ],
        )
        messages = [m for _, _, m in problems]
        self.assertEqual(messages[0], "得分 100.5 不在 0 到 100 之间")
        self.assertEqual(messages[2], "“很好”不是数字")
        self.assertEqual(messages[3], "“86.12345”的小数超过 4 位")
        self.assertIn("按答卷计分", messages[4])
        self.assertIn("已在第 9 行给出", messages[7])

    def test_parse_score(self) -> None:
        self.assertEqual(parse_score("86.50000"), Decimal("86.5"))
        self.assertEqual(parse_score("0"), Decimal(0))
        self.assertEqual(parse_score("100"), Decimal(100))
        for text in ["NaN", "Infinity", "1e2", "", "8 6"]:
            with self.assertRaises(ValueError, msg=text):
                parse_score(text)

    def test_the_same_file_twice_is_refused(self) -> None:
        path = self.csv_file([HEADER, ["leaders", "gaj", "80"]])
        do_import_scores(self.campaign, path)
        with self.assertRaises(AlreadyImported):
            do_import_scores(self.campaign, path)

    def test_command(self) -> None:
        path = self.csv_file([HEADER, ["leaders", "gaj", "80"]])
        out = StringIO()
        call_command("import", "scores", "yc-2018", str(path), stdout=out, stderr=StringIO())
        self.assertIn("已导入 1 个得分到 yc-2018 / 领导评议", out.getvalue())
