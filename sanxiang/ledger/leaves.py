"""The leaf format: RFC 8785 canonical JSON of ``{v, seq, time, actor, action, subject, digest, blob?}``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanxiang.core.canonical import canonical_json, format_datetime
from sanxiang.ledger import merkle

LEAF_VERSION = 1


def leaf_document(
    *,
    seq: int,
    time: dt.datetime,
    actor: int | None,
    action: str,
    subject: str,
    digest: str,
    blob: dict[str, Any] | None = None,
    v: int = LEAF_VERSION,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "v": v,
        "seq": seq,
        "time": format_datetime(time),
        "actor": actor,
        "action": action,
        "subject": subject,
        "digest": digest,
    }
    if blob is not None:
        document["blob"] = blob
    return document


def leaf_bytes(**fields: Any) -> bytes:
    return canonical_json(leaf_document(**fields))


def entry_leaf_document(entry: Any) -> dict[str, Any]:
    """The leaf document of a stored ``Entry`` row (or a row of its columns), rebuilt from its columns."""
    return leaf_document(
        v=entry.v,
        seq=entry.seq,
        time=entry.time,
        actor=entry.actor_id,
        action=entry.action,
        subject=f"{entry.subject_type}:{entry.subject_id}",
        digest=entry.digest,
        blob=entry.blob,
    )


def entry_leaf_bytes(entry: Any) -> bytes:
    """The leaf of a stored ``Entry`` row, rebuilt from its columns."""
    return canonical_json(entry_leaf_document(entry))


def entry_leaf_hash(entry: Any) -> bytes:
    return merkle.leaf_hash(entry_leaf_bytes(entry))
