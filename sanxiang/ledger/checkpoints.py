"""Signed checkpoints: a C2SP ``tlog-checkpoint`` body inside a C2SP ``signed-note``, signed with Ed25519.

A checkpoint body is three lines (then optional extension lines, which we never write and ignore when reading)::

    <origin>\\n<tree size, decimal>\\n<base64 of the 32-byte root hash>\\n

and the signed note is the body, an empty line, and one signature line per signer::

    — <key name> base64(<4-byte key id> || <64-byte Ed25519 signature of the body>)\\n

(the dash is U+2014 EM DASH). The key name is the origin. Go's ``golang.org/x/mod/sumdb/note`` and tlog witnesses
read these notes unchanged; see docs/ledger.md.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from sanxiang.core.errors import NotFound, ValidationError
from sanxiang.ledger import merkle, signing
from sanxiang.ledger.models import Checkpoint
from sanxiang.ledger.selectors import DatabaseNodes, entry_by_leaf_hash

__all__ = [
    "InclusionProof",
    "NoteError",
    "VerifiedNote",
    "checkpoint_body",
    "checkpoint_if_behind",
    "checkpoint_sign",
    "consistency_between",
    "inclusion_by_leaf_hash",
    "latest_checkpoint",
    "note_open",
    "note_sign",
    "note_verify",
    "parse_checkpoint_body",
    "parse_leaf_hash",
]

EM_DASH = "\u2014"
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_SIZE = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A signed note or checkpoint that is malformed, unsigned by a known key, or whose signature fails."""


# --- writing ---------------------------------------------------------------------------------------------------------


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    if not signing.valid_name(origin):
        raise ValueError(f"invalid origin {origin!r}")
    if size < 0 or len(root) != merkle.HASH_SIZE:
        raise ValueError("a checkpoint needs a size >= 0 and a 32-byte root")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def note_sign(text: str, signer: signing.Signer) -> str:
    """The signed note of ``text`` (which must end in a newline) with one signature by ``signer``."""
    if not text.endswith("\n") or "\n\n" in text:
        raise ValueError("note text must end with a newline and contain no empty line")
    signature = signer.sign(text.encode())
    return f"{text}\n{EM_DASH} {signer.name} {base64.b64encode(signer.key_id + signature).decode()}\n"


def _log_size() -> int:
    from sanxiang.ledger.services import tree_size  # services schedules checkpoints: import late

    return tree_size()


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint of the largest size; of several at that size, the last signed (after a key rotation)."""
    return Checkpoint.objects.order_by("-size", "-id").first()


def checkpoint_sign(*, size: int | None = None) -> Checkpoint:
    """Sign the log at ``size`` (default: the whole log now) with the current key and store the checkpoint.

    Checkpoints are append-only (on PostgreSQL a trigger rejects UPDATE and DELETE).
    """
    signer = signing.current_signer()
    if signer.name != settings.SANXIANG_LEDGER_ORIGIN:
        raise ImproperlyConfigured(
            f"the signing key is named {signer.name!r} but SANXIANG_LEDGER_ORIGIN is "
            f"{settings.SANXIANG_LEDGER_ORIGIN!r}: run `sanxiang ledger rotate-key` to sign under the new origin"
        )
    with transaction.atomic():
        current = _log_size()
        if size is None:
            size = current
        if not 0 <= size <= current:
            raise ValueError(f"the log has {current} leaves; cannot sign a checkpoint of size {size}")
        root = merkle.root(DatabaseNodes(), size)
        note = note_sign(checkpoint_body(signer.name, size, root), signer)
        return Checkpoint.objects.create(
            size=size,
            root=root.hex(),
            origin=signer.name,
            key_id=signer.key_id.hex(),
            note=note,
            created_at=timezone.now(),
        )


def checkpoint_if_behind() -> Checkpoint | None:
    """Sign a checkpoint unless the latest one already covers the whole log and is signed by the current key."""
    latest = latest_checkpoint()
    if latest is not None and latest.size == _log_size() and latest.key_id == signing.current_signer().key_id.hex():
        return None
    return checkpoint_sign()


# --- reading ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class VerifiedNote:
    text: str
    signatures: list[Signature]
    verified_by: list[signing.Verifier]


def _split(data: str | bytes) -> tuple[str, list[Signature]]:
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError("note is too large")
    try:
        message = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not valid UTF-8") from exc
    if any((ord(c) < 0x20 and c != "\n") or c == "\x7f" for c in message):
        raise NoteError("note contains control characters")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no signature block")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("signature block must end with a newline")
    signatures: list[Signature] = []
    seen: set[tuple[str, bytes]] = set()
    for line in block[:-1].split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise NoteError("signature line must start with '— '")
        fields = line[2:].split(" ")
        if len(fields) != 2 or not signing.valid_name(fields[0]):
            raise NoteError("signature line must be '— <name> <base64>'")
        name, b64 = fields
        try:
            blob = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("signature is not base64") from exc
        if len(blob) < 5:
            raise NoteError("signature is too short")
        key = (name, blob[:4])
        if key in seen:
            raise NoteError("two signatures by the same key")
        seen.add(key)
        signatures.append(Signature(name=name, key_id=blob[:4], signature=blob[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, signatures


def note_open(data: str | bytes, verifier_keys: Iterable[str | signing.Verifier]) -> VerifiedNote:
    """Check a signed note against known keys (signed-note semantics, as Go's ``note.Open``).

    Signatures by unknown keys are ignored; a signature by a known key that does not verify is an error; at least
    one known key must have signed. Raises ``NoteError``.
    """
    verifiers: dict[tuple[str, bytes], signing.Verifier] = {}
    for key in verifier_keys:
        try:
            verifier = key if isinstance(key, signing.Verifier) else signing.parse_verifier_key(key)
        except signing.KeyFormatError as exc:
            raise NoteError(f"bad verifier key: {exc}") from exc
        verifiers[(verifier.name, verifier.key_id)] = verifier
    text, signatures = _split(data)
    verified: list[signing.Verifier] = []
    for sig in signatures:
        found = verifiers.get((sig.name, sig.key_id))
        if found is None:
            continue
        if not found.verify(text.encode(), sig.signature):
            raise NoteError(f"invalid signature by {sig.name}+{sig.key_id.hex()}")
        verified.append(found)
    if not verified:
        raise NoteError("note is not signed by any known key")
    return VerifiedNote(text=text, signatures=signatures, verified_by=verified)


def parse_checkpoint_body(text: str) -> tuple[str, int, bytes]:
    """``(origin, size, root)`` of a tlog-checkpoint body; extension lines are allowed and ignored."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint must have origin, size and root lines, each ending in a newline")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _SIZE.fullmatch(size_text):
        raise NoteError("checkpoint size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise NoteError("checkpoint root is not base64") from exc
    if len(root) != merkle.HASH_SIZE or base64.b64encode(root).decode() != root_text:
        raise NoteError("checkpoint root is not the base64 of 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("checkpoint has an empty extension line")
    return origin, int(size_text), root


def note_verify(text: str | bytes, verifier_keys: Iterable[str | signing.Verifier]) -> tuple[str, int, bytes]:
    """Verify a signed checkpoint; return ``(origin, size, root)``.

    Raises ``NoteError`` for a malformed note or checkpoint, a signature that fails, a note signed by no known key,
    or an origin that is not the name of the key that signed it.
    """
    opened = note_open(text, verifier_keys)
    origin, size, root = parse_checkpoint_body(opened.text)
    if all(v.name != origin for v in opened.verified_by):
        raise NoteError(f"checkpoint origin {origin!r} is not the name of the key that signed it")
    return origin, size, root


# --- proofs for the public -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: list[bytes]
    checkpoint: Checkpoint | None
    """The latest checkpoint signed at ``tree_size``, if any (the one whose root the path leads to)."""


def _default_size() -> int:
    latest = latest_checkpoint()
    if latest is None:
        raise NotFound("尚无签名检查点。")
    return latest.size


def checkpoint_at(size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=size).order_by("-id").first()


def parse_leaf_hash(text: str) -> bytes:
    """A 32-byte hash given as 64 hex digits or as base64 (standard or URL-safe; a '+' decoded to ' ' is repaired)."""
    text = text.strip("\t\r\n").replace(" ", "+")
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != merkle.HASH_SIZE:
        raise ValidationError({"hash": ["应为 32 字节哈希的十六进制（64 位）或 base64。"]})
    return raw


def inclusion_by_leaf_hash(leaf_hash: bytes, *, size: int | None = None) -> InclusionProof:
    """RFC 6962 ``get-proof-by-hash``: the audit path of the leaf with ``leaf_hash`` in the tree of ``size`` leaves
    (default: the latest checkpoint's). Raises ``NotFound`` (unknown hash, no checkpoint) or ``ValidationError``."""
    entry = entry_by_leaf_hash(leaf_hash.hex())
    if entry is None:
        raise NotFound("日志中没有该叶子哈希。")
    if size is None:
        size = _default_size()
    current = _log_size()
    if size > current:
        raise ValidationError({"size": [f"日志目前只有 {current} 个叶子。"]})
    if entry.seq >= size:
        raise ValidationError(
            {"size": [f"该叶子（序号 {entry.seq}）不在大小为 {size} 的树中，请等待新的检查点或指定更大的树大小。"]}
        )
    return InclusionProof(
        leaf_index=entry.seq,
        tree_size=size,
        leaf_hash=leaf_hash,
        audit_path=merkle.inclusion_proof(DatabaseNodes(), entry.seq, size),
        checkpoint=checkpoint_at(size),
    )


def consistency_between(first: int, second: int | None = None) -> tuple[int, int, list[bytes]]:
    """RFC 6962 ``get-sth-consistency`` from ``first`` to ``second`` leaves (default: the latest checkpoint's)."""
    if second is None:
        second = _default_size()
    if first < 1:
        raise ValidationError({"first": ["first 至少为 1。"]})
    if first > second:
        raise ValidationError({"first": ["first 不能大于 second。"]})
    current = _log_size()
    if second > current:
        raise ValidationError({"second": [f"日志目前只有 {current} 个叶子。"]})
    return first, second, merkle.consistency_proof(DatabaseNodes(), first, second)
