"""Writing and checking the audit chain."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from minping.audit.models import GENESIS, AuditEntry, AuditHead


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


def verify() -> list[Problem]:
    """Walk the chain and list every entry altered, removed or inserted."""
    problems: list[Problem] = []
    expected_prev, expected_seq = GENESIS, 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            problems.append(
                Problem(expected_seq, f"第 {expected_seq}–{entry.seq - 1} 条记录缺失(被删除)")
            )
        if entry.prev_hash != expected_prev:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条记录与前一条的链接不符"))
        if entry.compute_hash() != entry.hash:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条记录的内容被改动"))
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    head = AuditHead.objects.filter(id=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        problems.append(
            Problem(
                head.seq, f"日志末尾的记录缺失:链头指向第 {head.seq} 条,实际只到第 {last_seq} 条"
            )
        )
    return problems
