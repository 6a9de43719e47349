"""The ledger over JSON, under ``/api/v1/ledger/``: signed checkpoints, verifier keys, proofs, entries.

Checkpoints, keys and proofs are public: anyone may keep copies of the checkpoints and later ask for a consistency
proof (witnessing). Proofs follow RFC 6962's ``get-proof-by-hash`` and ``get-sth-consistency`` with the RFC 9162
algorithms; hashes are base64 as in RFC 6962. An entry's leaf contents (actor, action, subject) are public only when
the domain publishes the subject (``registry.is_public``); staff read every entry in full.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError

from sanxiang.core.errors import NotFound, PermissionDenied
from sanxiang.ledger import registry, signing
from sanxiang.ledger.checkpoints import (
    consistency_between,
    inclusion_by_leaf_hash,
    latest_checkpoint,
    parse_leaf_hash,
)
from sanxiang.ledger.leaves import entry_leaf_bytes
from sanxiang.ledger.models import Checkpoint, Entry

router = Router(tags=["全过程记录"])


# --- schemas ---------------------------------------------------------------------------------------------------------


class CheckpointOut(Schema):
    id: int
    origin: str
    size: int = Field(description="树大小（叶子数）")
    root: str = Field(description="根哈希，十六进制")
    root_base64: str = Field(description="根哈希，base64（检查点正文中的形式）")
    key_id: str = Field(description="签名密钥的 signed-note 密钥标识，十六进制")
    note: str = Field(description="完整的签名检查点（C2SP signed-note）")
    created_at: dt.datetime

    @staticmethod
    def resolve_root_base64(obj: Checkpoint) -> str:
        return base64.b64encode(bytes.fromhex(obj.root)).decode()


class CheckpointPage(Schema):
    items: list[CheckpointOut]
    count: int
    page: int
    page_size: int


class PageIn(Schema):
    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数（不超过 100）")


class KeysOut(Schema):
    current: str = Field(description="当前签名公钥（signed-note 验证密钥格式）")
    keys: list[str] = Field(description="全部公钥，旧的在前，当前的在最后；轮换前的检查点用旧公钥验证")


class InclusionIn(Schema):
    hash: str = Field(description="叶子哈希（RFC 9162 叶子哈希，十六进制或 base64）")
    size: int | None = Field(None, ge=1, description="树大小，默认最新签名检查点的大小")


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="十六进制")
    audit_path: list[str] = Field(description="RFC 9162 §2.1.3 审计路径，自下而上，base64")
    checkpoint: CheckpointOut | None = Field(description="该树大小的签名检查点（若有）")


class ConsistencyIn(Schema):
    first: int = Field(ge=1, description="较早的树大小")
    second: int | None = Field(None, ge=1, description="较晚的树大小，默认最新签名检查点的大小")


class ConsistencyOut(Schema):
    first: int
    second: int
    consistency: list[str] = Field(description="RFC 9162 §2.1.4 一致性证明，base64")


class EntryOut(Schema):
    seq: int
    leaf_hash: str
    leaf: str = Field(description="叶子原文（RFC 8785 规范化 JSON），其 RFC 9162 叶子哈希即 leaf_hash")
    time: dt.datetime
    actor: int | None
    action: str
    subject: str
    digest: str
    blob: dict[str, Any] | None
    state: dict[str, Any] | None = Field(None, description="变更后的完整状态（仅工作人员可见）")
    note: str | None = Field(None, description="说明（仅工作人员可见）")


# --- helpers ---------------------------------------------------------------------------------------------------------


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


# --- checkpoints and keys --------------------------------------------------------------------------------------------


@router.get(
    "/checkpoint",
    response={200: str},
    summary="最新签名检查点（纯文本）",
    openapi_extra={"responses": {200: {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
)
def checkpoint_text(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint as the signed note itself (text/plain), as tlog clients and witnesses read it."""
    latest = latest_checkpoint()
    if latest is None:
        raise NotFound("尚无签名检查点。")
    return HttpResponse(latest.note, content_type="text/plain; charset=utf-8")


@router.get("/checkpoints/latest/", response=CheckpointOut, summary="最新签名检查点")
def checkpoint_latest(request: HttpRequest) -> Checkpoint:
    latest = latest_checkpoint()
    if latest is None:
        raise NotFound("尚无签名检查点。")
    return latest


@router.get("/checkpoints/", response=CheckpointPage, summary="签名检查点列表（新的在前）")
def checkpoint_list(request: HttpRequest, params: Query[PageIn]) -> dict[str, Any]:
    qs = Checkpoint.objects.order_by("-size", "-id")
    start = (params.page - 1) * params.page_size
    return {
        "items": list(qs[start : start + params.page_size]),
        "count": qs.count(),
        "page": params.page,
        "page_size": params.page_size,
    }


@router.get("/checkpoints/{checkpoint_id}/", response=CheckpointOut, summary="一个签名检查点")
def checkpoint_detail(request: HttpRequest, checkpoint_id: int) -> Checkpoint:
    found = Checkpoint.objects.filter(pk=checkpoint_id).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/keys/", response=KeysOut, summary="检查点验证公钥（含已轮换的旧公钥）")
def keys(request: HttpRequest) -> dict[str, Any]:
    every = signing.verifier_keys()
    return {"current": every[-1], "keys": every}


# --- proofs ----------------------------------------------------------------------------------------------------------


@router.get("/proof/inclusion/", response=InclusionOut, summary="包含证明（按叶子哈希）")
def proof_inclusion(request: HttpRequest, params: Query[InclusionIn]) -> dict[str, Any]:
    """RFC 6962 ``get-proof-by-hash``: the audit path of the leaf with this hash in the tree of ``size`` leaves."""
    proof = inclusion_by_leaf_hash(parse_leaf_hash(params.hash), size=params.size)
    return {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "leaf_hash": proof.leaf_hash.hex(),
        "audit_path": [_b64(p) for p in proof.audit_path],
        "checkpoint": proof.checkpoint,
    }


@router.get("/proof/consistency/", response=ConsistencyOut, summary="一致性证明（两个树大小之间）")
def proof_consistency(request: HttpRequest, params: Query[ConsistencyIn]) -> dict[str, Any]:
    """RFC 6962 ``get-sth-consistency``: proof that the tree of ``second`` leaves extends the tree of ``first``."""
    first, second, proof = consistency_between(params.first, params.second)
    return {"first": first, "second": second, "consistency": [_b64(p) for p in proof]}


# --- entries ---------------------------------------------------------------------------------------------------------


@router.get("/entries/{seq}/", response=EntryOut, summary="一条记录（已公示对象公开，其余须工作人员登录）")
def entry_detail(request: HttpRequest, seq: int) -> dict[str, Any]:
    entry = Entry.objects.filter(seq=seq).first()
    if entry is None:
        raise NotFound()
    staff = registry.is_staff(request.user)
    if not staff and not registry.is_public(entry.subject_type, entry.subject_id):
        if not request.user.is_authenticated:
            raise AuthenticationError()
        raise PermissionDenied("该记录涉及未公示的对象，仅工作人员可查看。")
    return {
        "seq": entry.seq,
        "leaf_hash": entry.leaf_hash,
        "leaf": entry_leaf_bytes(entry).decode(),
        "time": entry.time,
        "actor": entry.actor_id,
        "action": entry.action,
        "subject": entry.subject,
        "digest": entry.digest,
        "blob": entry.blob,
        "state": entry.state if staff else None,
        "note": entry.note if staff else None,
    }
