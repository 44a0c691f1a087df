"""The analysis report of a small campaign worked out by hand (see small_campaign.py).

The Word and PDF files are made once for the class and reopened (python-docx, pypdf).
"""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

from django.test import override_settings

from minping.reports import fonts
from minping.reports.analysis import analysis_report
from minping.reports.docx_layout import docx_bytes
from minping.reports.figures import indicator_means, read_snapshot
from minping.reports.fonts import FontMissing
from minping.reports.pdf_layout import pdf_bytes
from minping.reports.tests import files
from minping.reports.tests.small_campaign import Built, build_small_campaign
from minping.reports.wording import WordingError
from minping.test import BaseTestCase

SECTIONS = [
    "一、基本情况",
    "二、总体结果",
    "三、各组排名",
    "四、优秀、不满意和重点跟踪单位",
    "五、评议内容情况",
    "六、与上年比较",
    "七、减分和一票否决",
    "八、群众反映的问题",
    "附表",
]


class AnalysisReportTest(BaseTestCase):
    built: Built
    docx: bytes
    pdf: bytes

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.built = build_small_campaign()
        document = analysis_report(cls.built.campaign, cls.built.snapshot)
        cls.docx = docx_bytes(document)
        cls.pdf = pdf_bytes(document)

    # -- the figures, by hand -------------------------------------------------------------

    def test_mean_composite_and_grade_counts_match_the_working_by_hand(self) -> None:
        text = files.text_of(files.open_docx(self.docx))
        # (88.00 + 81.70 + 75.00 + 78.00 + 75.00) / 5 = 79.54; agencies 244.70 / 3 = 81.57.
        self.assertIn("综合得分平均为 79.54 分", text)
        self.assertIn("机关单位平均 81.57 分", text)
        self.assertIn("重点行业平均 76.50 分", text)
        # 优秀 gaj; 不满意 mzj (lowest) and water (vetoed); 其余 jtj and gas.
        grades = files.table_after(files.open_docx(self.docx), "各组等次分布")
        self.assertEqual(grades[0], ["组别", "优秀", "不满意", "其余单位", "合计"])
        self.assertEqual(grades[-1], ["合计", "1", "2", "2", "5"])
        self.assertEqual(grades[1], ["机关单位", "1", "1", "1", "3"])

    def test_indicator_scores_pool_the_answers_and_average_the_units(self) -> None:
        snap = read_snapshot(
            self.built.snapshot.results, self.built.snapshot.breakdown, [("a", ""), ("b", "")]
        )
        agencies = snap.groups[0]
        # a: (100 + 80 + 60) / 3 = 80.00; b: (100 + 60 + 60) / 3 = 73.33.
        self.assertEqual(
            indicator_means(agencies.ranked, ["a", "b"]),
            {"a": Decimal("80.00"), "b": Decimal("73.33")},
        )
        rows = files.table_after(files.open_docx(self.docx), "各项评议内容得分")
        # All five units: a (100+80+60+100+30)/5 = 74.00, b (100+60+60+80+60)/5 = 72.00;
        # industries a (100+30)/2 = 65.00, b (80+60)/2 = 70.00.
        self.assertEqual(rows[1], ["四风整治", "74.00", "80.00", "65.00"])
        self.assertEqual(rows[2], ["服务态度", "72.00", "73.33", "70.00"])
        text = files.text_of(files.open_docx(self.docx))
        self.assertIn("得分最低的是“服务态度”(72.00 分)", text)

    # -- the Word file --------------------------------------------------------------------

    def test_sections_come_in_order(self) -> None:
        self.assertEqual(files.headings(files.open_docx(self.docx)), SECTIONS)

    def test_ranking_tables_equal_the_snapshots_figures(self) -> None:
        doc = files.open_docx(self.docx)
        for group, caption in [
            ("agencies", "机关单位综合得分排名"),
            ("industries", "重点行业综合得分排名"),
        ]:
            rows = files.table_after(doc, caption)
            self.assertEqual(rows[0][:2], ["排名", "单位"])
            self.assertEqual(rows[0][-3:], ["综合得分", "等次", "较上年"])
            units = [u for u in self.built.snapshot.results["units"] if u["group"] == group]
            self.assertEqual(len(rows) - 1, len(units))
            for row, unit in zip(rows[1:], units, strict=True):
                self.assertEqual(row[0], str(unit["rank"]))
                self.assertEqual(row[1], unit["name"])
                self.assertEqual(row[2], f"{unit['methods']['survey']['score']:.2f}")
                self.assertEqual(row[3], f"{unit['methods']['online']['score']:.2f}")
                self.assertEqual(row[-3], f"{unit['composite']:.2f}")
        agencies = files.table_after(doc, "机关单位综合得分排名")
        self.assertEqual(
            agencies[1][1:], ["公安局", "100.00", "80.00", "0", "88.00", "优秀", "+3.00"]
        )
        self.assertEqual(agencies[2][-4:], ["0.30", "81.70", "", "-2.30"])
        industries = files.table_after(doc, "重点行业综合得分排名")
        self.assertEqual(industries[1][-3:-1], ["78.00", "不满意(一票否决)"])

    def test_deductions_vetoes_and_cases_are_listed_with_their_reasons(self) -> None:
        doc = files.open_docx(self.docx)
        deductions = files.table_after(doc, "计入的减分")
        self.assertEqual(deductions[1][0], "交通局")
        self.assertIn("不配合采访", deductions[1][1])
        self.assertEqual(deductions[1][3:5], ["3", "0.30"])
        self.assertEqual(deductions[1][5], "银川日报 2018-09-01")
        vetoes = files.table_after(doc, "一票否决")
        self.assertEqual(vetoes[1][:2], ["水务集团", "工作人员年内被纪检监察机关立案"])
        text = files.text_of(doc)
        # 3 cases, 2 answered (1 late): on time 1 / 2 = 50.0%; closed 1 / 3 = 33.3%.
        self.assertIn("按时答复率 50.0%", text)
        self.assertIn("办结率 33.3%", text)
        self.assertIn("燃气公司因拉票或弄虚作假被取消评优资格", text)

    def test_ranking_says_which_places_cannot_be_told_apart(self) -> None:
        # Five questionnaires or fewer each (docs/statistics.md). Agencies: gaj 88.00 has a
        # composite standard error of 0.4 × 15.65 = 6.26 and jtj 81.70 one of 0.4 × 12.76 =
        # 5.10; 6.30 apart ≤ 1.96 × √(6.26² + 5.10²) = 15.8, and mzj (3 questionnaires) is
        # wider still: no two of the three can be told apart.
        text = files.text_of(files.open_docx(self.docx))
        self.assertIn(
            "按 95% 的把握,3 个单位的得分与相邻名次的单位分不出高低,即公安局(与第 1–3 名)、"
            "交通局(与第 1–3 名)、民政局(与第 1–3 名)。",
            text,
        )
        self.assertIn("公安局、交通局、民政局的问卷答卷少于 30 份,得分偶然性较大。", text)

    def test_year_on_year_names_risers_and_fallers(self) -> None:
        rows = files.table_after(files.open_docx(self.docx), "机关单位升降幅度较大的单位")
        self.assertEqual(rows[1], ["公安局", "88.00", "85.00", "+3.00"])
        self.assertEqual(rows[2], ["交通局", "81.70", "84.00", "-2.30"])

    def test_charts_are_inline_pictures(self) -> None:
        doc = files.open_docx(self.docx)
        # Grades, one ranking per group, the change, the indicators.
        self.assertEqual(len(doc.inline_shapes), 5)
        types = {
            rel.target_part.content_type
            for rel in doc.part.rels.values()
            if rel.is_external is False and "image" in rel.reltype
        }
        self.assertEqual(types, {"image/png"})
        captions = [p.text for p in doc.paragraphs if re.match(r"^图\d ", p.text)]
        self.assertEqual(
            captions,
            [
                "图1 各组等次分布",
                "图2 机关单位综合得分",
                "图3 重点行业综合得分",
                "图4 各项评议内容得分",
                "图5 综合得分较上年变化较大的单位",
            ],
        )

    def test_word_layout_is_a4_with_official_margins_and_east_asian_fonts(self) -> None:
        doc = files.open_docx(self.docx)
        section = doc.sections[0]

        def mm(length: Any) -> float:
            return round(length.mm, 1)  # Word stores twips: 210 mm comes back as 210.004

        self.assertEqual((mm(section.page_width), mm(section.page_height)), (210, 297))
        self.assertEqual((mm(section.top_margin), mm(section.left_margin)), (37, 28))
        # 210 − 28 − 26 = 156 mm wide, 297 − 37 − 35 = 225 mm high: the text block.
        self.assertEqual((mm(section.right_margin), mm(section.bottom_margin)), (26, 35))
        styles = doc.styles
        self.assertEqual(files.east_asian_font(styles["公文正文"]), "仿宋_GB2312")
        self.assertEqual(files.east_asian_font(styles["公文标题"]), "方正小标宋简体")
        self.assertEqual(files.east_asian_font(styles["公文一级标题"]), "黑体")
        self.assertEqual(files.east_asian_font(styles["公文二级标题"]), "楷体_GB2312")
        self.assertEqual(styles["公文正文"].font.size.pt, 16)
        title = doc.paragraphs[0]
        self.assertEqual(
            (title.text, title.style.name), ("t-2018 群众评议机关作风分析报告", "公文标题")
        )

    def test_word_page_numbers_are_a_page_field_between_dashes(self) -> None:
        doc = files.open_docx(self.docx)
        for footer in (doc.sections[0].footer, doc.sections[0].even_page_footer):
            xml = footer.paragraphs[0]._p.xml
            self.assertIn("PAGE", xml)
            self.assertEqual(footer.paragraphs[0].text, "— 1 —")
        self.assertTrue(doc.settings.odd_and_even_pages_header_footer)

    # -- the PDF ----------------------------------------------------------------------------

    def test_pdf_is_a4_with_chinese_text_and_page_numbers(self) -> None:
        reader = files.open_pdf(self.pdf)
        self.assertGreater(len(reader.pages), 3)
        for number, page in enumerate(reader.pages, 1):
            box = page.mediabox
            self.assertAlmostEqual(float(box.width), files.A4_POINTS[0], places=1)
            self.assertAlmostEqual(float(box.height), files.A4_POINTS[1], places=1)
            self.assertIn(f"— {number} —", page.extract_text())
        first = reader.pages[0].extract_text()
        self.assertIn("分析报告", first)
        self.assertIn("基本情况", first)
        # Justified lines come out with extra spaces; the words and figures are all there.
        whole = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
        self.assertIn("综合得分平均为79.54分", whole)
        self.assertIn("交通局70.0090.000.3081.70", whole)

    def test_pdf_embeds_the_installed_stand_in_for_each_face(self) -> None:
        embedded = files.pdf_fonts(files.open_pdf(self.pdf))
        body = fonts.drawn_font("body")
        self.assertIsNotNone(body, "no Chinese font installed")
        assert body is not None
        self.assertTrue(any(body.replace(" ", "-") in name for name in embedded), (body, embedded))

    # -- the office's own words ------------------------------------------------------------

    def test_an_offices_template_replaces_the_wording(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "reports" / "analysis" / "overall.txt"
            path.parent.mkdir(parents=True)
            path.write_text(
                "# 二、总体情况\n全市参评单位平均得分 {{ overall.mean }} 分,总体平稳。\n"
                "[[table:grades]]\n",
                encoding="utf-8",
            )
            with override_settings(MINPING_REPORT_TEMPLATES=folder):
                document = analysis_report(self.built.campaign, self.built.snapshot)
        text = files.text_of(files.open_docx(docx_bytes(document)))
        self.assertIn("全市参评单位平均得分 79.54 分,总体平稳。", text)
        self.assertIn("二、总体情况", document.headings(1))
        self.assertNotIn("中位数", text)  # the shipped sentence is gone
        self.assertIn("一、基本情况", document.headings(1))  # the other sections are kept

    def test_a_template_naming_a_missing_table_is_refused_in_plain_words(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "reports" / "analysis" / "cases.txt"
            path.parent.mkdir(parents=True)
            path.write_text("# 八、问题\n[[table:no-such-table]]\n", encoding="utf-8")
            with (
                override_settings(MINPING_REPORT_TEMPLATES=folder),
                self.assertRaisesMessage(WordingError, "不存在的表格“no-such-table”"),
            ):
                analysis_report(self.built.campaign, self.built.snapshot)

    def test_no_chinese_font_for_the_charts_is_a_clear_failure(self) -> None:
        fonts._chart_font_file.cache_clear()
        self.addCleanup(fonts._chart_font_file.cache_clear)
        with (
            override_settings(MINPING_REPORT_FONTS={"chart": ["没有这种字体"]}),
            mock.patch.object(fonts, "installed_families", return_value=frozenset()),
            self.assertRaisesMessage(FontMissing, "fonts-wqy-microhei"),
        ):
            analysis_report(self.built.campaign, self.built.snapshot)
