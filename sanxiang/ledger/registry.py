"""Which models are ledgered, and how their canonical state is taken.

Apps register their models in ``AppConfig.ready()``; the ledger knows no domain app. ``record`` refuses an
unregistered model, and ``sanxiang ledger verify`` checks every registered model's rows against their latest entries
(so a row changed, inserted or deleted directly in SQL is found). ``exclude`` names fields that change without being
a change of the record (a user's last login) or must never enter the log (a password hash).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from sanxiang.core.canonical import JSONValue, canonical_state


@dataclass(frozen=True)
class Ledgered:
    model: type[models.Model]
    exclude: frozenset[str]

    def state(self, instance: models.Model) -> dict[str, JSONValue]:
        state = canonical_state(instance)
        for name in self.exclude:
            state.pop(name, None)
        return state


_REGISTRY: dict[str, Ledgered] = {}


def register(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> None:
    _REGISTRY[model._meta.label_lower] = Ledgered(model=model, exclude=frozenset(exclude))


def registration(model_or_label: type[models.Model] | str) -> Ledgered:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    try:
        return _REGISTRY[label]
    except KeyError:
        raise LookupError(f"{label} is not registered with the ledger (sanxiang.ledger.registry.register)") from None


def ledgered_models() -> list[Ledgered]:
    return [_REGISTRY[label] for label in sorted(_REGISTRY)]


# --- what is public, and who is staff: answered by the domain side ----------------------------------------------------
# The ledger holds unpublished cases and who viewed which evidence, so a leaf's contents are public only for subjects
# the domain publishes. The ledger cannot know which those are: the app that publishes registers the answer.

PublicCheck = Callable[[str, str], bool]
StaffCheck = Callable[[Any], bool]
_public_checks: list[PublicCheck] = []
_staff_check: list[StaffCheck] = []


def register_public_check(check: PublicCheck) -> None:
    """``check(subject_type, subject_id)`` says whether that subject is publicly visible (any check may say yes)."""
    if check not in _public_checks:
        _public_checks.append(check)


def is_public(subject_type: str, subject_id: str) -> bool:
    return any(check(subject_type, subject_id) for check in _public_checks)


def register_staff_check(check: StaffCheck) -> None:
    """``check(user)`` says whether a signed-in user is staff (may read every entry in full)."""
    _staff_check[:] = [check]


def is_staff(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if _staff_check:
        return _staff_check[0](user)
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


# --- who may read which evidence file: answered by the apps whose rows name the file ----------------------------------
# A blob is content: the ledger knows no case. An app whose rows reference blobs (a case's recordings and documents)
# registers a check; a read goes ahead unless a check refuses it. A blob no app claims stays readable by staff (its
# uploader must be able to see it before it is attached to anything).

BlobAccessCheck = Callable[[Any, str], "bool | None"]
_blob_access_checks: list[BlobAccessCheck] = []


def register_blob_access(check: BlobAccessCheck) -> None:
    """``check(user, sha256)`` says whether ``user`` may read that blob: True, False, or None (no opinion).

    Any False refuses the read (``NotFound``, alike for a missing file, so that a refusal says nothing about it).
    """
    if check not in _blob_access_checks:
        _blob_access_checks.append(check)


def may_read_blob(user: Any, sha256: str) -> bool:
    """Whether no registered check refuses ``user`` the blob ``sha256`` (staff status is checked by the caller)."""
    return all(check(user, sha256) is not False for check in _blob_access_checks)


# --- who wants to know what was recorded: e.g. the outbox of pushes to other platforms -------------------------------
# A listener runs inside the recording transaction, after the entry is written, so whatever it writes (an outbox row)
# commits or rolls back with the change and its entry. It must not fail for subjects it does not care about.

RecordListener = Callable[[Any, Any], None]
_record_listeners: list[RecordListener] = []


def register_record_listener(listener: RecordListener) -> None:
    """``listener(entry, subject)`` is called for every entry appended by ``record`` or ``record_many``."""
    if listener not in _record_listeners:
        _record_listeners.append(listener)


def notify_recorded(entry: Any, subject: Any) -> None:
    for listener in _record_listeners:
        listener(entry, subject)
