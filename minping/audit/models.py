"""The append-only, hash-chained audit log.

Every state change writes one entry in the same transaction as the change.
Each entry carries the hash of the one before it, so that altering or removing
any entry breaks the chain, and ``minping audit verify`` says where.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS = "0" * 64


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

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself."""
        body: dict[str, Any] = {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_label,
            "action": self.action,
            "campaign": self.campaign_code,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": self.detail,
            "prev": self.prev_hash,
        }
        text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        return text.encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


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
