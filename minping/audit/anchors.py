"""Anchors: the chain's head, kept outside the database.

Whoever holds both the database and the audit key could delete entries and recompute
every hash after them. An anchor, written each day by ``minping audit anchor`` to a file
and mailed to someone else, records which hash the entry at that seq had then; a chain
rewritten afterwards no longer has that hash there (or no longer has that entry), and
``minping audit verify`` says so. Everything up to the last anchor kept elsewhere is
protected; only entries written since can still be rewritten unnoticed.

One anchor is one line of text, signed with the audit key so that someone who can edit
the file but lacks the key cannot swap in anchors of a forged chain::

    minping-audit-anchor seq=120 hash=9f…e1 at=2026-11-22T06:00:00+08:00 mac=4b…0c

Lines that do not begin with ``minping-audit-anchor`` are ignored, so a saved mail can
be given to ``verify`` as it is.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from minping.audit.models import AuditHead, keyed_digest

MARKER = "minping-audit-anchor"
LINE = re.compile(
    rf"^{MARKER} seq=(?P<seq>[0-9]+) hash=(?P<hash>[0-9a-f]{{64}}) at=(?P<at>\S+) "
    r"mac=(?P<mac>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # when it was taken, as written (ISO 8601, local time)


def signed_line(seq: int, hash: str, at: str) -> str:
    body = f"{MARKER} seq={seq} hash={hash} at={at}"
    return f"{body} mac={keyed_digest(body.encode())}"


def take() -> tuple[Anchor, str]:
    """The current head as an anchor, and its signed line."""
    head = AuditHead.objects.filter(id=1).first()
    seq, hash = (head.seq, head.hash) if head is not None else (0, "")
    at = timezone.localtime().isoformat(timespec="seconds")
    return Anchor(seq, hash, at), signed_line(seq, hash, at)


def parse(text: str, source: str) -> tuple[list[Anchor], list[str]]:
    """The anchors in a text, and a message for every anchor line that is not genuine."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line.startswith(MARKER):
            continue
        match = LINE.match(line)
        if match is None:
            problems.append(f"{source} 第 {number} 行:锚点格式不对(被改动或截断)")
            continue
        expected = signed_line(int(match["seq"]), match["hash"], match["at"])
        if not hmac.compare_digest(expected, line):
            problems.append(
                f"{source} 第 {number} 行:锚点的签名不符(被改动,或不是用本系统的审计密钥签发)"
            )
            continue
        anchors.append(Anchor(int(match["seq"]), match["hash"], match["at"]))
    return anchors, problems


def read(path: Path) -> tuple[list[Anchor], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], [f"无法读取锚点文件 {path}:{exc.strerror or exc}"]
    except UnicodeDecodeError:
        return [], [f"锚点文件 {path} 不是 UTF-8 文本"]
    return parse(text, str(path))


def append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
