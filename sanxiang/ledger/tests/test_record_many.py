"""The batch append path: ``record_many`` writes exactly what ``record`` one by one would, in one go.

Also pins the raw SQL both paths write through (``services._INSERT_ENTRY`` / ``_INSERT_NODE``) to the models: every
column of ``Entry`` and ``Node`` a row needs, under the table and column names the models declare.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxiang.conftest import Bureau
from sanxiang.ledger import merkle, services
from sanxiang.ledger.leaves import entry_leaf_hash
from sanxiang.ledger.models import Entry, Node
from sanxiang.ledger.selectors import DatabaseNodes
from sanxiang.ledger.services import record, record_many, tree_size
from sanxiang.ledger.verify import verify

NOW = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
_ENTRY_FIELDS = [f.attname for f in Entry._meta.concrete_fields]


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"


@contextmanager
def frozen_clock() -> Iterator[None]:
    with mock.patch.object(services.timezone, "now", return_value=NOW):
        yield


@contextmanager
def undone() -> Iterator[None]:
    """Run the block in a savepoint and roll it back afterwards."""
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


def snapshot(start: int) -> tuple[list[tuple[Any, ...]], set[tuple[int, int, bytes]], bytes]:
    """The entries from ``start`` on (every column), the whole stored tree, and the root."""
    entries = [tuple(row) for row in Entry.objects.filter(seq__gte=start).order_by("seq").values_list(*_ENTRY_FIELDS)]
    nodes = {(level, index, bytes(h)) for level, index, h in Node.objects.values_list("level", "index", "hash")}
    return entries, nodes, merkle.root(DatabaseNodes(), tree_size())


def subjects_of(bureau: Bureau) -> list[models.Model]:
    """Rows of several ledgered models (an agency with a many-to-many, departments, users)."""
    return [bureau.agency, bureau.legal, bureau.reviewer, bureau.other_agency, bureau.section, bureau.officer]


def assert_stored_tree_is_the_recomputed_one() -> None:
    leaf_hashes = [bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    expected = {(level, index): h for level, index, h in merkle.tree_from_leaf_hashes(leaf_hashes)}
    stored = {(n.level, n.index): bytes(n.hash) for n in Node.objects.all()}
    assert stored == expected
    assert [e.seq for e in Entry.objects.order_by("seq")] == list(range(len(leaf_hashes)))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    picks=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=14),
    cuts=st.lists(st.integers(min_value=1, max_value=14), max_size=6),
    prefix=st.integers(min_value=0, max_value=9),
    single_for_ones=st.booleans(),
)
def test_batches_write_exactly_what_one_by_one_appends_write(
    bureau: Bureau, picks: list[int], cuts: list[int], prefix: int, single_for_ones: bool
) -> None:
    """Any split of a run of appends into batches (after any tree size) gives the same entries, nodes and root."""
    pool = subjects_of(bureau)
    subjects = [pool[i] for i in picks]
    notes = [f"第{i}条" for i in range(len(subjects))]
    bounds = sorted({c for c in cuts if c < len(subjects)} | {0, len(subjects)})
    with transaction.atomic(), undone():
        with frozen_clock():
            for _ in range(prefix):  # tree sizes of every shape before the run
                record(actor=None, action="agency.touch", subject=bureau.agency)
        start = tree_size()
        with undone():
            with frozen_clock():
                for subject, note in zip(subjects, notes, strict=True):
                    record(actor=bureau.reviewer, action="row.import", subject=subject, note=note)
            one_by_one = snapshot(start)
        with undone():
            with frozen_clock():
                for lo, hi in pairwise(bounds):
                    if hi - lo == 1 and single_for_ones:
                        record(actor=bureau.reviewer, action="row.import", subject=subjects[lo], note=notes[lo])
                    else:
                        record_many(
                            actor=bureau.reviewer, action="row.import", subjects=subjects[lo:hi], notes=notes[lo:hi]
                        )
            batched = snapshot(start)
            assert_stored_tree_is_the_recomputed_one()
    assert batched[0] == one_by_one[0]
    assert batched[1] == one_by_one[1]
    assert batched[2] == one_by_one[2]
    assert len(one_by_one[0]) == len(subjects)


def test_returned_entries_are_the_stored_rows(bureau: Bureau) -> None:
    subjects = subjects_of(bureau)
    with transaction.atomic():
        single = record(
            actor=bureau.reviewer,
            action="agency.file",
            subject=bureau.agency,
            note="一份文件",
            blob={"sha256": "00" * 32, "sm3": "11" * 32, "size": 5},
        )
        batch = record_many(actor=bureau.reviewer.pk, action="row.import", subjects=subjects, note="导入")
    assert [e.seq for e in batch] == list(range(single.seq + 1, single.seq + 1 + len(subjects)))
    for entry in [single, *batch]:
        stored = Entry.objects.get(seq=entry.seq)
        assert [getattr(entry, f) for f in _ENTRY_FIELDS] == [getattr(stored, f) for f in _ENTRY_FIELDS]
        assert not entry._state.adding and entry._state.db == stored._state.db
        assert entry_leaf_hash(stored).hex() == stored.leaf_hash
    assert {e.note for e in batch} == {"导入"} and {e.actor_id for e in batch} == {bureau.reviewer.pk}
    assert len({e.time for e in batch}) == 1
    assert_stored_tree_is_the_recomputed_one()


def test_a_rolled_back_batch_leaves_no_leaf_and_no_node(bureau: Bureau) -> None:
    size, nodes = tree_size(), Node.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_many(actor=None, action="row.import", subjects=subjects_of(bureau))
        raise RuntimeError("rollback")
    assert (tree_size(), Node.objects.count()) == (size, nodes)
    with transaction.atomic():
        record_many(actor=None, action="row.import", subjects=subjects_of(bureau))
    assert tree_size() == size + len(subjects_of(bureau))
    assert_stored_tree_is_the_recomputed_one()


def test_refusals_write_nothing(bureau: Bureau) -> None:
    from sanxiang.org.models import Agency

    size = tree_size()
    with transaction.atomic():
        assert record_many(actor=None, action="row.import", subjects=[]) == []
        with pytest.raises(ValueError, match="after it is saved"):
            record_many(actor=None, action="row.import", subjects=[bureau.agency, Agency(name="未保存")])
        with pytest.raises(ValueError, match="2 notes for 1 subjects"):
            record_many(actor=None, action="row.import", subjects=[bureau.agency], notes=["a", "b"])
    assert tree_size() == size
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the service's transaction"):
            record_many(actor=None, action="row.import", subjects=[bureau.agency])
    finally:
        connection.in_atomic_block = atomic


def test_ledger_verify_accepts_a_log_written_in_batches(ledgered_bureau: Bureau) -> None:
    with transaction.atomic():
        record_many(actor=None, action="row.import", subjects=subjects_of(ledgered_bureau) * 5)
        record(actor=None, action="agency.touch", subject=ledgered_bureau.agency)
        record_many(actor=ledgered_bureau.reviewer, action="row.review", subjects=subjects_of(ledgered_bureau)[:3])
    report = verify()
    assert [str(p) for p in report.problems] == []
    assert report.entries == tree_size()
    out, err = io.StringIO(), io.StringIO()
    call_command("ledger", "verify", stdout=out, stderr=err)  # raises CommandError unless everything holds


def test_one_checkpoint_task_per_transaction(bureau: Bureau, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        record_many(actor=None, action="row.import", subjects=subjects_of(bureau))
        record(actor=None, action="agency.touch", subject=bureau.agency)
        record_many(actor=None, action="row.import", subjects=subjects_of(bureau))
    assert [c for c in callbacks if c is services._checkpoint_soon] == [services._checkpoint_soon]


def test_the_raw_inserts_name_the_models_tables_and_columns() -> None:
    entry_columns = {f.column for f in Entry._meta.concrete_fields}
    assert set(services._ENTRY_COLUMNS) == entry_columns
    assert f'INSERT INTO "{Entry._meta.db_table}" (' in services._INSERT_ENTRY
    assert services._INSERT_ENTRY.count("%s") == len(services._ENTRY_COLUMNS)
    assert '("' + '", "'.join(services._ENTRY_COLUMNS) + '")' in services._INSERT_ENTRY  # the order rows use
    node_columns = {f.column for f in Node._meta.concrete_fields} - {Node._meta.pk.column}
    assert set(services._NODE_COLUMNS) == node_columns
    assert f'INSERT INTO "{Node._meta.db_table}" (' in services._INSERT_NODE
    assert '("' + '", "'.join(services._NODE_COLUMNS) + '")' in services._INSERT_NODE
    assert f'FROM "{Entry._meta.db_table}"' in services._MAX_SEQ
