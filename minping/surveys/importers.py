"""Reading a ballots file: one row an answer; rows with the same ``ballot`` are one questionnaire.

Bounded memory for files of millions of rows: rows are streamed and stored in
batches, and only the questionnaire being read is held. Rows of one
questionnaire are normally contiguous; when a ``ballot`` value comes back
after other ballots, its rows must join the ballot stored earlier, with the
same method and unit. Two choices make that cheap:

* The stored id is derived from the file's ``ballot`` value with a keyed hash
  (BLAKE2b) whose key is random for each import and never stored. So equal
  values get equal ids inside one import, yet no id can be traced back to the
  file's value, or to any person it names (DESIGN principle 4).
* A fixed-size Bloom filter remembers which values were met. Only when it says
  "seen" (a real repeat, or rarely a false positive) are the pending rows
  flushed and the database asked for that ballot. Memory stays at most 16 MiB
  whatever the number of ballots; a set of 8-byte hashes would take about
  70 bytes per ballot (70 MB for a million one-question ballots), and asking
  the database for every ballot would cost a query and a flush each.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection

from minping.campaigns.models import Campaign, Indicator, Method, ScaleLevel
from minping.lib.errors import ProblemCollector
from minping.lib.imports import Lookup, insert_rows, read_cell
from minping.lib.progress import Progress
from minping.lib.tabular import Column, Row, Table, parse_date
from minping.surveys.models import Answer, Ballot

T = TypeVar("T")

COLUMNS = (
    Column("ballot", ("答卷", "答卷编号", "问卷", "问卷编号", "答卷号")),
    Column("method", ("方法", "评议方法", "方法代码")),
    Column("unit", ("单位", "单位代码", "评议对象", "参评单位")),
    Column("indicator", ("指标", "指标代码", "评议内容")),
    Column("level", ("等级", "评价等级", "评价")),
    Column("category", ("类别", "评议主体", "评议主体类别"), required=False),
    Column("date", ("日期", "答卷日期"), required=False),
)

# Answers stored per insert; the transaction is one, whatever the batch.
BATCH = 5000
BALLOT_FIELDS = ("id", "campaign", "method", "unit", "date", "channel", "category", "sheet")
ANSWER_FIELDS = ("ballot", "campaign", "method", "unit", "indicator", "level")
CATEGORY_MAX = Ballot._meta.get_field("category").max_length or 40


class SeenFilter:
    """A Bloom filter of 128-bit digests, three probes, a fixed number of bits.

    ``size_hint`` is the number of bits wanted: a CSV file's size in bytes is
    at least 30 bits for each ballot (a row takes more than 30 bytes), which
    keeps false positives under 0.1%.
    """

    def __init__(self, size_hint: int) -> None:
        bits = 1 << 16
        while bits < size_hint and bits < 1 << 27:  # 16 MiB at most
            bits <<= 1
        self.mask = bits - 1
        self.bits = bytearray(bits // 8)

    def _probes(self, digest: int) -> tuple[int, int, int]:
        return digest & self.mask, (digest >> 40) & self.mask, (digest >> 80) & self.mask

    def add(self, digest: int) -> None:
        for probe in self._probes(digest):
            self.bits[probe >> 3] |= 1 << (probe & 7)

    def __contains__(self, digest: int) -> bool:
        return all(self.bits[p >> 3] & (1 << (p & 7)) for p in self._probes(digest))


@dataclass(slots=True)
class OpenBallot:
    """The questionnaire being read: what its first row said, and the indicators answered."""

    key: str
    id: uuid.UUID
    db_id: Any  # the id as the database stores it (text on SQLite, uuid on PostgreSQL)
    line: int | None  # first line in the file; None when it continues a stored ballot
    method_text: str
    unit_text: str
    category: str
    date_text: str
    method_id: int | None = None
    unit_id: int | None = None
    stored: bool = False
    indicators: dict[int, int | None] = field(default_factory=dict)  # indicator id -> line
    # Version 2, one questionnaire over several units: the unit this ballot of it is about,
    # and the questionnaire's id as stored (``Ballot.sheet``); "" and None otherwise.
    unit_key: str = ""
    db_sheet: Any = None


class BallotImporter:
    """Checks every row of a ballots table and stores the good ones in batches.

    Run it inside a transaction and roll back if ``problems`` is not empty:
    rows are written as they are read, so nothing must survive a bad file.
    """

    def __init__(self, campaign: Campaign, table: Table, problems: ProblemCollector) -> None:
        self.campaign = campaign
        self.table = table
        self.problems = problems
        self.today = datetime.date.today()
        self.methods = Lookup(
            Method.objects.filter(campaign=campaign),
            "评议方法",
            lambda m: m.code,
            lambda m: m.title,
        )
        self.indicators = Lookup(Indicator.objects.filter(campaign=campaign), "指标")
        self.asked: dict[int, frozenset[int]] = {}  # method id -> the indicator ids it asks
        label = attrgetter("label")
        self.levels = Lookup(ScaleLevel.objects.filter(campaign=campaign), "评价等级", label, label)
        self.units = campaign.participation()
        # Version 2: one ballot id may rate several units (one person's questionnaire).
        self.several = campaign.format >= 2
        self.secret = secrets.token_bytes(32)  # forgotten when the import ends
        self.seen = SeenFilter(table.total if table.unit == "B" else table.total * 16)
        self.current: OpenBallot | None = None
        # Rows waiting to be stored, as tuples in the order of BALLOT_FIELDS and ANSWER_FIELDS.
        self.pending_ballots: list[tuple[Any, ...]] = []
        self.pending_answers: list[tuple[Any, ...]] = []
        self.db_date = partial(connection.ops.adapt_datefield_value)
        self.db_uuid = partial(Ballot._meta.pk.get_db_prep_value, connection=connection)
        self.ballots = 0
        self.answers = 0
        self.rechecks = 0  # ballot values the filter said were seen before
        self.by_method: dict[str, int] = {}  # method title -> ballots
        self.late: dict[str, int] = {}  # method title -> ballots dated after its deadline
        self.deadlines: dict[str, datetime.date] = {}
        self.refusals: dict[tuple[int, str], str] = {}  # (method, category) -> why not counted

    def run(self, progress: Progress | None = None) -> None:
        for row in self.table.rows(progress):
            self.take(row)
            if len(self.pending_answers) >= BATCH:
                self.flush()
        self.flush()

    # -- one row -------------------------------------------------------------------------

    def take(self, row: Row) -> None:
        """Check one answer row against the campaign and its questionnaire; queue it if good."""
        method = self.cell(row, "method", self.ballot_method)
        # Which units a method may rate is the campaign's (a version-2 file may narrow it).
        resolve = (
            partial(self.units.resolve_for, method=method.code) if method else self.units.resolve
        )
        unit_id = self.cell(row, "unit", resolve)
        indicator = self.cell(row, "indicator", self.indicators.resolve)
        level = self.cell(row, "level", self.levels.resolve)
        category = row["category"]
        ok = method is not None and unit_id is not None
        ok = ok and indicator is not None and level is not None
        if method is not None and indicator is not None and not self.asks(method, indicator):
            self.add(self.not_asked(method, indicator), row, "indicator")
            ok = False
        if len(category) > CATEGORY_MAX:
            self.add(f"评议主体类别不能超过 {CATEGORY_MAX} 个字", row, "category")
            ok = False
        elif method is not None and (refusal := self.respondent_refusal(method, category)):
            self.add(refusal, row, "category")  # version 2: whose ballots count
            ok = False
        day = self.today
        if row["date"]:
            parsed = self.cell(row, "date", parse_date)
            ok = ok and parsed is not None
            day = parsed or day
        key = row["ballot"]
        if not key:
            self.add("答卷编号不能为空", row, "ballot")
            return
        ballot = self.current
        unit_key = row["unit"] if self.several else ""
        if ballot is None or ballot.key != key or ballot.unit_key != unit_key:
            ballot = self.current = self.open(key, row, unit_key)
        if ballot.method_id is None and ballot.line == row.line:
            ballot.method_id = method.id if method is not None else None
            ballot.unit_id = unit_id
        ok = self.consistent(ballot, row, method, unit_id) and ok
        if indicator is not None:
            if indicator.id in ballot.indicators:
                first = ballot.indicators[indicator.id]
                where = f"已在第 {first} 行" if first else "此前已"
                self.add(f"答卷“{key}”{where}回答过指标“{row['indicator']}”", row, "indicator")
                ok = False
            else:
                ballot.indicators[indicator.id] = row.line
        if not ok:
            return
        assert method is not None and unit_id is not None
        assert indicator is not None and level is not None
        if not ballot.stored:
            self.pending_ballots.append(
                (
                    ballot.db_id,
                    self.campaign.id,
                    method.id,
                    unit_id,
                    self.db_date(day),
                    "import",
                    category,
                    ballot.db_sheet,
                )
            )
            ballot.stored = True
            self.ballots += 1
            self.by_method[method.title] = self.by_method.get(method.title, 0) + 1
            if method.deadline is not None and day > method.deadline:  # taken, and told
                self.late[method.title] = self.late.get(method.title, 0) + 1
                self.deadlines[method.title] = method.deadline
        self.pending_answers.append(
            (ballot.db_id, self.campaign.id, method.id, unit_id, indicator.id, level.id)
        )
        self.answers += 1

    def consistent(
        self, ballot: OpenBallot, row: Row, method: Method | None, unit_id: int | None
    ) -> bool:
        """Does this row name the same method, unit, category and date as its ballot's first?"""
        ok = True
        where = f"第 {ballot.line} 行" if ballot.line else "此前导入的行"
        same_method = (
            ballot.method_id == method.id
            if method is not None and ballot.method_id is not None
            else ballot.method_text == row["method"]
        )
        if not same_method:
            self.add(
                f"答卷“{ballot.key}”在{where}的评议方法是“{ballot.method_text}”,"
                f"这里是“{row['method']}”;同一答卷只能是一种方法",
                row,
                "method",
            )
            ok = False
        same_unit = (
            ballot.unit_id == unit_id
            if unit_id is not None and ballot.unit_id is not None
            else ballot.unit_text == row["unit"]
        )
        if not same_unit:
            self.add(
                f"答卷“{ballot.key}”在{where}评的是“{ballot.unit_text}”,"
                f"这里是“{row['unit']}”;同一答卷只能评一个单位",
                row,
                "unit",
            )
            ok = False
        for name, first, label in (
            ("category", ballot.category, "评议主体类别"),
            ("date", ballot.date_text, "日期"),
        ):
            if self.table.has(name) and row[name] != first:
                self.add(
                    f"答卷“{ballot.key}”在{where}的{label}是“{first}”,这里是“{row[name]}”",
                    row,
                    name,
                )
                ok = False
        return ok

    # -- ballots -------------------------------------------------------------------------

    def open(self, key: str, row: Row, unit_key: str = "") -> OpenBallot:
        """Start reading the ballot ``key`` (about ``unit_key`` when one questionnaire may
        rate several units): a new one, or one stored earlier that continues."""
        sheet = None
        if unit_key:
            sheet = self.db_uuid(self.uuid_of(key))
            key_text = f"{key}\x00{unit_key}"
        else:
            key_text = key
        digest = hashlib.blake2b(key_text.encode(), key=self.secret, digest_size=16).digest()
        ballot_id = uuid.UUID(bytes=digest, version=4)
        number = int.from_bytes(digest, "little")
        if number in self.seen:
            self.rechecks += 1
            self.flush()
            stored = (
                Ballot.objects.filter(pk=ballot_id)
                .values("method__code", "method_id", "unit__code", "unit_id", "category", "date")
                .first()
            )
            if stored is not None:
                answered = Answer.objects.filter(ballot_id=ballot_id).values_list(
                    "indicator_id", flat=True
                )
                return OpenBallot(
                    key=key,
                    id=ballot_id,
                    db_id=self.db_uuid(ballot_id),
                    line=None,
                    method_text=stored["method__code"],
                    unit_text=stored["unit__code"],
                    category=stored["category"],
                    date_text=row["date"] if self.table.has("date") else "",
                    method_id=stored["method_id"],
                    unit_id=stored["unit_id"],
                    stored=True,
                    indicators=dict.fromkeys(answered),
                    unit_key=unit_key,
                    db_sheet=sheet,
                )
        self.seen.add(number)
        return OpenBallot(
            key=key,
            id=ballot_id,
            db_id=self.db_uuid(ballot_id),
            line=row.line,
            method_text=row["method"],
            unit_text=row["unit"],
            category=row["category"],
            date_text=row["date"],
            unit_key=unit_key,
            db_sheet=sheet,
        )

    def uuid_of(self, key: str) -> uuid.UUID:
        """The questionnaire's id: from its key and this import's secret, never the key."""
        digest = hashlib.blake2b(b"sheet\x00" + key.encode(), key=self.secret, digest_size=16)
        return uuid.UUID(bytes=digest.digest(), version=4)

    def flush(self) -> None:
        """Store the queued ballots, then their answers (which refer to them)."""
        insert_rows(Ballot, BALLOT_FIELDS, self.pending_ballots)
        self.pending_ballots = []
        insert_rows(Answer, ANSWER_FIELDS, self.pending_answers)
        self.pending_answers = []

    # -- cells ---------------------------------------------------------------------------

    def ballot_method(self, text: str) -> Method:
        method = self.methods.resolve(text)
        if method.input == Method.CASES:
            raise ValueError(f"评议方法“{text}”按问题线索办理情况计分,不收答卷")
        if method.input != Method.BALLOTS:
            raise ValueError(
                f"评议方法“{text}”直接录入得分,不收答卷(得分请用 minping import scores 导入)"
            )
        return method

    def asks(self, method: Method, indicator: Indicator) -> bool:
        """Whether the method's questionnaire asks this indicator (version 2 may narrow it)."""
        if method.id not in self.asked:
            self.asked[method.id] = frozenset(i.id for i in method.asked_indicators())
        return indicator.id in self.asked[method.id]

    def not_asked(self, method: Method, indicator: Indicator) -> str:
        titles = "、".join(i.title for i in method.asked_indicators())
        return (
            f"评议方法“{method.title}”的问卷不问“{indicator.title}”,这一行不能导入"
            f"(它问的是:{titles})"
        )

    def respondent_refusal(self, method: Method, category: str) -> str:
        """Why the method does not count a ballot of ``category`` ("" if it does), as its
        definition decides; asked once per method and category."""
        key = (method.pk, category)
        if key not in self.refusals:
            self.refusals[key] = method.as_definition().respondent_refusal(category)
        return self.refusals[key]

    def cell(self, row: Row, name: str, parse: Callable[[str], T]) -> T | None:
        """The cell parsed, or None after reporting why it cannot be."""
        return read_cell(self.problems, self.table, row, name, parse)

    def add(self, message: str, row: Row, name: str) -> None:
        self.problems.add(message, row.line, self.table.header(name))
