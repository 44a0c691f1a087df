"""Sending a text message (短信) through a pluggable backend.

``MINPING_SMS_BACKEND`` names a class by dotted path (default
:class:`ConsoleBackend`). A backend has ``send(phone, text)`` and raises
:class:`SmsFailed` when the message could not be handed over. Messages carry
only verification codes; the number is needed to deliver them and is not kept
anywhere else.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("minping.sms")

DEFAULT_BACKEND = "minping.surveys.sms.ConsoleBackend"


class SmsFailed(Exception):
    """The gateway did not take the message."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def outbox_path() -> Path:
    return Path(
        getattr(settings, "MINPING_SMS_OUTBOX", "") or settings.DATA_DIR / "sms" / "outbox.jsonl"
    )


class ConsoleBackend:
    """For demos and offline intranets: each message is logged and appended to the outbox file.

    The outbox is one JSON object a line (``phone``, ``text``, ``sent``); the
    office reads codes from it when no gateway exists, and tests read it too.
    """

    def send(self, phone: str, text: str) -> None:
        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"phone": phone, "text": text, "sent": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        logger.info("SMS to %s: %s", phone, text)


class HttpGatewayBackend:
    """An SMS gateway reached over HTTP (most Chinese providers offer a plain HTTP API).

    ``MINPING_SMS_URL`` is the address; ``MINPING_SMS_TEMPLATE`` the body, in
    which ``{phone}`` and ``{text}`` are replaced (URL-encoded when the body is
    a form, JSON-escaped when ``MINPING_SMS_CONTENT_TYPE`` is JSON).
    ``MINPING_SMS_OK`` is text the gateway's answer must contain (default:
    any 2xx answer is success).
    """

    def __init__(self) -> None:
        self.url: str = getattr(settings, "MINPING_SMS_URL", "")
        self.template: str = getattr(settings, "MINPING_SMS_TEMPLATE", "phone={phone}&text={text}")
        self.content_type: str = getattr(
            settings, "MINPING_SMS_CONTENT_TYPE", "application/x-www-form-urlencoded"
        )
        self.ok: str = getattr(settings, "MINPING_SMS_OK", "")
        self.timeout: float = float(getattr(settings, "MINPING_SMS_TIMEOUT", 10))

    def body(self, phone: str, text: str) -> bytes:
        if "json" in self.content_type:
            quote: Any = lambda value: json.dumps(value, ensure_ascii=False)[1:-1]  # noqa: E731
        else:
            quote = urllib.parse.quote
        return self.template.format(phone=quote(phone), text=quote(text)).encode("utf-8")

    def transport(self, request: urllib.request.Request) -> tuple[int, str]:
        """Send the request; a seam for tests."""
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            return int(answer.status), answer.read().decode("utf-8", "replace")

    def send(self, phone: str, text: str) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise SmsFailed("MINPING_SMS_URL is not an http(s) address")
        request = urllib.request.Request(
            self.url,
            data=self.body(phone, text),
            headers={"Content-Type": f"{self.content_type}; charset=utf-8"},
            method="POST",
        )
        try:
            status, answer = self.transport(request)
        except OSError as error:
            raise SmsFailed(str(error)) from error
        if not 200 <= status < 300 or (self.ok and self.ok not in answer):
            raise SmsFailed(f"gateway answered {status}: {answer[:200]}")


def backend() -> SmsBackend:
    path = getattr(settings, "MINPING_SMS_BACKEND", "") or DEFAULT_BACKEND
    found: SmsBackend = import_string(path)()
    return found


def send(phone: str, text: str) -> None:
    backend().send(phone, text)
