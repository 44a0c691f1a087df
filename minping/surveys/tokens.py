"""Secrets handed to respondents, and the hashes that are all the database keeps of them.

A link token has 192 random bits and is stored as its SHA-256. A short code
(for typing from a letter) has 10 characters of a 31-letter alphabet, about
49.5 bits: too few to store as a plain hash, so it and the holder's identity
are hashed with a key the database never holds (HMAC-SHA256). Attempts to
type a code are rate-limited besides.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings

# No 0/O, 1/I/L: letters an elderly person can read off paper and type without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
TOKEN_BYTES = 24


def _key() -> bytes:
    # SECRET_KEY only with DEBUG on: the system check minping.E010 stops a server without one.
    key = getattr(settings, "MINPING_SURVEY_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(f"minping.surveys:{key}".encode()).digest()


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A random URL-safe token of 192 bits (32 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCDE-FGHJK``: two groups of five are easier to read aloud and type."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(typed: str) -> str | None:
    """The code as stored, or None if what was typed cannot be a code.

    Spaces and dashes are ignored, lower case and full-width letters accepted.
    """
    text = unicodedata.normalize("NFKC", typed).upper()
    text = "".join(ch for ch in text if ch not in " -_\u3000")
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


def code_hash(code: str) -> str:
    return keyed_hash("code", code)


def normalise_identity(identity: str) -> str:
    """One person is one identity however it was typed: width, case and spaces ignored."""
    text = unicodedata.normalize("NFKC", identity).casefold()
    return "".join(text.split())


def holder_key(identity: str) -> str:
    return keyed_hash("holder", normalise_identity(identity))
