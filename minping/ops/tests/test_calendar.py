"""The working-day table kept by the office (R-28): a year the library does not know, entered
from the State Council's notice, then deadlines counted across its holidays.

chinese-calendar 1.11 ships 2004–2026. The 2027 schedule below is a made-up one, in the
shape of a real notice (weekdays checked):
  元旦 Fri 1 – Sun 3 Jan off;
  春节 Sat 6 – Sat 13 Feb off, make-up working days Sun 31 Jan and Sat 20 Feb;
  国庆节 Fri 1 – Thu 7 Oct off, make-up working days Sun 26 Sep and Sat 9 Oct.
"""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minping.audit.models import AuditEntry
from minping.lib.errors import InvalidInput
from minping.lib.models import CalendarDay, CalendarYear, office_calendar
from minping.lib.tests.import_fixtures import FilesMixin
from minping.lib.workdays import CalendarMissing, official_days
from minping.ops.calendar_actions import (
    do_confirm_year,
    do_import_file,
    do_import_text,
    do_remove_day,
    do_set_day,
    do_withdraw_year,
)
from minping.test import BaseTestCase

D = datetime.date

NOTICE_2027 = """日期\t类型\t名称
2027-01-01至2027-01-03\t休\t元旦
2027-01-31\t班\t春节
2027年2月6日 至 2027年2月13日\t休\t春节
2027-02-20\t班\t春节
2027-09-26\t班\t国庆节
2027-10-01~2027-10-07\t休\t国庆节
2027-10-09\t班\t国庆节
"""


def due(start: datetime.date, n: int) -> str:
    out = StringIO()
    call_command("workdays", "add", start.isoformat(), str(n), stdout=out)
    return out.getvalue().strip()


class EnteredYearTest(FilesMixin, BaseTestCase):
    def test_deadlines_across_an_entered_years_holidays(self) -> None:
        outcome = do_import_text(NOTICE_2027, actor=self.organiser, complete=True)
        # 3 + 1 + 8 + 1 + 1 + 7 + 1 days.
        self.assertEqual(outcome["created"], 22)
        self.assertEqual(outcome["confirmed"], [2027])
        calendar = office_calendar()
        # Registered Thu 31 Dec 2026 (the library's year): 1–3 Jan off, Mon 4 Jan (1).
        self.assertEqual(calendar.add_workdays(D(2026, 12, 31), 1), D(2027, 1, 4))
        # Fri 29 Jan: Sat 30 off, Sun 31 Jan make-up (1), Mon 1 Feb (2).
        self.assertEqual(calendar.add_workdays(D(2027, 1, 29), 2), D(2027, 2, 1))
        # Thu 4 Feb: Fri 5 (1), 6–13 off, Sun 14 off, Mon 15 (2), Tue 16 (3), Wed 17 (4),
        # Thu 18 Feb (5).
        self.assertEqual(due(D(2027, 2, 4), 5), "2027-02-18")
        # Tue 16 Feb: Wed 17 (1), Thu 18 (2), Fri 19 (3), Sat 20 Feb make-up (4).
        self.assertEqual(due(D(2027, 2, 16), 4), "2027-02-20")
        # Thu 23 Sep: Fri 24 (1), Sat 25 off, Sun 26 make-up (2), Mon 27 (3), Tue 28 (4),
        # Wed 29 (5), Thu 30 (6), 1–7 Oct off, Fri 8 Oct (7), Sat 9 Oct make-up (8).
        self.assertEqual(due(D(2027, 9, 23), 5), "2027-09-29")
        self.assertEqual(due(D(2027, 9, 23), 8), "2027-10-09")

    def test_a_year_is_refused_until_the_office_confirms_it_entered_whole(self) -> None:
        do_import_text(NOTICE_2027, actor=self.organiser, complete=False)
        self.assertFalse(CalendarYear.objects.exists())
        with self.assertRaises(CalendarMissing):
            office_calendar().add_workdays(D(2027, 2, 4), 5)
        with pytest.raises(CommandError, match="确认该年录入完毕"):
            due(D(2027, 2, 4), 5)
        do_confirm_year(2027, actor=self.organiser, note="国办发明电〔2026〕×号")
        self.assertEqual(due(D(2027, 2, 4), 5), "2027-02-18")
        do_withdraw_year(CalendarYear.objects.get(), actor=self.organiser)
        with self.assertRaises(CalendarMissing):
            office_calendar().add_workdays(D(2027, 2, 4), 5)

    def test_confirming_needs_holidays_and_an_unknown_year(self) -> None:
        for year, message in [
            (2026, "已内置,无需确认"),
            (2028, "还没有录入 2028 年的任何放假日期"),
        ]:
            with self.assertRaises(InvalidInput) as caught:
                do_confirm_year(year, actor=self.organiser)
            self.assertIn(message, str(caught.exception.problems[0]))
        self.assertFalse(CalendarYear.objects.exists())
        # A make-up working day alone is not a year's holidays.
        do_set_day(D(2028, 1, 29), is_workday=True, note="春节", actor=self.organiser)
        with self.assertRaises(InvalidInput):
            do_confirm_year(2028, actor=self.organiser)

    def test_the_table_wins_in_a_bundled_year(self) -> None:
        # 2026 National Day (library): Tue 29 Sep → Mon 12 Oct. With Mon 12 Oct a local
        # holiday: Tue 13 Oct. Removing the entry restores the official day.
        self.assertEqual(due(D(2026, 9, 29), 5), "2026-10-12")
        entry = do_set_day(D(2026, 10, 12), is_workday=False, note="地方假日", actor=self.organiser)
        self.assertEqual(due(D(2026, 9, 29), 5), "2026-10-13")
        do_remove_day(entry, actor=self.organiser)
        self.assertEqual(due(D(2026, 9, 29), 5), "2026-10-12")

    def test_every_change_is_audited(self) -> None:
        entry = do_set_day(D(2027, 5, 3), is_workday=False, note="劳动节", actor=self.organiser)
        do_set_day(D(2027, 5, 3), is_workday=True, note="调休", actor=self.organiser)
        do_remove_day(CalendarDay.objects.get(pk=entry.pk), actor=self.organiser)
        do_import_text("2027-05-01 休 劳动节", actor=self.organiser, complete=True)
        do_withdraw_year(CalendarYear.objects.get(), actor=self.organiser)
        do_confirm_year(2027, actor=self.organiser)
        entries = list(AuditEntry.objects.filter(action__startswith="calendar.").order_by("seq"))
        self.assertEqual(
            [e.action for e in entries],
            [
                "calendar.set_day",
                "calendar.set_day",
                "calendar.remove_day",
                "calendar.import",
                "calendar.withdraw_year",
                "calendar.confirm_year",
            ],
        )
        self.assertEqual(
            entries[1].detail,
            {
                "date": "2027-05-03",
                "kind": "上班",
                "note": "调休",
                "old": {"kind": "放假", "note": "劳动节"},
            },
        )
        self.assertEqual(entries[3].detail["confirmed"], [2027])
        self.assertEqual(
            entries[3].detail["days"], [{"date": "2027-05-01", "kind": "放假", "note": "劳动节"}]
        )
        self.assertTrue(all(e.actor_label == "organiser" for e in entries))


class NoticeImportTest(FilesMixin, BaseTestCase):
    def test_an_xlsx_notice_with_chinese_headers_and_date_cells(self) -> None:
        path = self.xlsx_file(
            [
                ["日期", "类型", "名称"],
                [datetime.datetime(2027, 4, 5), "休", "清明节"],
                ["2027-04-03至2027-04-04", "放假", "清明节"],
                ["2027/4/10", "上班", "清明节"],
            ],
            name="2027年放假安排.xlsx",
        )
        outcome = do_import_file(path, actor=self.organiser, complete=True)
        self.assertEqual((outcome["created"], outcome["confirmed"]), (4, [2027]))
        self.assertEqual(
            list(CalendarDay.objects.values_list("date", "is_workday", "note")),
            [
                (D(2027, 4, 3), False, "清明节"),
                (D(2027, 4, 4), False, "清明节"),
                (D(2027, 4, 5), False, "清明节"),
                (D(2027, 4, 10), True, "清明节"),
            ],
        )
        self.assertEqual(
            AuditEntry.objects.get(action="calendar.import").detail["source"], "2027年放假安排.xlsx"
        )

    def test_a_file_with_errors_stores_nothing_and_lists_every_line(self) -> None:
        CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
        path = self.csv_file(
            [
                ["date", "kind", "name"],
                ["2027-02-30", "休", "春节"],  # line 2: no such day
                ["2027-02-06", "调", "春节"],  # line 3: neither 休 nor 班
                ["2027-02-07", "", "春节"],  # line 4: empty
                ["2027-02-08", "休", "春节"],
                ["2027-02-08", "班", "春节"],  # line 6: the same day again
                ["2027-02-10至2027-02-09", "休", "春节"],  # line 7: backwards
                ["2027-01-01", "班", "元旦"],  # fine, but nothing may be stored
            ]
        )
        with self.assertRaises(InvalidInput) as caught:
            do_import_file(path, actor=self.organiser, complete=True)
        found = [(p.line, p.column) for p in caught.exception.problems]
        self.assertEqual(found, [(2, "date"), (3, "kind"), (4, "kind"), (6, "date"), (7, "date")])
        text = "\n".join(caught.exception.lines())
        self.assertIn("第 2 行,“date”列:日期“2027-02-30”不存在:2027 年 2 月只有 28 天", text)
        self.assertIn("第 3 行,“kind”列:“调”应写“休”(放假)或“班”(调休上班)", text)
        self.assertIn("第 6 行,“date”列:2027-02-08 已在第 5 行给出", text)
        self.assertIn("有 5 处错误,未作任何改动", text)
        # Nothing stored: the old entry unchanged, no year confirmed, no audit entry.
        self.assertEqual(
            list(CalendarDay.objects.values_list("date", "is_workday")), [(D(2027, 1, 1), False)]
        )
        self.assertFalse(CalendarYear.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(action="calendar.import").exists())

    def test_pasted_lines_are_numbered_as_pasted(self) -> None:
        with self.assertRaises(InvalidInput) as caught:
            do_import_text("2027-01-01 休 元旦\n\n2027-13-01 休 元旦", actor=self.organiser)
        self.assertEqual([p.line for p in caught.exception.problems], [3])
        self.assertFalse(CalendarDay.objects.exists())

    def test_official_days_come_from_the_library_in_chinese(self) -> None:
        days = official_days(2026)
        assert days is not None
        spring = [d for d in days if d.name == "春节"]
        # 2026: off Sun 15 – Mon 23 Feb (9 days), make-up Sat 14 and Sat 28 Feb.
        self.assertEqual(sum(not d.is_workday for d in spring), 9)
        self.assertEqual([d.date for d in spring if d.is_workday], [D(2026, 2, 14), D(2026, 2, 28)])
        self.assertIsNone(official_days(2027))
