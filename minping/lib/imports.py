"""What every file import shares: its summary, refusing a file imported before, its record.

Each import runs in one transaction. Inside it, ``check_not_imported`` comes
first and ``record_import`` last: it stores an ``ImportBatch`` and writes the
audit entry with the counts and the file's SHA-256.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from minping.audit.log import record
from minping.campaigns.models import Campaign, ImportBatch
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.lib.tabular import Row, Table
from minping.orgs.models import Unit

KIND_NAMES = {
    "units": "评议对象",
    "ballots": "答卷",
    "scores": "得分",
    "deductions": "减分",
    "vetoes": "一票否决",
}


@dataclass
class ImportSummary:
    """What an import stored, in numbers and in one line for the user."""

    kind: str
    filename: str
    sha256: str
    rows: int
    text: str
    campaign_code: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None


class AlreadyImported(InvalidInput):
    """This very file was imported here before; importing it again would double-count."""

    def __init__(self, batch: ImportBatch, source: str) -> None:
        when = timezone.localtime(batch.created).strftime("%Y-%m-%d %H:%M")
        effect = "不会有任何变化" if batch.kind == "units" else "会重复计数"
        message = (
            f"这个文件已于 {when} 导入过(导入记录 #{batch.pk},{batch.rows} 行),"
            f"再次导入{effect};确需再次导入请加 --force"
        )
        self.batch = batch
        super().__init__([InputProblem(message)], source=source)

    def summary(self) -> str:
        name = f"{self.source} " if self.source else "这个文件"
        return f"{name}以前导入过,未作任何改动。"


def check_not_imported(
    kind: str, campaign: Campaign | None, table: Table, *, force: bool = False
) -> None:
    """Raise AlreadyImported if this very file (by SHA-256) was imported as ``kind`` before."""
    if force:
        return
    earlier = (
        ImportBatch.objects.filter(kind=kind, campaign=campaign, sha256=table.sha256)
        .order_by("created")
        .first()
    )
    if earlier is not None:
        raise AlreadyImported(earlier, table.name)


def record_import(
    kind: str,
    campaign: Campaign | None,
    table: Table,
    *,
    actor: Any,
    counts: dict[str, int],
    detail: dict[str, Any] | None = None,
) -> ImportBatch:
    """Store the ImportBatch and its audit entry. Call inside the import's transaction."""
    batch = ImportBatch.objects.create(
        campaign=campaign,
        kind=kind,
        filename=table.name[:255],
        sha256=table.sha256,
        rows=table.data_rows,
    )
    record(
        f"import.{kind}",
        actor=actor,
        obj=batch,
        campaign_code=campaign.code if campaign is not None else "",
        detail={
            "file": table.name,
            "sha256": table.sha256,
            "rows": table.data_rows,
            **counts,
            **(detail or {}),
        },
    )
    return batch


def summary(
    kind: str,
    campaign: Campaign | None,
    table: Table,
    batch: ImportBatch,
    text: str,
    counts: dict[str, int],
    warnings: list[str] | None = None,
) -> ImportSummary:
    return ImportSummary(
        kind=kind,
        filename=table.name,
        sha256=table.sha256,
        rows=table.data_rows,
        text=text,
        campaign_code=campaign.code if campaign is not None else "",
        counts=counts,
        warnings=warnings or [],
        batch_id=batch.pk,
    )


class CampaignUnits:
    """The units a campaign's data may name: the id of each code, or why it may not be named.

    A unit is left out when it, or a unit above it, is in the campaign's
    ``exclude`` list (R-05: a bank's windows go with the bank), or when the
    group it is ranked in (its own, else its nearest ranked ancestor's) is
    not one of the campaign's groups.
    """

    def __init__(self, campaign: Campaign) -> None:
        rows = list(Unit.objects.values_list("id", "code", "parent_id", "group__code"))
        self.ids: dict[str, int] = {code: pk for pk, code, _, _ in rows}
        self.codes: dict[int, str] = {pk: code for pk, code, _, _ in rows}
        self.refusals: dict[str, str] = {}
        parents = {pk: (parent, group) for pk, _, parent, group in rows}
        excluded, groups = set(campaign.exclude), set(campaign.groups)
        for pk, code, _, _ in rows:
            ranked_in: str | None = None
            current: int | None = pk
            seen: set[int] = set()
            while current is not None and current not in seen:
                seen.add(current)
                if self.codes[current] in excluded:
                    why = "" if current == pk else f"(其上级“{self.codes[current]}”)"
                    self.refusals[code] = f"评议对象“{code}”{why}不参加本次活动(exclude)"
                    break
                parent, group = parents[current]
                if ranked_in is None and group is not None:
                    ranked_in = group
                current = parent
            if code not in self.refusals and groups and ranked_in and ranked_in not in groups:
                self.refusals[code] = (
                    f"评议对象“{code}”属于组别“{ranked_in}”,不在本次活动的参评组别"
                    f"({'、'.join(sorted(groups))})之中"
                )

    def resolve(self, code: str) -> int:
        """The unit's id; ValueError with a message if it is unknown or left out."""
        pk = self.ids.get(code)
        if pk is None:
            raise ValueError(f"没有代码为“{code}”的评议对象(可用 minping import units 导入)")
        if code in self.refusals:
            raise ValueError(self.refusals[code])
        return pk


T = TypeVar("T")
MAX_REMEMBERED = 1000


class Lookup(Generic[T]):
    """Campaign items (methods, indicators, rules…) by code, or by title when that is unique."""

    def __init__(
        self,
        items: Iterable[T],
        what: str,
        code: Callable[[T], str] = attrgetter("code"),
        title: Callable[[T], str] = attrgetter("title"),
    ) -> None:
        self.items = list(items)
        self.what = what
        self.by_code = {code(item): item for item in self.items}
        titles: dict[str, list[T]] = {}
        for item in self.items:
            titles.setdefault(title(item), []).append(item)
        self.by_title = {t: found[0] for t, found in titles.items() if len(found) == 1}
        # Fail fast on the repeated values of a big file: messages are built once,
        # for a bounded number of values (a bad file may hold a million different ones).
        self.unknown: dict[str, str] = {}

    def resolve(self, text: str) -> T:
        """The item named ``text``; ValueError listing the known codes if there is none."""
        item = self.by_code.get(text)
        if item is None:
            item = self.by_title.get(text)
        if item is None:
            message = self.unknown.get(text)
            if message is None:
                known = "、".join(self.by_code) or "(无)"
                message = f"本活动没有{self.what}“{text}”;{self.what}有:{known}"
                if len(self.unknown) < MAX_REMEMBERED:
                    self.unknown[text] = message
            raise ValueError(message)
        return item


def read_cell(
    problems: ProblemCollector,
    table: Table,
    row: Row,
    name: str,
    parse: Callable[[str], T],
) -> T | None:
    """The cell ``name`` parsed, or None after reporting (by line and column) why it cannot be."""
    text = row[name]
    if not text:
        problems.add("不能为空", row.line, table.header(name))
        return None
    try:
        return parse(text)
    except ValueError as exc:
        problems.add(str(exc), row.line, table.header(name))
        return None


def insert_rows(model: type[Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples of database values, with one prepared statement.

    ``bulk_create`` builds a model instance and compiles SQL for every row,
    which is most of the time of a million-answer import; this does neither.
    Values must already be in database form (``get_db_prep_value``).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column
