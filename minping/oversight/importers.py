"""Reading deductions and vetoes files.

deductions: ``unit,rule,date,count,evidence,signed_off``; vetoes: ``unit,rule,date,evidence``.

Only an organiser imports, and the file records decisions already taken on
paper: ``signed_off`` yes (是) means signed off by the proposing body's head
*and* accepted by the organiser, so the deduction is stored as accepted and
counts; no (否) stores it as proposed, to go through sign-off and review
(R-21). An imported veto is stored as accepted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from minping.campaigns.models import Campaign, DeductionRule, DeductionSource, VetoRule
from minping.lib.errors import ProblemCollector
from minping.lib.imports import Lookup, read_cell
from minping.lib.progress import Progress
from minping.lib.tabular import Column, Row, Table, parse_date, parse_positive_int, parse_yes_no
from minping.oversight.models import Deduction, Review, Veto

UNIT = Column("unit", ("单位", "单位代码", "评议对象", "参评单位"))
DATE = Column("date", ("日期", "事件日期", "发生日期"))
EVIDENCE = Column("evidence", ("依据", "文号", "证据", "依据(文号或材料)"), required=False)

DEDUCTION_COLUMNS = (
    UNIT,
    Column("rule", ("规则", "减分规则", "减分事项", "规则代码")),
    DATE,
    Column("count", ("次数", "件数"), required=False),
    EVIDENCE,
    Column("signed_off", ("已签字", "签字", "是否签字", "负责人签字", "签批")),
    # Needed only for a rule that several bodies propose (version 2).
    Column("source", ("提出单位", "减分来源", "来源"), required=False),
    # Needed only for a rule whose points are set case by case (version 2).
    Column("points", ("分值", "每次减分", "扣分"), required=False),
)
VETO_COLUMNS = (
    UNIT,
    Column("rule", ("规则", "否决规则", "否决事项", "规则代码")),
    DATE,
    EVIDENCE,
)


class DeductionReader:
    """Checks every row of a deductions table; yields unsaved Deductions for the good ones.

    A date outside the campaign's deduction window is not an error: the scoring
    engine leaves such a deduction out and says why. They are counted so that
    the user is warned.
    """

    def __init__(self, campaign: Campaign, table: Table, problems: ProblemCollector) -> None:
        self.campaign = campaign
        self.table = table
        self.problems = problems
        self.rules = Lookup(DeductionRule.objects.filter(campaign=campaign), "减分规则")
        self.sources = {s.code: s for s in DeductionSource.objects.filter(campaign=campaign)}
        self.units = campaign.participation()
        self.outside_window = 0

    def read(self, progress: Progress | None = None) -> Iterator[Deduction]:
        for row in self.table.rows(progress):
            deduction = self.check(row)
            if deduction is not None:
                yield deduction

    def check(self, row: Row) -> Deduction | None:
        problems, table = self.problems, self.table
        unit_id = read_cell(problems, table, row, "unit", self.units.resolve)
        rule = read_cell(problems, table, row, "rule", self.rules.resolve)
        date = read_cell(problems, table, row, "date", parse_date)
        count = read_cell(problems, table, row, "count", parse_positive_int) if row["count"] else 1
        signed_off = read_cell(problems, table, row, "signed_off", parse_yes_no)
        source = self.proposer(row, rule)
        points = self.case_points(row, rule)
        if unit_id is None or rule is None or date is None or count is None or signed_off is None:
            return None
        if rule.sources and source is None:
            return None
        if rule.max_points is not None and points is None:
            return None
        if not self.in_window(date):
            self.outside_window += 1
        return Deduction(
            campaign=self.campaign,
            unit_id=unit_id,
            rule=rule,
            date=date,
            count=count,
            evidence=row["evidence"],
            status=Review.ACCEPTED if signed_off else Review.PROPOSED,
            source=source,
            points=points,
        )

    def case_points(self, row: Row, rule: DeductionRule | None) -> Decimal | None:
        """The ``points`` column: the figure of a rule set case by case, at most its max."""
        text = row["points"].strip()
        if rule is None or (rule.max_points is None and not text):
            return None
        column = self.table.header("points")
        if rule.max_points is None:
            self.problems.add(
                f"减分规则“{rule.title}”每次减 {rule.points.normalize():f} 分,分值列应留空",
                row.line,
                column,
            )
            return None
        try:
            points = Decimal(text) if text else Decimal(-1)
        except InvalidOperation:
            points = Decimal(-1)
        if not points.is_finite() or not 0 < points <= rule.max_points:
            what = f"“{text}”不是有效分值" if text else "请填写分值"
            top = rule.max_points.normalize()
            self.problems.add(
                f"{what}:减分规则“{rule.title}”的分值逐件确定,应大于 0、不超过 {top:f}",
                row.line,
                column,
            )
            return None
        return points

    def proposer(self, row: Row, rule: DeductionRule | None) -> DeductionSource | None:
        """The ``source`` column: required for a rule several bodies propose, and one of them."""
        text = row["source"]
        if rule is None or not (rule.sources or text):
            return None
        allowed = rule.sources or [rule.source.code]
        found = self.sources.get(text) or next(
            (s for s in self.sources.values() if s.title == text), None
        )
        if found is None or found.code not in allowed:
            names = "、".join(
                self.sources[c].title + f"({c})" for c in allowed if c in self.sources
            )
            what = f"“{text}”不是" if text else "请填写"
            self.problems.add(
                f"{what}减分规则“{rule.title}”的提出单位;可填:{names}",
                row.line,
                self.table.header("source"),
            )
            return None
        return found

    def in_window(self, date: datetime.date) -> bool:
        start, end = self.campaign.deductions_from, self.campaign.deductions_to
        return (start is None or start <= date) and (end is None or date <= end)


class VetoReader:
    """Checks every row of a vetoes table; yields unsaved Vetoes for the good ones.

    A veto dated outside the campaign's period is an error for a version-2 definition;
    for a version-1 one it is stored as before and counted, so that the user is warned.
    """

    def __init__(self, campaign: Campaign, table: Table, problems: ProblemCollector) -> None:
        self.campaign = campaign
        self.table = table
        self.problems = problems
        self.rules = Lookup(VetoRule.objects.filter(campaign=campaign), "一票否决规则")
        self.units = campaign.participation()
        self.period = campaign.as_definition().period
        self.outside_period = 0

    def read(self, progress: Progress | None = None) -> Iterator[Veto]:
        problems, table = self.problems, self.table
        for row in table.rows(progress):
            unit_id = read_cell(problems, table, row, "unit", self.units.resolve)
            rule = read_cell(problems, table, row, "rule", self.rules.resolve)
            date = read_cell(problems, table, row, "date", parse_date)
            if date is not None and not self.period[0] <= date <= self.period[1]:
                if self.campaign.format >= 2:
                    start, end = self.period
                    message = f"日期 {date} 不在本活动的期间({start} 至 {end})内"
                    problems.add(message, row.line, table.header("date"))
                    continue
                self.outside_period += 1
            if unit_id is not None and rule is not None and date is not None:
                yield Veto(
                    campaign=self.campaign,
                    unit_id=unit_id,
                    rule=rule,
                    date=date,
                    evidence=row["evidence"],
                    status=Review.ACCEPTED,
                )
