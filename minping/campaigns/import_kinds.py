"""The five kinds of file an organiser imports, for the command line and the web page alike.

Each kind names the columns its reader accepts, the action that imports it
(the one importer both use) and, for people, what each column holds and an
example row or two. The example rows of a campaign's kinds are made from that
campaign's own methods, units, indicators and rules, so a template file
imports as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from minping.campaigns.batches import KIND_NAMES, SETS_VALUES, ImportSummary
from minping.campaigns.importers import COLUMNS as SCORE_COLUMNS
from minping.campaigns.models import Campaign, Method
from minping.campaigns.score_actions import do_import_scores
from minping.campaigns.unit_actions import do_import_units
from minping.lib.tabular import Column
from minping.orgs.importers import COLUMNS as UNIT_COLUMNS
from minping.orgs.models import Group
from minping.oversight.actions import do_import_deductions, do_import_vetoes
from minping.oversight.importers import DEDUCTION_COLUMNS, VETO_COLUMNS
from minping.surveys.actions import do_import_ballots
from minping.surveys.importers import COLUMNS as BALLOT_COLUMNS


@dataclass(frozen=True)
class ImportKind:
    """One kind of import: its columns, its action, and how it is explained."""

    code: str
    columns: tuple[Column, ...]
    action: Callable[..., ImportSummary]
    notes: dict[str, str]  # column name -> what it holds, in plain Chinese
    per_campaign: bool = True

    @property
    def name(self) -> str:
        return KIND_NAMES[self.code]

    @property
    def sets_values(self) -> bool:
        """Whether importing the same file again only sets the same values (units, scores)."""
        return self.code in SETS_VALUES

    def label(self, column: Column) -> str:
        """The column's Chinese name: its first alias (``单位`` for ``unit``)."""
        return column.aliases[0] if column.aliases else column.name

    def described(self) -> list[tuple[str, bool, str]]:
        """Each column's Chinese name, whether it is required, and what it holds."""
        return [(self.label(c), c.required, self.notes.get(c.name, "")) for c in self.columns]

    def headers(self) -> list[str]:
        """The header row of a template: every column, by its Chinese name."""
        return [self.label(column) for column in self.columns]


UNIT_NOTES = {
    "code": "单位代码:字母、数字或汉字,不含空格,每个单位一个;已有的单位按代码更新名称、上级和组别",
    "name": "单位全称",
    "parent": "上级单位的代码;最上级的单位留空。服务窗口、基层站所、处室填所属部门的代码",
    "group": "排名组别(填组别名称或代码,如“机关单位”)。留空表示本身不单独排名:"
    "它是上级单位的窗口或站所(满意度计入上级),或是政务服务中心这样的“容器”,"
    "其下属窗口在自己的组别中排名",
    "tags": "可不填。单位的属性,多个用顿号分隔,如“进驻市民大厅”;"
    "评议方法可以只评具有某个属性的单位。不要这一列时,已有单位的属性不变;有这一列而留空,表示该单位没有属性",
}
UNIT = "被评议单位的代码(须参加本次活动)"
KINDS: dict[str, ImportKind] = {
    "units": ImportKind("units", UNIT_COLUMNS, do_import_units, UNIT_NOTES, per_campaign=False),
    "ballots": ImportKind(
        "ballots",
        BALLOT_COLUMNS,
        do_import_ballots,
        {
            "ballot": "答卷编号:编号相同的几行是同一份答卷,每行回答一个指标。"
            "编号只用来把行归到一起,系统另行编号,不保存文件中的编号",
            "method": "评议方法的名称或代码(按答卷计分的方法)",
            "unit": UNIT,
            "indicator": "指标的名称或代码",
            "level": "评价等级,如 好、较好、一般、较差、差",
            "category": "可不填:评议主体类别,如 服务对象、企业",
            "date": "可不填:答卷日期,如 2026-07-01;不填则为导入当天",
        },
    ),
    "scores": ImportKind(
        "scores",
        SCORE_COLUMNS,
        do_import_scores,
        {
            "method": "评议方法的名称或代码(直接录入得分的方法)",
            "unit": UNIT,
            "score": "0 到 100 的得分,最多 4 位小数;再次导入即更正",
        },
    ),
    "deductions": ImportKind(
        "deductions",
        DEDUCTION_COLUMNS,
        do_import_deductions,
        {
            "unit": UNIT,
            "rule": "减分规则的名称或代码",
            "date": "事件日期,如 2026-03-15",
            "count": "可不填:次数,默认 1",
            "evidence": "可不填:依据的文号或材料",
            "signed_off": "填“是”或“否”:“是”表示提出单位负责人已签字并经组织单位采纳,直接计分;"
            "“否”则待签字和审核",
            "source": "可不填:提出单位的名称或代码;减分规则有多个提出单位时必填",
            "points": "可不填:每次减分;减分规则的分值逐件确定时必填(不超过规则的上限)",
        },
    ),
    "vetoes": ImportKind(
        "vetoes",
        VETO_COLUMNS,
        do_import_vetoes,
        {
            "unit": UNIT,
            "rule": "一票否决规则的名称或代码",
            "date": "事件日期,如 2026-03-15",
            "evidence": "可不填:依据的文号或材料",
        },
    ),
}

# The command line's kinds that take a campaign, by code.
CAMPAIGN_ACTIONS = {code: kind.action for code, kind in KINDS.items() if kind.per_campaign}


# -- example rows of the template files ---------------------------------------------------


def example_rows(kind: ImportKind, campaign: Campaign | None) -> list[list[str]]:
    """One or two rows that show how the file is filled; they import as they are into
    ``campaign`` when it has what the kind needs (a ballot method, a rule…)."""
    if kind.code == "units":
        return _unit_examples()
    if campaign is None:
        return [list(row) for row in GENERIC[kind.code]]
    return _campaign_examples(kind.code, campaign) or []


GENERIC: dict[str, Sequence[Sequence[str]]] = {
    "ballots": [
        ["1", "第三方测评", "gaj", "服务态度", "好"],
        ["1", "第三方测评", "gaj", "办事效率", "较好"],
    ],
    "scores": [["领导评议", "gaj", "86.5"]],
    "deductions": [["gaj", "不配合采访", "2026-03-15", "1", "某媒发〔2026〕3号", "是"]],
    "vetoes": [["gaj", "工作人员被立案调查", "2026-05-20", "某纪发〔2026〕8号"]],
}


def _unit_examples() -> list[list[str]]:
    group = Group.objects.order_by("code").first()
    group_name = group.name if group is not None else "agencies"
    return [
        ["example", "示例局(请换成实际单位)", "", group_name, "进驻市民大厅"],
        ["example-w1", "示例局办事窗口(计入上级)", "example", "", ""],
    ]


def _shown(item: Any, items: Sequence[Any]) -> str:
    """An item as a file names it: its title when no other item has the same, else its code."""
    same = [other for other in items if other.title == item.title]
    return str(item.title) if len(same) == 1 else str(item.code)


def _campaign_examples(code: str, campaign: Campaign) -> list[list[str]] | None:
    taking_part = campaign.participation()
    units = [unit.code for unit in taking_part.ranked]
    if not units:
        return None
    unit = units[0]
    methods = list(campaign.methods.all())
    if code == "ballots":
        ballot_methods = [m for m in methods if m.input == Method.BALLOTS]
        # What the first ballot method asks (version 2 may narrow it), as the importer checks.
        indicators = list(ballot_methods[0].asked_indicators())[:2] if ballot_methods else []
        levels = [level.label for level in campaign.levels.order_by("order")]
        if not ballot_methods or not indicators or not levels:
            return None
        method = _shown(ballot_methods[0], methods)
        every = list(campaign.indicators.all())
        return [
            ["1", method, unit, _shown(indicator, every), levels[i % len(levels)]]
            for i, indicator in enumerate(indicators)
        ]
    if code == "scores":
        score_methods = [m for m in methods if m.input == Method.SCORES]
        if not score_methods:
            return None
        method = _shown(score_methods[0], methods)
        return [[method, u, score] for u, score in zip(units[:2], ("86.5", "90"), strict=False)]
    day = _example_day(campaign)
    if code == "deductions":
        rules = list(campaign.deduction_rules.all())
        if not rules:
            return None
        return [[unit, _shown(rules[0], rules), day, "1", "示例:某媒发〔2026〕3号", "是"]]
    vetoes = list(campaign.veto_rules.all())
    if not vetoes:
        return None
    return [[unit, _shown(vetoes[0], vetoes), day, "示例:某纪发〔2026〕8号"]]


def _example_day(campaign: Campaign) -> str:
    """A day inside the campaign's deduction window, so the example counts."""
    day = campaign.deductions_from or datetime.date(campaign.year, 3, 15)
    return day.isoformat()
