"""Excel files offices exchange: a unit's rectification ledger, and the monthly statistics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minping.cases.models import Case, LedgerItem
from minping.cases.stats import MonthlyStats, Row
from minping.lib.rates import as_percent
from minping.lib.sheets import Book, titled_table
from minping.orgs.models import Unit

LEDGER_COLUMNS = [
    ("序号", 6),
    ("存在问题", 36),
    ("整改措施", 36),
    ("责任人", 10),
    ("完成时限", 12),
    ("整改进展", 30),
    ("反馈情况", 24),
    ("销号情况", 14),
    ("问题编号", 14),
]
PROBLEM_COLUMNS = [
    ("序号", 6),
    ("问题编号", 14),
    ("来源", 12),
    ("登记日期", 12),
    ("问题摘要", 40),
    ("办理状态", 10),
    ("办理期限", 12),
    ("回访结果", 10),
]
RESPONSIBILITY_COLUMNS = [
    ("责任人", 12),
    ("整改事项", 40),
    ("完成时限", 12),
    ("是否销号", 10),
]


def ledger_workbook(unit: Unit, items: Sequence[LedgerItem], cases: Sequence[Case]) -> bytes:
    """整改销号台账, 问题清单 and 责任清单 of one unit, one sheet each (R-30)."""
    book = Book()
    titled_table(
        book.sheet("整改销号台账"),
        f"{unit.name}整改销号台账",
        LEDGER_COLUMNS,
        (
            [
                n,
                item.problem,
                item.measure,
                item.responsible,
                item.due_on,
                item.progress,
                item.feedback,
                f"已销号 {item.struck_off_on:%Y-%m-%d}" if item.struck_off_on else "未销号",
                item.case.number if item.case else "",
            ]
            for n, item in enumerate(items, start=1)
        ),
    )
    titled_table(
        book.sheet("问题清单"),
        f"{unit.name}问题清单",
        PROBLEM_COLUMNS,
        (
            [
                n,
                case.number,
                case.get_source_display(),
                case.registered_on,
                case.summary,
                case.get_state_display(),
                case.due_on,
                case.get_satisfaction_display() if case.satisfaction else "",
            ]
            for n, case in enumerate(cases, start=1)
        ),
    )
    by_person = sorted(items, key=lambda i: (i.responsible, i.due_on))
    titled_table(
        book.sheet("责任清单"),
        f"{unit.name}责任清单",
        RESPONSIBILITY_COLUMNS,
        (
            [i.responsible, i.measure, i.due_on, "是" if i.struck_off_on else "否"]
            for i in by_person
        ),
    )
    return book.bytes()


def _row(row: Row) -> list[Any]:
    c = row.counts
    return [
        row.label,
        c["total"],
        c["transferred"],
        c["answered"],
        c["on_time"],
        c["closed"],
        c["repeats"],
        as_percent(row.response_rate),
        as_percent(row.on_time_rate),
        as_percent(row.resolution_rate),
        as_percent(row.satisfaction_rate),
    ]


STATS_COLUMNS = [
    ("单位", 20),
    ("受理件数", 10),
    ("转办", 8),
    ("已答复", 8),
    ("按时答复", 10),
    ("已销号", 8),
    ("二次投诉", 10),
    ("答复率", 10),
    ("按时答复率", 12),
    ("办结率", 10),
    ("满意率", 10),
]


def stats_workbook(stats: MonthlyStats) -> bytes:
    book = Book()
    month = f"{stats.start:%Y年%m月}"
    rows = [_row(r) for r in stats.by_unit] + [_row(stats.overall)]
    titled_table(book.sheet("按单位"), f"{month}政风行风投诉办理情况统计", STATS_COLUMNS, rows)
    titled_table(
        book.sheet("按来源"),
        f"{month}问题来源",
        [("来源", 20), ("件数", 10)],
        stats.by_source,
    )
    titled_table(
        book.sheet("按状态"),
        f"{month}办理状态",
        [("状态", 20), ("件数", 10)],
        stats.by_state,
    )
    return book.bytes()
