"""Working days by the official Chinese calendar (R-28).

The State Council publishes each year's holidays and make-up working days (调休)
late in the year before; chinese-calendar ships them. Organisers can add or
correct days in the CalendarDay table (a local holiday, a year the library does
not know yet); an entry there always wins.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import chinese_calendar

Overrides = Mapping[datetime.date, bool]


class CalendarMissing(Exception):
    """The holiday schedule of a year is known neither to the library nor to the table."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"尚无 {year} 年的法定节假日和调休安排,无法计算工作日。"
            f"请组织单位在“节假日与调休”表中录入 {year} 年的放假日期和调休上班日期"
            f"(或升级 chinese-calendar)后再试。"
        )


def is_workday(day: datetime.date, overrides: Overrides | None = None) -> bool:
    """Whether staff work on ``day``: table entry first, then the official calendar."""
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # A year the library does not know counts as entered once the table has
        # any day of it: then unlisted days follow the ordinary week.
        if overrides and any(d.year == day.year for d in overrides):
            return day.weekday() < 5
        raise CalendarMissing(day.year) from None


def add_workdays(start: datetime.date, n: int, overrides: Overrides | None = None) -> datetime.date:
    """The ``n``-th working day after ``start``; ``start`` itself is not counted."""
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    day, counted = start, 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_workday(day, overrides):
            counted += 1
    return day


def workdays_between(
    start: datetime.date, end: datetime.date, overrides: Overrides | None = None
) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_workday(day, overrides)
    return count
