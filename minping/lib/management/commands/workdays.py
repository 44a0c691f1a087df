import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.lib.models import office_calendar
from minping.lib.workdays import CalendarMissing


class Command(BaseCommand):
    help = (
        "工作日计算。workdays add DATE N:打印 DATE(ISO 日期,如 2026-09-30)之后第 N 个工作日,"
        "按国家法定节假日和调休安排以及“节假日与调休”页面录入的日期计算,DATE 当天不计。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["add"], help="add:计算期限")
        parser.add_argument("date", help="起算日期,如 2026-09-30(当天不计)")
        parser.add_argument("n", help="工作日天数,如 5")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                f"“{options['date']}”不是有效日期,请写成 2026-09-30 的形式。"
            ) from None
        try:
            n = int(options["n"])
        except ValueError:
            raise CommandError(f"“{options['n']}”不是整数,请写工作日天数,如 5。") from None
        if n < 0:
            raise CommandError("工作日天数不能为负数。")
        try:
            due = office_calendar().add_workdays(start, n)
        except CalendarMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(due.isoformat())
