"""Reading and checking a campaign definition: every problem found, each with its line."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import SimpleTestCase

from minping.campaigns.definition import (
    CampaignDefinition,
    GroupDef,
    LineMap,
    decode_definition,
    parse_definition,
)
from minping.lib.errors import InvalidInput

# Shaped like the Yinchuan 2018 plan (seed 001), with its dates corrected.
YINCHUAN = """\
# 2018年银川市群众评议机关作风
code = "yc-2018"
title = "2018年银川市群众评议机关作风"
year = 2018
groups = [{code = "agencies", title = "市级机关单位"}, "industries"]
exclude = ["bank"]
publish = false
baseline = "yc-2017"

[scale]
levels = [{label = "好", points = 100}, {label = "较好", points = 80},
          {label = "一般", points = 60}, {label = "较差", points = 30},
          {label = "差", points = 0}]
satisfied = ["好", "较好"]

[[indicators]]
code = "sifeng"
title = "机关“四风”问题及新表现整治情况"

[[indicators]]
code = "sanbuwei"
title = "“三不为”问题整治情况"

[[indicators]]
code = "attitude"
title = "服务态度及精神面貌"
weight = 1.5

[[methods]]
code = "third_party"
title = "第三方测评"
weight = 25
input = "ballots"

[[methods]]
code = "service_centre"
title = "政务服务中心测评"
weight = 25

[[methods]]
code = "representatives"
title = "两代表一委员评议"
weight = 25.0

[[methods]]
code = "online"
title = "网络评议"
weight = 25
input = "scores"

[deductions]
from = 2017-12-01
to = 2018-11-30

[[deductions.sources]]
code = "media"
title = "银川市有关媒体"
cap = 5

[[deductions.sources]]
code = "discipline"
title = "纪检监察机关"

[[deductions.rules]]
code = "no_interview"
title = "不配合采访"
source = "media"
points = 0.1

[[deductions.rules]]
code = "unsolved"
title = "热线反映问题未在5个工作日内解决答复"
source = "media"
points = 0.1

[[deductions.rules]]
code = "repeat"
title = "推诿扯皮造成二次投诉"
source = "media"
points = 0.1

[[deductions.rules]]
code = "refuse_air"
title = "拒不上线"
source = "media"
points = 0.1

[[deductions.rules]]
code = "investigated"
title = "领导班子成员被纪委立案查处"
source = "discipline"
points = 1

[[deductions.rules]]
code = "criticised"
title = "被通报批评"
source = "discipline"
points = 0.5

[[vetoes]]
code = "case_filed"
title = "工作人员年内被纪检监察机关或司法机关立案"

[[vetoes]]
code = "bad_impact"
title = "失职渎职造成恶劣社会影响或引发群体性上访"

[grading]
excellent = 3
unsatisfactory = 3
watchlist = 3

[[stages]]
code = "mobilise"
title = "动员部署"
starts = 2018-05-01
ends = 2018-05-31

[[stages]]
code = "appraise"
title = "集中评议"
starts = 2018-09-01
ends = 2018-10-31
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced, so a test cannot silently miss."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """The line on which ``snippet`` occurs for the n-th time."""
    pos = -1
    for _ in range(occurrence):
        pos = text.index(snippet, pos + 1)
    return text.count("\n", 0, pos) + 1


class DefinitionTestCase(SimpleTestCase):
    def problems(self, text: str) -> list[str]:
        with self.assertRaises(InvalidInput) as caught:
            parse_definition(text, source="yc.toml")
        self.assertEqual(caught.exception.total, len(caught.exception.problems))
        return [str(p) for p in caught.exception.problems]

    def assertProblem(self, text: str, line: int | None, *fragments: str) -> None:
        """Exactly one problem, on ``line``, whose message has every fragment."""
        problems = self.problems(text)
        self.assertEqual(len(problems), 1, problems)
        prefix = f"第 {line} 行:" if line is not None else ""
        self.assertTrue(problems[0].startswith(prefix), problems)
        if line is None:
            self.assertNotIn("行:", problems[0])
        for fragment in fragments:
            self.assertIn(fragment, problems[0])


class ValidDefinitionTests(DefinitionTestCase):
    def test_full_example(self) -> None:
        d = parse_definition(YINCHUAN)
        self.assertIsInstance(d, CampaignDefinition)
        self.assertEqual((d.code, d.year, d.baseline), ("yc-2018", 2018, "yc-2017"))
        self.assertEqual(d.groups, (GroupDef("agencies", "市级机关单位"), GroupDef("industries")))
        self.assertEqual(d.exclude, ("bank",))
        self.assertEqual([i.code for i in d.indicators], ["sifeng", "sanbuwei", "attitude"])
        self.assertEqual([i.weight for i in d.indicators], [1, 1, Decimal("1.5")])
        self.assertEqual([m.weight for m in d.methods], [25] * 4)
        self.assertEqual([m.input for m in d.methods], ["ballots"] * 3 + ["scores"])
        self.assertEqual(d.satisfied, ["好", "较好"])
        self.assertEqual([lv.points for lv in d.levels], [100, 80, 60, 30, 0])
        self.assertEqual(
            (d.deductions_from, d.deductions_to),
            (datetime.date(2017, 12, 1), datetime.date(2018, 11, 30)),
        )
        media = d.sources[0]
        self.assertEqual((media.code, media.cap, d.sources[1].cap), ("media", 5, None))
        rules = {r.code: (r.source, r.points) for r in d.rules}
        self.assertEqual(rules["investigated"], ("discipline", 1))
        self.assertEqual(rules["criticised"], ("discipline", Decimal("0.5")))
        # Through str(), the float 0.1 is exactly one tenth, not 0.1000000000000000055….
        self.assertEqual(rules["no_interview"], ("media", Decimal("0.1")))
        self.assertEqual(str(rules["no_interview"][1]), "0.1")
        self.assertEqual([v.code for v in d.vetoes], ["case_filed", "bad_impact"])
        self.assertEqual(
            (d.grading.excellent, d.grading.unsatisfactory, d.grading.watchlist), (3, 3, 3)
        )
        self.assertEqual(d.stages[1].starts, datetime.date(2018, 9, 1))

    def test_minimal_file_takes_the_defaults(self) -> None:
        d = parse_definition(
            'code = "x"\ntitle = "X"\nyear = 2020\ngroups = ["a"]\n'
            '[[methods]]\ncode = "m"\ntitle = "M"\nweight = 100\ninput = "scores"\n'
        )
        self.assertEqual([lv.label for lv in d.levels], ["好", "较好", "一般", "较差", "差"])
        self.assertEqual(d.satisfied, ["好", "较好"])
        self.assertEqual((d.indicators, d.rules, d.publish, d.baseline), ((), (), False, ""))

    def test_fractional_weights_sum_exactly(self) -> None:
        # As floats 33.3 + 33.3 + 33.4 is 99.99999999999999; as decimals it is 100.
        text = edit(YINCHUAN, "weight = 25.0", "weight = 33.3")
        text = edit(
            text,
            'weight = 25\n\n[[methods]]\ncode = "representatives"',
            'weight = 33.4\n\n[[methods]]\ncode = "representatives"',
        )
        text = edit(text, 'weight = 25\ninput = "scores"', 'weight = 0\ninput = "scores"')
        text = edit(text, 'weight = 25\ninput = "ballots"', 'weight = 33.3\ninput = "ballots"')
        self.assertEqual(sum(m.weight for m in parse_definition(text).methods), 100)

    def test_quoted_iso_date_is_taken(self) -> None:
        d = parse_definition(edit(YINCHUAN, "to = 2018-11-30", 'to = "2018-11-30"'))
        self.assertEqual(d.deductions_to, datetime.date(2018, 11, 30))


class DateTests(DefinitionTestCase):
    def test_november_31_as_in_the_yinchuan_document(self) -> None:
        text = edit(YINCHUAN, "to = 2018-11-30", "to = 2018-11-31")
        self.assertProblem(
            text, line_of(text, "to = 2018-11-31"), "2018-11-31 不是有效日期(11 月只有 30 天)"
        )

    def test_every_impossible_date_and_other_problems_in_one_run(self) -> None:
        text = edit(YINCHUAN, "to = 2018-11-30", "to = 2018-11-31")
        text = edit(text, "ends = 2018-05-31", "ends = 2018-02-29")
        text = edit(text, "starts = 2018-09-01", "starts = 2018-13-01")
        text = edit(text, "year = 2018", "year = -1")
        self.assertEqual(
            self.problems(text),
            [
                f"第 {line_of(text, 'year =')} 行:year 不能为负数(现在是 -1)",
                f"第 {line_of(text, 'to = 2018')} 行:2018-11-31 不是有效日期(11 月只有 30 天)",
                f"第 {line_of(text, 'ends = 2018-02')} 行:2018-02-29 不是有效日期"
                "(2018 年 2 月只有 28 天)",
                f"第 {line_of(text, 'starts = 2018-13')} 行:2018-13-01 不是有效日期(月份应为 1–12)",
            ],
        )

    def test_impossible_quoted_date(self) -> None:
        text = edit(YINCHUAN, "to = 2018-11-30", 'to = "2018-11-31"')
        self.assertProblem(text, line_of(text, "to = "), "2018-11-31 不是有效日期")

    def test_datetime_is_not_a_date(self) -> None:
        text = edit(YINCHUAN, "to = 2018-11-30", "to = 2018-11-30T08:00:00")
        self.assertProblem(text, line_of(text, "to = "), "deductions.to 应为日期")

    def test_from_after_to(self) -> None:
        text = edit(YINCHUAN, "from = 2017-12-01", "from = 2018-12-01")
        self.assertProblem(text, line_of(text, "to = 2018"), "deductions.from(2018-12-01)晚于")

    def test_stage_starting_after_it_ends(self) -> None:
        text = edit(YINCHUAN, "ends = 2018-05-31", "ends = 2018-04-30")
        self.assertProblem(text, line_of(text, "ends = 2018-04-30"), "“mobilise”的开始日期")


class SyntaxTests(DefinitionTestCase):
    def test_syntax_error_gives_line_and_column_in_chinese(self) -> None:
        text = edit(YINCHUAN, 'title = "第三方测评"', "title = 第三方测评")
        line = line_of(text, "title = 第三方测评")
        self.assertProblem(text, line, "TOML 语法错误(第 9 列):值无效")

    def test_duplicate_key(self) -> None:
        text = edit(YINCHUAN, "year = 2018\n", "year = 2018\nyear = 2019\n")
        self.assertProblem(text, line_of(text, "year = 2019"), "同一个键赋值了两次")

    def test_two_statements_on_a_line(self) -> None:
        text = edit(YINCHUAN, "year = 2018", "year = 2018年")
        self.assertProblem(text, 4, "TOML 语法错误(第 12 列):一行只能写一个键值对")

    def test_chinese_quotes(self) -> None:
        text = edit(YINCHUAN, 'title = "纪检监察机关"', "title = “纪检监察机关”")
        self.assertProblem(text, line_of(text, "“纪检监察机关”"), "值无效", "英文双引号")


class ValueTests(DefinitionTestCase):
    def test_weights_not_summing_to_100_say_what_they_sum_to(self) -> None:
        text = edit(YINCHUAN, "weight = 25.0", "weight = 20")
        self.assertProblem(
            text, line_of(text, "[[methods]]"), "合计应为 100,现在是 95", "representatives 20"
        )

    def test_rule_naming_an_unknown_source(self) -> None:
        text = edit(YINCHUAN, 'source = "discipline"\npoints = 1', 'source = "jiwei"\npoints = 1')
        self.assertProblem(
            text, line_of(text, 'source = "jiwei"'), "不存在的减分来源“jiwei”", "discipline、media"
        )

    def test_negative_cap_and_points(self) -> None:
        text = edit(YINCHUAN, "cap = 5", "cap = -5")
        text = edit(text, "points = 0.5", "points = -0.5")
        self.assertEqual(
            self.problems(text),
            [
                f"第 {line_of(text, 'cap = -5')} 行:deductions.sources[1].cap 不能为负数"
                "(现在是 -5)",
                f"第 {line_of(text, 'points = -0.5')} 行:deductions.rules[6].points 不能为负数"
                "(现在是 -0.5)",
            ],
        )

    def test_title_longer_than_the_database_column(self) -> None:
        text = edit(YINCHUAN, 'title = "网络评议"', f'title = "{"网" * 201}"')
        self.assertProblem(text, line_of(text, "网网网"), "methods[4].title 太长:最多 200 个字")

    def test_too_many_decimal_places(self) -> None:
        text = edit(YINCHUAN, "points = 0.5", "points = 0.0005")
        self.assertProblem(text, line_of(text, "points = 0.0005"), "最多 3 位小数")

    def test_input_neither_ballots_nor_scores(self) -> None:
        text = edit(YINCHUAN, 'input = "scores"', 'input = "survey"')
        self.assertProblem(text, line_of(text, 'input = "survey"'), '"ballots"', "“survey”")

    def test_campaign_code_pattern(self) -> None:
        text = edit(YINCHUAN, 'code = "yc-2018"', 'code = "YC_2018"')
        self.assertProblem(text, 2, "code“YC_2018”只能由小写字母、数字和连字符(-)组成")

    def test_item_code_pattern_allows_underscore_only(self) -> None:
        text = edit(YINCHUAN, 'code = "sifeng"', 'code = "Si Feng"')
        self.assertProblem(text, line_of(text, "Si Feng"), "下划线(_)")

    def test_baseline_equal_to_own_code(self) -> None:
        text = edit(YINCHUAN, 'baseline = "yc-2017"', 'baseline = "yc-2018"')
        self.assertProblem(text, line_of(text, "baseline"), "baseline 不能是本活动自己的代码")

    def test_groups_empty(self) -> None:
        text = edit(
            YINCHUAN,
            'groups = [{code = "agencies", title = "市级机关单位"}, "industries"]',
            "groups = []",
        )
        self.assertProblem(text, line_of(text, "groups = []"), "groups 不能为空")

    def test_grading_negative(self) -> None:
        text = edit(YINCHUAN, "watchlist = 3", "watchlist = -3")
        self.assertProblem(text, line_of(text, "watchlist"), "grading.watchlist 不能为负数")

    def test_publish_must_be_a_boolean(self) -> None:
        text = edit(YINCHUAN, "publish = false", 'publish = "否"')
        self.assertProblem(text, line_of(text, "publish"), "publish 应为 true 或 false")


class ScaleTests(DefinitionTestCase):
    LEVELS = """levels = [{label = "好", points = 100}, {label = "较好", points = 80},
          {label = "一般", points = 60}, {label = "较差", points = 30},
          {label = "差", points = 0}]"""

    def test_satisfied_label_not_in_scale(self) -> None:
        text = edit(YINCHUAN, 'satisfied = ["好", "较好"]', 'satisfied = ["好", "满意"]')
        self.assertProblem(text, line_of(text, "satisfied"), "“满意”不是 scale.levels 中的等级")

    def test_fewer_than_two_levels(self) -> None:
        text = edit(YINCHUAN, self.LEVELS, 'levels = [{label = "好", points = 100}]')
        text = edit(text, 'satisfied = ["好", "较好"]', 'satisfied = ["好"]')
        self.assertProblem(text, line_of(text, "levels"), "至少要有 2 个等级,现在只有 1 个")

    def test_duplicate_labels_are_reported_at_the_levels_line(self) -> None:
        text = edit(YINCHUAN, '{label = "差", points = 0}', '{label = "一般", points = 0}')
        self.assertProblem(text, line_of(text, "levels"), "评价等级“一般”重复")

    def test_points_above_100(self) -> None:
        text = edit(YINCHUAN, '{label = "好", points = 100}', '{label = "好", points = 120}')
        self.assertProblem(text, line_of(text, "levels"), "scale.levels[1].points 太大")


class KeyTests(DefinitionTestCase):
    def test_unknown_key_suggests_the_closest(self) -> None:
        text = edit(YINCHUAN, "weight = 1.5", "wieght = 1.5")
        self.assertProblem(
            text, line_of(text, "wieght"), "不认识的键“indicators[3].wieght”,是不是“weight”?"
        )

    def test_unknown_top_level_key_without_a_close_match_lists_the_known(self) -> None:
        text = edit(YINCHUAN, "publish = false", "colour = 1")
        self.assertProblem(text, line_of(text, "colour"), "不认识的键“colour”", "可用的键")

    def test_missing_required_keys(self) -> None:
        text = edit(YINCHUAN, 'code = "yc-2018"\n', "")
        text = edit(text, "year = 2018\n", "")
        text = edit(text, 'title = "不配合采访"\n', "")
        self.assertEqual(
            self.problems(text),
            [
                "缺少必填项“code”",
                "缺少必填项“year”",
                f"第 {line_of(text, '[[deductions.rules]]')} 行:"
                "deductions.rules[1] 中缺少必填项“title”",
            ],
        )

    def test_no_methods(self) -> None:
        text = (
            YINCHUAN[: YINCHUAN.index("[[methods]]")] + YINCHUAN[YINCHUAN.index("[deductions]") :]
        )
        self.assertProblem(text, None, "至少要有一种评议方法")

    def test_ballot_method_without_indicators(self) -> None:
        text = (
            YINCHUAN[: YINCHUAN.index("[[indicators]]")] + YINCHUAN[YINCHUAN.index("[[methods]]") :]
        )
        self.assertProblem(text, None, "没有评议内容")

    def test_scores_only_campaign_needs_no_indicators(self) -> None:
        d = parse_definition(
            'code = "x"\ntitle = "X"\nyear = 2020\ngroups = ["a"]\n'
            '[[methods]]\ncode = "m"\ntitle = "M"\nweight = 100\ninput = "scores"\n'
        )
        self.assertEqual(d.methods[0].input, "scores")


class DuplicateCodeTests(DefinitionTestCase):
    def test_duplicate_codes_of_each_kind(self) -> None:
        cases = [
            ('code = "sanbuwei"', 'code = "sifeng"', "评议内容代码“sifeng”重复"),
            ('code = "service_centre"', 'code = "third_party"', "评议方法代码“third_party”重复"),
            ('code = "discipline"', 'code = "media"', "减分来源代码“media”重复"),
            ('code = "unsolved"', 'code = "no_interview"', "减分规则代码“no_interview”重复"),
            ('code = "bad_impact"', 'code = "case_filed"', "一票否决规则代码“case_filed”重复"),
            ('code = "appraise"', 'code = "mobilise"', "阶段代码“mobilise”重复"),
        ]
        for old, new, message in cases:
            with self.subTest(new):
                text = edit(YINCHUAN, old, new)
                first, second = line_of(text, new), line_of(text, new, 2)
                problems = [p for p in self.problems(text) if "重复" in p]
                self.assertEqual(problems, [f"第 {second} 行:{message}(第 {first} 行已有)"])

    def test_duplicate_group(self) -> None:
        text = edit(YINCHUAN, '"industries"]', '"agencies"]')
        self.assertProblem(text, line_of(text, "groups"), "组别“agencies”重复")


class LineMapTests(SimpleTestCase):
    def test_tables_array_tables_and_multiline_values(self) -> None:
        text = (
            'title = """多行\n'
            'code = "not a key"\n'
            '"""\n'
            "groups = [\n"
            '  "a",  # ]\n'
            "]\n"
            "year = 2018\n"
            "[[deductions.sources]]\n"
            'code = "a"\n'
            "[[deductions.sources]]\n"
            "'code' = \"b\"\n"
            "[grading]\n"
            "excellent = 3\n"
        )
        lines = LineMap(text)
        self.assertEqual(lines.line(("title",)), 1)
        self.assertEqual(lines.line(("code",)), None)
        self.assertEqual(lines.line(("groups", 0)), 4)
        self.assertEqual(lines.line(("year",)), 7)
        self.assertEqual(lines.line(("deductions", "sources", 0, "code")), 9)
        self.assertEqual(lines.line(("deductions", "sources", 1, "code")), 11)
        self.assertEqual(lines.line(("deductions", "sources", 1, "cap")), 10)
        self.assertEqual(lines.line(("grading", "excellent")), 13)


class DecodeTests(SimpleTestCase):
    def test_utf8_with_bom_and_gb18030(self) -> None:
        text = 'title = "银川"\n'
        self.assertEqual(decode_definition(b"\xef\xbb\xbf" + text.encode()), text)
        self.assertEqual(decode_definition(text.encode("gb18030")), text)

    def test_binary_is_refused(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            decode_definition(b"\x00\x01\xff\xfe", source="x.toml")
        self.assertIn("不是文本文件", str(caught.exception.problems[0]))
