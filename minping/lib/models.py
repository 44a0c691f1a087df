"""Organiser-editable corrections to the official working-day calendar."""

from __future__ import annotations

import datetime

from django.db import models


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

    @classmethod
    def overrides(cls) -> dict[datetime.date, bool]:
        """All entries as the mapping minping.lib.workdays expects."""
        return dict(cls.objects.values_list("date", "is_workday"))
