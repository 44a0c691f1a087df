"""Deadlines in working days (R-28), checked against the official schedules by hand.

2025 (国办发明电〔2024〕12号): Spring Festival off Tue 28 Jan – Tue 4 Feb, make-up
working days Sun 26 Jan and Sat 8 Feb; National Day and Mid-Autumn off Wed 1 Oct –
Wed 8 Oct, make-up Sun 28 Sep and Sat 11 Oct.
2026 (国办发明电〔2025〕7号): Spring Festival off Sun 15 Feb – Mon 23 Feb, make-up
Sat 14 Feb and Sat 28 Feb; National Day off Thu 1 Oct – Wed 7 Oct, make-up Sun 20 Sep
and Sat 10 Oct.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minping.lib.models import CalendarDay
from minping.lib.workdays import CalendarMissing, add_workdays, is_workday, workdays_between

D = datetime.date


def test_spring_festival_2025() -> None:
    # Registered Mon 27 Jan. 28 Jan – 4 Feb off; Wed 5 Feb (1), Thu 6 (2), Fri 7 (3),
    # Sat 8 Feb make-up (4), Sun 9 off, Mon 10 Feb (5).
    assert add_workdays(D(2025, 1, 27), 5) == D(2025, 2, 10)


def test_make_up_sunday_before_spring_festival_2025_counts() -> None:
    # Registered Sat 25 Jan: Sun 26 Jan is a make-up working day (1), Mon 27 (2).
    assert add_workdays(D(2025, 1, 25), 2) == D(2025, 1, 27)


def test_national_day_2025() -> None:
    # Registered Fri 26 Sep. Sat 27 off, Sun 28 Sep make-up (1), Mon 29 (2), Tue 30 (3),
    # 1–8 Oct off, Thu 9 Oct (4), Fri 10 Oct (5).
    assert add_workdays(D(2025, 9, 26), 5) == D(2025, 10, 10)


def test_spring_festival_2026() -> None:
    # Registered Fri 13 Feb. Sat 14 Feb make-up (1), 15–23 Feb off, Tue 24 (2),
    # Wed 25 (3), Thu 26 (4), Fri 27 Feb (5).
    assert add_workdays(D(2026, 2, 13), 5) == D(2026, 2, 27)


def test_national_day_2026() -> None:
    # Registered Tue 29 Sep. Wed 30 Sep (1), 1–7 Oct off, Thu 8 Oct (2), Fri 9 (3),
    # Sat 10 Oct make-up (4), Sun 11 off, Mon 12 Oct (5).
    assert add_workdays(D(2026, 9, 29), 5) == D(2026, 10, 12)


def test_registration_day_itself_is_not_counted() -> None:
    # Mon 16 Mar 2026 is an ordinary week: 1 working day later is Tue 17 Mar.
    assert add_workdays(D(2026, 3, 16), 1) == D(2026, 3, 17)
    assert add_workdays(D(2026, 3, 16), 0) == D(2026, 3, 16)


def test_override_wins_over_the_official_calendar() -> None:
    # As the 2026 Spring Festival case, but a local holiday on Fri 27 Feb: the fifth
    # working day becomes the make-up Saturday 28 Feb.
    overrides = {D(2026, 2, 27): False}
    assert add_workdays(D(2026, 2, 13), 5, overrides) == D(2026, 2, 28)


def test_unknown_year_asks_for_the_table() -> None:
    with pytest.raises(CalendarMissing) as info:
        add_workdays(D(2027, 3, 1), 5)
    assert "2027" in str(info.value)
    assert "节假日与调休" in str(info.value)


def test_unknown_year_with_some_days_but_not_confirmed_is_still_refused() -> None:
    # One local holiday entered early must not make the year's national holidays count
    # as working days: without the office's confirmation the year stays unknown.
    overrides = {D(2027, 3, 1): False}
    with pytest.raises(CalendarMissing):
        add_workdays(D(2027, 2, 26), 3, overrides)


def test_unknown_year_once_entered_follows_the_week() -> None:
    # 2027 confirmed as entered; Mon 1 Mar 2027 was declared a holiday. From Fri 26 Feb:
    # Tue 2 Mar (1), Wed 3 (2), Thu 4 (3).
    overrides = {D(2027, 3, 1): False}
    assert add_workdays(D(2027, 2, 26), 3, overrides, {2027}) == D(2027, 3, 4)
    assert is_workday(D(2027, 3, 6), overrides, {2027}) is False  # a Saturday


def test_workdays_between() -> None:
    # From Fri 13 Feb 2026 to Fri 27 Feb: 14 Feb, 24, 25, 26, 27 → 5.
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 27)) == 5
    assert workdays_between(D(2026, 2, 27), D(2026, 2, 13)) == 0


@pytest.mark.django_db
def test_command_prints_the_due_date() -> None:
    out = StringIO()
    call_command("workdays", "add", "2026-09-29", "5", stdout=out)
    assert out.getvalue().strip() == "2026-10-12"


@pytest.mark.django_db
def test_command_uses_the_table() -> None:
    CalendarDay.objects.create(date=D(2026, 2, 27), is_workday=False, note="地方假日")
    out = StringIO()
    call_command("workdays", "add", "2026-02-13", "5", stdout=out)
    assert out.getvalue().strip() == "2026-02-28"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "n", "message"),
    [
        ("2018-11-31", "5", "不是有效日期"),
        ("2026-09-29", "five", "不是整数"),
        ("2026-09-29", "-1", "不能为负数"),
        ("2027-05-06", "5", "2027"),
    ],
)
def test_command_bad_input(date: str, n: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("workdays", "add", date, n, stdout=StringIO())
