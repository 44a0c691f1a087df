import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.cases.actions import mark_overdue


class Command(BaseCommand):
    help = (
        "问题线索。cases overdue:把超过办理期限仍未答复的问题标记为超期,"
        "提醒责任单位并报告组织单位(每天运行一次,适合放进 cron)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["overdue"], help="overdue:标记超期问题")
        parser.add_argument("--date", help="按哪一天计算(ISO 日期,默认今天),如 2026-03-24")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"“{options['date']}”不是有效日期,请写成 2026-03-24 的形式。"
                ) from None
        marked = mark_overdue(day)
        self.stdout.write(f"新标记超期问题 {len(marked)} 件")
        for case in marked:
            self.stdout.write(f"  {case.number} {case.unit} 期限 {case.due_on}")
