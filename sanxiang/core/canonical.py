"""Canonical state of a row and its digest.

One generic function turns any model instance into a JSON-safe dict of every concrete field (by attname, so a
foreign key is its id) and every many-to-many set (sorted ids). It is serialised as RFC 8785 (JCS) JSON — decimals
as strings, no floats, times as RFC 3339 UTC with microseconds — so the same row gives the same bytes on SQLite and
PostgreSQL, and the SHA-256 of those bytes is the digest that the ledger records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import uuid
from typing import Any

import rfc8785
from django.db import models
from django.db.models.fields.files import FieldFile

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]


def format_datetime(value: dt.datetime) -> str:
    """RFC 3339 in UTC with exactly six fractional digits (the precision both databases keep)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in canonical state")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_json_value(value: Any) -> JSONValue:
    """Convert a Python value read from a model into a canonical JSON value."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical state; use Decimal")
    if isinstance(value, decimal.Decimal):
        # Trailing zeros depend on the backend's scale handling; drop them so both databases agree.
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} into canonical state")


def canonical_state(instance: models.Model) -> dict[str, JSONValue]:
    """Every concrete field and many-to-many set of ``instance``, as canonical JSON values."""
    opts = instance._meta
    state: dict[str, JSONValue] = {}
    for field in opts.concrete_fields:
        state[field.attname] = to_json_value(getattr(instance, field.attname))
    for m2m in opts.many_to_many:
        if instance.pk is None:
            state[m2m.name] = []
        else:
            ids = getattr(instance, m2m.name).values_list("pk", flat=True)
            state[m2m.name] = sorted(to_json_value(pk) for pk in ids)  # type: ignore[type-var]
    return state


def canonical_json(value: JSONValue | dict[str, JSONValue]) -> bytes:
    """RFC 8785 serialisation."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_digest(state: dict[str, JSONValue]) -> str:
    return sha256_hex(canonical_json(state))


def subject_label(instance: models.Model) -> str:
    """The ledger's name for a row: ``app_label.model:pk``."""
    return f"{instance._meta.label_lower}:{instance.pk}"
