"""``minping backup DIR``: a consistent copy of the database, the uploads and the audit head."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minping.lib.progress import Progress, for_terminal
from minping.ops.backup import KEYS_WARNING, KIND_NAMES, BackupRefused, make_backup


class Command(BaseCommand):
    help = (
        "备份数据库(PostgreSQL 用 pg_dump,SQLite 用在线备份)、上传文件和审计链头,"
        "写入一个新的或空的目录,附 manifest.json(每个文件的 SHA-256)。网站可以照常运行。"
        "备份不含密钥。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="备份目录:不存在或为空")

    def handle(self, *args: Any, **options: Any) -> None:
        stream = getattr(self.stderr, "_out", sys.stderr)

        def bars(description: str) -> Progress:
            return for_terminal(description, stream)

        folder = Path(options["dir"])
        try:
            manifest = make_backup(folder, bars)
        except BackupRefused as refused:
            raise CommandError(str(refused)) from None
        uploads = [name for name in manifest["files"] if name.startswith("uploads/")]
        size = sum(entry["bytes"] for entry in manifest["files"].values())
        head = manifest["audit_head"]
        self.stdout.write(
            f"备份完成:{folder}\n"
            f"  数据库({KIND_NAMES[manifest['database']['kind']]}):"
            f"{len(manifest['tables'])} 张表,{sum(manifest['tables'].values())} 行\n"
            f"  上传文件:{len(uploads)} 个;备份共 {size / 1024 / 1024:.1f} MiB\n"
            f"  审计链头:第 {head['seq']} 条,{head['hash']}\n"
            f"  校验和见 {folder / 'manifest.json'}"
        )
        self.stderr.write(KEYS_WARNING, style_func=self.style.WARNING)
