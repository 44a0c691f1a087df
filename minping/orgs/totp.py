"""Time-based one-time codes (TOTP, RFC 6238) for organisers who turn them on.

Intranets often have no mail or SMS, so an authenticator app on a phone is the
second factor: it works offline once the secret is typed in or scanned.
"""

from __future__ import annotations

import time
from typing import Any

import pyotp

from minping.orgs.models import TOTPDevice

ISSUER = "民评 minping"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step a code belongs to (this one or the one either side), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    moment = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    step = int(moment // STEP)
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * STEP) == code:
            return candidate
    return None


def confirmed_device(user: Any) -> TOTPDevice | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def check_and_consume(device: TOTPDevice, code: str) -> bool:
    """Accept a code once: a step already used (or earlier) is refused."""
    step = matching_step(device.secret, code)
    if step is None or step <= device.last_step:
        return False
    updated = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    device.last_step = step
    return bool(updated)
