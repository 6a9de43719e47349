"""``record_proof``: what a page needs for "verify this record", checked here with the ledger's own verifiers.

The browser does the same checks in JavaScript (sanxiang/portal/tests/test_record_proof_browser.py); here the
Python side verifies its own output, and every kind of change (record, proof, signature, key) must make it fail.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxiang.conftest import Bureau
from sanxiang.core.canonical import canonical_json, state_digest
from sanxiang.ledger import merkle, registry, signing
from sanxiang.ledger.checkpoints import NoteError, checkpoint_sign
from sanxiang.ledger.leaves import entry_leaf_bytes
from sanxiang.ledger.models import Checkpoint, Entry
from sanxiang.ledger.public_proof import RecordProof, record_proof, verify_record_proof
from sanxiang.ledger.selectors import latest_entry
from sanxiang.org.listing import entry_approve, entry_create, entry_submit, entry_update, entry_withdraw
from sanxiang.registry.models import Officer, Power
from sanxiang.registry.selectors import PUBLIC_ACTION_SUFFIXES
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"


@pytest.fixture
def officer(ledgered_bureau: Bureau) -> Officer:
    officer: Officer = f.publish("officers", bureau=ledgered_bureau, data=f.officer_data(ledgered_bureau))
    return officer


def _ready(subject: Any, **kwargs: Any) -> RecordProof:
    proof = record_proof(subject, **kwargs)
    assert proof is not None and proof.status == "ready", proof
    return proof


def test_unpublished_subjects_give_nothing(ledgered_bureau: Bureau) -> None:
    bureau = ledgered_bureau
    spec = ALL_LISTS["powers"]
    draft = entry_create(actor=bureau.reviewer, spec=spec, agency=bureau.agency, data=f.power_data())
    checkpoint_sign()
    assert Entry.objects.filter(subject_type="registry.power", subject_id=str(draft.pk)).exists()
    assert record_proof(draft) is None
    entry_submit(actor=bureau.reviewer, spec=spec, obj=draft)
    checkpoint_sign()
    assert record_proof(Power.objects.get(pk=draft.pk)) is None
    # Once withdrawn, it is no longer public either.
    published = f.publish("powers", bureau=bureau, data=f.power_data(code="QZ-002"))
    checkpoint_sign()
    assert record_proof(published) is not None
    entry_withdraw(actor=bureau.reviewer, spec=spec, obj=published, reason="职责调整")
    checkpoint_sign()
    assert record_proof(Power.objects.get(pk=published.pk)) is None
    # A model the ledger does not know, and an unsaved row.
    assert record_proof(Checkpoint.objects.first()) is None  # type: ignore[arg-type]
    assert record_proof(Power(agency=bureau.agency, code="X")) is None


def test_pending_until_a_checkpoint_covers_the_entry(officer: Officer) -> None:
    proof = record_proof(officer)
    assert proof is not None
    assert proof.status == "pending" and not proof.ready
    assert proof.tree_size is None and proof.audit_path == [] and proof.checkpoint == "" and proof.verifier_key == ""
    # The record itself is there already (the page can show it), just not yet provable.
    assert proof.state_json == canonical_json(registry.registration(Officer).state(officer)).decode()

    checkpoint_sign()
    assert _ready(officer).tree_size == Entry.objects.count()


def test_the_proof_verifies_with_the_ledgers_own_functions(officer: Officer) -> None:
    checkpoint = checkpoint_sign()
    proof = _ready(officer)
    entry = latest_entry(officer)
    assert entry is not None

    # The record shown is the row's canonical state, whose digest the entry recorded.
    assert json.loads(proof.state_json) == proof.state == registry.registration(Officer).state(officer)
    assert canonical_json(proof.state).decode() == proof.state_json
    assert state_digest(proof.state) == proof.leaf["digest"] == entry.digest
    # The leaf is exactly the stored entry's, and its hash the stored leaf hash.
    assert canonical_json(proof.leaf) == entry_leaf_bytes(entry)
    assert merkle.leaf_hash(canonical_json(proof.leaf)).hex() == proof.leaf_hash == entry.leaf_hash
    assert proof.leaf_index == entry.seq and proof.leaf["subject"] == f"registry.officer:{officer.pk}"
    # The checkpoint is the latest signed one, the key the one that signed it.
    assert proof.checkpoint == checkpoint.note and proof.tree_size == checkpoint.size
    assert proof.verifier_key == signing.current_verifier_key()
    merkle.verify_inclusion(
        leaf_hash=bytes.fromhex(entry.leaf_hash),
        index=entry.seq,
        size=checkpoint.size,
        proof=[bytes.fromhex(h) for h in proof.audit_path],
        root=bytes.fromhex(checkpoint.root),
    )
    verify_record_proof(proof, key=signing.current_verifier_key())
    # The JSON the page embeds carries the same (a round trip through json, as the browser reads it).
    verify_record_proof(json.loads(json.dumps(proof.data())), proof.state_json, key=proof.verifier_key)


def test_an_older_entry_is_proven_against_a_later_checkpoint(ledgered_bureau: Bureau, officer: Officer) -> None:
    checkpoint_sign()
    first = _ready(officer)
    for n in range(5):
        f.publish("powers", bureau=ledgered_bureau, data=f.power_data(code=f"QZ-1{n}"))
    later = checkpoint_sign()
    proof = _ready(officer)
    assert proof.leaf_index == first.leaf_index
    assert proof.tree_size == later.size > first.tree_size  # type: ignore[operator]
    assert proof.audit_path != first.audit_path
    verify_record_proof(proof, key=signing.current_verifier_key())


def _flip(text: str, at: int) -> str:
    return text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1 :]


def test_every_change_fails_the_check(ledgered_bureau: Bureau, officer: Officer) -> None:
    checkpoint_sign()
    f.publish("powers", bureau=ledgered_bureau, data=f.power_data())
    checkpoint_sign()
    proof = _ready(officer)
    key = signing.current_verifier_key()
    assert len(proof.audit_path) >= 2
    data = proof.data()

    # One character of the shown record.
    name_at = proof.state_json.index(officer.name)
    changed = proof.state_json[:name_at] + "李" + proof.state_json[name_at + 1 :]
    with pytest.raises(ValueError, match="摘要"):
        verify_record_proof(data, changed, key=key)
    # One hex digit of a proof hash.
    bad_path = {**data, "audit_path": [_flip(proof.audit_path[0], 5), *proof.audit_path[1:]]}
    with pytest.raises(merkle.ProofError):
        verify_record_proof(bad_path, proof.state_json, key=key)
    # A leaf field (the time), the leaf index, the tree size.
    with pytest.raises(merkle.ProofError):
        verify_record_proof({**data, "leaf": {**proof.leaf, "action": "officer.update"}}, proof.state_json, key=key)
    with pytest.raises(ValueError):
        verify_record_proof({**data, "leaf_index": proof.leaf_index + 1}, proof.state_json, key=key)
    with pytest.raises(ValueError):
        verify_record_proof({**data, "tree_size": proof.tree_size + 1}, proof.state_json, key=key)  # type: ignore[operator]
    # One bit of the signature.
    body, _, signature_line = proof.checkpoint.partition("\n\n")
    dash, name, sig_b64 = signature_line.strip("\n").split(" ")
    sig = bytearray(base64.b64decode(sig_b64))
    sig[-1] ^= 1
    forged = f"{body}\n\n{dash} {name} {base64.b64encode(bytes(sig)).decode()}\n"
    with pytest.raises(NoteError):
        verify_record_proof({**data, "checkpoint": forged}, proof.state_json, key=key)
    # Another key (e.g. after a rotation, or one an impostor made): the checkpoint is not signed by it.
    with pytest.raises(NoteError):
        verify_record_proof(data, proof.state_json, key=signing.rotate_key().verifier_key)
    # And the untouched proof still passes.
    verify_record_proof(data, proof.state_json, key=key)


def test_a_row_changed_in_sql_reaches_the_browser_as_it_is(officer: Officer) -> None:
    """The server does not check (or hide) what it sends: the shown record is the row, so the check fails."""
    checkpoint_sign()
    Officer.objects.filter(pk=officer.pk).update(name="李四")
    proof = _ready(Officer.objects.get(pk=officer.pk))
    assert proof.state["name"] == "李四"
    with pytest.raises(ValueError, match="摘要"):
        verify_record_proof(proof, key=signing.current_verifier_key())


def test_a_change_under_review_is_not_shown(ledgered_bureau: Bureau, officer: Officer) -> None:
    """A staged change (``*.change_submitted``) is not public: the proof is of the version the portal still shows."""
    bureau = ledgered_bureau
    published_entry = latest_entry(officer)
    officer = entry_update(actor=bureau.reviewer, spec=ALL_LISTS["officers"], obj=officer, data={"post": "副科长"})
    assert officer.pending == {"post": "副科长"}
    checkpoint_sign()

    proof = _ready(officer, public_actions=PUBLIC_ACTION_SUFFIXES)
    assert published_entry is not None
    assert proof.leaf_index == published_entry.seq and not proof.current
    assert proof.state == published_entry.state and proof.state["pending"] is None
    assert "副科长" not in proof.state_json
    assert proof.state["post"] == officer.post  # what the page shows
    verify_record_proof(proof, key=signing.current_verifier_key())

    # Without the filter the latest entry is proven, and it holds the staged values.
    latest = _ready(officer)
    assert latest.current and latest.leaf["action"] == "officer.change_submitted"
    assert "副科长" in latest.state_json
    verify_record_proof(latest, key=signing.current_verifier_key())


def test_unavailable_when_the_signing_key_is_not_published(officer: Officer, settings: Any) -> None:
    checkpoint_sign()
    (Path(settings.SANXIANG_LEDGER_KEY_DIR) / signing.PUBLIC_KEYS_FILE).unlink()
    proof = record_proof(officer)
    assert proof is not None and proof.status == "unavailable" and proof.audit_path == []


def test_a_fixed_number_of_queries_whatever_the_history(ledgered_bureau: Bureau, officer: Officer) -> None:
    spec = ALL_LISTS["officers"]

    def count(**kwargs: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _ready(Officer.objects.get(pk=officer.pk), **kwargs)
        return len(ctx.captured_queries) - 1  # the row itself

    checkpoint_sign()
    # The public check, the latest entry, the latest checkpoint, the proof's nodes.
    assert count() == count(public_actions=PUBLIC_ACTION_SUFFIXES) == 4
    for n in range(20):
        f.publish("powers", bureau=ledgered_bureau, data=f.power_data(code=f"QZ-2{n:02d}"))
        entry_update(actor=ledgered_bureau.reviewer, spec=spec, obj=officer, data={"post": f"科员{n}"})
        officer = entry_approve(actor=ledgered_bureau.reviewer, spec=spec, obj=officer)
    checkpoint_sign()
    assert count() == count(public_actions=PUBLIC_ACTION_SUFFIXES) == 4
    # With a change under review: one more, for the latest public entry.
    entry_update(actor=ledgered_bureau.reviewer, spec=spec, obj=officer, data={"post": "科长"})
    checkpoint_sign()
    assert count(public_actions=PUBLIC_ACTION_SUFFIXES) == 5
