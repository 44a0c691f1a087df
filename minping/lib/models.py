"""Organiser-editable corrections to the official working-day calendar."""

from __future__ import annotations

import datetime

from django.db import models

from minping.lib.workdays import WorkCalendar


class CalendarDay(models.Model):
    """A day whose status differs from, or is missing in, the official calendar."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "上班", help_text="勾选表示当天上班(如调休上班日);不勾选表示放假"
    )
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'}"

    @property
    def kind(self) -> str:
        return "上班" if self.is_workday else "放假"

    @classmethod
    def overrides(cls) -> dict[datetime.date, bool]:
        """All entries as the mapping minping.lib.workdays expects."""
        return dict(cls.objects.values_list("date", "is_workday"))


class CalendarYear(models.Model):
    """A year whose whole schedule the office has entered (one the library does not know).

    Until then a deadline in that year is refused: a local holiday entered early
    must not make the year's national holidays count as working days.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    entered_at = models.DateTimeField("确认时间", auto_now_add=True)
    entered_by = models.CharField("确认人", max_length=150, blank=True)
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "已录入完毕的年份"
        verbose_name_plural = "已录入完毕的年份"

    def __str__(self) -> str:
        return f"{self.year} 年"


def office_calendar() -> WorkCalendar:
    """The official calendar with the office's table: what every deadline is counted by."""
    return WorkCalendar(
        CalendarDay.overrides(),
        frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )
