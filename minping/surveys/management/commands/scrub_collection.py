"""minping scrub_collection: the nightly rewrite that removes write order (docs/collection.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.surveys import sms
from minping.surveys.scrub import ScrubBusy, do_scrub_collection_order


class Command(BaseCommand):
    help = (
        "打乱近期答卷、答案与已用邀请码的存储顺序和事务号,并清除旧的行版本;"
        "同时清理短信发件箱(建议每天夜间运行)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="从该日期(YYYY-MM-DD)起的答卷;默认昨天")
        parser.add_argument(
            "--outbox-only",
            action="store_true",
            help="只清理短信发件箱中超过保留时间的短信(可每隔几分钟运行)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["outbox_only"]:
            self.stdout.write(f"已从短信发件箱删除 {sms.purge_outbox()} 条短信")
            return
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"日期“{options['since']}”无效,应为 YYYY-MM-DD") from error
        try:
            result = do_scrub_collection_order(since)
        except ScrubBusy as busy:
            done = "顺序已打乱,但旧的行版本这次未能清除" if busy.rewritten else "本次没有做任何修改"
            raise CommandError(
                f"其他数据库会话长时间占用答卷相关的数据表,{done};请稍后重新运行。"
            ) from busy
        self.stdout.write(
            f"已重写 {result.rows} 行,删除过期表单键 {result.keys_deleted} 个,"
            f"从短信发件箱删除 {result.outbox_purged} 条短信"
        )
        if result.held_back:
            raise CommandError(
                f"有 {result.held_back} 个数据库会话(或复制槽)在重写前就已开始,到压缩时仍未结束,"
                "它们还能看到的旧行版本这次无法清除,将在下一次运行时清除。"
                "请不要让备份、导入或其他长事务与本命令同时运行。"
            )
