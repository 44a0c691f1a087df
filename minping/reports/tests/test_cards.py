"""Unit report cards (单位成绩单): what each says, comments only behind enough ballots,
the liaison's own card from the portal, and every card in one ZIP."""

from __future__ import annotations

import io
import zipfile

from django.test import override_settings
from django.urls import reverse

from minping.campaigns.models import Campaign, Method
from minping.reports.cards import CardMaker, write_cards_zip
from minping.reports.docx_layout import docx_bytes
from minping.reports.tests import files
from minping.reports.tests.small_campaign import (
    GAJ_COMMENT,
    MZJ_COMMENT,
    Built,
    build_small_campaign,
)
from minping.scoring.actions import do_compute_results
from minping.test import BaseTestCase


class CardContentTest(BaseTestCase):
    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()

    def card_text(self, code: str) -> str:
        maker = CardMaker(self.built.campaign, self.built.snapshot)
        return files.text_of(files.open_docx(docx_bytes(maker.card(code))))

    def test_rank_of_group_size_grade_methods_and_change(self) -> None:
        text = self.card_text("gaj")
        self.assertIn("公安局在机关单位中排第 1 名(共 3 个单位),综合得分 88.00 分", text)
        self.assertIn("等次为优秀", text)
        # survey 100.00 is first of 3 in agencies; online 80.00 last of 3.
        self.assertIn("问卷评议\t40%\t100.00\t第 1 名/共 3 个\t5\t100.00%", text)
        self.assertIn("网络评议\t60%\t80.00\t第 3 名/共 3 个\t—\t—", text)
        self.assertIn("综合得分上升 +3.00 分(上年 85.00 分)", text)
        self.assertIn("列为下年度重点跟踪对象", text)  # last on 网络评议 in its group

    def test_indicators_against_the_group_average_and_the_weakest_named(self) -> None:
        doc = files.open_docx(
            docx_bytes(CardMaker(self.built.campaign, self.built.snapshot).card("jtj"))
        )
        rows = files.table_after(doc, "各项评议内容得分与本组平均")
        # jtj a = 80, agencies (100 + 80 + 60) / 3 = 80.00; b = 60, (100 + 60 + 60) / 3 = 73.33.
        self.assertEqual(rows[1], ["四风整治", "80.00", "80.00", "+0.00"])
        self.assertEqual(rows[2], ["服务态度", "60.00", "73.33", "-13.33"])
        text = files.text_of(doc)
        self.assertIn("低于本组平均较多的是“服务态度”(60.00 分,本组平均 73.33 分)", text)
        deductions = files.table_after(doc, "计入的减分")
        self.assertEqual(deductions[1][1:4], ["2018-09-01", "3", "0.30"])
        self.assertIn("合计减 0.30 分", text)

    def test_a_vetoed_unit_shows_unsatisfactory_and_why(self) -> None:
        text = self.card_text("water")
        self.assertIn("排第 1 名(共 2 个单位)", text)
        self.assertIn("等次为不满意(一票否决)", text)
        self.assertIn("因工作人员年内被纪检监察机关立案,本单位被一票否决,等次评为不满意", text)

    def test_a_unit_that_lost_eligibility_says_so_with_the_reason(self) -> None:
        text = self.card_text("gas")
        self.assertIn("本单位已被取消评优资格(原因:组织拉票),不参加优秀评定", text)
        self.assertNotIn("等次为优秀", text)

    def test_cases_received_on_time_and_rectified(self) -> None:
        text = self.card_text("gaj")
        # 3 cases: 2 answered, 1 of them late → 1 on time (50.0%); 1 closed (33.3%).
        self.assertIn("群众反映问题 3 件,已答复 2 件,其中按时答复 1 件(按时答复率 50.0%)", text)
        self.assertIn("已整改销号 1 件(办结率 33.3%)", text)

    def test_comments_are_printed_only_behind_enough_ballots(self) -> None:
        # gaj: 5 accepted ballots, threshold 5: its comment is printed.
        gaj = self.card_text("gaj")
        self.assertIn(GAJ_COMMENT, gaj)
        # mzj: 3 ballots: one comment among three could point at its writer.
        mzj = self.card_text("mzj")
        self.assertNotIn(MZJ_COMMENT, mzj)
        self.assertIn("有效答卷少于 5 份的民政局的意见建议不予列出", mzj)

    def test_the_threshold_is_the_collection_pages_setting(self) -> None:
        with override_settings(MINPING_CATEGORY_THRESHOLD=3):
            self.assertIn(MZJ_COMMENT, self.card_text("mzj"))
        with override_settings(MINPING_CATEGORY_THRESHOLD=6):
            self.assertNotIn(GAJ_COMMENT, self.card_text("gaj"))


class CardsZipTest(BaseTestCase):
    built: Built

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()

    def zipped(self, fmt: str) -> zipfile.ZipFile:
        out = io.BytesIO()
        count = write_cards_zip(self.built.campaign, self.built.snapshot, fmt, out)
        self.assertEqual(count, 5)
        return zipfile.ZipFile(io.BytesIO(out.getvalue()))

    def test_one_word_card_per_ranked_unit_each_opens(self) -> None:
        archive = self.zipped("docx")
        self.assertEqual(
            sorted(archive.namelist()),
            [
                "机关单位/001 公安局.docx",
                "机关单位/002 交通局.docx",
                "机关单位/003 民政局.docx",
                "重点行业/001 水务集团.docx",
                "重点行业/002 燃气公司.docx",
            ],
        )
        for name in archive.namelist():
            doc = files.open_docx(archive.read(name))
            unit = name.split(" ", 1)[1].removesuffix(".docx")
            self.assertEqual(doc.paragraphs[0].text, f"{unit}评议结果")

    def test_pdf_cards_open_as_a4_with_their_units_name(self) -> None:
        archive = self.zipped("pdf")
        self.assertEqual(len(archive.namelist()), 5)
        for name in archive.namelist():
            reader = files.open_pdf(archive.read(name))
            page = reader.pages[0]
            self.assertAlmostEqual(float(page.mediabox.width), files.A4_POINTS[0], places=1)
            unit = name.split(" ", 1)[1].removesuffix(".pdf")
            self.assertIn(f"{unit}评议结果", page.extract_text())
            self.assertIn("— 1 —", page.extract_text())


class PortalCardTest(BaseTestCase):
    """The liaison of gaj downloads gaj's card once results are released, and nothing else."""

    def url(self, unit: str, fmt: str = "docx", code: str = "t-2018") -> str:
        return reverse("unit-card", kwargs={"code": code, "unit": unit, "fmt": fmt})

    def test_liaison_downloads_own_card_once_released(self) -> None:
        build_small_campaign(publish=True)
        self.client.force_login(self.liaison)
        response = self.client.get(self.url("gaj"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn("%E5%85%AC%E5%AE%89%E5%B1%80", response["Content-Disposition"])  # 公安局
        doc = files.open_docx(response.content)
        self.assertEqual(doc.paragraphs[0].text, "公安局评议结果")
        pdf = self.client.get(self.url("gaj", "pdf"))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertIn("公安局评议结果", files.open_pdf(pdf.content).pages[0].extract_text())
        # The portal page offers it.
        page = self.client.get(reverse("console:portal-unit", kwargs={"unit": "gaj"}))
        self.assertContains(page, self.url("gaj", "pdf"))

    def test_another_units_card_is_not_found(self) -> None:
        build_small_campaign(publish=True)
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get(self.url("water")).status_code, 404)
        self.assertEqual(self.client.get(self.url("jtj")).status_code, 404)

    def test_no_card_before_results_are_released(self) -> None:
        build_small_campaign(publish=False)
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get(self.url("gaj")).status_code, 404)
        self.client.force_login(self.organiser)
        self.assertEqual(self.client.get(self.url("gaj")).status_code, 404)

    def test_the_public_never_gets_a_card(self) -> None:
        build_small_campaign(publish=True)
        response = self.client.get(self.url("gaj"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])


class CardOwnIndicatorsTest(BaseTestCase):
    """Version 2: a group's indicator table lists what its methods ask (issue 13 item 16)."""

    def test_an_indicator_the_method_does_not_ask_is_neither_scored_nor_listed(self) -> None:
        built = build_small_campaign(publish=False)
        Campaign.objects.filter(pk=built.campaign.pk).update(format=2)
        Method.objects.filter(campaign=built.campaign, code="survey").update(indicators=["a"])
        snapshot = do_compute_results(built.campaign)
        # The five units' b answers (5 + 5 + 3 + 5 + 5 = 23) are left out, and said so.
        self.assertIn(
            "23 条答案评的是评议方法“问卷评议”不问的评议内容(服务态度),未计入",
            snapshot.results["notes"],
        )
        doc = files.open_docx(docx_bytes(CardMaker(built.campaign, snapshot).card("jtj")))
        rows = files.table_after(doc, "各项评议内容得分与本组平均")
        # jtj a = 80, agencies (100 + 80 + 60) / 3 = 80.00; b is not asked: no row.
        self.assertEqual(rows[1:], [["四风整治", "80.00", "80.00", "+0.00"]])
