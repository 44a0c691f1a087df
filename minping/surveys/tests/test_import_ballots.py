import datetime
import tracemalloc
import uuid
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minping.audit.models import AuditEntry
from minping.campaigns.batches import AlreadyImported
from minping.campaigns.models import ImportBatch
from minping.lib.errors import InvalidInput
from minping.lib.tests.import_fixtures import FilesMixin, make_campaign
from minping.orgs.models import Group, Unit
from minping.surveys import importers
from minping.surveys.actions import do_import_ballots
from minping.surveys.models import Answer, Ballot
from minping.test import BaseTestCase

HEADER = ["ballot", "method", "unit", "indicator", "level"]


def questionnaire(key: str, unit: str = "gaj", method: str = "third_party") -> list[list[str]]:
    """One ballot answering all three indicators."""
    return [
        [key, method, unit, "sifeng", "好"],
        [key, method, unit, "sanbuwei", "较好"],
        [key, method, unit, "fuwu", "差"],
    ]


class BallotImportTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign(exclude=["bank"])

    def problems(self, path: Path, **kwargs: Any) -> list[tuple[int | None, str, str]]:
        """Import a bad file; check nothing was stored; the problems as (line, column, message)."""
        with self.assertRaises(InvalidInput) as caught:
            do_import_ballots(self.campaign, path, **kwargs)
        self.assertEqual(Ballot.objects.count(), 0)
        self.assertEqual(Answer.objects.count(), 0)
        self.assertEqual(ImportBatch.objects.count(), 0)
        self.assertFalse(AuditEntry.objects.filter(action="import.ballots").exists())
        return [(p.line, p.column, p.message) for p in caught.exception.problems]

    def test_ballots_are_stored_with_fresh_ids_the_import_day_and_channel(self) -> None:
        file_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        path = self.csv_file(
            [HEADER, *questionnaire(file_ids[0]), *questionnaire(file_ids[1], unit="gaj-w1")]
        )
        summary = do_import_ballots(self.campaign, path, actor=self.organiser)
        self.assertEqual(summary.counts, {"ballots": 2, "answers": 6})
        self.assertEqual(summary.text, "已导入 2 份答卷(6 条答案)到 yc-2018 / 第三方测评")
        ballots = list(Ballot.objects.all())
        self.assertEqual(len(ballots), 2)
        self.assertFalse({str(b.id) for b in ballots} & set(file_ids))
        self.assertEqual({b.id.version for b in ballots}, {4})
        for ballot in ballots:
            self.assertEqual(ballot.date, datetime.date.today())
            self.assertEqual(ballot.channel, "import")
            self.assertEqual(ballot.answers.count(), 3)
            self.assertEqual(
                set(ballot.answers.values_list("unit_id", "method_id", "campaign_id")),
                {(ballot.unit_id, ballot.method_id, self.campaign.pk)},
            )
        by_unit = {b.unit.code: b for b in ballots}
        levels = dict(by_unit["gaj"].answers.values_list("indicator__code", "level__label"))
        self.assertEqual(levels, {"sifeng": "好", "sanbuwei": "较好", "fuwu": "差"})

    def test_the_same_file_gives_other_ids_on_another_import(self) -> None:
        path = self.csv_file([HEADER, *questionnaire("1")])
        do_import_ballots(self.campaign, path)
        do_import_ballots(self.campaign, path, force=True)
        self.assertEqual(Ballot.objects.count(), 2)

    def test_audit_entry_and_import_batch(self) -> None:
        path = self.csv_file([HEADER, *questionnaire("1"), *questionnaire("2")], name="第三方.csv")
        summary = do_import_ballots(self.campaign, path, actor=self.organiser)
        batch = ImportBatch.objects.get()
        self.assertEqual(
            (batch.campaign, batch.kind, batch.filename, batch.rows, batch.sha256),
            (self.campaign, "ballots", "第三方.csv", 6, summary.sha256),
        )
        entry = AuditEntry.objects.get(action="import.ballots")
        self.assertEqual(entry.actor, self.organiser)
        self.assertEqual(entry.campaign_code, "yc-2018")
        self.assertEqual(entry.object_id, str(batch.pk))
        self.assertEqual(entry.detail["sha256"], summary.sha256)
        self.assertEqual(len(summary.sha256), 64)
        self.assertEqual(
            (entry.detail["ballots"], entry.detail["answers"], entry.detail["rows"]), (2, 6, 6)
        )
        # The file's ballot values are never written anywhere.
        self.assertNotIn('"1"', str(entry.detail))

    def test_the_same_file_twice_is_refused_unless_forced(self) -> None:
        path = self.csv_file([HEADER, *questionnaire("1")])
        do_import_ballots(self.campaign, path)
        with self.assertRaises(AlreadyImported) as caught:
            do_import_ballots(self.campaign, path)
        self.assertIn("--force", str(caught.exception.problems[0]))
        self.assertEqual(Ballot.objects.count(), 1)
        do_import_ballots(self.campaign, path, force=True)
        self.assertEqual(Ballot.objects.count(), 2)
        self.assertEqual(ImportBatch.objects.count(), 2)

    def test_the_same_file_may_go_into_another_campaign(self) -> None:
        path = self.csv_file([HEADER, *questionnaire("1")])
        do_import_ballots(self.campaign, path)
        do_import_ballots(make_campaign("yc-2019", year=2019), path)
        self.assertEqual(Ballot.objects.values("campaign").distinct().count(), 2)

    def test_interleaved_ballots_are_grouped_by_their_value(self) -> None:
        a, b = questionnaire("A"), questionnaire("B", unit="water", method="online")
        path = self.csv_file([HEADER, a[0], b[0], a[1], b[1], b[2], a[2]])
        summary = do_import_ballots(self.campaign, path)
        self.assertEqual(summary.counts, {"ballots": 2, "answers": 6})
        self.assertIn("third_party", summary.text.replace("第三方测评", "third_party"))
        for ballot in Ballot.objects.all():
            self.assertEqual(ballot.answers.count(), 3)
            self.assertEqual(
                set(ballot.answers.values_list("unit_id", flat=True)), {ballot.unit_id}
            )

    def test_interleaving_across_stored_batches(self) -> None:
        # A tiny batch makes the first rows of "A" reach the database before "A" comes back.
        a, b = questionnaire("A"), questionnaire("B", unit="water")
        path = self.csv_file([HEADER, a[0], a[1], *b, a[2]])
        with mock.patch.object(importers, "BATCH", 2):
            do_import_ballots(self.campaign, path)
        self.assertEqual(Ballot.objects.count(), 2)
        self.assertEqual(
            sorted(Ballot.objects.values_list("answers__indicator__code", "unit__code")),
            sorted([(i, u) for u in ("gaj", "water") for i in ("fuwu", "sanbuwei", "sifeng")]),
        )

    def test_false_positives_of_the_seen_filter_change_nothing(self) -> None:
        a, b = questionnaire("A"), questionnaire("B", unit="water")
        path = self.csv_file([HEADER, a[0], *b, a[1], a[2], *questionnaire("C")])
        with mock.patch.object(importers.SeenFilter, "__contains__", return_value=True):
            summary = do_import_ballots(self.campaign, path)
        self.assertEqual(summary.counts, {"ballots": 3, "answers": 9})
        self.assertEqual(
            sorted(Ballot.objects.values_list("unit__code", flat=True)), ["gaj", "gaj", "water"]
        )
        for ballot in Ballot.objects.all():
            self.assertEqual(ballot.answers.count(), 3)

    def test_the_seen_filter_remembers_what_it_was_given(self) -> None:
        seen = importers.SeenFilter(1 << 20)
        self.assertEqual(len(seen.bits), (1 << 20) // 8)
        numbers = [int.from_bytes(uuid.uuid4().bytes, "little") for _ in range(1000)]
        for number in numbers[:500]:
            seen.add(number)
        self.assertTrue(all(n in seen for n in numbers[:500]))
        self.assertLess(sum(n in seen for n in numbers[500:]), 5)
        self.assertEqual(len(importers.SeenFilter(10**12).bits), 1 << 24)  # 16 MiB at most

    def test_a_returning_ballot_must_keep_its_unit_and_answer_each_indicator_once(self) -> None:
        a = questionnaire("A")
        path = self.csv_file(
            [
                HEADER,
                a[0],
                *questionnaire("B", unit="water"),
                ["A", "third_party", "water", "sanbuwei", "好"],
                ["A", "third_party", "gaj", "sifeng", "好"],
            ]
        )
        with mock.patch.object(importers, "BATCH", 1):
            problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems], [(6, "unit"), (7, "indicator")]
        )
        self.assertIn("此前导入的行评的是“gaj”,这里是“water”", problems[0][2])
        self.assertIn("答卷“A”此前已回答过指标“sifeng”", problems[1][2])

    def test_a_ballot_naming_two_units_or_methods_is_refused_at_the_line(self) -> None:
        path = self.csv_file(
            [
                HEADER,
                ["7", "third_party", "gaj", "sifeng", "好"],
                ["7", "third_party", "water", "sanbuwei", "好"],
                ["7", "online", "gaj", "fuwu", "好"],
                *questionnaire("8"),
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems], [(3, "unit"), (4, "method")]
        )
        self.assertIn("答卷“7”在第 2 行评的是“gaj”,这里是“water”", problems[0][2])
        self.assertIn("在第 2 行的评议方法是“third_party”,这里是“online”", problems[1][2])

    def test_an_indicator_twice_in_one_ballot(self) -> None:
        path = self.csv_file(
            [HEADER, ["1", "online", "gaj", "sifeng", "好"], ["1", "online", "gaj", "sifeng", "差"]]
        )
        self.assertEqual(
            self.problems(path), [(3, "indicator", "答卷“1”已在第 2 行回答过指标“sifeng”")]
        )

    def test_every_bad_cell_is_reported_with_line_and_column(self) -> None:
        Unit.objects.create(code="bank", name="银行", group=self.agencies)
        Unit.objects.create(code="bank-w1", name="银行窗口", parent=Unit.objects.get(code="bank"))
        Unit.objects.create(
            code="school", name="学校", group=Group.objects.create(code="edu", name="教育")
        )
        path = self.csv_file(
            [
                HEADER,
                ["1", "nope", "gaj", "sifeng", "好"],
                ["2", "leaders", "gaj", "sifeng", "好"],
                ["3", "online", "nowhere", "sifeng", "好"],
                ["4", "online", "bank", "sifeng", "好"],
                ["5", "online", "bank-w1", "sifeng", "好"],
                ["6", "online", "school", "sifeng", "好"],
                ["7", "online", "gaj", "nope", "好"],
                ["8", "online", "gaj", "sifeng", "很好"],
                ["", "online", "gaj", "sifeng", "好"],
                ["10", "", "gaj", "sifeng", ""],
                *questionnaire("ok"),
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems],
            [
                (2, "method"),
                (3, "method"),
                (4, "unit"),
                (5, "unit"),
                (6, "unit"),
                (7, "unit"),
                (8, "indicator"),
                (9, "level"),
                (10, "ballot"),
                (11, "method"),
                (11, "level"),
            ],
        )
        messages = [message for _, _, message in problems]
        self.assertIn(
            "本活动没有评议方法“nope”;评议方法有:third_party、online、leaders", messages[0]
        )
        self.assertIn("直接录入得分", messages[1])
        self.assertIn("没有代码为“nowhere”的评议对象", messages[2])
        self.assertIn("不参加本次活动", messages[3])
        self.assertIn("其上级“bank”", messages[4])
        self.assertIn("属于组别“edu”", messages[5])
        self.assertIn("本活动没有评价等级“很好”;评价等级有:好、较好、一般、较差、差", messages[7])
        self.assertEqual(messages[9], "不能为空")

    def test_errors_after_stored_batches_still_store_nothing(self) -> None:
        rows = [HEADER] + [r for n in range(50) for r in questionnaire(str(n))]
        rows.append(["last", "third_party", "gaj", "sifeng", "好极了"])
        with mock.patch.object(importers, "BATCH", 7):
            problems = self.problems(self.csv_file(rows))
        self.assertEqual([(line, column) for line, column, _ in problems], [(152, "level")])

    def test_chinese_headers_gb18030_and_titles_for_codes(self) -> None:
        rows = [["答卷", "方法", "单位", "指标", "等级"]]
        rows += [
            ["甲", "网络评议", "gaj", "四风整治", "一般"],
            ["甲", "online", "gaj", "fuwu", "差"],
        ]
        rows += [["乙", "网络评议", "gaj", "坏指标", "一般"]]
        path = self.csv_file(rows, encoding="gb18030")
        problems = self.problems(path)
        self.assertEqual(problems[0][:2], (4, "指标"))
        rows.pop()
        do_import_ballots(self.campaign, self.csv_file(rows, name="ok.csv", encoding="gb18030"))
        ballot = Ballot.objects.get()
        self.assertEqual(ballot.method.code, "online")
        self.assertEqual(ballot.answers.count(), 2)

    def test_xlsx(self) -> None:
        path = self.xlsx_file(
            [
                HEADER,
                [1001, "online", "water", "sifeng", "好"],
                [1001, "online", "water", "fuwu", "好"],
            ]
        )
        self.assertEqual(
            do_import_ballots(self.campaign, path).counts, {"ballots": 1, "answers": 2}
        )

    def test_optional_category_and_date(self) -> None:
        header = [*HEADER, "category", "date"]
        path = self.csv_file(
            [
                header,
                ["1", "online", "gaj", "sifeng", "好", "企业办事员", "2018/09/03"],
                ["1", "online", "gaj", "fuwu", "好", "企业办事员", "2018/09/03"],
                ["2", "online", "gaj", "fuwu", "好", "", ""],
            ]
        )
        do_import_ballots(self.campaign, path)
        stored = dict(Ballot.objects.values_list("category", "date"))
        self.assertEqual(
            stored, {"企业办事员": datetime.date(2018, 9, 3), "": datetime.date.today()}
        )

    def test_category_and_date_must_agree_within_a_ballot(self) -> None:
        header = [*HEADER, "类别", "日期"]
        path = self.csv_file(
            [
                header,
                ["1", "online", "gaj", "sifeng", "好", "居民", "2018-09-03"],
                ["1", "online", "gaj", "fuwu", "好", "干部", "2018-09-31"],
            ]
        )
        problems = self.problems(path)
        self.assertEqual(
            [(line, column) for line, column, _ in problems],
            [(3, "日期"), (3, "类别"), (3, "日期")],
        )
        self.assertIn("9 月只有 30 天", problems[0][2])


@pytest.mark.slow
class LargeFileTest(FilesMixin, BaseTestCase):
    def test_memory_stays_small_for_a_large_file(self) -> None:
        campaign = make_campaign()
        path = self.dir / "large.csv"
        with path.open("w", encoding="utf-8") as f:
            f.write(",".join(HEADER) + "\n")
            for n in range(20_000):
                unit = ("gaj", "water", "gaj-w1")[n % 3]
                for indicator in ("sifeng", "sanbuwei", "fuwu"):
                    f.write(f"Q{n},online,{unit},{indicator},较好\n")
        tracemalloc.start()
        try:
            summary = do_import_ballots(campaign, path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(summary.counts, {"ballots": 20_000, "answers": 60_000})
        self.assertEqual(Answer.objects.count(), 60_000)
        # Measured about 5 MB; holding every row or ballot would take tens of MB.
        self.assertLess(peak, 12 * 2**20)


class ImportCommandTest(FilesMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.campaign = make_campaign()

    def call(self, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("import", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_summary_on_success_and_refusal_of_the_same_file(self) -> None:
        path = self.csv_file([HEADER, *questionnaire("1"), *questionnaire("2")])
        out, err = self.call("ballots", "yc-2018", str(path))
        self.assertEqual(out.strip(), "已导入 2 份答卷(6 条答案)到 yc-2018 / 第三方测评")
        self.assertEqual(err, "")
        with self.assertRaisesMessage(CommandError, "data.csv 以前导入过,未作任何改动。"):
            self.call("ballots", "yc-2018", str(path))
        out, _ = self.call("ballots", "yc-2018", str(path), "--force")
        self.assertIn("已导入 2 份答卷", out)
        self.assertEqual(Ballot.objects.count(), 4)

    def test_bad_rows_are_listed_on_stderr(self) -> None:
        path = self.csv_file([HEADER, ["1", "online", "gaj", "sifeng", "极好"]], name="b.csv")
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "b.csv 有 1 处错误,未作任何改动。"):
            call_command("import", "ballots", "yc-2018", str(path), stdout=StringIO(), stderr=err)
        self.assertIn("第 2 行,“level”列:本活动没有评价等级“极好”", err.getvalue())

    def test_unknown_campaign_lists_the_known_ones(self) -> None:
        make_campaign("nt-2012", year=2012)
        with self.assertRaisesMessage(
            CommandError, "没有评议活动“yc-2017”。已有的活动:nt-2012、yc-2018"
        ):
            self.call("ballots", "yc-2017", "whatever.csv")

    def test_missing_file(self) -> None:
        with self.assertRaisesMessage(CommandError, "找不到文件"):
            self.call("ballots", "yc-2018", str(self.dir / "none.csv"))
