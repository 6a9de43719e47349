"""The one function through which every state change is recorded, appending a leaf to the Merkle log."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sanxiang.core.canonical import state_digest
from sanxiang.ledger import merkle
from sanxiang.ledger.leaves import leaf_bytes
from sanxiang.ledger.models import Entry, Node
from sanxiang.ledger.registry import registration
from sanxiang.ledger.selectors import DatabaseNodes

# pg_advisory_xact_lock key for appends ("sanxiang" in ASCII, truncated to a signed 64-bit integer).
LEDGER_LOCK_KEY = 0x73616E7869616E67 - 2**64 if 0x73616E7869616E67 >= 2**63 else 0x73616E7869616E67


def _actor_id(actor: Any) -> int | None:
    if actor is None:
        return None
    if isinstance(actor, int):
        return actor
    pk = getattr(actor, "pk", None)
    if pk is None:
        raise ValueError("the actor of a ledger entry must be saved (or None for the system)")
    return int(pk)


def _lock_log() -> None:
    """Serialise appends. SQLite's IMMEDIATE transactions already hold the write lock from BEGIN."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])


def tree_size() -> int:
    last = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return 0 if last is None else last + 1


def _append_node(index: int, leaf: bytes) -> None:
    """Store the leaf node and every perfect subtree it completes (about two rows a leaf, amortised)."""
    siblings = DatabaseNodes().get_nodes(merkle.sibling_keys_for_append(index))
    Node.objects.bulk_create(
        [
            Node(level=level, index=position, hash=h)
            for level, position, h in merkle.nodes_completed_by_append(index, leaf, siblings)
        ]
    )


def _checkpoint_soon() -> None:
    from sanxiang.ledger.tasks import schedule_checkpoint  # the task module imports the checkpoint code

    schedule_checkpoint()


def _schedule_checkpoint_on_commit() -> None:
    """Once per transaction: a callback registered at an enclosing savepoint outlives any rollback ours would."""
    connection = transaction.get_connection()
    current = set(connection.savepoint_ids)
    if any(func is _checkpoint_soon and sids <= current for sids, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_checkpoint_soon, robust=True)


def record(
    *, actor: Any, action: str, subject: models.Model, note: str = "", blob: dict[str, Any] | None = None
) -> Entry:
    """Append one leaf for ``subject``'s new state, inside the caller's transaction.

    Must be called after the change is written (the digest is of the state now in the database) and inside
    ``transaction.atomic``, so that a rolled-back change leaves no leaf. Appends are serialised by one lock.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.record must be called inside the service's transaction")
    if subject.pk is None:
        raise ValueError("record the subject after it is saved")
    state = registration(type(subject)).state(subject)
    digest = state_digest(state)
    _lock_log()
    seq = tree_size()
    now = timezone.now()
    actor_id = _actor_id(actor)
    subject_type = subject._meta.label_lower
    subject_id = str(subject.pk)
    leaf = merkle.leaf_hash(
        leaf_bytes(
            seq=seq,
            time=now,
            actor=actor_id,
            action=action,
            subject=f"{subject_type}:{subject_id}",
            digest=digest,
            blob=blob,
        )
    )
    entry = Entry.objects.create(
        seq=seq,
        time=now,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        digest=digest,
        blob=blob,
        leaf_hash=leaf.hex(),
        state=state,
        note=note,
    )
    _append_node(seq, leaf)
    _schedule_checkpoint_on_commit()
    return entry
