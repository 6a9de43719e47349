"""The ledger's public API: checkpoints, keys, proofs that verify against the signed root, entries by visibility."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client

from sanxiang.conftest import make_user
from sanxiang.ledger import merkle, signing
from sanxiang.ledger.checkpoints import checkpoint_sign, note_verify, parse_leaf_hash
from sanxiang.ledger.models import Entry
from sanxiang.ledger.selectors import DatabaseNodes, entries_for
from sanxiang.ledger.services import record, tree_size
from sanxiang.org.listing import entry_create
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

API = "/api/v1/ledger"


@pytest.fixture(autouse=True)
def key_dir(settings: Any, tmp_path: Path) -> Path:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"
    return tmp_path / "keys"


def get(client: Client, url: str, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def signed_root(note: str) -> tuple[int, bytes]:
    _, size, root = note_verify(note, signing.verifier_keys())
    return size, root


@pytest.fixture
def published_and_draft(bureau: Any) -> tuple[Any, Any]:
    published = f.publish("powers", bureau=bureau, data=f.power_data())
    draft = entry_create(
        actor=bureau.reviewer, spec=ALL_LISTS["powers"], agency=bureau.agency, data=f.power_data(code="QZ-999")
    )
    return published, draft


def test_no_checkpoint_yet_is_404(client, db):
    assert client.get(f"{API}/checkpoint").status_code == 404
    assert client.get(f"{API}/checkpoints/latest/").status_code == 404


def test_checkpoint_as_text_and_json_and_the_keys(client, bureau, published_and_draft):
    first = checkpoint_sign(size=1)
    latest = checkpoint_sign()
    text = client.get(f"{API}/checkpoint")
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == latest.note
    assert signed_root(text.content.decode()) == (tree_size(), bytes.fromhex(latest.root))

    body = get(client, f"{API}/checkpoints/latest/")
    assert body["note"] == latest.note and body["size"] == tree_size()
    assert base64.b64decode(body["root_base64"]).hex() == body["root"] == latest.root

    listing = get(client, f"{API}/checkpoints/", page_size=1)
    assert listing["count"] == 2 and [c["id"] for c in listing["items"]] == [latest.pk]
    assert get(client, f"{API}/checkpoints/{first.pk}/")["size"] == 1

    keys = get(client, f"{API}/keys/")
    assert keys == {"current": signing.current_verifier_key(), "keys": signing.verifier_keys()}
    assert note_verify(body["note"], keys["keys"])[1] == tree_size()


def test_inclusion_proofs_verify_against_the_signed_root(client, bureau, published_and_draft):
    checkpoint = checkpoint_sign()
    size, root = signed_root(checkpoint.note)
    for entry in Entry.objects.all():
        leaf = bytes.fromhex(entry.leaf_hash)
        for given in (entry.leaf_hash, base64.b64encode(leaf).decode(), base64.urlsafe_b64encode(leaf).decode()):
            body = get(client, f"{API}/proof/inclusion/", hash=given)
            assert body["leaf_index"] == entry.seq and body["tree_size"] == size
            assert body["checkpoint"]["note"] == checkpoint.note
            merkle.verify_inclusion(
                leaf_hash=leaf,
                index=body["leaf_index"],
                size=body["tree_size"],
                proof=[base64.b64decode(p) for p in body["audit_path"]],
                root=root,
            )
    # A '+' in base64 sent unencoded arrives as a space; it is repaired.
    plus = bytes([0xFB]) + bytes(31)
    assert base64.b64encode(plus).decode().startswith("+")
    assert parse_leaf_hash(base64.b64encode(plus).decode().replace("+", " ")) == plus
    entry = Entry.objects.get(seq=0)
    raw = base64.b64encode(bytes.fromhex(entry.leaf_hash)).decode()
    assert client.get(f"{API}/proof/inclusion/?hash={raw}").json()["leaf_index"] == 0
    assert client.get(f"{API}/proof/inclusion/?hash={quote(raw, safe='')}").json()["leaf_index"] == 0


def test_inclusion_proof_at_an_explicit_size_and_errors(client, bureau, published_and_draft):
    checkpoint_sign()
    entry = Entry.objects.get(seq=1)
    body = get(client, f"{API}/proof/inclusion/", hash=entry.leaf_hash, size=2)
    assert body["tree_size"] == 2 and body["checkpoint"] is None
    merkle.verify_inclusion(
        leaf_hash=bytes.fromhex(entry.leaf_hash),
        index=1,
        size=2,
        proof=[base64.b64decode(p) for p in body["audit_path"]],
        root=merkle.root(DatabaseNodes(), 2),
    )
    assert client.get(f"{API}/proof/inclusion/", {"hash": entry.leaf_hash, "size": 1}).status_code == 422
    assert client.get(f"{API}/proof/inclusion/", {"hash": entry.leaf_hash, "size": 10**6}).status_code == 422
    assert client.get(f"{API}/proof/inclusion/", {"hash": "00" * 32}).status_code == 404
    bad = client.get(f"{API}/proof/inclusion/", {"hash": "not a hash"})
    assert bad.status_code == 422 and "hash" in bad.json()["errors"]


def test_consistency_proofs_verify_between_signed_checkpoints(client, bureau, published_and_draft):
    old = checkpoint_sign(size=2)
    with transaction.atomic():
        for _ in range(5):
            record(actor=None, action="agency.touch", subject=bureau.agency)
    new = checkpoint_sign()
    size1, root1 = signed_root(old.note)
    size2, root2 = signed_root(new.note)
    body = get(client, f"{API}/proof/consistency/", first=size1)
    assert (body["first"], body["second"]) == (size1, size2)
    merkle.verify_consistency(
        size1=size1, size2=size2, root1=root1, root2=root2, proof=[base64.b64decode(p) for p in body["consistency"]]
    )
    assert client.get(f"{API}/proof/consistency/", {"first": size2 + 1, "second": size2}).status_code == 422
    assert client.get(f"{API}/proof/consistency/", {"first": 1, "second": size2 + 1}).status_code == 422
    assert client.get(f"{API}/proof/consistency/", {"first": 0}).status_code == 422


def test_entry_contents_public_only_for_published_subjects(client, bureau, published_and_draft):
    published, draft = published_and_draft
    shown = entries_for(published).last()
    hidden = entries_for(draft).last()
    assert shown is not None and hidden is not None

    body = get(client, f"{API}/entries/{shown.seq}/")
    assert body["subject"] == f"registry.power:{published.pk}"
    assert merkle.leaf_hash(body["leaf"].encode()).hex() == body["leaf_hash"] == shown.leaf_hash
    assert json.loads(body["leaf"])["digest"] == shown.digest
    assert body["state"] is None and body["note"] is None

    anonymous = client.get(f"{API}/entries/{hidden.seq}/")
    assert anonymous.status_code == 401
    assert "registry.power" not in anonymous.content.decode()

    nobody = make_user("nobody")  # signed in, but no role: not staff
    client.force_login(nobody)
    assert client.get(f"{API}/entries/{hidden.seq}/").status_code == 403
    assert client.get(f"{API}/entries/{shown.seq}/").status_code == 200

    client.force_login(bureau.officer)
    staff = get(client, f"{API}/entries/{hidden.seq}/")
    assert staff["subject"] == f"registry.power:{draft.pk}"
    assert staff["state"] == hidden.state
    assert client.get(f"{API}/entries/{tree_size()}/").status_code == 404


def test_openapi_documents_the_ledger_paths(client, db):
    paths = {p for p in client.get("/api/v1/openapi.json").json()["paths"] if p.startswith(f"{API}/")}
    assert paths == {
        f"{API}/checkpoint",
        f"{API}/checkpoints/",
        f"{API}/checkpoints/latest/",
        f"{API}/checkpoints/{{checkpoint_id}}/",
        f"{API}/keys/",
        f"{API}/proof/inclusion/",
        f"{API}/proof/consistency/",
        f"{API}/entries/{{seq}}/",
    }


def test_the_worked_example_in_docs_ledger_md_runs(client, bureau, published_and_draft, tmp_path, monkeypatch):
    """docs/ledger.md's by-hand check (stdlib + one Ed25519 call), run against this API."""
    checkpoint = checkpoint_sign()
    (tmp_path / "checkpoint.txt").write_text(checkpoint.note, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = (Path(__file__).resolve().parents[3] / "docs" / "ledger.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", doc, re.S)
    assert match is not None
    published, _ = published_and_draft
    shown = entries_for(published).last()
    assert shown is not None
    code = match.group(1).replace('"zfgs.example.gov.cn/ledger+1a2b3c4d+AV…"', repr(signing.current_verifier_key()))
    code = code.replace("/entries/42/", f"/entries/{shown.seq}/")
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        lambda url: io.BytesIO(client.get(url.removeprefix("https://zfgs.example.gov.cn")).content),
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})  # noqa: S102 - our own documentation
    assert out.getvalue().strip() == f"leaf {shown.seq} is in the signed log of {checkpoint.size} leaves"
