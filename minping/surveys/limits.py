"""Rate limits for the public pages, kept in the cache and never with a ballot.

Addresses are hashed with the survey key before they become cache keys, and
the cache forgets them when the window passes; nothing here reaches the
database (DESIGN principle 4).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from minping.surveys.tokens import keyed_hash

# Wrong short codes one address may type in CODE_WINDOW seconds.
CODE_ATTEMPTS = 10
CODE_WINDOW = 15 * 60


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(bucket: str, subject: str) -> str:
    return f"minping:limit:{bucket}:{keyed_hash('limit', subject)[:32]}"


def take_once(bucket: str, subject: str, seconds: int) -> bool:
    """True the first time in ``seconds`` for this subject; False while the interval runs."""
    if seconds <= 0:
        return True
    return bool(cache.add(_key(bucket, subject), 1, seconds))


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
