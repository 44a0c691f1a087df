from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.audit.log import verify
from minping.audit.models import AuditEntry


class Command(BaseCommand):
    help = "审计日志。audit verify:逐条核对哈希链,发现改动或删除时以非零状态退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["verify"], help="verify:核对整条审计链")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem.message)
            raise CommandError(f"审计日志校验失败:发现 {len(problems)} 处问题。")
        count = AuditEntry.objects.count()
        self.stdout.write(f"审计日志完好:共 {count} 条记录,哈希链无断点。")
