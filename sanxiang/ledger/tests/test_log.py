"""The log: leaves appended in the caller's transaction, stored subtrees that prove against recomputation."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from sanxiang.core.canonical import canonical_json
from sanxiang.ledger import merkle
from sanxiang.ledger.leaves import entry_leaf_bytes, entry_leaf_hash
from sanxiang.ledger.models import Entry, Node
from sanxiang.ledger.registry import ledgered_models, registration
from sanxiang.ledger.selectors import DatabaseNodes, entry_by_leaf_hash
from sanxiang.ledger.services import record, tree_size


def _touch(subject, n: int) -> list[Entry]:
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(record(actor=None, action=f"test.touch{i}", subject=subject))
    return entries


def test_leaf_is_canonical_json_of_the_fixed_fields(bureau):
    with transaction.atomic():
        entry = record(actor=bureau.reviewer, action="agency.touch", subject=bureau.agency)
    leaf = entry_leaf_bytes(entry)
    assert leaf.startswith(b'{"action":"agency.touch","actor":')
    assert set(__import__("json").loads(leaf)) == {"v", "seq", "time", "actor", "action", "subject", "digest"}
    assert entry_leaf_hash(entry).hex() == entry.leaf_hash
    assert merkle.leaf_hash(leaf) == bytes.fromhex(entry.leaf_hash)
    assert entry_by_leaf_hash(entry.leaf_hash.upper()) == entry


def test_blob_is_part_of_the_leaf_when_present(bureau):
    blob = {"sha256": "00" * 32, "sm3": "11" * 32, "size": 5}
    with transaction.atomic():
        entry = record(actor=None, action="agency.file", subject=bureau.agency, blob=blob)
    assert b'"blob":{"sha256":"' + b"00" * 32 in entry_leaf_bytes(entry)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 13])
def test_stored_tree_matches_recomputation_and_proves_every_leaf(bureau, count):
    start = tree_size()
    _touch(bureau.agency, count)
    size = tree_size()
    assert size == start + count
    leaf_hashes = [bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(size))
    nodes = DatabaseNodes()
    expected_root = merkle.compute_root_streaming(leaf_hashes)
    assert merkle.root(nodes, size) == expected_root
    for index in range(size):
        proof = merkle.inclusion_proof(nodes, index, size)
        merkle.verify_inclusion(leaf_hash=leaf_hashes[index], index=index, size=size, proof=proof, root=expected_root)
    for old in range(1, size + 1):
        proof = merkle.consistency_proof(nodes, old, size)
        merkle.verify_consistency(
            size1=old, size2=size, root1=merkle.root(nodes, old), root2=expected_root, proof=proof
        )
    # about two stored nodes a leaf, never more
    assert Node.objects.count() < 2 * size


def test_rolled_back_change_leaves_no_leaf_and_no_node(bureau):
    size, nodes = tree_size(), Node.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="agency.update", subject=bureau.agency)
        raise RuntimeError("rollback")
    assert (tree_size(), Node.objects.count()) == (size, nodes)


def test_unregistered_models_are_refused(db):
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError, match="not registered"):
        registration(Session)


def test_users_state_never_holds_the_password_hash(bureau):
    with transaction.atomic():
        entry = record(actor=None, action="user.touch", subject=bureau.officer)
    assert "password" not in entry.state
    assert "last_login" not in entry.state
    assert b"md5$" not in canonical_json(entry.state)


def test_every_domain_model_so_far_is_ledgered():
    labels = {r.model._meta.label_lower for r in ledgered_models()}
    assert {
        "org.user",
        "org.agency",
        "org.department",
        "org.roleassignment",
        "registry.power",
        "registry.enforcementitem",
        "registry.inspectionitem",
        "registry.officer",
        "registry.documenttemplate",
        "registry.complaintchannel",
        "ledger.blob",
    } <= labels


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET action = 'x'",
        "DELETE FROM ledger_entry",
        "DELETE FROM ledger_node",
        "UPDATE ledger_node SET index = index + 1",
    ],
)
def test_postgresql_refuses_update_and_delete_on_the_log(bureau, statement):
    _touch(bureau.agency, 2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert tree_size() >= 2
