"""minping scrub_collection: the nightly rewrite that removes write order (docs/collection.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.surveys.actions import do_scrub_collection_order


class Command(BaseCommand):
    help = "重写近期答卷与已用邀请码,使其无法按写入顺序对应(建议每天夜间运行)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="从该日期(YYYY-MM-DD)起的答卷;默认昨天")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"日期“{options['since']}”无效,应为 YYYY-MM-DD") from error
        count = do_scrub_collection_order(since)
        self.stdout.write(f"已重写 {count} 行")
