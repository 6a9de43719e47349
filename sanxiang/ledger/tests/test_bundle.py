"""Export bundles: ``sanxiang ledger export`` then ``verify-bundle`` passes; any change to the zip is reported.

Tampering is tried twice where it matters: naively (the manifest no longer matches) and by an attacker who also
rewrites the manifests, which the leaf hashes, inclusion proofs, signature and file hashes must still catch.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db.models import Q

from sanxiang.conftest import Bureau
from sanxiang.ledger import signing
from sanxiang.ledger.bundle import MANIFEST, TAG_MANIFEST, Attachment, BundleError, export_bundle, verify_bundle
from sanxiang.ledger.checkpoints import checkpoint_body, note_sign
from sanxiang.ledger.evidence import blob_store, blob_view
from sanxiang.ledger.models import Blob, Entry
from sanxiang.registry.models import Officer
from sanxiang.registry.tests import factories as f

REPO_DIR = Path(__file__).resolve().parents[3]
FOOTAGE = b"body camera footage " * 5000


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


@pytest.fixture
def officer(ledgered_bureau: Bureau) -> Officer:
    bureau = ledgered_bureau
    officer: Officer = f.publish("officers", bureau=bureau, data=f.officer_data(bureau))
    return officer


@pytest.fixture
def blob(bureau: Bureau) -> Blob:
    stored = blob_store(actor=bureau.officer, fileobj=io.BytesIO(FOOTAGE), content_type="video/mp4")
    blob_view(actor=bureau.reviewer, sha256=stored.sha256)
    return stored


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None],
    *,
    fix_manifests: bool,
) -> None:
    """Copy a bundle changing members (``change`` returns new bytes, or None to keep them); optionally recompute the
    manifests as an attacker would."""
    with zipfile.ZipFile(source) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    for name, data in list(members.items()):
        new = change(name, data)
        if new is not None:
            members[name] = new
    if fix_manifests:
        payload = [data for name, data in members.items() if name.startswith("data/")]
        info = members["bag-info.txt"].decode().splitlines()
        oxum = f"Payload-Oxum: {sum(len(data) for data in payload)}.{len(payload)}"
        members["bag-info.txt"] = "".join(
            (oxum if line.startswith("Payload-Oxum:") else line) + "\n" for line in info
        ).encode()
        members[MANIFEST] = "".join(
            f"{hashlib.sha256(data).hexdigest()}  {name}\n"
            for name, data in sorted(members.items())
            if name.startswith("data/")
        ).encode()
        members[TAG_MANIFEST] = "".join(
            f"{hashlib.sha256(members[name]).hexdigest()}  {name}\n" for name in ("bagit.txt", "bag-info.txt", MANIFEST)
        ).encode()
    with zipfile.ZipFile(target, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def only(name: str, fn: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes | None]:
    return lambda member, data: fn(data) if member == name else None


def assert_reported(problems: list[str], *fragments: str) -> None:
    assert any(all(fragment in p for fragment in fragments) for p in problems), problems


# --- a good bundle -------------------------------------------------------------------------------------------------


def test_export_then_verify_bundle_passes(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    exported = export_bundle(f"registry.officer:{officer.pk}", out)
    entries = list(Entry.objects.filter(subject_type="registry.officer", subject_id=str(officer.pk)))
    assert exported.entries == len(entries) >= 3  # create, submit, approve
    assert verify_bundle(out) == []
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        lines = [json.loads(line) for line in zf.read("data/entries.jsonl").splitlines()]
        info = zf.read("bag-info.txt").decode()
    assert {"bagit.txt", "bag-info.txt", MANIFEST, "data/proofs.json", "data/checkpoint.txt", "data/keys.txt"} <= names
    assert [line["leaf_hash"] for line in lines] == [e.leaf_hash for e in entries]
    assert [hashlib.sha256(b"\x00" + line["leaf"].encode()).hexdigest() for line in lines] == [
        e.leaf_hash for e in entries
    ]
    assert f"External-Identifier: registry.officer:{officer.pk}" in info


def test_bundle_carries_the_files_its_entries_name(blob: Blob, tmp_path: Path) -> None:
    out = tmp_path / "blob.zip"
    exported = export_bundle(f"ledger.blob:{blob.sha256}", out)
    assert exported.files == 1
    with zipfile.ZipFile(out) as zf:
        assert zf.read(f"data/files/{blob.sha256}") == FOOTAGE
    assert verify_bundle(out) == []


def test_cli_export_and_verify_bundle(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    stdout = io.StringIO()
    call_command("ledger", "export", f"registry.officer:{officer.pk}", str(out), stdout=stdout)
    assert "已导出" in stdout.getvalue()
    stdout = io.StringIO()
    call_command("ledger", "verify-bundle", str(out), "--key", signing.current_verifier_key(), stdout=stdout)
    assert "证据包校验通过" in stdout.getvalue()
    bad = tmp_path / "bad.zip"
    rewrite(out, bad, only("data/checkpoint.txt", lambda d: d.replace(b"\n", b"\n\n", 1)), fix_manifests=True)
    with pytest.raises(CommandError) as excinfo:
        call_command("ledger", "verify-bundle", str(bad), stdout=io.StringIO())
    assert excinfo.value.returncode == 1


def test_export_of_an_unknown_subject_is_refused(bureau: Bureau, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"没有 registry\.officer:999999 的记录"):
        call_command("ledger", "export", "registry.officer:999999", str(tmp_path / "x.zip"), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"应用\.模型:编号"):
        call_command("ledger", "export", "officer", str(tmp_path / "x.zip"), stdout=io.StringIO())
    assert not (tmp_path / "x.zip").exists()


def test_verify_bundle_needs_no_settings_and_no_database(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    export_bundle(f"registry.officer:{officer.pk}", out)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    good = subprocess.run(
        [sys.executable, "-m", "sanxiang.ledger.bundle", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "证据包校验通过" in good.stdout
    bad = tmp_path / "bad.zip"
    rewrite(
        out, bad, only("data/proofs.json", lambda d: d.replace(b'"tree_size": ', b'"tree_size": 1')), fix_manifests=True
    )
    failed = subprocess.run(
        [sys.executable, "-m", "sanxiang.ledger.bundle", str(bad)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert "proofs.json" in failed.stdout


# --- several subjects, attachments ---------------------------------------------------------------------------------


def test_bundle_of_several_subjects(officer: Officer, blob: Blob, bureau: Bureau, tmp_path: Path) -> None:
    blob_store(actor=bureau.head, fileobj=io.BytesIO(FOOTAGE), content_type="video/mp4")  # the same file again
    subjects = [f"ledger.blob:{blob.sha256}", f"Registry.Officer:{officer.pk}", f"registry.officer:{officer.pk}"]
    out = tmp_path / "two.zip"
    exported = export_bundle(subjects, out, title="王示例的证件与执法记录\n（第一卷）")
    expected = list(
        Entry.objects.filter(
            Q(subject_type="registry.officer", subject_id=str(officer.pk))
            | Q(subject_type="ledger.blob", subject_id=blob.sha256)
        ).order_by("seq")
    )
    assert exported.subjects == (f"ledger.blob:{blob.sha256}", f"registry.officer:{officer.pk}")
    assert exported.entries == len(expected) and exported.files == 1
    assert exported.subject == "王示例的证件与执法记录 （第一卷）"
    assert verify_bundle(out) == []
    with zipfile.ZipFile(out) as zf:
        seqs = [json.loads(line)["seq"] for line in zf.read("data/entries.jsonl").splitlines()]
        info = zf.read("bag-info.txt").decode()
        files = [n for n in zf.namelist() if n.startswith("data/files/")]
    assert seqs == [e.seq for e in expected] == sorted(seqs)
    assert files == [f"data/files/{blob.sha256}"]  # named by two store entries, carried once
    assert [line for line in info.splitlines() if line.startswith("External-")] == [
        f"External-Identifier: ledger.blob:{blob.sha256}",
        f"External-Identifier: registry.officer:{officer.pk}",
        "External-Description: 王示例的证件与执法记录 （第一卷）",
    ]

    # An entry of a subject the bag does not list, and a listed subject without entries, are both reported.
    unlisted = tmp_path / "unlisted.zip"
    drop = f"External-Identifier: registry.officer:{officer.pk}\n".encode()
    rewrite(out, unlisted, only("bag-info.txt", lambda d: d.replace(drop, b"")), fix_manifests=True)
    assert_reported(verify_bundle(unlisted), f"'registry.officer:{officer.pk}'", "不是本证据包的对象")
    extra = tmp_path / "extra.zip"
    rewrite(
        out, extra, only("bag-info.txt", lambda d: d + b"External-Identifier: registry.officer:0\n"), fix_manifests=True
    )
    assert verify_bundle(extra) == ["bag-info.txt 列出的对象 registry.officer:0 在证据包中没有记录"]


def test_entries_out_of_order_are_reported(officer: Officer, blob: Blob, tmp_path: Path) -> None:
    out = tmp_path / "two.zip"
    export_bundle([f"registry.officer:{officer.pk}", f"ledger.blob:{blob.sha256}"], out)
    swapped = tmp_path / "swapped.zip"
    rewrite(
        out, swapped, only("data/entries.jsonl", lambda d: b"\n".join(d.splitlines()[::-1]) + b"\n"), fix_manifests=True
    )
    assert verify_bundle(swapped) == ["entries.jsonl 中的记录未按编号排列，或有重复"]


def test_attachments_are_in_the_manifest_and_anchors_are_checked(blob: Blob, tmp_path: Path) -> None:
    subject = f"ledger.blob:{blob.sha256}"
    readme = Attachment("notes/readme.txt", "仅供核对。\n".encode())
    copy = Attachment("copy.bin", FOOTAGE, anchor=(subject, "sha256"))  # a blob's state names its own SHA-256
    out = tmp_path / "attached.zip"
    export_bundle(subject, out, attachments=[readme, copy])
    assert verify_bundle(out) == []
    with zipfile.ZipFile(out) as zf:
        manifest = zf.read(MANIFEST).decode()
        info = zf.read("bag-info.txt").decode()
        assert zf.read("data/notes/readme.txt") == readme.data
    assert f"{hashlib.sha256(readme.data).hexdigest()}  data/notes/readme.txt" in manifest
    assert f"{blob.sha256}  data/copy.bin" in manifest
    assert f"Sanxiang-Anchor: data/copy.bin {subject} sha256" in info

    naive = tmp_path / "naive.zip"
    rewrite(out, naive, only("data/copy.bin", lambda d: d + b"!"), fix_manifests=False)
    assert_reported(verify_bundle(naive), "data/copy.bin", MANIFEST)
    forged = tmp_path / "forged.zip"
    rewrite(out, forged, only("data/copy.bin", lambda d: d + b"!"), fix_manifests=True)
    assert verify_bundle(forged) == [f"附加文件 data/copy.bin 的 SHA-256 与 {subject} 最新状态中的 sha256 不符"]
    unanchored = tmp_path / "unanchored.zip"
    rewrite(out, unanchored, only("bag-info.txt", lambda d: d.replace(b"sha256\n", b"sm3\n")), fix_manifests=True)
    assert_reported(verify_bundle(unanchored), "data/copy.bin", "sm3 不符")

    with pytest.raises(BundleError, match="最新状态中的 sha256 不符"):
        export_bundle(subject, tmp_path / "x.zip", attachments=[Attachment("copy.bin", b"other", (subject, "sha256"))])
    with pytest.raises(BundleError, match="不在证据包中"):
        export_bundle(subject, tmp_path / "x.zip", attachments=[Attachment("c.bin", b"", ("registry.officer:1", "x"))])
    for name in ("entries.jsonl", "files/abc", "../evil", "/abs", ""):
        with pytest.raises(BundleError):
            export_bundle(subject, tmp_path / "x.zip", attachments=[Attachment(name, b"")])
    with pytest.raises(BundleError, match="重名"):
        export_bundle(subject, tmp_path / "x.zip", attachments=[Attachment("a", b""), Attachment("a", b"")])
    assert not (tmp_path / "x.zip").exists()


def test_cli_exports_several_subjects_with_a_title(officer: Officer, blob: Blob, tmp_path: Path) -> None:
    out = tmp_path / "two.zip"
    stdout = io.StringIO()
    subjects = [f"registry.officer:{officer.pk}", f"ledger.blob:{blob.sha256}"]
    call_command("ledger", "export", *subjects, str(out), "--title", "两个对象", stdout=stdout)
    assert "已导出 两个对象" in stdout.getvalue()
    assert verify_bundle(out) == []
    with pytest.raises(CommandError, match=r"没有 registry\.officer:999999 的记录"):
        call_command("ledger", "export", *subjects, "registry.officer:999999", str(out), stdout=io.StringIO())


# --- tampering -----------------------------------------------------------------------------------------------------


def _change_state(data: bytes) -> bytes:
    lines = data.splitlines()
    first = json.loads(lines[0])
    first["state"]["name"] = "李四"
    lines[0] = json.dumps(first, ensure_ascii=False, sort_keys=True).encode()
    return b"\n".join(lines) + b"\n"


def _change_leaf(data: bytes) -> bytes:
    lines = data.splitlines()
    last = json.loads(lines[-1])
    leaf = json.loads(last["leaf"])
    leaf["action"] = "officer.forged"
    last["leaf"] = json.dumps(leaf, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    last["leaf_hash"] = hashlib.sha256(b"\x00" + last["leaf"].encode()).hexdigest()
    lines[-1] = json.dumps(last, ensure_ascii=False, sort_keys=True).encode()
    return b"\n".join(lines) + b"\n"


def test_changed_entry_is_reported(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    export_bundle(f"registry.officer:{officer.pk}", out)
    first_seq = Entry.objects.filter(subject_type="registry.officer", subject_id=str(officer.pk)).first()
    last_seq = Entry.objects.filter(subject_type="registry.officer", subject_id=str(officer.pk)).last()
    assert first_seq is not None and last_seq is not None

    naive = tmp_path / "naive.zip"
    rewrite(out, naive, only("data/entries.jsonl", _change_state), fix_manifests=False)
    assert_reported(verify_bundle(naive), "data/entries.jsonl", "SHA-256", MANIFEST)

    state = tmp_path / "state.zip"
    rewrite(out, state, only("data/entries.jsonl", _change_state), fix_manifests=True)
    problems = verify_bundle(state)
    assert problems == [f"记录 #{first_seq.seq} 的状态与叶子中的摘要不符"]

    leaf = tmp_path / "leaf.zip"
    rewrite(out, leaf, only("data/entries.jsonl", _change_leaf), fix_manifests=True)
    assert_reported(verify_bundle(leaf), f"记录 #{last_seq.seq}", "包含证明不成立")


def test_changed_file_is_reported(blob: Blob, tmp_path: Path) -> None:
    out = tmp_path / "blob.zip"
    export_bundle(f"ledger.blob:{blob.sha256}", out)
    name = f"data/files/{blob.sha256}"
    naive = tmp_path / "naive.zip"
    rewrite(out, naive, only(name, lambda d: d[:-1] + b"!"), fix_manifests=False)
    assert_reported(verify_bundle(naive), name, MANIFEST)
    forged = tmp_path / "forged.zip"
    rewrite(out, forged, only(name, lambda d: d[:-1] + b"!"), fix_manifests=True)
    problems = verify_bundle(forged)
    assert_reported(problems, f"文件 {blob.sha256}", "SHA-256 不符")
    assert_reported(problems, f"文件 {blob.sha256}", "SM3 与记录不符")
    missing = tmp_path / "missing.zip"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(missing, "w") as zout:
        for member in zin.namelist():
            if member != name:
                zout.writestr(member, zin.read(member))
    assert_reported(verify_bundle(missing), f"记录提到的文件 {blob.sha256} 不在证据包中")


def test_changed_proof_is_reported(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    export_bundle(f"registry.officer:{officer.pk}", out)

    def change(data: bytes) -> bytes:
        doc = json.loads(data)
        path = doc["proofs"][0]["path"]
        path[0] = ("0" if path[0][0] != "0" else "1") + path[0][1:]
        return json.dumps(doc).encode()

    forged = tmp_path / "forged.zip"
    rewrite(out, forged, only("data/proofs.json", change), fix_manifests=True)
    seq = json.loads(zipfile.ZipFile(out).read("data/proofs.json"))["proofs"][0]["seq"]
    assert verify_bundle(forged) == [f"记录 #{seq} 的包含证明不成立：inclusion proof does not lead to the root"]


def test_changed_checkpoint_is_reported(officer: Officer, tmp_path: Path) -> None:
    out = tmp_path / "officer.zip"
    export_bundle(f"registry.officer:{officer.pk}", out)
    forged = tmp_path / "forged.zip"

    def grow(data: bytes) -> bytes:
        origin, size, rest = data.decode().split("\n", 2)
        return f"{origin}\n{int(size) + 1}\n{rest}".encode()

    rewrite(out, forged, only("data/checkpoint.txt", grow), fix_manifests=True)
    assert_reported(verify_bundle(forged), "checkpoint.txt 签名无效")


def test_checkpoint_resigned_with_a_substituted_key_fails_against_the_published_key(
    officer: Officer, tmp_path: Path
) -> None:
    out = tmp_path / "officer.zip"
    export_bundle(f"registry.officer:{officer.pk}", out)
    published = signing.current_verifier_key()
    rogue = signing.Signer(name="zfgs.example.gov.cn/ledger", private_key=Ed25519PrivateKey.generate())
    doc = json.loads(zipfile.ZipFile(out).read("data/proofs.json"))
    note = note_sign(checkpoint_body(doc["origin"], doc["tree_size"], bytes.fromhex(doc["root"])), rogue)

    def swap(member: str, data: bytes) -> bytes | None:
        if member == "data/checkpoint.txt":
            return note.encode()
        if member == "data/keys.txt":
            return (rogue.verifier_key + "\n").encode()
        return None

    forged = tmp_path / "forged.zip"
    rewrite(out, forged, swap, fix_manifests=True)
    assert verify_bundle(forged) == []  # self-consistent: only the published key tells them apart
    assert_reported(verify_bundle(forged, trusted_keys=[published]), "checkpoint.txt 签名无效")
    assert verify_bundle(out, trusted_keys=[published]) == []
