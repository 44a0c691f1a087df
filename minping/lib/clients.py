"""Who is asking: the client's address through trusted proxies, and its device cookie.

Rate limits and the sign-in lockout key on these. Behind a reverse proxy every
request comes from the proxy's address, so the client's own address is read
from ``X-Forwarded-For``, but only as far as ``MINPING_TRUSTED_PROXIES`` says:
each trusted proxy appends the address it received the request from, and
whatever lies to the left of those entries was written by the client and may
be forged. A hall behind one NAT still shares one address, so the public pages
also give each browser a random, signed device id.
"""

from __future__ import annotations

import ipaddress
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE = "minping_device"
DEVICE_SALT = "minping.lib.clients.device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def trusted_proxies() -> int:
    return max(0, int(getattr(settings, "MINPING_TRUSTED_PROXIES", 0) or 0))


def _address(text: str) -> str | None:
    """One ``X-Forwarded-For`` entry as a normal address, or None; a port is dropped."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: the N-th ``X-Forwarded-For`` entry from the right with N trusted
    proxies, else ``REMOTE_ADDR``.

    With no trusted proxy (the default) the header is ignored, so a client cannot
    choose its own address. A header too short or with a malformed entry where the
    trusted proxies write is ignored too: the request did not come the configured way.
    """
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    count = trusted_proxies()
    if count == 0:
        return remote
    entries = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote


def device_id(request: HttpRequest) -> str:
    """The random id in this browser's signed device cookie; "" if it has none or a forged one."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT)
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else ""


def device_subject(request: HttpRequest) -> str:
    """What per-device limits count: the device cookie, or the address for a browser without one.

    A client that drops the cookie must not get a fresh allowance each time, so it
    falls back to the (stricter) address.
    """
    device = device_id(request)
    return f"device:{device}" if device else f"address:{client_address(request)}"


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a browser without a device cookie a new one (first party, HttpOnly, SameSite=Lax)."""
    if not device_id(request):
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(18),
            salt=DEVICE_SALT,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
