"""Sending a text message (短信) through a pluggable backend.

``MINPING_SMS_BACKEND`` names a class by dotted path (default
:class:`ConsoleBackend`). A backend has ``send(phone, text)`` and raises
:class:`SmsFailed` when the message could not be handed over. Messages carry
only verification codes; the number is needed to deliver them and is not kept
anywhere else: the console backend's outbox drops each message
``MINPING_SMS_OUTBOX_MINUTES`` after sending (:func:`purge_outbox`).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("minping.sms")

DEFAULT_BACKEND = "minping.surveys.sms.ConsoleBackend"
# A code is valid 10 minutes (phones.CODE_SECONDS): after that its message, which holds
# the number and the time it was asked for, is of use to no one.
DEFAULT_OUTBOX_MINUTES = 15


class SmsFailed(Exception):
    """The gateway did not take the message."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def outbox_path() -> Path:
    return Path(
        getattr(settings, "MINPING_SMS_OUTBOX", "") or settings.DATA_DIR / "sms" / "outbox.jsonl"
    )


def outbox_minutes() -> int:
    return int(getattr(settings, "MINPING_SMS_OUTBOX_MINUTES", DEFAULT_OUTBOX_MINUTES))


@contextmanager
def _locked(path: Path) -> Iterator[IO[bytes]]:
    """The outbox opened for reading and writing (created if missing), locked against other
    processes that send or purge at the same moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: a demo with one process
            yield handle
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sent(line: bytes) -> datetime.datetime | None:
    try:
        sent = datetime.datetime.fromisoformat(json.loads(line)["sent"])
    except (ValueError, KeyError, TypeError):
        return None
    return sent if sent.tzinfo is not None else None


def _purge(handle: IO[bytes], now: datetime.datetime) -> int:
    """Rewrite the open outbox without lines older than the limit; return how many went.

    In place, and the old bytes are overwritten before the file is shortened, so that the
    numbers do not stay behind in a freed file.
    """
    oldest = now - datetime.timedelta(minutes=outbox_minutes())
    handle.seek(0)
    old = handle.read()
    lines = [line for line in old.splitlines() if line.strip()]
    kept = [line for line in lines if (sent := _sent(line)) is not None and sent > oldest]
    if len(kept) < len(lines):
        new = b"".join(line + b"\n" for line in kept)
        handle.seek(0)
        handle.write(new + b" " * (len(old) - len(new)))
        handle.flush()
        os.fsync(handle.fileno())
        handle.truncate(len(new))
    return len(lines) - len(kept)


def purge_outbox(now: datetime.datetime | None = None) -> int:
    """Drop outbox messages older than ``MINPING_SMS_OUTBOX_MINUTES``; return how many.

    Called at every send and by the nightly scrub (``minping scrub_collection``).
    """
    path = outbox_path()
    if not path.exists():
        return 0
    with _locked(path) as handle:
        return _purge(handle, now or timezone.now())


class ConsoleBackend:
    """For demos and offline intranets: each message is appended to the outbox file.

    The outbox is one JSON object a line (``phone``, ``text``, ``sent``); the
    office reads codes from it when no gateway exists, and tests read it too.
    Messages older than ``MINPING_SMS_OUTBOX_MINUTES`` are dropped at each send.
    The log says that a message was written, never to whom or what.
    """

    def send(self, phone: str, text: str) -> None:
        now = timezone.now()
        line = {"phone": phone, "text": text, "sent": now.isoformat()}
        with _locked(outbox_path()) as handle:
            _purge(handle, now)
            handle.seek(0, os.SEEK_END)
            handle.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
        logger.info("SMS written to the outbox %s", outbox_path())


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
