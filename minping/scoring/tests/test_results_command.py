"""``minping results``: the JSON contract, CSV for Excel, the XLSX workbook, clear errors."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from minping.campaigns.models import Campaign, DeductionRule
from minping.orgs.models import Unit
from minping.oversight.models import Deduction, Review
from minping.scoring.models import ResultSnapshot
from minping.scoring.tests.db import cast, make_campaign, score
from minping.test import BaseTestCase

# DESIGN.md "Results JSON": every unit carries exactly these keys (more may be added).
UNIT_KEYS = {
    "eligible",  # added for R-39; the contract allows more keys
    "unit",
    "name",
    "group",
    "methods",
    "method_ranks",
    "weighted",
    "deductions",
    "composite",
    "rank",
    "vetoed",
    "grade",
    "watchlist",
    "baseline",
    "change",
}


class ResultsCommandTestCase(BaseTestCase):
    campaign: Campaign
    mzj: Unit

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mzj = Unit.objects.create(code="mzj", name="民政局", group=cls.agencies)
        c = cls.campaign = make_campaign("yc-2018", excellent=1, unsatisfactory=1, watchlist=1)
        # gaj via its window: 好, 较好 on a; 好, 好 on b → a 90, b 100 → 95.00; rate 100; 2 ballots
        cast(c, cls.gaj_window, "survey", {"a": "好", "b": "好"}, {"a": "较好", "b": "好"})
        # mzj: 一般 on both → 60.00; rate 0; 1 ballot
        cast(c, cls.mzj, "survey", {"a": "一般", "b": "一般"})
        # water: 较好 on both → 80.00
        cast(c, cls.water, "survey", {"a": "较好", "b": "较好"})
        score(c, cls.gaj, "90")
        score(c, cls.mzj, "85")
        score(c, cls.water, "70")
        rule = DeductionRule.objects.get(campaign=c, code="no_interview")
        Deduction.objects.create(
            campaign=c,
            unit=cls.gaj,
            rule=rule,
            date=date(2018, 5, 1),
            count=3,
            status=Review.ACCEPTED,
        )
        # gaj: 95 × 0.4 + 90 × 0.6 = 38 + 54 = 92.00; media 3 × 0.1 = 0.30 → 91.70
        # mzj: 60 × 0.4 + 85 × 0.6 = 24 + 51 = 75.00
        # water: 80 × 0.4 + 70 × 0.6 = 32 + 42 = 74.00 (alone in industries)

    def run_command(self, *args: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("results", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_json_matches_the_contract(self) -> None:
        out, _ = self.run_command("yc-2018")
        data = json.loads(out)
        self.assertEqual(data["campaign"], "yc-2018")
        for unit in data["units"]:
            self.assertEqual(UNIT_KEYS, set(unit))
        # Ordered by group (campaign order), then rank.
        self.assertEqual([u["unit"] for u in data["units"]], ["gaj", "mzj", "water"])
        gaj = data["units"][0]
        self.assertEqual(
            gaj,
            {
                "unit": "gaj",
                "name": "公安局",
                "group": "agencies",
                "methods": {
                    "survey": {
                        "score": 95.0,
                        "ballots": 2,
                        "satisfaction_rate": 100.0,
                        "source": "parts",
                    },
                    "online": {"score": 90.0},
                },
                "method_ranks": {"survey": 1, "online": 1},
                "weighted": 92.0,
                "deductions": {"media": 0.3},
                "composite": 91.7,
                "rank": 1,
                "vetoed": False,
                "grade": "excellent",
                "watchlist": [],
                "baseline": None,
                "change": None,
                "eligible": True,
            },
        )
        mzj = data["units"][1]
        # excellent = 1 → gaj; unsatisfactory = 1 → mzj; watchlist = 1 → mzj lowest on both.
        self.assertEqual((mzj["rank"], mzj["grade"]), (2, "unsatisfactory"))
        self.assertEqual(mzj["watchlist"], ["survey", "online"])
        # water alone in its group: excellent wins, it is not also unsatisfactory.
        self.assertEqual(data["units"][2]["grade"], "excellent")
        self.assertTrue(data["complete"])
        self.assertEqual(data["missing"], [])
        self.assertNotIn("breakdown", data)
        self.assertFalse(ResultSnapshot.objects.exists())  # read-only by default

    def test_json_numbers_are_rounded_numbers(self) -> None:
        out, _ = self.run_command("yc-2018")
        self.assertIn('"composite": 91.7', out)
        self.assertNotIn('"91.70"', out)

    def test_breakdown_flag(self) -> None:
        out, _ = self.run_command("yc-2018", "--breakdown")
        gaj = json.loads(out)["breakdown"]["units"]["gaj"]
        survey = gaj["methods"]["survey"]
        self.assertEqual(survey["parts"][0]["unit"], "gaj-w1")
        self.assertEqual(
            survey["parts"][0]["indicators"][0]["formula"], "(好 100×1 + 较好 80×1) / 2 = 90.00"
        )
        self.assertEqual(gaj["composite"], "92.00 − 0.30 = 91.70")
        self.assertTrue(gaj["deductions"][0]["counted"])

    def test_csv_opens_with_a_bom_and_the_figures(self) -> None:
        out, _ = self.run_command("yc-2018", "--format", "csv")
        self.assertTrue(out.startswith("\ufeff"))
        rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
        self.assertEqual(len(rows), 3)
        gaj = rows[0]
        self.assertEqual(gaj["组别 group"], "机关单位")
        self.assertEqual(gaj["单位代码 unit"], "gaj")
        self.assertEqual(gaj["问卷评议得分 survey.score"], "95.00")
        self.assertEqual(gaj["问卷评议答卷数 survey.ballots"], "2")
        self.assertEqual(gaj["银川市有关媒体减分 deduction.media"], "0.30")
        self.assertEqual(gaj["综合得分 composite"], "91.70")
        self.assertEqual(gaj["等次 grade"], "优秀")
        self.assertEqual(rows[1]["重点跟踪 watchlist"], "问卷评议、网络评议")

    def test_csv_file_and_format_from_the_extension(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "out.csv"
            _, err = self.run_command("yc-2018", "-o", str(path))
            self.assertIn("已写入", err)
            raw = path.read_bytes()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn("综合得分".encode(), raw)

    def test_xlsx_opens_again_with_the_right_figures(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "results.xlsx"
            self.run_command("yc-2018", "--format", "xlsx", "-o", str(path))
            wb = load_workbook(path)
        self.assertEqual(wb.sheetnames, ["机关单位", "重点行业", "计算明细"])
        ws = wb["机关单位"]
        header = [c.value for c in ws[1]]
        self.assertTrue(ws["A1"].font.b)
        self.assertEqual(ws.freeze_panes, "A2")
        row = dict(zip(header, [c.value for c in ws[2]], strict=True))
        self.assertEqual(row["单位代码 unit"], "gaj")
        self.assertEqual(row["综合得分 composite"], 91.7)
        self.assertEqual(row["排名 rank"], 1)
        self.assertEqual(ws.cell(2, header.index("综合得分 composite") + 1).number_format, "0.00")
        detail = [[c.value for c in r] for r in wb["计算明细"].iter_rows(min_row=2)]
        self.assertIn(["gaj", "公安局", "综合得分", "92.00 − 0.30 = 91.70"], detail)

    def test_xlsx_has_the_95_percent_intervals(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "results.xlsx"
            self.run_command("yc-2018", "--format", "xlsx", "-o", str(path))
            wb = load_workbook(path)
        ws = wb["机关单位"]
        header = [c.value for c in ws[1]]
        gaj, mzj = (
            dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(2, 3)
        )
        # mzj: one questionnaire, 一般 on both indicators: 60 ± 1.96 × 41.10 is cut at 0 and 100.
        self.assertEqual(mzj["问卷评议得分95%区间 survey.score_interval"], "0.00–100.00")
        self.assertRegex(gaj["综合得分95%区间 composite.interval"], r"^\d+\.\d\d–\d+\.\d\d$")
        # 91.70 against 75.00 with two and one questionnaires: no telling them apart.
        self.assertEqual(gaj["名次说明 place_note"], "与第 1–2 名差异不显著;问卷评议答卷不足 30 份")
        water = dict(
            zip(
                [c.value for c in wb["重点行业"][1]],
                [c.value for c in wb["重点行业"][2]],
                strict=True,
            )
        )
        self.assertEqual(water["名次说明 place_note"], "问卷评议答卷不足 30 份")

    def test_intervals_only_when_asked(self) -> None:
        plain, _ = self.run_command("yc-2018")
        self.assertNotIn("certainty", json.loads(plain))
        out, _ = self.run_command("yc-2018", "--intervals")
        data = json.loads(out)
        self.assertEqual({k: v for k, v in data.items() if k != "certainty"}, json.loads(plain))
        mzj = data["certainty"]["units"]["mzj"]
        self.assertEqual(mzj["methods"]["survey"]["score"], [0.0, 100.0])
        self.assertEqual(mzj["methods"]["survey"]["ballots"], 1)
        self.assertEqual(mzj["alike"], [1, 2])
        self.assertEqual(data["certainty"]["min_ballots"], 30)

    def test_xlsx_default_file_name(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            cwd = Path.cwd()
            os.chdir(tmp)
            try:
                _, err = self.run_command("yc-2018", "--format", "xlsx")
                self.assertTrue((Path(tmp) / "results-yc-2018.xlsx").exists())
            finally:
                os.chdir(cwd)
        self.assertIn("results-yc-2018.xlsx", err)

    def test_unknown_campaign_lists_the_known_ones(self) -> None:
        with self.assertRaises(CommandError) as caught:
            self.run_command("yc-2019")
        self.assertIn("找不到代码为“yc-2019”的评议活动", str(caught.exception))
        self.assertIn("yc-2018", str(caught.exception))

    def test_missing_input_is_listed_and_fails_unless_allowed(self) -> None:
        Unit.objects.create(code="jtj", name="交通局", group=self.agencies)
        err = io.StringIO()
        out = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("results", "yc-2018", stdout=out, stderr=err)
        self.assertIn("1 个单位缺少数据", str(caught.exception))
        self.assertIn("交通局及其下属窗口/站所均无“问卷评议”的答卷", err.getvalue())
        self.assertIn("交通局缺少“网络评议”的录入得分", err.getvalue())
        # The output is still written: the unit is listed with nulls and no rank.
        jtj = next(u for u in json.loads(out.getvalue())["units"] if u["unit"] == "jtj")
        self.assertEqual((jtj["composite"], jtj["rank"], jtj["grade"]), (None, None, None))
        self.assertEqual(
            jtj["methods"]["survey"], {"score": None, "ballots": 0, "satisfaction_rate": None}
        )

        out_text, _ = self.run_command("yc-2018", "--allow-missing")
        data: dict[str, Any] = json.loads(out_text)
        self.assertFalse(data["complete"])
        self.assertEqual({m["method"] for m in data["missing"]}, {"survey", "online"})

    def test_xlsx_lists_missing_inputs_on_their_own_sheet(self) -> None:
        Unit.objects.create(code="jtj", name="交通局", group=self.agencies)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "results.xlsx"
            self.run_command("yc-2018", "-o", str(path), "--allow-missing")
            wb = load_workbook(path)
        self.assertEqual(wb.sheetnames[-1], "缺少数据")
        rows = [[c.value for c in r] for r in wb["缺少数据"].iter_rows(min_row=2)]
        self.assertEqual([(r[0], r[3]) for r in rows], [("jtj", "survey"), ("jtj", "online")])
        # The unit stays in its group's table, with no composite and no rank.
        last = [c.value for c in list(wb["机关单位"].iter_rows())[-1]]
        self.assertEqual(last[1:3], [None, "jtj"])

    def test_save_stores_a_snapshot_through_the_action(self) -> None:
        _, err = self.run_command("yc-2018", "--save")
        snapshot = ResultSnapshot.objects.get()
        self.assertIn(f"#{snapshot.pk}", err)
        self.assertEqual(snapshot.results["units"][0]["composite"], 91.7)

    def test_help_is_in_chinese(self) -> None:
        from minping.scoring.management.commands.results import Command

        self.assertIn("计算并输出评议结果", Command.help)
