"""Reading a pool file (CSV or XLSX) into a pool, row by row in flat memory.

Columns (English or Chinese headers): ``phone`` (手机号) required; ``name``
(姓名), ``category`` (类别), ``unit`` (单位, by name or code) and ``district``
(区县) optional. Rows are inserted in batches as they are read, inside the
caller's transaction, with ``ON CONFLICT DO NOTHING`` on (pool, phone hash):
a phone already in the pool, or met earlier in the file, is one person and
keeps its first row. Any bad cell is collected by line and column and the
caller rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from minping.lib.errors import ProblemCollector
from minping.lib.progress import Progress
from minping.lib.tabular import Column, Row, Table
from minping.orgs.models import Unit
from minping.panels.models import Pool, PoolImport, Respondent
from minping.panels.scope import campaign_categories, category_aliases, stratum_units
from minping.surveys.phones import MOBILE, normalise_phone
from minping.surveys.tokens import keyed_hash

COLUMNS = [
    Column("phone", ("手机号", "手机", "手机号码", "电话", "联系电话", "联系方式")),
    Column("name", ("姓名", "名字"), required=False),
    Column("category", ("类别", "评议主体类别", "人员类别", "身份"), required=False),
    Column("unit", ("单位", "办事单位", "所办事单位", "评议对象", "参评单位"), required=False),
    Column("district", ("区县", "所在区县", "地区", "区域"), required=False),
]
# Rows written per statement batch: enough to amortise the round trip, small enough to stay flat.
BATCH = 2000
NAME_MAX = 50
DISTRICT_MAX = 50
# A cell that Excel would run as a formula when the pool is exported and opened again
# (=HYPERLINK(…) and the like) is never a name or a district: refused, so exports stay inert.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PROBLEM = "不能以 = + - @ 等符号开头(导出后在 Excel 中会被当作公式)"
FIELDS = ["pool", "origin", "phone", "phone_key", "name", "category", "unit", "district"]
# One row's values, in FIELDS order.
Values = tuple[int, int, str, str, str, str, int | None, str]


def respondent_key(phone: str) -> str:
    """The keyed hash duplicates are found by; its own purpose, so no surveys hash equals it."""
    return keyed_hash("pool-phone", phone)


class UnitNames:
    """The campaign's ranked units by code and by (unique) name, for cells a clerk typed."""

    def __init__(self, units: list[Unit]) -> None:
        self.by_code = {unit.code: unit.pk for unit in units}
        names: dict[str, list[int]] = {}
        for unit in units:
            names.setdefault(unit.name, []).append(unit.pk)
        self.by_name = {name: pks[0] for name, pks in names.items() if len(pks) == 1}
        self.ambiguous = {name for name, pks in names.items() if len(pks) > 1}

    def resolve(self, text: str) -> int:
        pk = self.by_name.get(text) or self.by_code.get(text)
        if pk is not None:
            return pk
        if text in self.ambiguous:
            raise ValueError(f"有几个单位都叫“{text}”,请写单位代码")
        raise ValueError(f"“{text}”不是本次活动的参评单位")


class PoolImporter:
    """Checks every row and inserts the good ones; the caller raises on problems."""

    def __init__(
        self,
        pool: Pool,
        origin: PoolImport,
        table: Table,
        problems: ProblemCollector,
        *,
        unit_id: int | None = None,
    ) -> None:
        self.pool, self.origin, self.table, self.problems = pool, origin, table, problems
        # A unit's own service-object list: everyone on it dealt with that unit.
        self.fixed_unit = unit_id
        self.units = UnitNames(stratum_units(pool.campaign))
        categories = campaign_categories(pool.campaign)
        self.categories = category_aliases(categories)
        self.known_categories = "、".join(categories)
        self.rows = 0
        # A message per distinct bad value, so that a big file's repeated mistake costs once.
        self._unit_errors: dict[str, str] = {}
        self._units: dict[str, int] = {}

    def run(self, progress: Progress | None = None) -> None:
        batch: list[Values] = []
        for values in self._checked(self.table.rows(progress)):
            batch.append(values)
            if len(batch) >= BATCH:
                self._insert(batch)
                batch = []
        self._insert(batch)

    def _checked(self, rows: Iterator[Row]) -> Iterator[Values]:
        table, problems = self.table, self.problems
        for row in rows:
            self.rows += 1
            before = problems.total
            typed = row["phone"]
            # Most cells are already 11 plain digits: only the others need normalising.
            phone = typed if MOBILE.match(typed) else normalise_phone(typed) if typed else None
            if not typed:
                problems.add("不能为空", row.line, table.header("phone"))
            elif phone is None:
                problems.add(
                    f"“{row['phone']}”不是有效的手机号码(11 位数字,以 1 开头)",
                    row.line,
                    table.header("phone"),
                )
            name = row["name"]
            if len(name) > NAME_MAX:
                problems.add(f"姓名不能超过 {NAME_MAX} 个字", row.line, table.header("name"))
            elif name.startswith(FORMULA_STARTS):
                problems.add(FORMULA_PROBLEM, row.line, table.header("name"))
            category = ""
            if text := row["category"]:
                found = self.categories.get(text)
                if found is None:
                    problems.add(
                        f"“{text}”不是本活动的评议主体类别;类别有:{self.known_categories}",
                        row.line,
                        table.header("category"),
                    )
                else:
                    category = found
            unit = self.fixed_unit
            if unit is None and (text := row["unit"]):
                unit = self._unit(text, row)
            district = row["district"]
            if len(district) > DISTRICT_MAX:
                problems.add(
                    f"区县不能超过 {DISTRICT_MAX} 个字", row.line, table.header("district")
                )
            elif district.startswith(FORMULA_STARTS):
                problems.add(FORMULA_PROBLEM, row.line, table.header("district"))
            if problems.total == before and phone is not None:
                yield (
                    self.pool.pk,
                    self.origin.pk,
                    phone,
                    respondent_key(phone),
                    name,
                    category,
                    unit,
                    district,
                )

    def _unit(self, text: str, row: Row) -> int | None:
        if text in self._units:
            return self._units[text]
        if text not in self._unit_errors:
            try:
                self._units[text] = self.units.resolve(text)
                return self._units[text]
            except ValueError as error:
                self._unit_errors[text] = str(error)
        self.problems.add(self._unit_errors[text], row.line, self.table.header("unit"))
        return None

    def _insert(self, rows: list[Values]) -> None:
        """Insert a batch; a phone already in the pool is skipped by the unique constraint."""
        if not rows or self.problems:
            return  # after the first problem nothing is kept anyway: only check the rest
        insert_values(Respondent, FIELDS, rows, skip_duplicates=True)


def insert_values(
    model: type[Model],
    fields: list[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_duplicates: bool = False,
) -> None:
    """Insert plain rows (database values in ``fields`` order) as fast as each database takes them.

    SQLite runs one prepared statement per row in C (``executemany``). PostgreSQL gets
    one ``INSERT … SELECT * FROM unnest(%s::type[], …)`` per batch: a column of values
    per parameter, so the statement stays short and is parsed once, where ``executemany``
    or a long ``VALUES`` list spend their time in round trips or in psycopg's placeholder
    parsing (bench/pool_draw.py). ``skip_duplicates`` adds ``ON CONFLICT DO NOTHING``.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
    tail = " ON CONFLICT DO NOTHING" if skip_duplicates else ""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"{head}VALUES ({marks}){tail}", rows)
            return
        types = [_db_type(model, name) for name in fields]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        columns_of_values = [list(column) for column in zip(*rows, strict=True)]
        cursor.execute(f"{head}SELECT * FROM unnest({arrays}){tail}", columns_of_values)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _db_type(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    kind = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    assert kind
    return str(kind)
