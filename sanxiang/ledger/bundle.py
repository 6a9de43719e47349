"""Export bundles: everything the record holds about one or more subjects, checkable offline with no database.

A bundle is a BagIt-style zip (RFC 8493 layout; see docs/ledger-verify.md)::

    bagit.txt                  BagIt-Version 1.0, UTF-8
    bag-info.txt               the subjects (one External-Identifier line each), the title if any, origin,
                               checkpoint size, Payload-Oxum, date, and the anchors of attached documents
    manifest-sha256.txt        "<sha256>  data/<path>" for every payload file
    tagmanifest-sha256.txt     the same for bagit.txt, bag-info.txt and manifest-sha256.txt
    data/entries.jsonl         one line per entry of the subjects, in seq order: seq, the leaf exactly as hashed, its
                               leaf hash, the canonical state whose SHA-256 is the leaf's digest, the note
    data/proofs.json           checkpoint size and root, and each entry's RFC 9162 inclusion proof against it
    data/checkpoint.txt        the signed note (C2SP tlog-checkpoint, Ed25519)
    data/keys.txt              the log's verifier keys (signed-note form), current and rotated
    data/files/<sha256>        every evidence file an entry names, once
    data/<name>                documents the caller attaches (a case file's manifest); an attachment may be anchored
                               to a subject: its SHA-256 is then the value of a field of that subject's latest state

``verify_bundle(path)`` uses only the standard library and the ledger's pure functions (``merkle``, ``leaves``'
canonical JSON, ``checkpoints.note_verify``, ``evidence.hash_stream``) — no ORM query, no database — and also runs as
``python -m sanxiang.ledger.bundle OUT.zip`` without any Django settings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sanxiang.ledger import merkle

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
ENTRIES = "data/entries.jsonl"
PROOFS = "data/proofs.json"
CHECKPOINT = "data/checkpoint.txt"
KEYS = "data/keys.txt"
FILES_DIR = "data/files/"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
CHUNK = 1 << 20
ANCHOR_TAG = "Sanxiang-Anchor"
_RESERVED = (ENTRIES, PROOFS, CHECKPOINT, KEYS)
_ATTACHMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class BundleError(Exception):
    """The bundle cannot be written (unknown subject, a missing evidence file, a log that does not prove)."""


@dataclass(frozen=True)
class Attachment:
    """A payload document the caller adds as ``data/<name>`` (covered by manifest-sha256 like every payload file).

    ``anchor`` = ``(subject, field)``: the SHA-256 of ``data`` must be the value of ``field`` in the latest state of
    ``subject`` (one of the bundle's subjects), so that the verifier can tie the document to a proven entry.
    """

    name: str
    data: bytes
    anchor: tuple[str, str] | None = None


@dataclass(frozen=True)
class Exported:
    subjects: tuple[str, ...]
    entries: int
    files: int
    checkpoint_size: int
    path: Path
    title: str = ""

    @property
    def subject(self) -> str:
        """How the bundle names what it holds: its title, else its subjects."""
        return self.title or "、".join(self.subjects)


# --- export (with the database) --------------------------------------------------------------------------------------


def parse_subject(text: str) -> tuple[str, str]:
    """``app_label.model:pk`` → ``(subject_type, subject_id)``."""
    subject_type, sep, subject_id = text.partition(":")
    if not sep or "." not in subject_type or not subject_id:
        raise BundleError(f"对象应写作 应用.模型:编号（如 registry.officer:12），而不是 {text!r}")
    return subject_type.lower(), subject_id


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _attachment_member(attachment: Attachment) -> str:
    name = attachment.name
    member = f"data/{name}"
    if not _ATTACHMENT_NAME.match(name) or ".." in name.split("/") or member in _RESERVED:
        raise BundleError(f"附加文件名 {name!r} 无效或与证据包自身的文件重名")
    if member.startswith(FILES_DIR):
        raise BundleError(f"附加文件不能放在 {FILES_DIR} 下：{name!r}")
    return member


def export_bundle(
    subjects: str | Sequence[str],
    out: Path | str,
    *,
    title: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> Exported:
    """Write the bundle of ``subjects`` (each ``app_label.model:pk``) to ``out``.

    Every entry of every subject, in seq order, with the files the entries name (each once) and the ``attachments``.
    The proofs are against the latest signed checkpoint if it covers every entry; otherwise a new checkpoint is signed
    first. Every proof, and every anchored attachment, is checked before anything is written.
    """
    from django.db.models import Q

    from sanxiang.ledger import checkpoints, signing
    from sanxiang.ledger.evidence import evidence_storage
    from sanxiang.ledger.leaves import entry_leaf_bytes
    from sanxiang.ledger.models import Blob, Entry
    from sanxiang.ledger.selectors import DatabaseNodes

    wanted: dict[str, set[str]] = {}
    for text in [subjects] if isinstance(subjects, str) else subjects:
        subject_type, subject_id = parse_subject(text)
        wanted.setdefault(subject_type, set()).add(subject_id)
    if not wanted:
        raise BundleError("没有要导出的对象")
    names = tuple(sorted(f"{t}:{i}" for t, ids in wanted.items() for i in ids))
    condition = Q()
    for subject_type, ids in wanted.items():
        condition |= Q(subject_type=subject_type, subject_id__in=sorted(ids))
    entries = list(Entry.objects.filter(condition).order_by("seq"))
    found = {f"{e.subject_type}:{e.subject_id}" for e in entries}
    missing = [name for name in names if name not in found]
    if missing:
        raise BundleError(f"日志中没有 {'、'.join(missing)} 的记录")
    members: list[tuple[str, Attachment]] = []
    for attachment in attachments:
        if attachment.anchor is not None:
            anchor_type, anchor_id = parse_subject(attachment.anchor[0])
            attachment = Attachment(
                attachment.name, attachment.data, (f"{anchor_type}:{anchor_id}", attachment.anchor[1])
            )
        members.append((_attachment_member(attachment), attachment))
    if len({member for member, _ in members}) != len(members):
        raise BundleError("附加文件重名")
    latest = {f"{e.subject_type}:{e.subject_id}": e for e in entries}  # entries are in seq order: the last wins
    for member, attachment in members:
        if attachment.anchor is None:
            continue
        anchor_subject, field = attachment.anchor
        anchored = latest.get(anchor_subject)
        if anchored is None:
            raise BundleError(f"附加文件 {member} 锚定的对象 {anchor_subject} 不在证据包中")
        if (anchored.state or {}).get(field) != hashlib.sha256(attachment.data).hexdigest():
            raise BundleError(f"附加文件 {member} 的 SHA-256 与 {anchor_subject} 最新状态中的 {field} 不符")
    checkpoint = checkpoints.latest_checkpoint()
    if checkpoint is None or checkpoint.size <= entries[-1].seq:
        checkpoint = checkpoints.checkpoint_sign()
    keys = signing.verifier_keys()
    origin, size, root = checkpoints.note_verify(checkpoint.note, keys)
    nodes = DatabaseNodes()

    lines: list[bytes] = []
    proofs: list[dict[str, Any]] = []
    blobs: dict[str, Any] = {}
    for entry in entries:
        leaf = entry_leaf_bytes(entry)
        leaf_hash = merkle.leaf_hash(leaf)
        if leaf_hash.hex() != entry.leaf_hash:
            raise BundleError(f"记录 #{entry.seq} 与其叶子哈希不符：请先运行 sanxiang ledger verify")
        path = merkle.inclusion_proof(nodes, entry.seq, size)
        try:
            merkle.verify_inclusion(leaf_hash=leaf_hash, index=entry.seq, size=size, proof=path, root=root)
        except merkle.ProofError as exc:
            raise BundleError(
                f"记录 #{entry.seq} 无法证明包含于检查点（{exc}）：请先运行 sanxiang ledger verify"
            ) from exc
        line = {
            "seq": entry.seq,
            "leaf": leaf.decode("utf-8"),
            "leaf_hash": leaf_hash.hex(),
            "state": entry.state,
            "note": entry.note,
        }
        lines.append(json.dumps(line, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        proofs.append({"seq": entry.seq, "leaf_hash": leaf_hash.hex(), "path": [h.hex() for h in path]})
        if entry.blob:
            blobs[entry.blob["sha256"]] = entry.blob
    proofs_doc = {"origin": origin, "tree_size": size, "root": root.hex(), "proofs": proofs}

    payload: list[tuple[str, str, int]] = []  # (name, sha256, size)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.partial")
    storage = evidence_storage() if blobs else None
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:

            def put(name: str, data: bytes) -> None:
                zf.writestr(name, data)
                payload.append((name, hashlib.sha256(data).hexdigest(), len(data)))

            put(ENTRIES, b"".join(lines))
            put(PROOFS, json.dumps(proofs_doc, indent=1, sort_keys=True).encode() + b"\n")
            put(CHECKPOINT, checkpoint.note.encode())
            put(KEYS, "".join(f"{key}\n" for key in keys).encode())
            for member, attachment in members:
                put(member, attachment.data)
            for sha256 in sorted(blobs):
                row = Blob.objects.filter(pk=sha256).first()
                if row is None or storage is None:
                    raise BundleError(f"证据文件 {sha256} 不在证据库中")
                name = f"{FILES_DIR}{sha256}"
                with storage.open(row.storage_name, "rb") as src, zf.open(name, "w", force_zip64=True) as dst:
                    digest, length = _copy_hashing(src, dst.write)
                if digest != sha256:
                    raise BundleError(
                        f"证据文件 {sha256} 的内容与其 SHA-256 不符：请运行 sanxiang ledger verify --files"
                    )
                payload.append((name, digest, length))
            manifest = "".join(f"{digest}  {name}\n" for name, digest, _ in payload).encode()
            octets = sum(length for _, _, length in payload)
            described = f"External-Description: {_one_line(title)}\n" if title else ""
            anchors = "".join(
                f"{ANCHOR_TAG}: {member} {a.anchor[0]} {a.anchor[1]}\n" for member, a in members if a.anchor
            )
            info = (
                f"Source-Organization: {origin}\n"
                + "".join(f"External-Identifier: {name}\n" for name in names)
                + described
                + f"Bagging-Date: {dt.date.today().isoformat()}\n"
                f"Payload-Oxum: {octets}.{len(payload)}\n"
                "Bag-Software-Agent: sanxiang ledger export\n"
                f"Ledger-Origin: {origin}\n"
                f"Ledger-Checkpoint-Size: {size}\n"
                f"Ledger-Entries: {len(entries)}\n" + anchors
            ).encode()
            tags = [("bagit.txt", BAGIT_TXT.encode()), ("bag-info.txt", info), (MANIFEST, manifest)]
            for name, data in tags:
                zf.writestr(name, data)
            zf.writestr(TAG_MANIFEST, "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in tags))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return Exported(
        subjects=names,
        entries=len(entries),
        files=len(blobs),
        checkpoint_size=size,
        path=out,
        title=_one_line(title) if title else "",
    )


def _copy_hashing(src: IO[bytes], write: Callable[[bytes], Any] | None = None) -> tuple[str, int]:
    sha = hashlib.sha256()
    length = 0
    while chunk := src.read(CHUNK):
        sha.update(chunk)
        length += len(chunk)
        if write is not None:
            write(chunk)
    return sha.hexdigest(), length


# --- verification (no database) --------------------------------------------------------------------------------------


def _pure_functions() -> tuple[Callable[..., tuple[str, int, bytes]], Callable[[Any], bytes]]:
    """``note_verify`` and ``canonical_json``, importable without a configured project.

    The checkpoint module also holds the signing code, which imports the ORM models; when Django has no settings
    (``python -m sanxiang.ledger.bundle``), a minimal configuration with no database is made so that the import works.
    """
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        import django

        settings.configure(INSTALLED_APPS=["sanxiang.ledger"], DATABASES={}, USE_TZ=True)
        django.setup()
    from sanxiang.core.canonical import canonical_json
    from sanxiang.ledger.checkpoints import note_verify

    return note_verify, canonical_json


def verify_bundle(path: Path | str, *, trusted_keys: Sequence[str] | None = None) -> list[str]:
    """Check a bundle offline; return the problems found (empty when everything holds).

    Checks: the tag manifest and manifest hashes and that every payload file is listed; the checkpoint's signature
    (by a key in ``trusted_keys`` if given — the keys the log publishes — else by a key in the bundle's keys.txt);
    each entry's leaf hash, canonical form, seq and subject, and its state against the leaf's digest; each inclusion
    proof against the checkpoint root; each file's SHA-256 (its name) and, when an entry records them, its SM3 and size.
    """
    note_verify, canonical_json = _pure_functions()
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"无法打开证据包：{exc}"]
    with zf:
        names = set(zf.namelist())
        for required in ("bagit.txt", "bag-info.txt", MANIFEST, ENTRIES, PROOFS, CHECKPOINT, KEYS):
            if required not in names:
                problems.append(f"缺少 {required}")
        if problems:
            return problems
        _check_manifests(zf, names, problems)
        tags = _bag_info_all(zf.read("bag-info.txt").decode("utf-8", "replace"))
        subjects = set(tags.get("External-Identifier", []))

        keys = [line.strip() for line in zf.read(KEYS).decode("utf-8", "replace").splitlines() if line.strip()]
        checked_keys = list(trusted_keys) if trusted_keys is not None else keys
        note = zf.read(CHECKPOINT).decode("utf-8", "replace")
        root: bytes | None = None
        size: int | None = None
        try:
            _origin, size, root = note_verify(note, checked_keys)
        except Exception as exc:  # any failure to verify is what we report
            problems.append(f"checkpoint.txt 签名无效：{exc}")
        try:
            proofs_doc = json.loads(zf.read(PROOFS))
            proofs = {int(p["seq"]): p for p in proofs_doc["proofs"]}
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"proofs.json 格式错误：{exc}")
            return problems
        if root is None:
            size = proofs_doc.get("tree_size")
        elif proofs_doc.get("tree_size") != size or proofs_doc.get("root") != root.hex():
            problems.append("proofs.json 所记的检查点大小或根哈希与 checkpoint.txt 不符")

        blobs: dict[str, dict[str, Any]] = {}
        seen: list[int] = []
        latest: dict[str, Any] = {}
        for number, raw in enumerate(zf.read(ENTRIES).splitlines(), 1):
            _check_entry_line(number, raw, subjects, size, root, proofs, seen, blobs, latest, canonical_json, problems)
        if seen != sorted(set(seen)):
            problems.append("entries.jsonl 中的记录未按编号排列，或有重复")
        for seq in sorted(set(proofs) - set(seen)):
            problems.append(f"proofs.json 中的 #{seq} 没有对应的记录")
        for subject in sorted(subjects - set(latest)):
            problems.append(f"bag-info.txt 列出的对象 {subject} 在证据包中没有记录")
        _check_anchors(zf, names, tags.get(ANCHOR_TAG, []), latest, problems)
        _check_files(zf, names, blobs, problems)
    return problems


def _check_anchors(
    zf: zipfile.ZipFile, names: set[str], anchors: list[str], latest: dict[str, Any], problems: list[str]
) -> None:
    """Each anchored attachment's SHA-256 is the value of a field in its subject's latest state in the bundle."""
    for anchor in anchors:
        parts = anchor.split()
        if len(parts) != 3:
            problems.append(f"bag-info.txt 中无法识别的 {ANCHOR_TAG}：{anchor!r}")
            continue
        member, subject, field = parts
        if member not in names or not member.startswith("data/") or member in _RESERVED:
            problems.append(f"{ANCHOR_TAG} 所指的附加文件 {member} 不在证据包中")
            continue
        if subject not in latest:
            problems.append(f"附加文件 {member} 锚定的对象 {subject} 在证据包中没有记录")
            continue
        state = latest[subject]
        value = state.get(field) if isinstance(state, dict) else None
        if value != _member_sha256(zf, member):
            problems.append(f"附加文件 {member} 的 SHA-256 与 {subject} 最新状态中的 {field} 不符")


def _check_entry_line(
    number: int,
    raw: bytes,
    subjects: set[str],
    size: int | None,
    root: bytes | None,
    proofs: dict[int, dict[str, Any]],
    seen: list[int],
    blobs: dict[str, dict[str, Any]],
    latest: dict[str, Any],
    canonical_json: Callable[[Any], bytes],
    problems: list[str],
) -> None:
    where = f"entries.jsonl 第 {number} 行"
    try:
        line = json.loads(raw)
        seq = int(line["seq"])
        leaf = str(line["leaf"]).encode("utf-8")
        document = json.loads(leaf)
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(f"{where} 格式错误：{exc}")
        return
    where = f"记录 #{seq}"
    seen.append(seq)
    leaf_hash = merkle.leaf_hash(leaf)
    if line.get("leaf_hash") != leaf_hash.hex():
        problems.append(f"{where} 的叶子与其叶子哈希不符")
    try:
        canonical = canonical_json(document) == leaf
    except (TypeError, ValueError):
        canonical = False
    if not canonical:
        problems.append(f"{where} 的叶子不是规范 JSON（RFC 8785）")
    if not isinstance(document, dict):
        return
    if document.get("seq") != seq:
        problems.append(f"{where} 的叶子编号为 {document.get('seq')!r}")
    subject = document.get("subject")
    if subject not in subjects:
        listed = "、".join(sorted(subjects)) if len(subjects) <= 3 else f"bag-info.txt 所列的 {len(subjects)} 个对象"
        problems.append(f"{where} 的对象 {subject!r} 不是本证据包的对象 {listed}")
    elif isinstance(subject, str):
        latest[subject] = line.get("state")  # entries come in seq order: the last one is the latest state
    try:
        state_ok = hashlib.sha256(canonical_json(line.get("state"))).hexdigest() == document.get("digest")
    except (TypeError, ValueError):
        state_ok = False
    if not state_ok:
        problems.append(f"{where} 的状态与叶子中的摘要不符")
    if isinstance(document.get("blob"), dict):
        blobs[str(document["blob"].get("sha256"))] = document["blob"]
    proof = proofs.get(seq)
    if proof is None:
        problems.append(f"{where} 没有包含证明")
        return
    if root is None or size is None:
        return  # the checkpoint did not verify: there is no root to prove against
    try:
        path = [bytes.fromhex(h) for h in proof["path"]]
        merkle.verify_inclusion(leaf_hash=leaf_hash, index=seq, size=size, proof=path, root=root)
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(f"{where} 的包含证明不成立：{exc}")


def _bag_info_all(text: str) -> dict[str, list[str]]:
    """bag-info.txt's tags; a label may repeat (RFC 8493 §2.2.2), as External-Identifier does for each subject."""
    info: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info.setdefault(key.strip(), []).append(value.strip())
    return info


def _bag_info(text: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def _manifest(text: str, what: str, problems: list[str]) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, sep, name = line.partition(" ")
        name = name.strip()
        if not sep or len(digest) != 64 or not name:
            problems.append(f"{what} 中有无法识别的行：{line!r}")
            continue
        entries[name] = digest.lower()
    return entries


def _member_sha256(zf: zipfile.ZipFile, name: str) -> str:
    with zf.open(name) as member:
        return _copy_hashing(member)[0]


def _check_manifests(zf: zipfile.ZipFile, names: set[str], problems: list[str]) -> None:
    if TAG_MANIFEST in names:
        tags = _manifest(zf.read(TAG_MANIFEST).decode("utf-8", "replace"), TAG_MANIFEST, problems)
        for name, digest in sorted(tags.items()):
            if name not in names:
                problems.append(f"{TAG_MANIFEST} 列出的 {name} 不存在")
            elif _member_sha256(zf, name) != digest:
                problems.append(f"{name} 的 SHA-256 与 {TAG_MANIFEST} 不符")
    manifest = _manifest(zf.read(MANIFEST).decode("utf-8", "replace"), MANIFEST, problems)
    for name, digest in sorted(manifest.items()):
        if name not in names:
            problems.append(f"{MANIFEST} 列出的 {name} 不存在")
        elif _member_sha256(zf, name) != digest:
            problems.append(f"{name} 的 SHA-256 与 {MANIFEST} 不符")
    for name in sorted(names):
        if name.startswith("data/") and not name.endswith("/") and name not in manifest:
            problems.append(f"{name} 未列入 {MANIFEST}")
    info = _bag_info(zf.read("bag-info.txt").decode("utf-8", "replace"))
    oxum = info.get("Payload-Oxum")
    if oxum is not None:
        payload = [i for i in zf.infolist() if i.filename.startswith("data/") and not i.is_dir()]
        if oxum != f"{sum(i.file_size for i in payload)}.{len(payload)}":
            problems.append(f"bag-info.txt 的 Payload-Oxum {oxum} 与包内文件不符")


def _check_files(zf: zipfile.ZipFile, names: set[str], blobs: dict[str, dict[str, Any]], problems: list[str]) -> None:
    from sanxiang.ledger.evidence import hash_stream  # importable once _pure_functions has configured Django

    for sha256 in sorted(blobs):
        name = f"{FILES_DIR}{sha256}"
        if name not in names:
            problems.append(f"记录提到的文件 {sha256} 不在证据包中")
    for name in sorted(n for n in names if n.startswith(FILES_DIR) and not n.endswith("/")):
        sha256 = name[len(FILES_DIR) :]
        with zf.open(name) as member:
            got = hash_stream(member)
        if got.sha256 != sha256:
            problems.append(f"文件 {sha256} 的内容与其 SHA-256 不符（实为 {got.sha256}）")
        blob = blobs.get(sha256)
        if blob is None:
            problems.append(f"文件 {sha256} 未被任何记录提到")
            continue
        if blob.get("sm3") and blob["sm3"] != got.sm3:
            problems.append(f"文件 {sha256} 的 SM3 与记录不符")
        if blob.get("size") is not None and blob["size"] != got.size:
            problems.append(f"文件 {sha256} 的大小与记录不符")


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m sanxiang.ledger.bundle OUT.zip [--key VERIFIER-KEY ...]``: verify a bundle with no database."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sanxiang.ledger.bundle", description="离线校验证据包")
    parser.add_argument("bundle")
    parser.add_argument("--key", action="append", help="信任的验证公钥（签名注记格式）；缺省用包内 keys.txt")
    args = parser.parse_args(list(argv) if argv is not None else None)
    problems = verify_bundle(args.bundle, trusted_keys=args.key)
    for problem in problems:
        print(f"不符：{problem}")
    print("证据包校验通过。" if not problems else f"证据包校验未通过：{len(problems)} 处不符。")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
