"""The audit seam: one entry per change, in the caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from sanxiang.core.canonical import canonical_state, state_digest
from sanxiang.ledger.models import Entry
from sanxiang.ledger.selectors import diff_states, entries_for, latest_entry
from sanxiang.ledger.services import record


def test_entry_holds_actor_action_subject_and_digest_of_new_state(bureau):
    with transaction.atomic():
        entry = record(actor=bureau.reviewer, action="agency.touch", subject=bureau.agency, note="n")
    assert entry.actor_id == bureau.reviewer.pk
    assert (entry.action, entry.note) == ("agency.touch", "n")
    assert entry.state == canonical_state(bureau.agency)
    assert entry.subject == f"org.agency:{bureau.agency.pk}"
    assert entry.digest == state_digest(canonical_state(bureau.agency))
    assert latest_entry(bureau.agency) == entry
    assert list(entries_for(bureau.agency, actions=["agency.touch"])) == [entry]


def test_rolled_back_change_leaves_no_entry(bureau):
    before = Entry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        bureau.agency.duties = "changed"
        bureau.agency.save()
        record(actor=None, action="agency.update", subject=bureau.agency)
        raise RuntimeError("rollback")
    assert Entry.objects.count() == before


def test_record_outside_a_transaction_is_refused(bureau):
    # pytest-django wraps each test in a transaction; simulate a caller outside one through autocommit.
    from django.db import connection

    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the service's transaction"):
            record(actor=None, action="x", subject=bureau.agency)
    finally:
        connection.in_atomic_block = atomic


def test_unsaved_subject_is_refused(db):
    from sanxiang.org.models import Agency

    before = Entry.objects.count()
    with pytest.raises(ValueError, match="after it is saved"), transaction.atomic():
        record(actor=None, action="x", subject=Agency(name="未保存"))
    assert Entry.objects.count() == before


def test_diff_states_lists_changed_fields_only():
    changes = diff_states({"a": 1, "b": 2, "t": 0}, {"a": 1, "b": 3, "c": 4, "t": 9}, ignore=["t"])
    assert [(c.field, c.before, c.after) for c in changes] == [("b", 2, 3), ("c", None, 4)]
