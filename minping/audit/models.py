"""The append-only, hash-chained audit log.

Every state change writes one entry in the same transaction as the change.
Each entry carries the hash of the one before it, so that altering or removing
any entry breaks the chain, and ``minping audit verify`` says where.

The hash is an HMAC-SHA256 keyed with ``MINPING_AUDIT_KEY``, which is held
outside the database: someone who can write the database but lacks the key
cannot recompute the chain after deleting or editing entries. Entries written
before the key was introduced keep their plain SHA-256 (``scheme`` says which);
they may only form the start of the chain, closed by a keyed ``audit.keyed``
entry, so that a rewritten chain cannot pass as old entries (``log.verify``).
Against someone who has the key as well, the head is anchored outside the
database each day (``anchors.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS = "0" * 64
PLAIN = "sha256"  # entries written before the chain was keyed
KEYED = "hmac-sha256"  # every entry since: HMAC-SHA256 with settings.MINPING_AUDIT_KEY
SCHEMES = (PLAIN, KEYED)
# The first keyed entry of a chain that had plain ones (written by migration 0002).
SWITCH_OVER = "audit.keyed"


def keyed_digest(data: bytes) -> str:
    """HMAC-SHA256 of the data with the audit key, in hex."""
    return hmac.new(settings.MINPING_AUDIT_KEY.encode(), data, hashlib.sha256).hexdigest()


def digest(scheme: str, data: bytes) -> str:
    if scheme == KEYED:
        return keyed_digest(data)
    if scheme == PLAIN:
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"unknown audit hash scheme {scheme!r}")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="操作人",
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=150)
    action = models.CharField("操作", max_length=80)
    campaign_code = models.CharField("评议活动", max_length=64, blank=True, db_index=True)
    object_type = models.CharField("对象类型", max_length=80, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    detail = models.JSONField("详情", default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    scheme = models.CharField("签名方式", max_length=16, default=KEYED)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def canonical(self) -> bytes:
        return canonical(self)

    def compute_hash(self) -> str:
        return digest(self.scheme, canonical(self))


def canonical(entry: Any) -> bytes:
    """The bytes the hash covers: every field but the hash and its scheme.

    A function rather than only a method, so that the migration that keys the chain
    can hash an entry of its historical model the same way.
    """
    body: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "campaign": entry.campaign_code,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return text.encode()


class AuditHead(models.Model):
    """One row naming the last entry, so that removing entries at the end shows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
