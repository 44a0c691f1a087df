"""Anomaly flags (异常标记) for open channels, computed when a ballot is cast.

Counters live in the cache and expire; the ballot keeps only a reason code
(``Ballot.hold_reason``) and waits, quarantined, for the organiser's review.
Thresholds are read from ``MINPING_ANOMALY_LIMITS`` (see LIMITS).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from minping.surveys import limits
from minping.surveys.questionnaires import UnitResponse

BURST = "burst"
PATTERN = "pattern"
DEVICE = "device"
ADDRESS = "address"

REASONS = {
    BURST: "短时间内同一单位答卷激增",
    PATTERN: "短时间内重复出现完全相同的答案",
    DEVICE: "同一设备提交过多",
    ADDRESS: "同一网络地址提交过多",
}

# reason: (most ballots allowed, within seconds). One more than allowed is held.
LIMITS: dict[str, tuple[int, int]] = {
    BURST: (30, 10 * 60),
    PATTERN: (5, 30 * 60),
    # One browser (its device cookie, or its address when it keeps no cookie).
    DEVICE: (10, 60 * 60),
    # Everyone behind one address: a city behind the reverse proxy is one client address
    # per person, but a hall's Wi-Fi or a company's NAT is one for all, so only a ceiling.
    ADDRESS: (200, 60 * 60),
}


def limit(reason: str) -> tuple[int, int]:
    configured: dict[str, Any] = getattr(settings, "MINPING_ANOMALY_LIMITS", {}) or {}
    most, seconds = configured.get(reason, LIMITS[reason])
    return int(most), int(seconds)


def _pattern(response: UnitResponse) -> str:
    return "|".join(f"{code}={level}" for code, level in sorted(response.levels.items()))


def flag(method_id: int, responses: list[UnitResponse], *, device: str, address: str) -> str:
    """Count this respondent's ballots and return the first reason to hold them, or "".

    ``device`` is ``lib.clients.device_subject``, ``address`` the client's address.
    """
    reasons: list[str] = []
    for reason, subject in ((DEVICE, device), (ADDRESS, address)):
        most, seconds = limit(reason)
        if limits.count_attempt(f"anomaly:{reason}:{method_id}", subject, seconds) > most:
            reasons.append(reason)
    for response in responses:
        unit = response.unit.pk
        most, seconds = limit(BURST)
        if limits.count_attempt(f"anomaly:burst:{method_id}", str(unit), seconds) > most:
            reasons.append(BURST)
        most, seconds = limit(PATTERN)
        subject = f"{unit}:{_pattern(response)}"
        if limits.count_attempt(f"anomaly:pattern:{method_id}", subject, seconds) > most:
            reasons.append(PATTERN)
    return reasons[0] if reasons else ""
