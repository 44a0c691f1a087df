"""Working days by the official Chinese calendar (R-28).

The State Council publishes each year's holidays and make-up working days (调休)
late in the year before; chinese-calendar ships them. Organisers can add or
correct days in the CalendarDay table (a local holiday, a year the library does
not know yet); an entry there always wins. A year the library does not know
counts once the office has said it entered that year's whole schedule
(CalendarYear): then the days it did not list follow the ordinary week.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import chinese_calendar

Overrides = Mapping[datetime.date, bool]

# The library's names of the holidays, as the State Council's notice writes them.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarMissing(Exception):
    """The holiday schedule of a year is known neither to the library nor to the table."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"尚无 {year} 年的法定节假日和调休安排,无法计算工作日。"
            f"请组织单位在“节假日与调休”页面录入 {year} 年的放假日期和调休上班日期,"
            f"并确认该年录入完毕(或升级 chinese-calendar)后再试。"
        )


def bundled(year: int) -> bool:
    """Whether chinese-calendar ships the State Council's schedule for ``year``."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(
    day: datetime.date, overrides: Overrides | None = None, entered_years: Collection[int] = ()
) -> bool:
    """Whether staff work on ``day``: table entry first, then the official calendar.

    A year the library does not know counts only when it is in ``entered_years``
    (one local holiday entered early must not make the year's national holidays
    working days); its unlisted days then follow the ordinary week.
    """
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year in entered_years:
            return day.weekday() < 5
        raise CalendarMissing(day.year) from None


def add_workdays(
    start: datetime.date,
    n: int,
    overrides: Overrides | None = None,
    entered_years: Collection[int] = (),
) -> datetime.date:
    """The ``n``-th working day after ``start``; ``start`` itself is not counted."""
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    day, counted = start, 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_workday(day, overrides, entered_years):
            counted += 1
    return day


def workdays_between(
    start: datetime.date,
    end: datetime.date,
    overrides: Overrides | None = None,
    entered_years: Collection[int] = (),
) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_workday(day, overrides, entered_years)
    return count


@dataclass(frozen=True)
class WorkCalendar:
    """The office's calendar: its table of days and the years it entered whole."""

    overrides: Overrides = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()

    def is_workday(self, day: datetime.date) -> bool:
        return is_workday(day, self.overrides, self.entered_years)

    def add_workdays(self, start: datetime.date, n: int) -> datetime.date:
        return add_workdays(start, n, self.overrides, self.entered_years)

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        return workdays_between(start, end, self.overrides, self.entered_years)


@dataclass(frozen=True)
class OfficialDay:
    """A day of the State Council's schedule as chinese-calendar ships it."""

    date: datetime.date
    is_workday: bool  # True: a make-up working day (调休上班) on a weekend
    name: str


def official_days(year: int) -> list[OfficialDay] | None:
    """The year's holidays and make-up working days from the library; None if it has none."""
    if not bundled(year):
        return None
    days = [
        OfficialDay(day, False, HOLIDAY_NAMES.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    days += [
        OfficialDay(day, True, HOLIDAY_NAMES.get(name, name))
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(days, key=lambda d: d.date)
