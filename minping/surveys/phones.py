"""Verifying a mobile number for the open online channel (R-14), without keeping the number.

A 6-digit code is sent by SMS and kept, hashed, in the cache for 10 minutes
with a count of wrong tries (at most 5). Once the code is right the browser
gets a signed cookie holding only the phone's keyed hash, valid for 30 minutes,
and ``RatedPhone`` (campaign, unit, hash) stops a second ballot for a unit.
"""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from minping.surveys.tokens import keyed_hash

CODE_SECONDS = 10 * 60
MAX_TRIES = 5
VERIFIED_SECONDS = 30 * 60
VERIFIED_COOKIE = "minping_phone"
VERIFIED_SALT = "minping.surveys.phone"

# A phone waits a minute between sends; the other sending limits are in limits.LIMITS.
PHONE_GAP = 60

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_phone(typed: str) -> str | None:
    """A mainland mobile number as 11 digits, or None. Spaces, dashes, full width, +86 allowed."""
    text = unicodedata.normalize("NFKC", typed)
    text = "".join(ch for ch in text if ch not in " -()\u3000")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text if MOBILE.match(text) else None


def phone_key(phone: str) -> str:
    return keyed_hash("phone", phone)


def _code_key(key: str) -> str:
    return f"minping:phone-code:{key[:40]}"


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def start(phone: str) -> str:
    """Make and remember a new code for this phone (replacing any earlier one); return it."""
    code = new_code()
    key = phone_key(phone)
    stored = {
        "code": keyed_hash("sms", f"{key}:{code}"),
        "tries": 0,
        "until": time.time() + CODE_SECONDS,
    }
    cache.set(_code_key(key), stored, CODE_SECONDS)
    return code


@dataclass(frozen=True)
class Check:
    ok: bool
    # "", "expired" (no code waiting), "wrong", "locked" (too many tries)
    problem: str = ""
    tries_left: int = 0


def check(phone: str, typed: str) -> Check:
    """Compare a typed code with the waiting one; the sixth try is refused even if right."""
    key = phone_key(phone)
    stored: dict[str, Any] | None = cache.get(_code_key(key))
    if stored is None or stored["until"] <= time.time():
        return Check(False, "expired")
    if stored["tries"] >= MAX_TRIES:
        return Check(False, "locked")
    code = unicodedata.normalize("NFKC", typed).strip()
    if secrets.compare_digest(keyed_hash("sms", f"{key}:{code}"), stored["code"]):
        cache.delete(_code_key(key))
        return Check(True)
    stored["tries"] += 1
    # A wrong try must not extend the code's life.
    cache.set(_code_key(key), stored, max(1, int(stored["until"] - time.time()) + 1))
    left = MAX_TRIES - stored["tries"]
    return Check(False, "wrong" if left > 0 else "locked", left)


def remember_verified(response: HttpResponse, request: HttpRequest, key: str) -> None:
    response.set_cookie(
        VERIFIED_COOKIE,
        signing.dumps(key, salt=VERIFIED_SALT),
        max_age=VERIFIED_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def verified_key(request: HttpRequest) -> str | None:
    """The phone hash this browser verified in the last 30 minutes, or None."""
    value = request.COOKIES.get(VERIFIED_COOKIE, "")
    try:
        key = signing.loads(value, salt=VERIFIED_SALT, max_age=VERIFIED_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return key if isinstance(key, str) and len(key) == 64 else None
