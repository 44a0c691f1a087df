"""Rate limits for the public pages, kept in the cache and never with a ballot.

Subjects (a device id, an address, a window, a phone's hash) are hashed with the
survey key before they become cache keys, and the cache forgets them when the
window passes; nothing here reaches the database (DESIGN principle 4).

Limits count per device (``lib.clients.device_subject``) and per thing guarded
(a window, a phone, a case); a limit per address remains only as a ceiling high
enough for a hall of people behind one NAT. ``LIMITS`` holds the defaults; the
setting ``MINPING_RATE_LIMITS`` (``{name: (most, seconds)}``, or in the
environment ``name=most/seconds,…``) overrides them.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.checks import CheckMessage, Error

from minping.surveys.tokens import keyed_hash

MINUTE = 60
QUARTER = 15 * 60
HOUR = 60 * 60

# name: (most, within seconds)
LIMITS: dict[str, tuple[int, int]] = {
    # Ratings of one window by everyone together: a busy hall stays well below it.
    "window": (30, MINUTE),
    # Wrong short invitation codes typed on one device, and from one address.
    "code-device": (10, QUARTER),
    "code-address": (200, QUARTER),
    # Verification codes sent by SMS: to one number, to one device, from one address.
    "sms-phone": (5, HOUR),
    "sms-device": (5, HOUR),
    "sms-address": (300, HOUR),
    # Wrong SMS codes typed on one device, whatever the number (each code allows 5 tries too).
    "sms-wrong-device": (10, HOUR),
    # Wrong case check codes: on one device, from one address, against one case.
    "check-device": (10, QUARTER),
    "check-address": (200, QUARTER),
    "check-case": (5, QUARTER),
    # Public problem reports.
    "report-device": (5, QUARTER),
    "report-address": (100, QUARTER),
}


def limit(name: str) -> tuple[int, int]:
    """(most, seconds) of a named limit, as configured."""
    configured: dict[str, Any] = getattr(settings, "MINPING_RATE_LIMITS", {}) or {}
    most, seconds = configured.get(name, LIMITS[name])
    return int(most), int(seconds)


def _key(bucket: str, subject: str) -> str:
    return f"minping:limit:{bucket}:{keyed_hash('limit', subject)[:32]}"


def take_once(bucket: str, subject: str, seconds: int) -> bool:
    """True the first time in ``seconds`` for this subject; False while the interval runs."""
    if seconds <= 0:
        return True
    return bool(cache.add(_key(bucket, subject), time.time() + seconds, seconds))


def wait_left(bucket: str, subject: str) -> int:
    """Seconds until ``take_once`` lets this subject through again; 0 if it would now."""
    until = cache.get(_key(bucket, subject))
    if until is None:
        return 0
    return max(1, math.ceil(float(until) - time.time()))


def give_back(bucket: str, subject: str) -> None:
    """Undo take_once when what it guarded did not happen after all."""
    cache.delete(_key(bucket, subject))


def count_attempt(bucket: str, subject: str, seconds: int) -> int:
    """Count one attempt and return how many this subject made within the window."""
    key = _key(bucket, subject)
    if cache.add(key, 1, seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1


def attempts(bucket: str, subject: str) -> int:
    return int(cache.get(_key(bucket, subject), 0))


def count(name: str, subject: str) -> int:
    """Count one attempt against the named limit; return the count within its window."""
    return count_attempt(name, subject, limit(name)[1])


def reached(name: str, subject: str) -> bool:
    """True once the subject has used up the named limit."""
    return attempts(name, subject) >= limit(name)[0]


def over(name: str, subject: str) -> bool:
    """Count one attempt and say whether it goes beyond the named limit."""
    return count(name, subject) > limit(name)[0]


def unknown_limits(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A system check: a misspelt name in MINPING_RATE_LIMITS would silently change nothing."""
    configured = getattr(settings, "MINPING_RATE_LIMITS", {}) or {}
    unknown = sorted(set(configured) - set(LIMITS))
    if not unknown:
        return []
    return [
        Error(
            f"MINPING_RATE_LIMITS 中有未知的限流名称:{'、'.join(unknown)}。",
            hint=f"可用的名称:{'、'.join(LIMITS)}(见 docs/security.md)。",
            id="minping.E020",
        )
    ]
