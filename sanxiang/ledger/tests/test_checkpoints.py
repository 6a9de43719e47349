"""Signed checkpoints: C2SP signed-note + tlog-checkpoint, Ed25519 keys in files, rotation, the signing task."""

from __future__ import annotations

import base64
import hashlib
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sanxiang.ledger import merkle, signing
from sanxiang.ledger.checkpoints import (
    NoteError,
    checkpoint_if_behind,
    checkpoint_sign,
    latest_checkpoint,
    note_open,
    note_sign,
    note_verify,
)
from sanxiang.ledger.models import Checkpoint
from sanxiang.ledger.selectors import DatabaseNodes
from sanxiang.ledger.services import record, tree_size
from sanxiang.ledger.tasks import schedule_checkpoint, sign_checkpoint

ORIGIN = "zfgs.example.gov.cn/ledger"

# Published vectors of Go's signed-note implementation (golang.org/x/mod/sumdb/note, example_test.go):
# a signer key, its verifier key, a text and its signed note; and the key Go's GenerateKey makes from an all-zero
# random source under the name "EnochRoot", with its signature of the same text.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_PETER_LINE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_VERIFIER_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_ENOCH_LINE = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)


@pytest.fixture(autouse=True)
def key_dir(settings: Any, tmp_path: Path) -> Path:
    """Keys in a temporary directory, never in the checkout's var/."""
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = ORIGIN
    return tmp_path / "keys"


def independent_verify(note: str, verifier_key: str) -> tuple[str, int, bytes]:
    """A from-the-spec verifier sharing no code with ours: C2SP signed-note + tlog-checkpoint, Ed25519."""
    name, id_hex, key_b64 = verifier_key.split("+", 2)
    typed_key = base64.b64decode(key_b64)
    assert typed_key[0] == 0x01
    assert hashlib.sha256(name.encode() + b"\n" + typed_key).digest()[:4].hex() == id_hex
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        dash, signer_name, sig_b64 = line.split(" ")
        blob = base64.b64decode(sig_b64)
        if dash == "\u2014" and signer_name == name and blob[:4].hex() == id_hex:
            Ed25519PublicKey.from_public_bytes(typed_key[1:]).verify(blob[4:], text.encode())  # raises if bad
            origin, size, root_b64 = text.splitlines()[:3]
            return origin, int(size), base64.b64decode(root_b64)
    raise AssertionError("no signature by the key")


def grow(agency: Any, n: int) -> None:
    with transaction.atomic():
        for _ in range(n):
            record(actor=None, action="agency.touch", subject=agency)


# --- interoperability with Go's published vectors ----------------------------------------------------------------


def test_go_vectors_parse_sign_and_verify_byte_for_byte():
    signer = signing.parse_signer_key(GO_SIGNER_KEY)
    assert signer.verifier_key == GO_VERIFIER_KEY
    assert signer.signer_key_string() == GO_SIGNER_KEY
    assert signing.parse_verifier_key(GO_VERIFIER_KEY).key_id.hex() == "c74f20a3"
    # Ed25519 is deterministic: our note is Go's note, byte for byte.
    assert note_sign(GO_TEXT, signer) == GO_TEXT + "\n" + GO_PETER_LINE

    enoch = signing.Signer(name="EnochRoot", private_key=Ed25519PrivateKey.from_private_bytes(bytes(32)))
    assert enoch.verifier_key == GO_ENOCH_VERIFIER_KEY
    both = GO_TEXT + "\n" + GO_PETER_LINE + GO_ENOCH_LINE
    assert note_sign(GO_TEXT, enoch).endswith(GO_ENOCH_LINE)
    opened = note_open(both, [GO_VERIFIER_KEY, GO_ENOCH_VERIFIER_KEY])
    assert opened.text == GO_TEXT
    assert [v.name for v in opened.verified_by] == ["PeterNeumann", "EnochRoot"]
    # Only one key known: the other signature is ignored, not an error.
    assert [v.name for v in note_open(both, [GO_ENOCH_VERIFIER_KEY]).verified_by] == ["EnochRoot"]


@pytest.mark.parametrize(
    "mangled",
    [
        GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a4"),  # key id does not match
        GO_VERIFIER_KEY.replace("PeterNeumann", "Peter Neumann"),
        GO_VERIFIER_KEY.replace("+ARpc", "+AhRpc"),  # not base64 of 33 bytes
        GO_VERIFIER_KEY.replace("+ARpc", "+Agpc"),  # wrong type byte
        GO_VERIFIER_KEY[:-1],
    ],
)
def test_mangled_verifier_keys_are_rejected(mangled):
    with pytest.raises(signing.KeyFormatError):
        signing.parse_verifier_key(mangled)


# --- our checkpoints ---------------------------------------------------------------------------------------------


def test_checkpoint_verifies_with_independent_implementation(bureau):
    grow(bureau.agency, 3)
    checkpoint = checkpoint_sign()
    size = tree_size()
    root = merkle.root(DatabaseNodes(), size)
    key = signing.current_verifier_key()
    assert checkpoint.note.startswith(f"{ORIGIN}\n{size}\n{base64.b64encode(root).decode()}\n\n\u2014 {ORIGIN} ")
    assert independent_verify(checkpoint.note, key) == (ORIGIN, size, root)
    assert note_verify(checkpoint.note, [key]) == (ORIGIN, size, root)
    assert (checkpoint.size, checkpoint.root, checkpoint.origin) == (size, root.hex(), ORIGIN)
    assert checkpoint.key_id == key.split("+")[1]
    assert latest_checkpoint() == checkpoint


def test_checkpoint_of_an_earlier_size_and_of_the_empty_log(bureau):
    empty = checkpoint_sign(size=0)
    assert note_verify(empty.note, signing.verifier_keys())[1:] == (0, hashlib.sha256(b"").digest())
    grow(bureau.agency, 5)
    earlier = checkpoint_sign(size=2)
    assert note_verify(earlier.note, signing.verifier_keys())[2] == merkle.root(DatabaseNodes(), 2)
    with pytest.raises(ValueError):
        checkpoint_sign(size=tree_size() + 1)


def _replace_line(note: str, index: int, new: str) -> str:
    lines = note.split("\n")
    lines[index] = new
    return "\n".join(lines)


def test_tampered_notes_are_rejected(bureau):
    grow(bureau.agency, 2)
    note = checkpoint_sign().note
    keys = signing.verifier_keys()
    origin, size, _root = note_verify(note, keys)
    sig_line = note.split("\n")[4]
    blob = base64.b64decode(sig_line.split(" ")[2])
    tampered = {
        "size": _replace_line(note, 1, str(size + 1)),
        "root": _replace_line(note, 2, base64.b64encode(bytes(32)).decode()),
        "origin": note.replace(origin, "evil.example/ledger", 1),
        "flipped signature bit": note.replace(
            sig_line, f"\u2014 {origin} {base64.b64encode(blob[:-1] + bytes([blob[-1] ^ 1])).decode()}"
        ),
        "truncated signature": note.replace(sig_line, f"\u2014 {origin} {base64.b64encode(blob[:40]).decode()}"),
        "key id only": note.replace(sig_line, f"\u2014 {origin} {base64.b64encode(blob[:4]).decode()}"),
        "hyphen for em dash": note.replace("\u2014", "-"),
        "no final newline": note[:-1],
        "no signature": note.split("\n\n")[0] + "\n\n",
        "leading zero size": _replace_line(note, 1, f"0{size}"),
        "duplicate signature": note + sig_line + "\n",
    }
    for what, text in tampered.items():
        with pytest.raises(NoteError):
            note_verify(text, keys)
            pytest.fail(f"accepted a note with a {what}")


def test_wrong_key_is_rejected(bureau):
    grow(bureau.agency, 1)
    note = checkpoint_sign().note
    stranger = signing.Signer(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="not signed by any known key"):
        note_verify(note, [stranger.verifier_key])
    with pytest.raises(NoteError):
        note_verify(note, [GO_VERIFIER_KEY])
    # A note signed by a known key whose name is not the checkpoint's origin.
    other = signing.Signer(name="other.example/log", private_key=Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="origin"):
        note_verify(note_sign(note.split("\n\n")[0] + "\n", other), [other.verifier_key])


def test_key_file_created_once_with_0600_and_never_in_the_database(bureau, key_dir):
    assert not key_dir.exists()
    grow(bureau.agency, 1)
    first = checkpoint_sign()
    key_file = key_dir / signing.SIGNING_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    content = key_file.read_text()
    second = checkpoint_sign()
    assert key_file.read_text() == content
    assert first.key_id == second.key_id
    assert (key_dir / signing.PUBLIC_KEYS_FILE).read_text().splitlines() == [signing.current_verifier_key()]

    seed_b64 = content.strip().split("+", 4)[4]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert signing.current_signer().signer_key_string() == content.strip()
    assert seed_b64 not in dump.getvalue()
    assert base64.b64decode(seed_b64)[1:].hex() not in dump.getvalue()


def test_rotation_keeps_old_checkpoints_verifiable_and_signs_new_ones_with_the_new_key(bureau, key_dir):
    grow(bureau.agency, 2)
    old = checkpoint_sign()
    old_key = signing.current_verifier_key()
    old_private = (key_dir / signing.SIGNING_KEY_FILE).read_text()

    out = io.StringIO()
    call_command("ledger", "rotate-key", stdout=out)
    new_key = signing.current_verifier_key()
    assert new_key != old_key
    assert f"new key {new_key}" in out.getvalue()
    assert old_private not in (key_dir / signing.SIGNING_KEY_FILE).read_text()
    assert stat.S_IMODE((key_dir / signing.SIGNING_KEY_FILE).stat().st_mode) == 0o600
    assert signing.verifier_keys() == [old_key, new_key]

    # The command signed the same size again, with the new key; that one is now the latest.
    new = latest_checkpoint()
    assert new is not None and new.pk != old.pk and new.size == old.size
    assert new.key_id == new_key.split("+")[1] != old.key_id
    assert note_verify(old.note, signing.verifier_keys())[1] == old.size
    assert note_verify(new.note, signing.verifier_keys())[1] == new.size
    with pytest.raises(NoteError):
        note_verify(new.note, [old_key])
    with pytest.raises(NoteError):
        note_verify(old.note, [new_key])


def test_origin_change_requires_rotation(bureau, settings):
    checkpoint_sign()
    settings.SANXIANG_LEDGER_ORIGIN = "new.example.gov.cn/ledger"
    with pytest.raises(Exception, match="rotate-key"):
        checkpoint_sign()
    signing.rotate_key()
    assert checkpoint_sign().origin == "new.example.gov.cn/ledger"


def test_cli_checkpoint_and_public_key(bureau):
    grow(bureau.agency, 2)
    out = io.StringIO()
    call_command("ledger", "checkpoint", stdout=out)
    assert note_verify(out.getvalue(), signing.verifier_keys())[1] == tree_size()
    assert Checkpoint.objects.count() == 1
    keys = io.StringIO()
    call_command("ledger", "public-key", stdout=keys)
    assert keys.getvalue().strip() == signing.current_verifier_key()
    signing.rotate_key()
    every = io.StringIO()
    call_command("ledger", "public-key", "--all", stdout=every)
    assert every.getvalue().split() == signing.verifier_keys()
    assert len(every.getvalue().split()) == 2


# --- the background task -----------------------------------------------------------------------------------------


def test_appends_enqueue_one_deferred_task_which_signs_a_covering_checkpoint(
    bureau, django_capture_on_commit_callbacks, monkeypatch
):
    # The migrations that seed rows (the review catalogue) record them and so queued a checkpoint of their own, in
    # this process (pytest migrates the test database in it): start from no task and no memory of one.
    from sanxiang.ledger import tasks

    DBTaskResult.objects.filter(task_path=sign_checkpoint.module_path).delete()
    monkeypatch.setattr(tasks, "_last_queued", None)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        grow(bureau.agency, 3)
    assert len(callbacks) == 1  # one callback per transaction, however many leaves
    grow(bureau.agency, 1)
    schedule_checkpoint()  # as the next transaction's commit would
    pending = DBTaskResult.objects.filter(task_path=sign_checkpoint.module_path, status=TaskResultStatus.READY)
    assert pending.count() == 1  # at most one pending: the second burst shares it
    assert pending.get().run_after > before

    assert sign_checkpoint.call() == tree_size()
    checkpoint = latest_checkpoint()
    assert checkpoint is not None and checkpoint.size == tree_size()
    assert note_verify(checkpoint.note, signing.verifier_keys())[2] == merkle.root(DatabaseNodes(), tree_size())
    # Nothing new: the task signs nothing.
    assert sign_checkpoint.call() is None
    assert checkpoint_if_behind() is None
    assert Checkpoint.objects.count() == 1
