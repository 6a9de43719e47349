""" "Verify this record" for a published subject: everything a browser needs to check it against a signed checkpoint.

For a subject that the domain publishes (``registry.is_public``) ``record_proof`` gathers:

- the subject's canonical state, the record the page shows (its RFC 8785 JSON is printed on the page);
- the leaf fields of the entry that recorded that state (``{v, seq, time, actor, action, subject, digest, blob?}``);
- the entry's RFC 9162 inclusion proof against the latest signed checkpoint, that checkpoint's signed note, and the
  verifier key that signed it.

The browser (``static/sanxiang/verify-record.js``) then hashes the shown record, compares it with the leaf's
``digest``, rebuilds the leaf and its hash, walks the proof to the root, and checks the checkpoint's Ed25519 signature.
Nothing here checks the data first: a record changed in the database must reach the browser as it is, so that the
browser's check fails. ``verify_record_proof`` is the same check in Python (for tests and for anyone with the JSON).

Which state is shown: when the entry is the subject's latest, the row's current canonical state (so a row changed
directly in SQL fails the digest check in the browser); when ``public_actions`` passes over later entries (a
registry entry with a change under review: ``*.change_submitted`` records the staged, unpublished values), the state
recorded by the latest public entry, which is the version the portal still shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from django.db import models
from django.db.models import Q

from sanxiang.core.canonical import JSONValue, canonical_json, subject_label
from sanxiang.ledger import merkle, registry, signing
from sanxiang.ledger.checkpoints import latest_checkpoint, note_verify
from sanxiang.ledger.leaves import entry_leaf_document, leaf_document
from sanxiang.ledger.models import Entry
from sanxiang.ledger.selectors import DatabaseNodes

__all__ = ["ProofStatus", "RecordProof", "record_proof", "verify_record_proof"]

# The leaf fields the ledger writes (``blob`` besides, for files).
_LEAF_KEYS = frozenset(
    leaf_document(seq=0, time=dt.datetime(1970, 1, 1, tzinfo=dt.UTC), actor=None, action="", subject="", digest="")
)

ProofStatus = Literal["ready", "pending", "unavailable"]


@dataclass(frozen=True)
class RecordProof:
    """What a page needs to let a visitor verify one published record.

    ``status`` is ``"ready"`` when a signed checkpoint covers the entry (every field is filled), ``"pending"`` when
    the entry is newer than the latest checkpoint (a background task signs one within seconds; ``tree_size``,
    ``audit_path``, ``checkpoint`` and ``verifier_key`` are empty), ``"unavailable"`` when the key that signed the
    checkpoint is not among the published verifier keys (a broken key directory: nothing to verify against).
    """

    status: ProofStatus
    subject: str
    state: dict[str, JSONValue]
    state_json: str
    """RFC 8785 JSON of ``state``: the text the page shows as 原始记录 and the browser hashes."""
    leaf: dict[str, Any]
    leaf_hash: str
    leaf_index: int
    current: bool
    """Whether the entry is the subject's latest (False: a later, unpublished change exists)."""
    tree_size: int | None = None
    root: str = ""
    audit_path: list[str] = field(default_factory=list)
    """RFC 9162 §2.1.3 inclusion proof, bottom-up, hex."""
    checkpoint: str = ""
    """The signed note (C2SP tlog-checkpoint in a C2SP signed note)."""
    verifier_key: str = ""
    """``<origin>+<key id hex>+base64(0x01 ‖ public key)`` of the key that signed ``checkpoint``."""

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def time(self) -> str:
        return str(self.leaf["time"])

    def data(self) -> dict[str, Any]:
        """The JSON the page embeds for the browser's check (the record itself is embedded separately, as text)."""
        return {
            "subject": self.subject,
            "leaf": self.leaf,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "audit_path": self.audit_path,
            "checkpoint": self.checkpoint,
            "verifier_key": self.verifier_key,
        }


def _chosen_entry(label: str, pk: str, public_actions: tuple[str, ...] | None) -> tuple[Entry | None, bool]:
    """The entry to prove and whether it is the subject's latest (one query; two when a later entry is not public)."""
    qs = Entry.objects.filter(subject_type=label, subject_id=pk).order_by("-seq")
    latest = qs.first()
    if latest is None or public_actions is None or latest.action.endswith(public_actions):
        return latest, True
    condition = Q()
    for suffix in public_actions:
        condition |= Q(action__endswith=suffix)
    return qs.filter(condition).first(), False


def record_proof(subject: models.Model, *, public_actions: Iterable[str] | None = None) -> RecordProof | None:
    """The proof of ``subject``'s published record, or None when it is not public or has no (public) entry.

    ``public_actions`` (action suffixes such as ``".publish"``) restricts which entries may be shown: the latest entry
    whose action ends with one of them is proven. Without it, the subject's latest entry is.
    """
    if subject.pk is None:
        return None
    label = subject._meta.label_lower
    pk = str(subject.pk)
    try:
        registration = registry.registration(label)
    except LookupError:
        return None
    if not registry.is_public(label, pk):
        return None
    entry, current = _chosen_entry(label, pk, tuple(public_actions) if public_actions is not None else None)
    if entry is None:
        return None
    state = registration.state(subject) if current else dict(entry.state or {})
    pending = RecordProof(
        status="pending",
        subject=subject_label(subject),
        state=state,
        state_json=canonical_json(state).decode("utf-8"),
        leaf=entry_leaf_document(entry),
        leaf_hash=entry.leaf_hash,
        leaf_index=entry.seq,
        current=current,
    )
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size <= entry.seq:
        return pending
    prefix = f"{checkpoint.origin}+{checkpoint.key_id}+"
    key = next((k for k in signing.published_verifier_keys() if k.startswith(prefix)), None)
    if key is None:
        return replace(pending, status="unavailable")
    path = merkle.inclusion_proof(DatabaseNodes(), entry.seq, checkpoint.size)
    return replace(
        pending,
        status="ready",
        tree_size=checkpoint.size,
        root=checkpoint.root,
        audit_path=[h.hex() for h in path],
        checkpoint=checkpoint.note,
        verifier_key=key,
    )


def verify_record_proof(proof: RecordProof | dict[str, Any], state_json: str | None = None, *, key: str) -> None:
    """The browser's check in Python: raise ``ValueError`` (or ``NoteError``/``ProofError``, both ValueErrors) unless
    ``state_json`` (default: the proof's own) hashes to the leaf's digest, the leaf is in the log of the checkpoint
    by the inclusion proof, and the checkpoint is signed by ``key`` (the verifier key you trust).
    """
    data = proof.data() if isinstance(proof, RecordProof) else proof
    if state_json is None:
        if not isinstance(proof, RecordProof):
            raise ValueError("state_json is needed with a JSON proof")
        state_json = proof.state_json
    state = json.loads(state_json)
    leaf = dict(data["leaf"])
    if hashlib.sha256(canonical_json(state)).hexdigest() != leaf["digest"]:
        raise ValueError("记录摘要与记录中的 digest 不符")
    leaf_bytes = canonical_json(leaf)
    if set(leaf) - {"blob"} != _LEAF_KEYS or leaf["seq"] != data["leaf_index"]:
        raise ValueError("叶子字段不符")
    _, size, root = note_verify(data["checkpoint"], [key])
    if size != data["tree_size"]:
        raise ValueError("检查点的树大小与证明不符")
    merkle.verify_inclusion(
        leaf_hash=merkle.leaf_hash(leaf_bytes),
        index=data["leaf_index"],
        size=size,
        proof=[bytes.fromhex(h) for h in data["audit_path"]],
        root=root,
    )
