"""The bodies a role may be held for (``Membership.source_code``), by name.

A body is a deduction source of some campaign (媒体, 纪委监委) or the body that approves a
campaign's results; pages name it as the campaign definitions do, never by its code.
"""

from __future__ import annotations

from minping.campaigns.models import Campaign, DeductionSource

# When a code names no body any campaign defines (a role granted before its campaign).
UNKNOWN = "(尚未在评议活动中定义的单位)"


def bodies() -> dict[str, str]:
    """Code → name of every body; where campaigns differ, the newest campaign's name."""
    names: dict[str, str] = {}
    sources = DeductionSource.objects.order_by("campaign__year", "campaign_id", "order")
    for code, title in sources.values_list("code", "title"):
        names[code] = title
    approving = Campaign.objects.exclude(approval_code="").order_by("year", "id")
    for code, title in approving.values_list("approval_code", "approval_title"):
        names[code] = title or "结果审定机关"
    return names


def body_name(code: str) -> str:
    """One body's name; empty for no code."""
    if not code:
        return ""
    return bodies().get(code, UNKNOWN)
