"""Tracking codes and client-address hashes.

A tracking code is 80 random bits written as 16 characters of Crockford's base32 in four groups
(``7KQ2-M9XD-4HJT-B3WZ``): no I, L, O or U, so it reads aloud and types without confusion; reading it back forgives
case, spaces and dashes, and O/I/L typed for 0/1/1. Only the SHA-256 of the normalised code is stored: 80 bits are
beyond guessing, so a plain hash suffices and the code cannot be recovered from the database.

The rate limiter keeps an HMAC of the client address under a key derived from SECRET_KEY, never the address.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 4
GROUP_LENGTH = 4
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·—]+")


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(chars[i : i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def normalise(raw: str) -> str | None:
    """The code's 16 characters, or ``None`` when ``raw`` cannot be a code."""
    text = _SEPARATORS.sub("", (raw or "").strip().upper()).translate(_FORGIVE)
    if len(text) != GROUPS * GROUP_LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def code_hash(raw: str) -> str | None:
    code = normalise(raw)
    return None if code is None else hashlib.sha256(code.encode("ascii")).hexdigest()


def client_hash(address: str) -> str:
    return salted_hmac("sanxiang.complaints.client-address", address or "unknown", algorithm="sha256").hexdigest()


def request_address(request: object) -> str:
    """The client address the rate limit counts: ``REMOTE_ADDR`` (the proxy in front must pass the real one on)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "") or "")
