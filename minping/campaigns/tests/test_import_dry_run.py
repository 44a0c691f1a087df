"""The web page's check is the import's own dry run: same counts, same problems, nothing stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minping.audit.models import AuditEntry
from minping.campaigns.import_kinds import KINDS
from minping.campaigns.models import ImportBatch, MethodScore
from minping.lib.errors import MAX_REPORTED, InputProblem, InvalidInput, ProblemCollector
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Group, Unit
from minping.oversight.models import Deduction, Veto
from minping.surveys.models import Answer, Ballot
from minping.test import BaseTestCase

FILES: dict[str, list[list[str]]] = {
    "units": [
        ["代码", "名称", "上级", "组别"],
        ["zfzx", "政务服务中心", "", ""],
        ["zfzx-w1", "不动产窗口", "zfzx", "windows"],
    ],
    "ballots": [
        ["答卷", "方法", "单位", "指标", "等级"],
        ["a", "third_party", "gaj", "sifeng", "好"],
        ["a", "third_party", "gaj", "fuwu", "差"],
        ["b", "网络评议", "water", "sifeng", "一般"],
    ],
    "scores": [["method", "unit", "score"], ["leaders", "gaj", "80"], ["leaders", "water", "70.5"]],
    "deductions": [
        ["单位", "规则", "日期", "次数", "依据", "已签字"],
        ["gaj", "no_interview", "2018-03-01", "2", "银媒〔2018〕1号", "是"],
    ],
    "vetoes": [["unit", "rule", "date", "evidence"], ["water", "case_filed", "2018-05-01", ""]],
}


def stored() -> tuple[int, ...]:
    """Everything an import may write."""
    return (
        Unit.objects.count(),
        Group.objects.count(),
        Ballot.objects.count(),
        Answer.objects.count(),
        MethodScore.objects.count(),
        Deduction.objects.count(),
        Veto.objects.count(),
        ImportBatch.objects.count(),
        AuditEntry.objects.count(),
    )


class DryRunTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()

    def run_kind(self, code: str, path: Path, **options: Any) -> Any:
        kind = KINDS[code]
        args = (self.campaign, path) if kind.per_campaign else (path,)
        return kind.action(*args, actor=self.organiser, **options)

    def test_each_kind_counts_what_it_would_store_and_stores_nothing(self) -> None:
        for code, rows in FILES.items():
            with self.subTest(code):
                path = self.csv_file(rows, name=f"{code}.csv")
                before = stored()
                checked = self.run_kind(code, path, dry_run=True)
                self.assertEqual(stored(), before)
                imported = self.run_kind(code, path)
                self.assertNotEqual(stored(), before)
                self.assertEqual(checked.counts, imported.counts)
                self.assertEqual(checked.text, imported.text)
                self.assertTrue(
                    AuditEntry.objects.filter(action=f"import.{code}", actor=self.organiser)
                    .filter(object_id=str(imported.batch_id))
                    .exists()
                )

    def test_a_dry_run_finds_the_same_problems(self) -> None:
        path = self.csv_file(
            [["方法", "单位", "得分"], ["leaders", "gaj", "101"], ["third_party", "nobody", "x"]]
        )
        found = []
        for dry_run in (True, False):
            with self.assertRaises(InvalidInput) as caught:
                self.run_kind("scores", path, dry_run=dry_run)
            found.append([(p.line, p.column, p.message) for p in caught.exception.problems])
        self.assertEqual(found[0], found[1])
        self.assertEqual(len(found[0]), 4)  # 101; third_party takes ballots, nobody, x
        self.assertEqual(stored()[-2:], (0, 0))

    def test_the_sink_gets_every_problem_past_the_reporting_limit(self) -> None:
        rows = [["code", "name", "parent", "group"]]
        rows += [[f"u{i}", "", "", ""] for i in range(MAX_REPORTED + 50)]  # every name missing
        path = self.csv_file(rows)
        every: list[InputProblem] = []
        collector = ProblemCollector(sink=every.append)
        with self.assertRaises(InvalidInput) as caught:
            self.run_kind("units", path, dry_run=True, problems=collector)
        self.assertEqual(caught.exception.total, MAX_REPORTED + 50)
        self.assertEqual(len(caught.exception.problems), MAX_REPORTED)
        self.assertEqual(len(every), MAX_REPORTED + 50)
        self.assertEqual([p.line for p in every], list(range(2, MAX_REPORTED + 52)))
        self.assertEqual({p.column for p in every}, {"name"})
        self.assertEqual(caught.exception.problems, every[:MAX_REPORTED])
