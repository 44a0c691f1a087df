"""Every answer of a campaign for analysts, streamed in constant memory (CSV or XLSX).

One row per answer: method, unit, indicator, level, channel, category, round and
date. Nothing that could tie an answer to a ballot, let alone to a person: no
ballot id, no time finer than the day, no comment, and the rows sorted by every
column, so that their order depends only on which answers exist and never on
the order ballots arrived (an insertion order would let someone who knows who
answered when re-link answers to people). The reasoning and what remains
possible is in docs/reports.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from minping.campaigns.models import Campaign
from minping.lib.sheets import CsvWriter, streamed_workbook
from minping.orgs.models import Unit
from minping.surveys.models import Answer, Channel

HEADER = ["评议方法", "单位代码", "单位", "指标", "选项", "渠道", "评议主体类别", "轮次", "日期"]
# Every column, in the order of the header: the file's order says nothing else.
ORDER = (
    "method_id",
    "unit_id",
    "indicator_id",
    "level_id",
    "ballot__channel",
    "ballot__category",
    "ballot__round",
    "ballot__date",
)
CHUNK = 5000


def answer_query(campaign: Campaign) -> Any:
    """The rows as the database hands them over: ids and the ballot's coarse fields."""
    return (
        Answer.objects.filter(campaign=campaign)
        .order_by(*ORDER)
        .values_list(*ORDER)
        .iterator(chunk_size=CHUNK)
    )


def answer_rows(campaign: Campaign) -> Iterator[list[Any]]:
    """Every answer as a row of the header, names looked up from small in-memory maps."""
    methods = dict(campaign.methods.values_list("id", "title"))
    indicators = dict(campaign.indicators.values_list("id", "title"))
    levels = dict(campaign.levels.values_list("id", "label"))
    # Every unit (a few thousand at most): asking which ones answered would scan the answers.
    units = {u: (c, n) for u, c, n in Unit.objects.values_list("id", "code", "name")}
    channels = dict(Channel.choices)
    for method, unit, indicator, level, channel, category, round_, date in answer_query(campaign):
        code, name = units.get(unit, ("", ""))
        yield [
            methods.get(method, ""),
            code,
            name,
            indicators.get(indicator, ""),
            levels.get(level, ""),
            channels.get(channel, channel),
            category,
            "" if round_ is None else round_,
            date.isoformat(),
        ]


def answer_csv_chunks(campaign: Campaign, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (for Chinese Excel), a few thousand rows per chunk."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for n, row in enumerate(answer_rows(campaign), start=1):
        writer.writerow(row)
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def answer_xlsx_file(campaign: Campaign) -> Iterator[bytes]:
    return streamed_workbook("答案", HEADER, answer_rows(campaign))
