"""The definition's workflow keys (R-19, R-23, R-33, R-35): read in every version, each bad
value reported on its line, and none of them changing a version-1 file's meaning."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

from minping.campaigns.definition import (
    SUBMISSION_KINDS,
    ApprovalDef,
    CaseFormulaDef,
    SubmissionDef,
    parse_definition,
)
from minping.campaigns.tests.test_definition import (
    YINCHUAN,
    DefinitionTestCase,
    edit,
    line_of,
)
from minping.oversight.models import SubmissionKind

D = datetime.date

# Seed 001: the survey team runs the third-party survey from 15 October, data by 10 December.
THIRD_PARTY = """[[methods]]
code = "third_party"
title = "第三方测评"
weight = 25
input = "ballots"
"""
WITH_SCHEDULE = (
    THIRD_PARTY
    + """body = "国家统计局银川调查队"
starts = 2018-10-15
ends = 2018-11-30
deadline = "2018-12-10"
"""
)

# Seed 001's deadlines (duties list by 30 June, contact by 22 June) and seed 003's
# self-inspection report (5月10日前).
SUBMISSIONS = """
[[submissions]]
code = "duties"
kind = "duties"
title = "工作职责和服务对象名单"
due = 2018-06-30
stage = "mobilise"

[[submissions]]
code = "contact"
kind = "contact"
title = "负责此项工作的部门和人员信息"
due = 2018-06-22

[[submissions]]
code = "self_report"
kind = "self_inspection"
title = "自查自评报告"
due = "2018-05-10"
"""

APPROVAL = """
[approval]
code = "xw-province"
title = "省局行评工作领导组"
"""

CASES_METHOD = """
[[methods]]
code = "year_end"
title = "年终考核"
weight = 30
input = "cases"
"""


def with_cases(extra: str = "") -> str:
    """YINCHUAN with its online method (25%) split into online 10% and a cases method."""
    text = edit(YINCHUAN, 'title = "网络评议"\nweight = 25', 'title = "网络评议"\nweight = 10')
    method = CASES_METHOD.replace("weight = 30", "weight = 15") + extra
    return edit(text, "[deductions]\n", method + "\n[deductions]\n")


class WorkflowKeysTests(DefinitionTestCase):
    def test_a_version_1_file_without_them_reads_as_before(self) -> None:
        definition = parse_definition(YINCHUAN)
        self.assertEqual(definition.submissions, ())
        self.assertIsNone(definition.approval)
        method = definition.methods[0]
        self.assertEqual(
            (method.body, method.starts, method.deadline, method.cases), ("", None, None, None)
        )

    def test_method_body_dates_and_deadline(self) -> None:
        definition = parse_definition(edit(YINCHUAN, THIRD_PARTY, WITH_SCHEDULE))
        method = definition.methods[0]
        self.assertEqual(method.body, "国家统计局银川调查队")
        self.assertEqual((method.starts, method.ends), (D(2018, 10, 15), D(2018, 11, 30)))
        self.assertEqual(method.deadline, D(2018, 12, 10))
        # Nothing else about the method moved.
        plain = parse_definition(YINCHUAN).methods[0]
        self.assertEqual(replace(method, body="", starts=None, ends=None, deadline=None), plain)

    def test_method_dates_out_of_order_are_reported_on_their_line(self) -> None:
        text = edit(
            YINCHUAN, THIRD_PARTY, WITH_SCHEDULE.replace("ends = 2018-11-30", "ends = 2018-10-01")
        )
        self.assertProblem(text, line_of(text, "ends = 2018-10-01"), "晚于结束日期")
        text = edit(YINCHUAN, THIRD_PARTY, WITH_SCHEDULE.replace('"2018-12-10"', "2018-10-01"))
        self.assertProblem(text, line_of(text, "deadline = 2018-10-01"), "早于开始日期")

    def test_an_impossible_deadline_is_caught_as_in_the_document(self) -> None:
        # Seed 001's own slip, "11月31日", written as a method's end.
        text = edit(
            YINCHUAN, THIRD_PARTY, WITH_SCHEDULE.replace("ends = 2018-11-30", "ends = 2018-11-31")
        )
        self.assertProblem(text, line_of(text, "ends = 2018-11-31"), "11 月只有 30 天")

    def test_a_misspelt_method_key_is_named(self) -> None:
        text = edit(YINCHUAN, THIRD_PARTY, THIRD_PARTY + "deadlne = 2018-12-10\n")
        self.assertProblem(text, line_of(text, "deadlne"), "“deadline”")

    def test_submissions(self) -> None:
        definition = parse_definition(YINCHUAN + SUBMISSIONS)
        self.assertEqual(
            definition.submissions,
            (
                SubmissionDef(
                    "duties", "duties", "工作职责和服务对象名单", D(2018, 6, 30), "mobilise"
                ),
                SubmissionDef("contact", "contact", "负责此项工作的部门和人员信息", D(2018, 6, 22)),
                SubmissionDef("self_report", "self_inspection", "自查自评报告", D(2018, 5, 10)),
            ),
        )

    def test_submission_problems_each_on_its_line(self) -> None:
        text = YINCHUAN + SUBMISSIONS
        text = edit(text, 'kind = "contact"', 'kind = "contacts"')
        text = edit(text, 'stage = "mobilise"', 'stage = "mobilize"')
        text = edit(text, 'due = "2018-05-10"', 'due = "5月10日"')
        problems = self.problems(text)
        self.assertEqual(len(problems), 3, problems)
        stage, kind, due = (line_of(text, s) for s in ("stage = ", "contacts", "5月10日"))
        self.assertTrue(problems[0].startswith(f"第 {stage} 行"))
        self.assertIn("不存在的阶段“mobilize”(已定义:appraise、mobilise)", problems[0])
        self.assertTrue(problems[1].startswith(f"第 {kind} 行"))
        self.assertIn("contact(联络人)", problems[1])
        self.assertTrue(problems[2].startswith(f"第 {due} 行"))
        self.assertIn("不是日期", problems[2])

    def test_two_requirements_alike_or_with_one_code_are_refused(self) -> None:
        same = SUBMISSIONS.replace('title = "自查自评报告"', 'title = "工作职责和服务对象名单"')
        same = same.replace('kind = "self_inspection"', 'kind = "duties"')
        text = YINCHUAN + same
        self.assertProblem(
            text,
            line_of(text, "工作职责和服务对象名单", 2),
            "重复",
            f"第 {line_of(text, '工作职责')} 行",
        )
        text = YINCHUAN + SUBMISSIONS.replace('code = "contact"', 'code = "duties"')
        self.assertProblem(text, line_of(text, 'code = "duties"', 2), "报送要求代码“duties”重复")

    def test_a_requirement_needs_kind_title_and_due(self) -> None:
        text = YINCHUAN + '\n[[submissions]]\ncode = "x"\ntitle = "材料"\n'
        problems = self.problems(text)
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("缺少必填项“kind”", problems[0])
        self.assertIn("缺少必填项“due”", problems[1])

    def test_every_kind_the_portal_knows_and_no_other(self) -> None:
        self.assertEqual(SUBMISSION_KINDS, dict(SubmissionKind.choices))

    def test_approval(self) -> None:
        definition = parse_definition(YINCHUAN + APPROVAL)
        self.assertEqual(definition.approval, ApprovalDef("xw-province", "省局行评工作领导组"))
        text = YINCHUAN + APPROVAL.replace('code = "xw-province"\n', "")
        self.assertProblem(text, line_of(text, "[approval]"), "缺少必填项“code”")
        text = YINCHUAN + APPROVAL.replace("xw-province", "省局")
        self.assertProblem(text, line_of(text, 'code = "省局"'), "只能由")

    def test_issuer_and_verification_phone(self) -> None:
        self.assertEqual(
            (parse_definition(YINCHUAN).issuer, parse_definition(YINCHUAN).verify_phone), ("", "")
        )
        keys = 'baseline = "yc-2017"\nissuer = "银川市纠风办"\nverify_phone = "0951-6888123"\n'
        definition = parse_definition(edit(YINCHUAN, 'baseline = "yc-2017"\n', keys))
        self.assertEqual(definition.issuer, "银川市纠风办")
        self.assertEqual(definition.verify_phone, "0951-6888123")
        text = edit(YINCHUAN, 'baseline = "yc-2017"\n', keys.replace("0951-6888123", "请致电"))
        self.assertProblem(text, line_of(text, "verify_phone"), "应为电话号码")


class CaseFormulaTests(DefinitionTestCase):
    def test_default_formula(self) -> None:
        method = parse_definition(with_cases()).methods[-1]
        self.assertEqual(method.input, "cases")
        # Documented default: the four rates alike, 100 for a unit nobody complained about.
        self.assertEqual(method.cases, CaseFormulaDef())
        self.assertEqual(
            CaseFormulaDef().weights,
            (
                ("on_time", Decimal(25)),
                ("resolved", Decimal(25)),
                ("satisfied", Decimal(25)),
                ("promised", Decimal(25)),
            ),
        )
        self.assertEqual(CaseFormulaDef().no_cases, Decimal(100))

    def test_stated_formula_weighs_the_rates_named_only(self) -> None:
        text = with_cases("cases = {on_time = 40, resolved = 30, promised = 30, no_cases = 90}\n")
        formula = parse_definition(text).methods[-1].cases
        self.assertEqual(
            formula, CaseFormulaDef(Decimal(40), Decimal(30), Decimal(0), Decimal(30), Decimal(90))
        )

    def test_formula_weights_must_sum_to_100(self) -> None:
        text = with_cases("cases = {on_time = 40, resolved = 30}\n")
        self.assertProblem(text, line_of(text, "cases = {"), "合计应为 100,现在是 70", "on_time 40")

    def test_formula_problems_named(self) -> None:
        text = with_cases("cases = {on_time = 100, quality = 0}\n")
        self.assertProblem(text, line_of(text, "cases = {"), "不认识的键")
        text = with_cases('cases = "on_time"\n')
        self.assertProblem(text, line_of(text, "cases = "), "应写成")

    def test_a_formula_on_another_input_is_refused(self) -> None:
        text = edit(YINCHUAN, THIRD_PARTY, THIRD_PARTY + "cases = {on_time = 100}\n")
        self.assertProblem(text, line_of(text, "cases = "), 'input = "cases"')

    def test_an_unknown_input_names_the_three(self) -> None:
        text = edit(YINCHUAN, 'input = "ballots"', 'input = "case"')
        self.assertProblem(
            text, line_of(text, 'input = "case"'), '"ballots"', '"scores"', '"cases"'
        )
