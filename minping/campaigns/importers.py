"""Reading a scores file (``method,unit,score``): 0–100 scores for methods whose input is scores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from minping.campaigns.models import Campaign, Method
from minping.campaigns.sheets import methods_with_sheets
from minping.lib.errors import ProblemCollector
from minping.lib.imports import Lookup, read_cell
from minping.lib.progress import Progress
from minping.lib.tabular import Column, Row, Table

COLUMNS = (
    Column("method", ("方法", "评议方法", "方法代码")),
    Column("unit", ("单位", "单位代码", "评议对象", "参评单位")),
    Column("score", ("得分", "分数", "成绩", "分值")),
)

NUMBER = re.compile(r"^[+-]?(\d+)(?:\.(\d*))?$")
SCORE_DECIMALS = 4


def parse_score(text: str) -> Decimal:
    """A score from 0 to 100 with at most 4 decimals; ValueError says what is wrong."""
    match = NUMBER.match(text.strip())
    if not match:
        raise ValueError(f"“{text}”不是数字")
    decimals = (match.group(2) or "").rstrip("0")
    if len(decimals) > SCORE_DECIMALS:
        raise ValueError(f"“{text}”的小数超过 {SCORE_DECIMALS} 位")
    value = Decimal(text.strip())
    if not 0 <= value <= 100:  # also refuses NaN: it fails every comparison
        raise ValueError(f"得分 {text} 不在 0 到 100 之间")
    return value


@dataclass(frozen=True, slots=True)
class ScoreRow:
    line: int
    method: Method
    unit_id: int
    unit_code: str
    score: Decimal


class ScoreReader:
    """Checks every row of a scores table; yields the good ones."""

    def __init__(self, campaign: Campaign, table: Table, problems: ProblemCollector) -> None:
        self.table = table
        self.problems = problems
        self.methods = Lookup(
            Method.objects.filter(campaign=campaign),
            "评议方法",
            lambda m: m.code,
            lambda m: m.title,
        )
        self.units = campaign.participation()
        # A method scored on the web's score sheets takes no file (campaigns.sheets).
        self.on_sheets = methods_with_sheets(self.methods.items)
        self.seen: dict[tuple[int, int], int] = {}  # (method id, unit id) -> line

    def read(self, progress: Progress | None = None) -> Iterator[ScoreRow]:
        for row in self.table.rows(progress):
            score_row = self.check(row)
            if score_row is not None:
                yield score_row

    def check(self, row: Row) -> ScoreRow | None:
        method = read_cell(self.problems, self.table, row, "method", self.score_method)
        # A version-2 method may cover only some units (``covers``): the others are refused.
        resolve = (
            partial(self.units.resolve_for, method=method.code) if method else self.units.resolve
        )
        unit_id = read_cell(self.problems, self.table, row, "unit", resolve)
        score = read_cell(self.problems, self.table, row, "score", parse_score)
        if method is None or unit_id is None or score is None:
            return None
        first = self.seen.setdefault((method.pk, unit_id), row.line)
        if first != row.line:
            self.problems.add(
                f"“{row['unit']}”在“{row['method']}”上的得分已在第 {first} 行给出",
                row.line,
                self.table.header("unit"),
            )
            return None
        return ScoreRow(row.line, method, unit_id, row["unit"], score)

    def score_method(self, text: str) -> Method:
        method = self.methods.resolve(text)
        if method.input == Method.CASES:
            raise ValueError(f"评议方法“{text}”按问题线索办理情况计分,不直接录入得分")
        if method.input != Method.SCORES:
            raise ValueError(
                f"评议方法“{text}”按答卷计分,不直接录入得分(答卷请用 minping import ballots 导入)"
            )
        if method.pk in self.on_sheets:
            raise ValueError(
                f"评议方法“{text}”的得分来自评分人在网上提交的评分表,不能再从文件导入"
                "(同一方法的得分只能来自文件或评分表之一)"
            )
        return method
