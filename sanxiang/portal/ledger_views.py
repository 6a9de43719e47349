"""记录核验: the public page of the tamper-evident log (signed checkpoints, public keys, inclusion proofs).

The same four steps as every portal view: parse the query, read through the ledger's public functions (checkpoints,
published keys, proofs; leaf contents only when the registry says the subject is published), shape, render.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sanxiang.core.errors import NotFound, ValidationError
from sanxiang.ledger import merkle, registry
from sanxiang.ledger.checkpoints import inclusion_by_leaf_hash, latest_checkpoint, parse_leaf_hash
from sanxiang.ledger.leaves import entry_leaf_bytes
from sanxiang.ledger.models import Checkpoint, Entry
from sanxiang.ledger.signing import published_verifier_keys

PAGE_SIZE = 20


def _lookup(hash_text: str, size_text: str) -> dict[str, Any]:
    """Find the inclusion proof asked for; check it here too, so the page can say whether it leads to the root."""
    try:
        size = int(size_text) if size_text.strip() else None
    except ValueError:
        return {"error": "树大小应为正整数。"}
    if size is not None and size < 1:
        return {"error": "树大小应为正整数。"}
    try:
        proof = inclusion_by_leaf_hash(parse_leaf_hash(hash_text), size=size)
    except (NotFound, ValidationError) as exc:
        return {"error": exc.message}
    result: dict[str, Any] = {
        "proof": proof,
        "audit_path": [base64.b64encode(p).decode() for p in proof.audit_path],
    }
    if proof.checkpoint is not None:
        try:
            merkle.verify_inclusion(
                leaf_hash=proof.leaf_hash,
                index=proof.leaf_index,
                size=proof.tree_size,
                proof=proof.audit_path,
                root=bytes.fromhex(proof.checkpoint.root),
            )
            result["verified"] = True
        except merkle.ProofError:
            result["verified"] = False
    entry = Entry.objects.get(seq=proof.leaf_index)
    if registry.is_public(entry.subject_type, entry.subject_id):
        leaf = entry_leaf_bytes(entry)
        result["leaf"] = leaf.decode()
        result["leaf_pretty"] = json.dumps(json.loads(leaf), ensure_ascii=False, indent=2)
    return result


@require_GET
def ledger_home(request: HttpRequest) -> HttpResponse:
    hash_text = request.GET.get("hash", "").strip()
    size_text = request.GET.get("size", "").strip()
    page = Paginator(Checkpoint.objects.order_by("-size", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    keys = published_verifier_keys()
    context: dict[str, Any] = {
        "nav": "ledger",
        "latest": latest_checkpoint(),
        "keys": keys,
        "current_key": keys[-1] if keys else "",
        "page": page,
        "hash": hash_text,
        "size": size_text,
        "lookup": _lookup(hash_text, size_text) if hash_text else None,
    }
    return render(request, "portal/ledger/home.html", context)
