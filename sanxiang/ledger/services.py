"""The one function through which every state change is recorded."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sanxiang.core.canonical import canonical_state, state_digest
from sanxiang.ledger.models import Entry


def _actor_id(actor: Any) -> int | None:
    if actor is None:
        return None
    if isinstance(actor, int):
        return actor
    pk = getattr(actor, "pk", None)
    if pk is None:
        raise ValueError("the actor of a ledger entry must be saved (or None for the system)")
    return int(pk)


def record(*, actor: Any, action: str, subject: models.Model, note: str = "") -> Entry:
    """Append one entry for ``subject``'s new state, inside the caller's transaction.

    Must be called after the change is written (the digest is of the state that is now in the database) and inside
    ``transaction.atomic`` so that a rolled-back change leaves no entry.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.record must be called inside the service's transaction")
    if subject.pk is None:
        raise ValueError("record the subject after it is saved")
    state = canonical_state(subject)
    return Entry.objects.create(
        time=timezone.now(),
        actor_id=_actor_id(actor),
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        digest=state_digest(state),
        state=state,
        note=note,
    )
