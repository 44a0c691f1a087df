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

from collections.abc import Callable, Iterator
from typing import Any

from minping.campaigns.models import Campaign
from minping.lib.sheets import CsvWriter, csv_field, streamed_workbook
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


def _as_is(text: str) -> str:
    return text


def answer_rows(campaign: Campaign, clean: Callable[[str], str] = _as_is) -> Iterator[list[Any]]:
    """Every answer as a row of the header, names looked up from small in-memory maps.

    ``clean`` is applied to each distinct text once (``csv_field`` for a CSV file), not
    once per row."""
    methods = {k: clean(v) for k, v in campaign.methods.values_list("id", "title")}
    indicators = {k: clean(v) for k, v in campaign.indicators.values_list("id", "title")}
    levels = {k: clean(v) for k, v in campaign.levels.values_list("id", "label")}
    # Every unit (a few thousand at most): asking which ones answered would scan the answers.
    units = {u: (clean(c), clean(n)) for u, c, n in Unit.objects.values_list("id", "code", "name")}
    channels = {k: clean(v) for k, v in Channel.choices}
    categories: dict[str, str] = {}  # the few a campaign has
    days: dict[Any, str] = {}  # a campaign's days: a few hundred at most
    last: tuple[Any, ...] = ()
    row: list[Any] = []
    for raw in answer_query(campaign):
        # Sorted by every column, equal answers come together: the same row object again
        # (writers may reuse what they made of it), in constant memory.
        if raw != last:
            method, unit, indicator, level, channel, category, round_, date = raw
            code, name = units.get(unit, ("", ""))
            row = [
                methods.get(method, ""),
                code,
                name,
                indicators.get(indicator, ""),
                levels.get(level, ""),
                channels.get(channel) or clean(channel),
                categories.get(category) or categories.setdefault(category, clean(category)),
                "" if round_ is None else round_,
                days.get(date) or days.setdefault(date, date.isoformat()),
            ]
            last = raw
        yield row


class _Echo:
    """A file whose ``write`` hands back the line: ``CsvWriter.writerow`` returns it."""

    def write(self, text: str) -> str:
        return text


def answer_csv_chunks(campaign: Campaign, rows_per_chunk: int = 5000) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (for Chinese Excel), a few thousand rows per chunk."""
    writer = CsvWriter(_Echo(), lineterminator="\r\n")
    lines = ["\ufeff" + writer.writerow(HEADER)]
    previous: list[Any] | None = None
    line = ""
    for row in answer_rows(campaign, clean=csv_field):
        if row is not previous:
            line, previous = writer.writerow_cleaned(row), row
        lines.append(line)
        if len(lines) >= rows_per_chunk:
            yield "".join(lines).encode("utf-8")
            lines.clear()
    yield "".join(lines).encode("utf-8")


def answer_xlsx_file(campaign: Campaign) -> Iterator[bytes]:
    return streamed_workbook("答案", HEADER, answer_rows(campaign))
