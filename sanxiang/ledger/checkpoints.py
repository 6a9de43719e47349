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

from sanxiang.ledger import merkle, signing
from sanxiang.ledger.models import Checkpoint
from sanxiang.ledger.selectors import DatabaseNodes

__all__ = [
    "NoteError",
    "VerifiedNote",
    "checkpoint_body",
    "checkpoint_if_behind",
    "checkpoint_sign",
    "latest_checkpoint",
    "note_open",
    "note_sign",
    "note_verify",
    "parse_checkpoint_body",
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


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint of the largest size; of several at that size, the last signed (after a key rotation)."""
    return Checkpoint.objects.order_by("-size", "-id").first()


def checkpoint_sign(*, size: int | None = None) -> Checkpoint:
    """Sign the log at ``size`` (default: the whole log now) with the current key and store the checkpoint.

    Checkpoints are append-only (on PostgreSQL a trigger rejects UPDATE and DELETE).
    """
    from sanxiang.ledger.services import tree_size  # services schedules checkpoints: import late

    signer = signing.current_signer()
    if signer.name != settings.SANXIANG_LEDGER_ORIGIN:
        raise ImproperlyConfigured(
            f"the signing key is named {signer.name!r} but SANXIANG_LEDGER_ORIGIN is "
            f"{settings.SANXIANG_LEDGER_ORIGIN!r}: run `sanxiang ledger rotate-key` to sign under the new origin"
        )
    with transaction.atomic():
        current = tree_size()
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
    from sanxiang.ledger.services import tree_size

    latest = latest_checkpoint()
    if latest is not None and latest.size == tree_size() and latest.key_id == signing.current_signer().key_id.hex():
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
