"""Personal information in pools (个人信息保护法): masking, and how long a pool is kept.

A pool is kept while its campaign runs. The campaign closes on the earlier of
the day its results are published and the last day of its last stage; from the
next day its pools are deleted by ``minping panels purge``, unless the office
recorded a decision (``Retention``) to keep one until a date, when that date
decides instead.
"""

from __future__ import annotations

import datetime

from django.db.models import Max
from django.utils import timezone

from minping.campaigns.models import Campaign
from minping.panels.models import Pool


def mask_phone(phone: str) -> str:
    """138****1234: enough to tell people apart on a page, not enough to call them."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def closes_on(campaign: Campaign) -> datetime.date | None:
    """The day the campaign closes for its pools, or None while nothing says when."""
    days: list[datetime.date] = []
    if campaign.published_at is not None:
        days.append(timezone.localtime(campaign.published_at).date())
    last_stage = campaign.stages.aggregate(last=Max("ends"))["last"]
    if last_stage is not None:
        days.append(last_stage)
    return min(days) if days else None


def delete_on(pool: Pool) -> datetime.date | None:
    """The first day on which the pool is to be gone, or None while its campaign runs open-ended."""
    retention = getattr(pool, "retention", None)
    if retention is not None:
        return retention.delete_on
    closing = closes_on(pool.campaign)
    return closing + datetime.timedelta(days=1) if closing is not None else None


def due_for_deletion(today: datetime.date | None = None) -> list[Pool]:
    """Every pool whose deletion day has come."""
    today = today or timezone.localdate()
    pools = Pool.objects.select_related("campaign", "retention")
    return [pool for pool in pools if (day := delete_on(pool)) is not None and day <= today]
