"""Public verification of an issued document (文书核验): its ledger entry, digests, stored file, current row and
inclusion in the latest signed checkpoint. Reads no party data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sanxiang.cases.models import IssuedDocument
from sanxiang.core.canonical import state_digest
from sanxiang.core.errors import NotFound, ValidationError
from sanxiang.ledger import merkle
from sanxiang.ledger.checkpoints import NoteError, inclusion_by_leaf_hash, latest_checkpoint, note_verify
from sanxiang.ledger.evidence import evidence_storage, hash_stream
from sanxiang.ledger.leaves import entry_leaf_hash
from sanxiang.ledger.models import Blob, Entry
from sanxiang.ledger.registry import registration
from sanxiang.ledger.selectors import latest_entry
from sanxiang.ledger.signing import published_verifier_keys

# --- public verification (核验) -------------------------------------------------------------------------------------

_DIGITS = re.compile(r"^[0-9]{1,12}$")


def document_by_key(key: str) -> IssuedDocument:
    """The issued document with number ``key`` (or id, if all digits); ``NotFound`` otherwise."""
    key = key.strip()
    queryset = IssuedDocument.objects.select_related("agency", "docx", "pdf")
    found = queryset.filter(number=key).first()
    if found is None and _DIGITS.match(key):
        found = queryset.filter(pk=int(key)).first()
    if found is None:
        raise NotFound(f"没有编号为“{key}”的已制发文书。")
    return found


@dataclass
class DocumentCheck:
    """What the public verification page shows, and whether every check passed."""

    document: IssuedDocument
    entry: Entry | None = None
    checkpoint_size: int | None = None
    audit_path: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pending: bool = False

    @property
    def genuine(self) -> bool:
        return not self.problems and not self.pending and self.entry is not None


def _stored_sha256(blob: Blob) -> str | None:
    try:
        with evidence_storage().open(blob.storage_name, "rb") as fh:
            return hash_stream(fh).sha256
    except OSError:
        return None


def document_verify(key: str) -> DocumentCheck:
    """Check an issued document against the ledger: its entry, the .docx digests, the stored file, the current row,
    and the entry's inclusion in the latest signed checkpoint. Public: reads no party data."""
    document = document_by_key(key)
    check = DocumentCheck(document=document)
    entry = (
        Entry.objects.filter(subject_type="cases.issueddocument", subject_id=str(document.pk), action="document.issue")
        .order_by("seq")
        .first()
    )
    if entry is None:
        check.problems.append("日志中没有该文书的制发记录。")
        return check
    check.entry = entry
    if entry_leaf_hash(entry).hex() != entry.leaf_hash:
        check.problems.append("制发记录的内容与其叶子哈希不符。")
    blob = entry.blob or {}
    if blob.get("sha256") == document.docx.sha256 and blob.get("sm3") == document.docx.sm3:
        check.passed.append("日志记录的文书哈希（SHA-256、SM3）与文书一致。")
    else:
        check.problems.append("日志记录的文书哈希与文书不符。")
    if _stored_sha256(document.docx) == document.docx.sha256:
        check.passed.append("存档的 .docx 文件与其哈希一致。")
    else:
        check.problems.append("存档的 .docx 文件缺失或已被改动。")
    last = latest_entry(document)
    if last is not None and last.digest == _state_digest(document):
        check.passed.append("文书记录自登记以来未被改动。")
    else:
        check.problems.append("文书记录与日志中的最近状态不符。")
    checkpoint = latest_checkpoint()
    if checkpoint is None or entry.seq >= checkpoint.size:
        check.pending = True
        return check
    try:
        _origin, size, root = note_verify(checkpoint.note, published_verifier_keys())
        proof = inclusion_by_leaf_hash(bytes.fromhex(entry.leaf_hash), size=size)
        merkle.verify_inclusion(
            leaf_hash=proof.leaf_hash, index=proof.leaf_index, size=size, proof=proof.audit_path, root=root
        )
    except (NoteError, merkle.ProofError, NotFound, ValidationError, ValueError):
        check.problems.append("制发记录不在最新签名检查点的默克尔树中，或检查点签名无效。")
        return check
    check.checkpoint_size = size
    check.audit_path = [p.hex() for p in proof.audit_path]
    check.passed.append(f"制发记录包含在已签名的检查点（树大小 {size}）中。")
    return check


def _state_digest(document: IssuedDocument) -> str:

    return state_digest(registration(IssuedDocument).state(document))
