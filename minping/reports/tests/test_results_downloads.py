"""The ranking as Excel, PDF and CSV, and every answer for analysts: files reopened and checked
against the stored snapshot, and who may download what (R-37)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from minping.audit.models import AuditEntry
from minping.orgs.models import Unit
from minping.oversight.actions import do_record_person_award
from minping.oversight.models import Deduction, Review
from minping.reports.answers import HEADER as ANSWER_HEADER
from minping.reports.ranking import ranking
from minping.reports.ranking_files import ranking_pdf
from minping.reports.tests.small_campaign import DAY, Built, build_small_campaign
from minping.scoring.actions import do_compute_results
from minping.scoring.tests.db import make_campaign
from minping.surveys.models import Answer, Ballot
from minping.test import BaseTestCase

HEADER = [
    "排名",
    "单位",
    "综合得分",
    "等次",
    "问卷评议得分",
    "问卷评议排名",
    "网络评议得分",
    "网络评议排名",
    "加权得分",
    "减分",
    "同比",
    "说明",
]


class DownloadsTestCase(BaseTestCase):
    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()

    def get(self, path: str, user: object = None) -> bytes:
        if user is not None:
            self.client.force_login(user)  # type: ignore[arg-type]
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200, path)
        self.assertIn("attachment", response["Content-Disposition"])
        if response.streaming:
            return b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return response.content


class RankingWorkbookTest(DownloadsTestCase):
    def workbook(self, user: object = None) -> Any:
        data = self.get("/c/t-2018/results.xlsx", user or self.organiser)
        return load_workbook(io.BytesIO(data))

    def test_one_sheet_per_group_then_the_working(self) -> None:
        book = self.workbook()
        self.assertEqual(book.sheetnames, ["机关单位", "重点行业", "计算明细"])

    def test_title_row_header_and_figures_equal_to_the_snapshot(self) -> None:
        ws = self.workbook()["机关单位"]
        title = ws["A1"].value
        day = timezone.localtime(self.built.snapshot.computed_at).date()
        self.assertIn("t-2018 群众评议机关作风评议结果", title)
        self.assertIn(f"计算日期:{day.year}年{day.month}月{day.day}日", title)
        self.assertEqual([c.value for c in ws[2]], HEADER)
        rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
        self.assertEqual(list(rows), ["公安局", "交通局", "民政局"])
        stored = {u["name"]: u for u in self.built.snapshot.results["units"]}
        for name, row in rows.items():
            unit = stored[name]
            self.assertEqual(row[0], unit["rank"])
            self.assertEqual(row[2], unit["composite"])
            self.assertEqual(row[4], unit["methods"]["survey"]["score"])
            self.assertEqual(row[5], unit["method_ranks"]["survey"])
            self.assertEqual(row[6], unit["methods"]["online"]["score"])
            self.assertEqual(row[7], unit["method_ranks"]["online"])
            self.assertEqual(row[8], unit["weighted"])
        # By hand (small_campaign): gaj survey 100, online 80 (3rd of 80/90/85), weighted 88,
        # excellent, change 88.00 − 85.00 = 3.00; jtj deducted 0.1 × 3 = 0.30, change −2.30.
        self.assertEqual(rows["公安局"][:11], (1, "公安局", 88, "优秀", 100, 1, 80, 3, 88, 0, 3))
        # 说明: the marks of the results page in words. The small campaign has under 30
        # questionnaires per unit on 问卷评议, and three units that close cannot be told apart.
        self.assertEqual(rows["公安局"][11].split(";")[0], "与第 1–3 名差异不显著")
        self.assertIn("问卷评议答卷不足 30 份", rows["公安局"][11])
        self.assertEqual(rows["交通局"][9], 0.3)
        self.assertEqual(rows["交通局"][10], -2.3)
        self.assertEqual(rows["民政局"][3], "不满意")
        self.assertEqual(ws["C3"].number_format, "0.00")

    def test_person_awards_have_their_own_sheet(self) -> None:
        do_record_person_award(
            self.built.campaign,
            Unit.objects.get(name="公安局"),
            person="王芳",
            position="户政窗口负责人",
            award="优秀服务窗口负责人",
            actor=self.organiser,
        )
        book = self.workbook()
        self.assertEqual(book.sheetnames[-1], "个人表彰")
        rows = list(book["个人表彰"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(
            rows,
            [
                ("奖项", "姓名", "职务", "单位"),
                ("优秀服务窗口负责人", "王芳", "户政窗口负责人", "公安局"),
            ],
        )

    def test_a_vetoed_unit_is_unsatisfactory(self) -> None:
        ws = self.workbook()["重点行业"]
        rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
        self.assertEqual(rows["水务集团"][3], "不满意")
        self.assertIsNone(rows["燃气公司"][3])  # not excellent: lost eligibility

    def test_no_codes_anywhere(self) -> None:
        book = self.workbook()
        texts = [
            str(c.value)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str)
        ]
        joined = "\n".join(texts)
        for code in ["gaj", "jtj", "mzj", "water", "gas", "survey", "online", "no_interview"]:
            self.assertNotIn(code, joined)
        self.assertIsNone(re.search(r"[A-Za-z]{2,}", joined), joined)

    def test_working_sheet_in_chinese(self) -> None:
        ws = self.workbook()["计算明细"]
        self.assertEqual([c.value for c in ws[2]], ["单位", "项目", "计算过程"])
        items = [(r[0], r[1]) for r in ws.iter_rows(min_row=3, values_only=True)]
        self.assertIn(("公安局", "问卷评议得分(本单位答卷)"), items)
        self.assertIn(("公安局", "  四风整治"), items)
        self.assertIn(("交通局", "减分"), items)
        self.assertIn(("水务集团", "一票否决"), items)
        working = {(r[0], r[1]): r[2] for r in ws.iter_rows(min_row=3, values_only=True)}
        self.assertEqual(working[("公安局", "同比")], "88.00 − 85.00 = 3.00")

    def test_a_note_names_the_unit_not_its_code(self) -> None:
        campaign = self.built.campaign
        # A deduction recorded against the police bureau's window, which is not ranked itself:
        # the engine's note says "(gaj-w1, …)"; the workbook names 户政窗口.
        Deduction.objects.create(
            campaign=campaign,
            unit=self.gaj_window,
            rule=campaign.deduction_rules.get(code="no_interview"),
            date=DAY,
            count=1,
            status=Review.ACCEPTED,
        )
        snapshot = do_compute_results(campaign)
        self.assertTrue(any("gaj-w1" in n for n in snapshot.breakdown["notes"]))
        ws = self.workbook()["计算明细"]
        notes = [r[2] for r in ws.iter_rows(min_row=3, values_only=True) if r[1] == "说明"]
        self.assertTrue(any("户政窗口" in n for n in notes), notes)
        self.assertFalse(any("gaj" in n for n in notes), notes)

    def test_print_set_up(self) -> None:
        for ws in self.workbook().worksheets:
            self.assertEqual(ws.page_setup.orientation, "landscape")
            self.assertEqual(int(ws.page_setup.paperSize), 9)  # A4
            self.assertEqual(ws.page_setup.fitToWidth, 1)
            self.assertEqual(ws.page_setup.fitToHeight, 0)
            self.assertTrue(ws.sheet_properties.pageSetUpPr.fitToPage)
            self.assertEqual(ws.print_title_rows, "$1:$2")
            self.assertEqual(ws.freeze_panes, "A3")


class RankingPdfAndCsvTest(DownloadsTestCase):
    def test_pdf_is_a4_landscape_with_chinese_text_and_page_numbers(self) -> None:
        reader = PdfReader(io.BytesIO(self.get("/c/t-2018/results.pdf", self.leader)))
        page = reader.pages[0]
        self.assertAlmostEqual(float(page.mediabox.width), 841.89, delta=1)
        self.assertAlmostEqual(float(page.mediabox.height), 595.28, delta=1)
        text = "".join(p.extract_text() for p in reader.pages)
        for words in ["公安局", "水务集团", "综合得分", "问卷评议排名", "不满意", "第 1 页"]:
            self.assertIn(words, text)
        self.assertNotIn("survey", text)

    def test_long_ranking_repeats_title_header_and_numbers_every_page(self) -> None:
        campaign = make_campaign("t-2020", publish=True)
        units = [
            {
                "unit": f"u{i:03d}",
                "name": f"第{i}单位",
                "group": "agencies",
                "methods": {"survey": {"score": 90.0 - i / 10}, "online": {"score": 80.0}},
                "method_ranks": {"survey": i, "online": 1},
                "weighted": 84.0,
                "deductions": {},
                "composite": 84.0 - i / 10,
                "rank": i,
                "vetoed": False,
                "grade": None,
            }
            for i in range(1, 121)
        ]
        snapshot = campaign.snapshots.create(results={"campaign": "t-2020", "units": units})
        reader = PdfReader(io.BytesIO(ranking_pdf(ranking(campaign, snapshot))))
        pages = len(reader.pages)
        self.assertGreaterEqual(pages, 3)
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            self.assertIn("t-2020 群众评议机关作风评议结果", text)  # the running title
            self.assertIn("综合得分", text)  # the table header, repeated
            self.assertIn(f"第 {number} 页,共 {pages} 页", text)
            self.assertAlmostEqual(float(page.mediabox.width), 841.89, delta=1)

    def test_csv_as_the_results_command_writes_it(self) -> None:
        text = self.get("/c/t-2018/results.csv", self.organiser).decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"))
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        gaj = next(r for r in rows if r["单位代码 unit"] == "gaj")
        self.assertEqual(gaj["综合得分 composite"], "88.00")
        self.assertEqual(gaj["问卷评议排名 survey.rank"], "1")
        self.assertEqual(gaj["问卷评议答卷数 survey.ballots"], "5")
        self.assertEqual(len(rows), 5)


class WhoDownloadsTest(DownloadsTestCase):
    def test_liaison_gets_only_the_units_in_scope(self) -> None:
        text = self.get("/c/t-2018/results.csv", self.liaison).decode("utf-8")
        self.assertIn("公安局", text)
        self.assertNotIn("交通局", text)
        book = load_workbook(io.BytesIO(self.get("/c/t-2018/results.xlsx")))
        rows = [r[1] for r in book["机关单位"].iter_rows(min_row=3, values_only=True)]
        self.assertEqual(rows, ["公安局"])
        self.assertEqual(book.sheetnames, ["机关单位", "计算明细"])
        working = {r[0] for r in book["计算明细"].iter_rows(min_row=3, values_only=True)}
        self.assertIn("公安局", working)
        self.assertLessEqual(working, {"公安局", ""})  # "" is a note on the whole campaign

    def test_the_public_only_where_the_campaign_publishes(self) -> None:
        campaign = self.built.campaign
        campaign.refresh_from_db()
        self.assertFalse(campaign.publish)
        response = self.client.get("/c/t-2018/results.xlsx")
        self.assertEqual(response.status_code, 302)  # to sign in
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get("/c/t-2018/results.pdf").status_code, 404)
        campaign.publish = True
        campaign.save()
        self.client.logout()
        text = self.get("/c/t-2018/results.csv").decode("utf-8")
        self.assertIn("燃气公司", text)

    def test_the_public_never_sees_an_unpublished_computation(self) -> None:
        campaign = self.built.campaign
        campaign.refresh_from_db()
        campaign.publish = True
        campaign.save()
        later = campaign.snapshots.create(results={"units": []})
        response = self.client.get(f"/c/t-2018/results.csv?snapshot={later.pk}")
        self.assertIn("燃气公司", response.content.decode("utf-8"))

    def test_staff_download_any_computation(self) -> None:
        older = self.built.snapshot
        self.built.campaign.snapshots.create(results={"units": []})
        self.client.force_login(self.organiser)
        latest = self.client.get("/c/t-2018/results.csv").content.decode("utf-8")
        self.assertNotIn("公安局", latest)
        asked = self.client.get(f"/c/t-2018/results.csv?snapshot={older.pk}")
        self.assertIn("公安局", asked.content.decode("utf-8"))

    def test_unknown_format(self) -> None:
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get("/c/t-2018/results.exe").status_code, 404)
        self.assertEqual(self.client.get("/c/t-2018/answers.pdf").status_code, 404)


class AnswersTest(DownloadsTestCase):
    def rows(self, fmt: str = "csv") -> list[list[str]]:
        data = self.get(f"/c/t-2018/answers.{fmt}", self.organiser)
        if fmt == "csv":
            return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
        ws = load_workbook(io.BytesIO(data)).active
        return [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]

    def test_every_answer_and_nothing_that_names_a_ballot(self) -> None:
        rows = self.rows()
        self.assertEqual(rows[0], ANSWER_HEADER)
        # 5 + 5 + 3 + 5 + 5 = 23 ballots × 2 indicators = 46 answers.
        self.assertEqual(len(rows) - 1, Answer.objects.filter(campaign=self.built.campaign).count())
        self.assertEqual(len(rows) - 1, 46)
        self.assertIn(
            ["问卷评议", "gaj", "公安局", "四风整治", "好", "文件导入", "", "", "2018-09-01"], rows
        )
        ids = {str(b) for b in Answer.objects.values_list("ballot_id", flat=True)}
        self.assertFalse(ids & {cell for row in rows for cell in row})
        self.assertTrue(all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[-1]) for r in rows[1:]))

    def test_order_follows_the_columns_not_the_ballots(self) -> None:
        rows = self.rows()[1:]
        # Sorted by method, unit, indicator, level, channel, category, round, date (the
        # ids of method, unit, indicator and level): each unit's answers come together.
        ids = {u.code: u.pk for u in self.built.units.values()}
        units = [r[1] for r in rows]
        self.assertEqual(units, sorted(units, key=ids.__getitem__))
        gaj_a = [r[4] for r in rows if r[1] == "gaj" and r[3] == "四风整治"]
        self.assertEqual(gaj_a, ["好"] * 5)

    def test_xlsx_has_the_same_rows(self) -> None:
        self.assertEqual(self.rows("xlsx"), self.rows("csv"))

    def test_typed_text_never_becomes_a_formula(self) -> None:
        Ballot.objects.filter(unit__code="gaj").update(category='=HYPERLINK("http://x")')
        rows = self.rows()
        self.assertIn('\'=HYPERLINK("http://x")', [r[6] for r in rows])
        data = self.get("/c/t-2018/answers.xlsx", self.organiser)
        ws = load_workbook(io.BytesIO(data)).active
        cells = [r[6] for r in ws.iter_rows(min_row=2) if r[1].value == "gaj"]
        self.assertEqual({c.value for c in cells}, {'=HYPERLINK("http://x")'})
        self.assertEqual({c.data_type for c in cells}, {"s"})
        self.assertTrue(all(c.quotePrefix for c in cells))

    def test_each_export_is_audited(self) -> None:
        self.rows()
        entry = AuditEntry.objects.get(action="answers.export")
        self.assertEqual(entry.campaign_code, "t-2018")
        self.assertEqual(entry.actor, self.organiser)

    def test_only_organisers_and_leaders(self) -> None:
        for user in [self.liaison, self.outsider]:
            self.client.force_login(user)
            self.assertEqual(self.client.get("/c/t-2018/answers.csv").status_code, 403)
