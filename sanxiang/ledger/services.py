"""The one function through which every state change is recorded, appending a leaf to the Merkle log.

``record`` appends one entry, ``record_many`` a batch (one lock, one read of the tree's right frontier, one
``executemany`` for the entries and one for the nodes). Both write through the connection's cursor with fixed SQL
and bound parameters rather than the ORM's ``create``/``bulk_create``: the values are the same (each column's value is
prepared by its model field, as the ORM would), the Python around them is a fraction (bench/ledger.py,
docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from sanxiang.core.canonical import JSONValue, state_digest
from sanxiang.ledger import merkle
from sanxiang.ledger.leaves import LEAF_VERSION, leaf_bytes
from sanxiang.ledger.models import Entry, Node
from sanxiang.ledger.registry import Ledgered, notify_recorded, registration
from sanxiang.ledger.selectors import DatabaseNodes

# pg_advisory_xact_lock key for appends ("sanxiang" in ASCII, truncated to a signed 64-bit integer).
LEDGER_LOCK_KEY = 0x73616E7869616E67 - 2**64 if 0x73616E7869616E67 >= 2**63 else 0x73616E7869616E67

# Rows per executemany in record_many: bounds the parameter lists a huge batch builds at once.
_INSERT_BATCH = 5000


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


# --- fixed SQL: identifiers quoted the ANSI way (as both SQLite and PostgreSQL read them), every value bound -------

_ENTRY_COLUMNS = (
    "seq",
    "v",
    "time",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "digest",
    "blob",
    "leaf_hash",
    "state",
    "note",
)
_NODE_COLUMNS = ("level", "index", "hash")
_MAX_SEQ = 'SELECT MAX("seq") FROM "ledger_entry"'
_INSERT_ENTRY = (
    'INSERT INTO "ledger_entry" ("seq", "v", "time", "actor_id", "action", "subject_type", "subject_id", "digest", '
    '"blob", "leaf_hash", "state", "note") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)'
)
_INSERT_NODE = 'INSERT INTO "ledger_node" ("level", "index", "hash") VALUES (%s, %s, %s)'


def _max_seq(connection: BaseDatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_MAX_SEQ)
        row = cursor.fetchone()
    return -1 if row is None or row[0] is None else int(row[0])


def tree_size() -> int:
    """The number of leaves in the log (as this connection sees it)."""
    return _max_seq(transaction.get_connection()) + 1


class _Prepare:
    """Each non-trivial column's value prepared for the database by its model field, exactly as the ORM's insert does."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self._time = Entry._meta.get_field("time")
        self._json = Entry._meta.get_field("state")
        self._binary = Node._meta.get_field("hash")

    def time(self, value: dt.datetime) -> Any:
        return self._time.get_db_prep_save(value, self.connection)

    def json(self, value: Any) -> Any:
        return None if value is None else self._json.get_db_prep_save(value, self.connection)

    def binary(self, value: bytes) -> Any:
        return self._binary.get_db_prep_save(value, self.connection)


def _entry(
    *,
    connection: BaseDatabaseWrapper,
    seq: int,
    now: dt.datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str,
    digest: str,
    blob: dict[str, Any] | None,
    leaf: bytes,
    state: dict[str, JSONValue],
    note: str,
) -> Entry:
    """The saved ``Entry`` the caller gets back (as ``Entry.objects.create`` would have returned it)."""
    entry = Entry(
        seq=seq,
        v=LEAF_VERSION,
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
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def _entry_row(entry: Entry, prepare: _Prepare, time_value: Any) -> tuple[Any, ...]:
    return (
        entry.seq,
        entry.v,
        time_value,
        entry.actor_id,
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.digest,
        prepare.json(entry.blob),
        entry.leaf_hash,
        prepare.json(entry.state),
        entry.note,
    )


def _leaf_hash(
    *, seq: int, now: dt.datetime, actor_id: int | None, action: str, subject: str, digest: str, blob: Any
) -> bytes:
    return merkle.leaf_hash(
        leaf_bytes(seq=seq, time=now, actor=actor_id, action=action, subject=subject, digest=digest, blob=blob)
    )


# --- after commit ---------------------------------------------------------------------------------------------------


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


# --- appends --------------------------------------------------------------------------------------------------------


def _in_transaction() -> BaseDatabaseWrapper:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.record must be called inside the service's transaction")
    return connection


def record(
    *, actor: Any, action: str, subject: models.Model, note: str = "", blob: dict[str, Any] | None = None
) -> Entry:
    """Append one leaf for ``subject``'s new state, inside the caller's transaction.

    Must be called after the change is written (the digest is of the state now in the database) and inside
    ``transaction.atomic``, so that a rolled-back change leaves no leaf. Appends are serialised by one lock.
    """
    connection = _in_transaction()
    if subject.pk is None:
        raise ValueError("record the subject after it is saved")
    state = registration(type(subject)).state(subject)
    digest = state_digest(state)
    actor_id = _actor_id(actor)
    subject_type = subject._meta.label_lower
    subject_id = str(subject.pk)
    _lock_log()
    seq = _max_seq(connection) + 1
    now = timezone.now()
    leaf = _leaf_hash(
        seq=seq,
        now=now,
        actor_id=actor_id,
        action=action,
        subject=f"{subject_type}:{subject_id}",
        digest=digest,
        blob=blob,
    )
    entry = _entry(
        connection=connection,
        seq=seq,
        now=now,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        digest=digest,
        blob=blob,
        leaf=leaf,
        state=state,
        note=note,
    )
    # The leaf node and every perfect subtree it completes (about two rows a leaf, amortised); the left siblings
    # these need are the only stored nodes read.
    siblings = DatabaseNodes().get_nodes(merkle.sibling_keys_for_append(seq))
    prepare = _Prepare(connection)
    nodes = [
        (level, index, prepare.binary(h)) for level, index, h in merkle.nodes_completed_by_append(seq, leaf, siblings)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ENTRY, _entry_row(entry, prepare, prepare.time(now)))
        cursor.executemany(_INSERT_NODE, nodes)
    _schedule_checkpoint_on_commit()
    notify_recorded(entry, subject)
    return entry


def record_many(
    *,
    actor: Any,
    action: str,
    subjects: Iterable[models.Model],
    note: str = "",
    notes: Sequence[str] | None = None,
) -> list[Entry]:
    """Append one leaf per subject (in order) for the same ``actor`` and ``action``, in one go.

    The same as calling ``record`` for each subject in turn inside the caller's transaction — the same entries,
    leaves, stored nodes and roots, given the same clock — except that every entry of the batch carries the same
    ``time`` and the work is done once: one lock, one read of the tree's right frontier (O(log n) nodes), the new
    nodes computed in memory, the entries and the nodes each inserted with ``executemany``. ``notes`` gives a note per
    subject (instead of the one ``note`` for all). Returns the entries, in ``seq`` order.
    """
    connection = _in_transaction()
    subjects = list(subjects)
    if notes is not None and len(notes) != len(subjects):
        raise ValueError(f"{len(notes)} notes for {len(subjects)} subjects")
    if not subjects:
        return []
    if any(subject.pk is None for subject in subjects):
        raise ValueError("record the subject after it is saved")
    registrations: dict[type[models.Model], Ledgered] = {}
    prepared: list[tuple[str, str, dict[str, JSONValue], str]] = []
    for subject in subjects:
        kind = type(subject)
        ledgered = registrations.get(kind)
        if ledgered is None:
            ledgered = registrations[kind] = registration(kind)
        state = ledgered.state(subject)
        prepared.append((subject._meta.label_lower, str(subject.pk), state, state_digest(state)))
    actor_id = _actor_id(actor)

    _lock_log()
    start = _max_seq(connection) + 1
    now = timezone.now()
    entries: list[Entry] = []
    leaves: list[bytes] = []
    for offset, (subject_type, subject_id, state, digest) in enumerate(prepared):
        seq = start + offset
        leaf = _leaf_hash(
            seq=seq,
            now=now,
            actor_id=actor_id,
            action=action,
            subject=f"{subject_type}:{subject_id}",
            digest=digest,
            blob=None,
        )
        leaves.append(leaf)
        entries.append(
            _entry(
                connection=connection,
                seq=seq,
                now=now,
                actor_id=actor_id,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                digest=digest,
                blob=None,
                leaf=leaf,
                state=state,
                note=note if notes is None else notes[offset],
            )
        )
    frontier = DatabaseNodes().get_nodes(merkle.frontier_keys(start))
    prepare = _Prepare(connection)
    time_value = prepare.time(now)
    nodes = [
        (level, index, prepare.binary(h))
        for level, index, h in merkle.nodes_completed_by_batch(start, leaves, frontier)
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(entries), _INSERT_BATCH):
            cursor.executemany(
                _INSERT_ENTRY, [_entry_row(e, prepare, time_value) for e in entries[i : i + _INSERT_BATCH]]
            )
        for i in range(0, len(nodes), _INSERT_BATCH):
            cursor.executemany(_INSERT_NODE, nodes[i : i + _INSERT_BATCH])
    _schedule_checkpoint_on_commit()
    for entry, subject in zip(entries, subjects, strict=True):
        notify_recorded(entry, subject)
    return entries
