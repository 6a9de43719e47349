"""The checkpoint signing key: Ed25519 in files under ``SANXIANG_LEDGER_KEY_DIR``, never in the database.

Formats are those of C2SP signed-note (and Go's ``golang.org/x/mod/sumdb/note``), so existing clients verify our
checkpoints unchanged:

- key id: the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)`` (0x01 is the Ed25519 signature type);
- verifier key (public, published): ``<name>+<key id hex>+base64(0x01 || public key)``;
- signer key (private, the file ``signing.key``, mode 0600): ``PRIVATE+KEY+<name>+<key id hex>+base64(0x01 || seed)``,
  which Go's ``note.NewSigner`` reads as it is.

The key is generated on first use. ``rotate_key()`` replaces it; every verifier key ever used stays listed in
``public-keys.txt`` (append-only, oldest first), so checkpoints signed by a retired key remain verifiable. The name
of a key is the log's origin (``SANXIANG_LEDGER_ORIGIN``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

__all__ = [
    "ALG_ED25519",
    "KeyFormatError",
    "Signer",
    "Verifier",
    "current_signer",
    "current_verifier_key",
    "key_dir",
    "key_id",
    "parse_signer_key",
    "parse_verifier_key",
    "published_verifier_keys",
    "rotate_key",
    "verifier_key_string",
    "verifier_keys",
]

ALG_ED25519 = 0x01
SIGNING_KEY_FILE = "signing.key"
PUBLIC_KEYS_FILE = "public-keys.txt"


class KeyFormatError(ValueError):
    """A key string or key file is malformed."""


def valid_name(name: str) -> bool:
    """A signed-note key name: non-empty, no '+', no whitespace (Go's ``isValidName``)."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key id of an Ed25519 ``public_key`` (32 raw bytes) under ``name``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def verifier_key_string(name: str, public_key: bytes) -> str:
    """``<name>+<key id hex>+base64(0x01 || public key)``."""
    encoded = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key."""

    name: str
    key_id: bytes
    public_key: bytes

    @property
    def text(self) -> str:
        return verifier_key_string(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _parse_key_body(name: str, id_hex: str, b64: str, *, size: int, what: str) -> tuple[bytes, bytes]:
    if not valid_name(name):
        raise KeyFormatError(f"{what}: invalid key name {name!r}")
    if len(id_hex) != 8 or id_hex != id_hex.lower():
        raise KeyFormatError(f"{what}: the key id must be 8 lowercase hex digits")
    try:
        given_id = bytes.fromhex(id_hex)
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise KeyFormatError(f"{what}: malformed key id or base64") from exc
    if base64.b64encode(raw).decode() != b64:
        raise KeyFormatError(f"{what}: non-canonical base64")
    if len(raw) != 1 + size or raw[0] != ALG_ED25519:
        raise KeyFormatError(f"{what}: not an Ed25519 key (type 0x01 and {size} bytes)")
    return given_id, raw[1:]


def parse_verifier_key(text: str) -> Verifier:
    """Parse ``<name>+<key id hex>+base64(0x01 || public key)``, checking that the key id matches the key."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("verifier key: expected <name>+<key id>+<key>")
    name, id_hex, b64 = parts
    given_id, public_key = _parse_key_body(name, id_hex, b64, size=32, what="verifier key")
    if key_id(name, public_key) != given_id:
        raise KeyFormatError("verifier key: the key id does not match the name and key")
    return Verifier(name=name, key_id=given_id, public_key=public_key)


@dataclass(frozen=True)
class Signer:
    """The private half: signs messages under ``name``."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        return verifier_key_string(self.name, self.public_key)

    @property
    def verifier(self) -> Verifier:
        return Verifier(name=self.name, key_id=self.key_id, public_key=self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def signer_key_string(self) -> str:
        seed = self.private_key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"


def parse_signer_key(text: str) -> Signer:
    """Parse ``PRIVATE+KEY+<name>+<key id hex>+base64(0x01 || seed)`` (Go's signer key form)."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise KeyFormatError("signer key: expected PRIVATE+KEY+<name>+<key id>+<key>")
    _, _, name, id_hex, b64 = parts
    given_id, seed = _parse_key_body(name, id_hex, b64, size=32, what="signer key")
    signer = Signer(name=name, private_key=Ed25519PrivateKey.from_private_bytes(seed))
    if signer.key_id != given_id:
        raise KeyFormatError("signer key: the key id does not match the name and key")
    return signer


# --- the key files ---------------------------------------------------------------------------------------------------


def key_dir() -> Path:
    return Path(settings.SANXIANG_LEDGER_KEY_DIR)


def _origin() -> str:
    return str(settings.SANXIANG_LEDGER_ORIGIN)


def _new_signer(name: str) -> Signer:
    if not valid_name(name):
        raise KeyFormatError(f"the ledger origin {name!r} cannot name a key (no '+' or whitespace)")
    return Signer(name=name, private_key=Ed25519PrivateKey.generate())


def _write_private(directory: Path, signer: Signer) -> Path:
    """Write ``signer`` to a fresh temporary file (0600, fsynced) in ``directory`` and return its path."""
    tmp = directory / f".{SIGNING_KEY_FILE}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (signer.signer_key_string() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _append_public(directory: Path, verifier_key: str) -> None:
    if verifier_key in _listed(directory):
        return
    # One O_APPEND write per line: concurrent writers never interleave within a line.
    fd = os.open(directory / PUBLIC_KEYS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (verifier_key + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _listed(directory: Path) -> list[str]:
    path = directory / PUBLIC_KEYS_FILE
    if not path.exists():
        return []
    keys: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line not in keys:
            keys.append(line)
    return keys


def _ensure_dir() -> Path:
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def current_signer() -> Signer:
    """The current signing key, generated on first use (file mode 0600, never in the database).

    Safe against concurrent first use: the key is written to a temporary file and hard-linked into place, so exactly
    one generated key wins and every process reads that one.
    """
    directory = _ensure_dir()
    path = directory / SIGNING_KEY_FILE
    if not path.exists():
        tmp = _write_private(directory, _new_signer(_origin()))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    signer = parse_signer_key(path.read_text(encoding="utf-8"))
    # Also repairs a crash between writing the key and listing its public half.
    _append_public(directory, signer.verifier_key)
    return signer


def current_verifier_key() -> str:
    return current_signer().verifier_key


def verifier_keys() -> list[str]:
    """Every verifier key this log has signed with, oldest first; the current key is the last."""
    current = current_verifier_key()
    keys = [k for k in _listed(key_dir()) if k != current]
    return [*keys, current]


def published_verifier_keys() -> list[str]:
    """The listed verifier keys, oldest first, without generating a key (empty before the first checkpoint)."""
    return _listed(key_dir())


def rotate_key() -> Signer:
    """Make a new current key (named by the current origin). The old public key stays listed; its private key is
    removed from the key directory (checkpoints it signed stay verifiable with the public key)."""
    directory = _ensure_dir()
    with contextlib.suppress(FileNotFoundError, KeyFormatError):
        # List the old key first, so that it can never be lost from the public list.
        _append_public(directory, parse_signer_key((directory / SIGNING_KEY_FILE).read_text("utf-8")).verifier_key)
    signer = _new_signer(_origin())
    _append_public(directory, signer.verifier_key)
    tmp = _write_private(directory, signer)
    os.replace(tmp, directory / SIGNING_KEY_FILE)
    return signer
