"""Changing the working-day table (节假日与调休): each change one transaction, one audit entry.

The State Council's notice for a year is entered as a table, one row per day —
``date,kind,name`` with ``kind`` 休 (a holiday) or 班 (a make-up working day) — from a
CSV or XLSX file or from lines pasted into a text box; a date cell may hold a range
(``2027-02-06至2027-02-12``). Every bad row is reported by its line and nothing is
stored. A year the library does not know counts once the office confirms it has
entered the whole year (``CalendarYear``, see ``lib.workdays``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from minping.audit.log import actor_label, record
from minping.lib.errors import InputProblem, InvalidInput, ProblemCollector
from minping.lib.models import CalendarDay, CalendarYear
from minping.lib.tabular import Column, Row, open_table, parse_date
from minping.lib.workdays import bundled

COLUMNS = (
    Column("date", ("日期", "放假日期", "时间")),
    Column("kind", ("类型", "安排", "休/班", "放假或上班")),
    Column("name", ("名称", "节日", "节假日", "说明", "备注"), required=False),
)
HOLIDAY_WORDS = frozenset({"休", "放假", "假", "休息", "休假", "节假日", "holiday", "off"})
WORKDAY_WORDS = frozenset({"班", "上班", "补班", "调休上班", "工作日", "workday", "work"})
RANGE = re.compile(r"\s*(?:至|到|~|～|—|–)\s*")
# A holiday in a notice is at most nine days long; a month is a typing slip.
LONGEST_RANGE = 31
FIRST_YEAR, LAST_YEAR = 2000, 2100
NOTE_LENGTH = CalendarDay._meta.get_field("note").max_length or 100


@dataclass(frozen=True)
class DayEntry:
    """One day read from a notice table."""

    line: int
    date: datetime.date
    is_workday: bool
    note: str


def parse_kind(text: str) -> bool:
    """True for a make-up working day (班), False for a holiday (休); ValueError otherwise."""
    word = text.strip().lower()
    if word in WORKDAY_WORDS:
        return True
    if word in HOLIDAY_WORDS:
        return False
    raise ValueError(f"“{text}”应写“休”(放假)或“班”(调休上班)")


def parse_days(text: str) -> list[datetime.date]:
    """A date, or a range of dates joined by 至 / ~; ValueError says what is wrong."""
    parts = RANGE.split(text.strip())
    if len(parts) > 2:
        raise ValueError(f"“{text}”不是日期或日期范围,应写作 2027-02-06 或 2027-02-06至2027-02-12")
    first = parse_date(parts[0])
    last = parse_date(parts[-1])
    if last < first:
        raise ValueError(f"日期范围“{text}”的结束早于开始")
    if (last - first).days >= LONGEST_RANGE:
        raise ValueError(f"日期范围“{text}”超过 {LONGEST_RANGE} 天,请核对")
    for day in (first, last):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"日期“{text}”的年份不在 {FIRST_YEAR}–{LAST_YEAR} 年之间")
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def check_rows(
    rows: Iterable[Row], problems: ProblemCollector, header: Callable[[str], str]
) -> list[DayEntry]:
    """Every good day of ``rows``; each bad cell and each day given twice goes to ``problems``."""
    entries: list[DayEntry] = []
    seen: dict[datetime.date, int] = {}
    for row in rows:
        days = kind = None
        if not row["date"]:
            problems.add("不能为空", row.line, header("date"))
        else:
            try:
                days = parse_days(row["date"])
            except ValueError as error:
                problems.add(str(error), row.line, header("date"))
        if not row["kind"]:
            problems.add("不能为空,应写“休”或“班”", row.line, header("kind"))
        else:
            try:
                kind = parse_kind(row["kind"])
            except ValueError as error:
                problems.add(str(error), row.line, header("kind"))
        note = row["name"]
        if len(note) > NOTE_LENGTH:
            problems.add(f"名称最长 {NOTE_LENGTH} 个字", row.line, header("name"))
        if days is None or kind is None:
            continue
        for day in days:
            first = seen.setdefault(day, row.line)
            if first != row.line:
                problems.add(f"{day:%Y-%m-%d} 已在第 {first} 行给出", row.line, header("date"))
                continue
            entries.append(DayEntry(row.line, day, kind, note[:NOTE_LENGTH]))
    return entries


def pasted_rows(text: str) -> list[Row]:
    """Lines pasted from the notice or a spreadsheet: ``日期 休/班 名称`` separated by tabs,
    commas or spaces, numbered as pasted; a first line naming the columns is skipped."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = RANGE.sub("至", line.strip())
        if not line:
            continue
        cells = [cell.strip() for cell in re.split(r"[\t,,;;]|\s+", line, maxsplit=2)]
        cells += [""] * (3 - len(cells))
        if number == 1 and "日期" in cells[0]:
            continue
        rows.append(Row(number, dict(zip(("date", "kind", "name"), cells, strict=True))))
    return rows


# --- the actions -------------------------------------------------------------------------


def do_set_day(day: datetime.date, *, is_workday: bool, note: str, actor: Any) -> CalendarDay:
    """Enter or change one day: a holiday (放假) or a make-up working day (上班)."""
    note = note.strip()
    problems = ProblemCollector()
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        problems.add(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 年之间", column="日期")
    if len(note) > NOTE_LENGTH:
        problems.add(f"最长 {NOTE_LENGTH} 个字", column="说明")
    problems.raise_if_any()
    with transaction.atomic():
        entry = CalendarDay.objects.select_for_update().filter(date=day).first()
        old = None if entry is None else {"kind": entry.kind, "note": entry.note}
        if entry is None:
            entry = CalendarDay(date=day)
        entry.is_workday, entry.note = is_workday, note
        entry.save()
        record(
            "calendar.set_day",
            actor=actor,
            obj=entry,
            detail={"date": day, "kind": entry.kind, "note": note, "old": old},
        )
    return entry


def do_remove_day(entry: CalendarDay, *, actor: Any) -> None:
    """Take a day out of the table: it follows the official calendar (or the week) again."""
    with transaction.atomic():
        record(
            "calendar.remove_day",
            actor=actor,
            obj=entry,
            detail={"date": entry.date, "kind": entry.kind, "note": entry.note},
        )
        entry.delete()


def do_import_file(path: Path | str, *, actor: Any, complete: bool = False) -> dict[str, Any]:
    """Import a notice table from a CSV or XLSX file: all or nothing."""
    problems = ProblemCollector()
    with open_table(path, COLUMNS) as table:
        entries = check_rows(table.rows(), problems, table.header)
        problems.raise_if_any(table.name)
        return _store(entries, actor=actor, complete=complete, source=table.name, sha=table.sha256)


def do_import_text(text: str, *, actor: Any, complete: bool = False) -> dict[str, Any]:
    """Import notice lines pasted into the page: all or nothing, lines numbered as pasted."""
    rows = pasted_rows(text)
    if not rows:
        raise InvalidInput([InputProblem("没有可导入的内容:每行写“日期 休/班 名称”")])
    problems = ProblemCollector()
    labels = {"date": "日期", "kind": "休/班", "name": "名称"}
    entries = check_rows(rows, problems, labels.__getitem__)
    problems.raise_if_any("粘贴的内容")
    return _store(entries, actor=actor, complete=complete, source="粘贴的内容", sha="")


def _store(
    entries: list[DayEntry], *, actor: Any, complete: bool, source: str, sha: str
) -> dict[str, Any]:
    """Create or update every day; with ``complete``, confirm the years the library lacks."""
    with transaction.atomic():
        existing = {
            entry.date: entry
            for entry in CalendarDay.objects.select_for_update().filter(
                date__in=[e.date for e in entries]
            )
        }
        new, changed = [], []
        for item in entries:
            stored = existing.get(item.date)
            if stored is None:
                new.append(CalendarDay(date=item.date, is_workday=item.is_workday, note=item.note))
            elif (stored.is_workday, stored.note) != (item.is_workday, item.note):
                stored.is_workday, stored.note = item.is_workday, item.note
                changed.append(stored)
        CalendarDay.objects.bulk_create(new)
        CalendarDay.objects.bulk_update(changed, ["is_workday", "note"])
        years = sorted({item.date.year for item in entries})
        confirmed = []
        if complete:
            for year in years:
                if not bundled(year) and _confirm(year, actor, f"导入{source}"):
                    confirmed.append(year)
        counts = {
            "created": len(new),
            "updated": len(changed),
            "unchanged": len(entries) - len(new) - len(changed),
        }
        record(
            "calendar.import",
            actor=actor,
            detail={
                "source": source,
                "sha256": sha,
                **counts,
                "years": years,
                "confirmed": confirmed,
                "days": [
                    {"date": e.date, "kind": "上班" if e.is_workday else "放假", "note": e.note}
                    for e in entries
                ],
            },
        )
    return {**counts, "years": years, "confirmed": confirmed}


def do_confirm_year(year: int, *, actor: Any, note: str = "") -> CalendarYear:
    """The office says it has entered the whole of ``year``: deadlines in it can be counted."""
    problems = ProblemCollector()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems.add(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 年之间")
    elif bundled(year):
        problems.add(f"{year} 年的国务院放假安排已内置,无需确认")
    elif CalendarYear.objects.filter(year=year).exists():
        problems.add(f"{year} 年已确认录入完毕")
    elif not CalendarDay.objects.filter(date__year=year, is_workday=False).exists():
        problems.add(f"还没有录入 {year} 年的任何放假日期,请先录入国务院通知中的节假日")
    problems.raise_if_any()
    with transaction.atomic():
        _confirm(year, actor, note)
        entry = CalendarYear.objects.get(year=year)
        record("calendar.confirm_year", actor=actor, obj=entry, detail={"year": year, "note": note})
    return entry


def _confirm(year: int, actor: Any, note: str) -> bool:
    _, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"entered_by": actor_label(actor), "note": note[:200]}
    )
    return created


def do_withdraw_year(entry: CalendarYear, *, actor: Any) -> None:
    """Withdraw the confirmation (the year was entered wrongly): its deadlines are refused again."""
    with transaction.atomic():
        record("calendar.withdraw_year", actor=actor, obj=entry, detail={"year": entry.year})
        entry.delete()
