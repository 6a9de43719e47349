"""The receivers' HMAC secrets, kept in files under the data directory, never in the database or the ledger.

One file per receiver, ``<SANXIANG_EXCHANGE_SECRET_DIR>/receiver-<id>.secret`` (default ``<data>/exchange/secrets``),
mode 0600, written atomically. The receiver's row holds the secret's SHA-256 fingerprint: a change of secret is a
recorded change of the row, and a file replaced behind the application's back is refused at delivery (the message
waits and is retried; nothing is lost).
"""

from __future__ import annotations

import hashlib
import os
import secrets as pysecrets
from pathlib import Path

from django.conf import settings

from sanxiang.core.errors import ValidationError

MIN_LENGTH = 16


def secret_dir() -> Path:
    configured = getattr(settings, "SANXIANG_EXCHANGE_SECRET_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "exchange" / "secrets"


def secret_path(receiver_id: int) -> Path:
    return secret_dir() / f"receiver-{int(receiver_id)}.secret"


def generate() -> str:
    return pysecrets.token_urlsafe(32)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def clean_secret(secret: str | None) -> str:
    """The given secret (stripped), or a new random one when blank; a short one is refused."""
    value = (secret or "").strip()
    if not value:
        return generate()
    if len(value) < MIN_LENGTH or any(c.isspace() for c in value):
        raise ValidationError({"secret": [f"密钥至少{MIN_LENGTH}个字符，且不能含空白字符。"]})
    return value


def store(receiver_id: int, secret: str) -> None:
    directory = secret_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = secret_path(receiver_id)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class SecretUnavailable(Exception):
    """The secret file is missing, unreadable or does not match the recorded fingerprint."""


def load(receiver_id: int, expected_fingerprint: str) -> bytes:
    path = secret_path(receiver_id)
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretUnavailable(f"密钥文件不可读：{path}（{exc.strerror or exc}）") from exc
    if fingerprint(secret) != expected_fingerprint:
        raise SecretUnavailable(f"密钥文件与登记的指纹不符：{path}")
    return secret.encode("utf-8")
