"""``minping restore DIR``: a backup onto an empty database and an empty uploads folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.lib.progress import Progress, for_terminal
from minping.ops.backup import (
    KEYS_WARNING,
    BackupRefused,
    RestoreMismatch,
    restore_backup,
)


class Command(BaseCommand):
    help = (
        "从 minping backup 的目录恢复:先核对 manifest.json 和每个文件的校验和,"
        "只写入空的数据库和空的上传文件目录;恢复后核对审计链、链头和各表行数。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="minping backup 写出的备份目录")

    def handle(self, *args: Any, **options: Any) -> None:
        stream = getattr(self.stderr, "_out", sys.stderr)

        def bars(description: str) -> Progress:
            return for_terminal(description, stream)

        try:
            restored = restore_backup(Path(options["dir"]), bars)
        except BackupRefused as refused:
            raise CommandError(str(refused)) from None
        except RestoreMismatch as mismatch:
            raise CommandError(f"{mismatch}。请不要使用这个数据库,检查备份后重新恢复。") from None
        manifest = restored.manifest
        head = manifest["audit_head"]
        self.stdout.write(
            f"恢复完成:备份时间 {manifest['created']},minping {manifest['minping']}\n"
            f"  数据库:{len(manifest['tables'])} 张表,行数与备份清单一致\n"
            f"  上传文件:{restored.uploads} 个,校验和一致\n"
            f"  审计日志校验通过,链头第 {head['seq']} 条 {head['hash']},与备份清单一致"
        )
        if restored.needs_migrate:
            self.stdout.write("备份来自较早的版本:请运行 minping migrate 升级数据库。")
        self.stderr.write(KEYS_WARNING, style_func=self.style.WARNING)
