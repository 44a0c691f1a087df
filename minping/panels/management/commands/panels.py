import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from minping.campaigns.models import Campaign
from minping.lib.commands import report_invalid_input
from minping.lib.progress import for_terminal
from minping.panels.actions import do_create_pool, do_import_pool, purge_pools
from minping.panels.models import Pool


class Command(BaseCommand):
    help = (
        "样本库。panels purge:删除已到期的样本库(活动结束次日,或保留决定的删除日期),"
        "每天运行一次,适合放进 cron;panels import CAMPAIGN 样本库名称 FILE:导入名单"
        "(样本库不存在则新建),大文件请用它。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        purge = sub.add_parser("purge", help="删除已到期的样本库(每天运行)")
        purge.add_argument("--date", help="按哪一天计算(ISO 日期,默认今天),如 2026-03-24")
        load = sub.add_parser("import", help="把 CSV 或 Excel 名单导入样本库")
        load.add_argument("campaign", help="评议活动代码")
        load.add_argument("pool", help="样本库名称;不存在则新建")
        load.add_argument("file", help=".csv 或 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "purge":
            self.purge(options["date"])
        else:
            self.load(options["campaign"], options["pool"], options["file"])

    def purge(self, date: str | None) -> None:
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"“{date}”不是有效日期,请写成 2026-03-24 的形式。") from None
        done = purge_pools(day)
        self.stdout.write(f"删除样本库 {len(done)} 个")
        for label, people in done:
            self.stdout.write(f"  {label}:{people} 人")

    def load(self, code: str, title: str, path: str) -> None:
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise CommandError(f"没有代码为“{code}”的评议活动")

        def run() -> str:
            # One transaction: a file with errors leaves no new, empty pool behind.
            with transaction.atomic():
                pool = Pool.objects.filter(campaign=campaign, title=title).first()
                if pool is None:
                    pool = do_create_pool(None, campaign, title)
                done = do_import_pool(None, pool, path, progress=for_terminal("导入"))
            return (
                f"{pool.title}:读入 {done.rows:,} 行,新增 {done.added:,} 人,"
                f"重复合并 {done.merged:,} 人"
            )

        self.stdout.write(report_invalid_input(self, run))
