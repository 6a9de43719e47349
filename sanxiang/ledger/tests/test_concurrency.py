"""Concurrent appends on PostgreSQL: one lock serialises them, so ``seq`` has no gap or duplicate and the tree no fork.

Each thread has its own database connection and commits its own transactions (``transactional_db``). All threads
open a transaction and wait at a barrier before appending, so that every append contends for the lock at once; some
transactions are rolled back after appending, which must leave no leaf (and no hole) behind.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction

from sanxiang.conftest import make_agency
from sanxiang.ledger import merkle
from sanxiang.ledger.models import Entry, Node
from sanxiang.ledger.selectors import DatabaseNodes
from sanxiang.ledger.services import record, tree_size
from sanxiang.ledger.verify import verify
from sanxiang.org.models import Agency

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent appends need PostgreSQL")

THREADS = 4
ROUNDS = 12


class _Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def key_dir(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"


def _append(agency_id: int, worker: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        agency = Agency.objects.get(pk=agency_id)
        for round_ in range(ROUNDS):
            rolled_back = round_ % 3 == 2
            try:
                with transaction.atomic():
                    barrier.wait(timeout=60)  # every thread is inside a transaction: the appends race for the lock
                    record(actor=None, action=f"agency.touch.w{worker}.r{round_}", subject=agency)
                    if rolled_back:
                        raise _Rollback
            except _Rollback:
                pass
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)
        barrier.abort()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_no_gap_no_duplicate_and_no_fork() -> None:
    start = tree_size()  # data migrations may have recorded rows of their own (the review catalogue's rules)
    with transaction.atomic():
        agency = make_agency("兴隆台区应急管理局")
        record(actor=None, action="agency.bootstrap", subject=agency)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_append, args=(agency.pk, i, barrier, errors)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    committed = THREADS * sum(1 for round_ in range(ROUNDS) if round_ % 3 != 2)
    size = tree_size()
    assert size == start + 1 + committed
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(size))
    actions = list(Entry.objects.filter(seq__gte=start).values_list("action", flat=True))
    assert len(set(actions)) == size - start  # each committed append exactly once; no rolled-back one
    assert not any(action.endswith(("r2", "r5", "r8", "r11")) for action in actions)

    leaf_hashes = [bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    expected = {(level, index): h for level, index, h in merkle.tree_from_leaf_hashes(leaf_hashes)}
    stored = {(n.level, n.index): bytes(n.hash) for n in Node.objects.all()}
    assert stored == expected  # no fork: every stored node is the recomputed one, none missing, none extra
    assert merkle.root(DatabaseNodes(), size) == merkle.compute_root_streaming(leaf_hashes)

    report = verify()
    assert [str(p) for p in report.problems] == []
    assert report.entries == size
