"""What every file import shares: finding campaign items by code or title, reading a cell,
storing many rows at once.

Refusing a file imported before and recording an import (its ``ImportBatch`` and
audit entry) are ``campaigns.batches``; which units a file may name is
``campaigns.participation``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

from minping.lib.errors import ProblemCollector
from minping.lib.tabular import Row, Table

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
