from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from minping.audit import anchors
from minping.audit.log import verify
from minping.audit.models import AuditEntry


class Command(BaseCommand):
    help = (
        "审计日志。audit verify:用审计密钥逐条核对哈希链,并核对每个留存的锚点,"
        "发现改动或删除时以非零状态退出。audit anchor:核对后把当前链头签名写入锚点文件"
        "(并可发邮件),每天运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="what", required=True, metavar="verify|anchor")
        check = commands.add_parser("verify", help="核对整条审计链和留存的锚点")
        check.add_argument(
            "--anchors",
            action="append",
            default=[],
            metavar="FILE",
            help="另外核对这个文件中的锚点(如保存下来的锚点邮件),可重复;"
            "MINPING_AUDIT_ANCHOR_FILE 总会核对",
        )
        anchor = commands.add_parser("anchor", help="核对后留存当前链头(每天运行)")
        anchor.add_argument(
            "--mail",
            action="append",
            default=[],
            metavar="ADDRESS",
            help="把锚点发到这个邮箱(放在服务器之外保存),可重复",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "anchor":
            self.anchor(options["mail"])
        else:
            self.verify([Path(p) for p in options["anchors"]])

    def kept_anchors(self, extra: list[Path]) -> tuple[list[anchors.Anchor], list[str], str]:
        """Every kept anchor, the problems reading them, and a note on where they came from."""
        kept: list[anchors.Anchor] = []
        problems: list[str] = []
        default = Path(settings.MINPING_AUDIT_ANCHOR_FILE)
        files = [default] if default.exists() else []
        note = "" if files else f"锚点文件 {default} 还不存在:请每天运行 minping audit anchor。"
        for path in [*files, *extra]:
            found, wrong = anchors.read(path)
            kept.extend(found)
            problems.extend(wrong)
        return kept, problems, note

    def verified(self, extra: list[Path]) -> tuple[list[anchors.Anchor], str]:
        kept, problems, note = self.kept_anchors(extra)
        problems.extend(p.message for p in verify(kept))
        if problems:
            for message in problems:
                self.stderr.write(message)
            raise CommandError(f"审计日志校验失败:发现 {len(problems)} 处问题。")
        return kept, note

    def verify(self, extra: list[Path]) -> None:
        kept, note = self.verified(extra)
        count = AuditEntry.objects.count()
        self.stdout.write(f"审计日志完好:共 {count} 条记录,哈希链无断点。")
        if kept:
            last = max(kept, key=lambda a: a.seq)
            self.stdout.write(
                f"与留存的 {len(kept)} 个锚点相符(最近的是 {last.at} 的第 {last.seq} 条)。"
            )
        if note:
            self.stdout.write(note)

    def anchor(self, addresses: list[str]) -> None:
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"“{address}”不是有效的邮箱地址。") from None
        # A broken chain is not blessed with a fresh anchor.
        self.verified([])
        anchor, line = anchors.take()
        if anchor.seq == 0:
            self.stdout.write("审计日志还是空的,不需要锚点。")
            return
        path = Path(settings.MINPING_AUDIT_ANCHOR_FILE)
        anchors.append(path, line)
        self.stdout.write(
            f"审计日志链头:第 {anchor.seq} 条记录,哈希 {anchor.hash},时间 {anchor.at}\n"
            f"已追加到 {path}\n{line}"
        )
        if not addresses:
            return
        body = (
            f"民评审计日志在 {anchor.at} 的链头是第 {anchor.seq} 条记录。\n"
            "请在民评服务器之外保存这封邮件。核对时把它存为文本文件,在服务器上运行\n"
            "  minping audit verify --anchors 该文件\n"
            "此后若有人删除或改写这条记录及以前的记录,核对就会失败。\n\n"
            f"{line}\n"
        )
        try:
            send_mail(f"民评审计日志锚点:第 {anchor.seq} 条", body, None, addresses)
        except OSError as exc:
            raise CommandError(f"锚点已写入 {path},但邮件发送失败:{exc}") from exc
        self.stdout.write(f"已发送到 {', '.join(addresses)}")
