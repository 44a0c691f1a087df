"""Writing and checking the audit chain."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from minping.audit.models import GENESIS, KEYED, PLAIN, SCHEMES, AuditEntry, AuditHead

if TYPE_CHECKING:
    from minping.audit.anchors import Anchor


@dataclass(frozen=True)
class Agent:
    """Someone acting without an account: the public on a web form, a system with its API key."""

    label: str


def actor_label(actor: Any) -> str:
    """How the actor is named in the log: a user's name, an agent's label, or the shell user."""
    if isinstance(actor, Agent):
        return actor.label
    if actor is not None and getattr(actor, "pk", None):
        return str(actor.get_username())
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    campaign_code: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    # Locking the head row serialises writers, so two actions never share a seq.
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    # Round-trip the detail through JSON so the hash covers exactly what is stored.
    stored = json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        campaign_code=campaign_code,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=stored,
        prev_hash=head.hash,
        scheme=KEYED,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save()
    return entry


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


def verify(anchors: Iterable[Anchor] = ()) -> list[Problem]:
    """Walk the chain and list every entry altered, removed or inserted.

    Keyed entries are checked with the audit key; plain ones (from before the key) are
    accepted only at the start of the chain, before every keyed entry. Each anchor, a head
    kept outside the database, must still name an entry with the same hash.
    """
    problems: list[Problem] = []
    anchored: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        anchored.setdefault(anchor.seq, []).append(anchor)
    expected_prev, expected_seq = GENESIS, 1
    keyed = keyed_broken = 0
    last_scheme = ""
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            problems.append(
                Problem(expected_seq, f"第 {expected_seq}–{entry.seq - 1} 条记录缺失(被删除)")
            )
        if entry.prev_hash != expected_prev:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条记录与前一条的链接不符"))
        if entry.scheme not in SCHEMES:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条记录的签名方式无法识别"))
        else:
            if entry.scheme == PLAIN and keyed:
                problems.append(
                    Problem(
                        entry.seq,
                        f"第 {entry.seq} 条记录没有密钥签名,却排在有密钥签名的记录之后(被改写)",
                    )
                )
            if entry.compute_hash() != entry.hash:
                problems.append(Problem(entry.seq, f"第 {entry.seq} 条记录的内容被改动"))
                keyed_broken += entry.scheme == KEYED
            keyed += entry.scheme == KEYED
        for anchor in anchored.pop(entry.seq, []):
            if anchor.hash != entry.hash:
                problems.append(
                    Problem(
                        entry.seq,
                        f"第 {entry.seq} 条记录与 {anchor.at} 留存的锚点不符"
                        "(锚点之前的记录被改动、删除或重新计算过哈希)",
                    )
                )
        expected_prev, expected_seq = entry.hash, entry.seq + 1
        last_scheme = entry.scheme
    last_seq = expected_seq - 1
    if last_scheme == PLAIN:
        problems.append(
            Problem(
                last_seq,
                f"日志末尾的第 {last_seq} 条记录没有密钥签名:有密钥签名的记录被删除,或日志被改写过",
            )
        )
    if keyed and keyed_broken == keyed:
        problems.append(
            Problem(
                last_seq,
                "所有带密钥签名的记录都对不上:也可能是 MINPING_AUDIT_KEY 与写入日志时的密钥不同",
            )
        )
    for anchor in sorted((a for kept in anchored.values() for a in kept), key=lambda a: a.seq):
        gone = "日志末尾的记录被删除" if anchor.seq > last_seq else "该记录已不在日志中"
        problems.append(
            Problem(
                anchor.seq,
                f"{anchor.at} 留存的锚点指向第 {anchor.seq} 条记录,{gone}",
            )
        )
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        problems.append(
            Problem(
                head.seq, f"日志末尾的记录缺失:链头指向第 {head.seq} 条,实际只到第 {last_seq} 条"
            )
        )
    return problems
