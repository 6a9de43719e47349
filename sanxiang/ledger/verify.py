"""``sanxiang ledger verify``: check the whole record against itself, its signed checkpoints and the live rows.

What is checked (each mismatch becomes a ``Problem`` naming what it concerns):

1. The log. Entries are streamed in ``seq`` order in chunks (constant memory): ``seq`` runs 0..n-1 without a gap;
   each row's leaf is rebuilt from its columns and its hash compared with ``leaf_hash``; ``digest`` is compared with
   SHA-256 of the canonical JSON of ``state``. The tree is recomputed from the rebuilt leaves
   (``merkle.tree_from_leaf_hashes``) and every stored node is compared with it: a changed, missing or extra node is
   named.
2. The checkpoints: each signed note verifies under one of the log's verifier keys (current and rotated); its size
   and root agree with its columns and with the recomputed root at that size; successive checkpoints are consistent
   (an RFC 9162 consistency proof from the stored tree).
3. The rows. For every ledgered model, each row's current canonical state digest equals the digest of its latest
   entry (a row changed in SQL), each row has an entry (a row inserted in SQL), and each subject of an entry still
   exists unless its latest entry's action ends in ``.delete`` (a row deleted in SQL). A bounded number of queries
   per model: rows and many-to-many sets in chunks, the latest entry of every subject in one query.
4. With ``files=True``, every blob's stored file is re-hashed (SHA-256 and SM3, streaming) and compared.

On PostgreSQL the run reads one snapshot (REPEATABLE READ, read only), so appends made meanwhile do not disturb it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, NamedTuple, Protocol

from django.db import connection, models, transaction
from django.db.models import Max, Q, Sum

from sanxiang.core.canonical import JSONValue, canonical_json, state_digest, to_json_value
from sanxiang.ledger import merkle
from sanxiang.ledger.leaves import entry_leaf_document
from sanxiang.ledger.models import Blob, Checkpoint, Entry, Node
from sanxiang.ledger.registry import Ledgered, ledgered_models
from sanxiang.ledger.selectors import DatabaseNodes

ENTRY_CHUNK = 2000
NODE_WINDOW = 4096  # leaves per window of stored nodes fetched at once (about two nodes a leaf)
ROW_CHUNK = 2000
MAX_NODE_PROBLEMS = 50  # one deleted entry changes every node after it: name the first ones, count the rest
DELETE_SUFFIX = ".delete"

ENTRY_FIELDS = ("seq", "v", "time", "actor_id", "action", "subject_type", "subject_id", "digest", "blob", "leaf_hash")


@dataclass(frozen=True)
class Problem:
    """One mismatch: what it concerns (a subject, an entry, a node, a checkpoint, a file) and what is wrong."""

    concerns: str
    message: str

    def __str__(self) -> str:
        return f"{self.concerns} {self.message}"


class Progress(Protocol):
    def phase(self, name: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def done(self) -> None: ...


class NoProgress:
    def phase(self, name: str, total: int) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None

    def done(self) -> None:
        return None


class TextProgress:
    """A plain progress bar on a text stream: redrawn in place on a terminal, a line every 10% otherwise."""

    WIDTH = 24

    def __init__(self, stream: IO[str] | Any = None, *, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(self.stream.isatty()) if tty is None else tty
        self.name = ""
        self.total = 0
        self.count = 0
        self._shown = -1

    def phase(self, name: str, total: int) -> None:
        self.done()
        self.name, self.total, self.count, self._shown = name, max(total, 0), 0, -1
        self._draw()

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        self._draw()

    def done(self) -> None:
        if self.name and self._shown != 100:
            self.count = max(self.count, self.total)
            self._draw(force=True)
        if self.name and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self.name = ""

    def _draw(self, *, force: bool = False) -> None:
        percent = 100 if self.total == 0 else min(100, self.count * 100 // self.total)
        step = percent if self.tty else percent - percent % 10
        if step == self._shown and not force:
            return
        self._shown = step
        filled = percent * self.WIDTH // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"{self.name} [{bar}] {percent:3d}% {min(self.count, self.total)}/{self.total}"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()


@dataclass
class Report:
    """What was checked and what did not hold."""

    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    rows: int = 0
    files: int = 0
    root: bytes = merkle.EMPTY_ROOT

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = f"记录 {self.entries} 条，树节点 {self.nodes} 个，检查点 {self.checkpoints} 个，数据行 {self.rows} 行"
        if self.files:
            counts += f"，文件 {self.files} 个"
        if self.ok:
            return f"校验通过：{counts}；根哈希 {self.root.hex()}。"
        return f"校验未通过：发现 {len(self.problems)} 处不符（{counts}）。"


class _Reporter:
    def __init__(self, report: Report, on_problem: Callable[[Problem], None] | None) -> None:
        self.report = report
        self.on_problem = on_problem
        self.suppressed_nodes = 0
        self.node_problems = 0

    def __call__(self, concerns: str, message: str) -> None:
        problem = Problem(concerns, message)
        self.report.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def node(self, concerns: str, message: str) -> None:
        if self.node_problems >= MAX_NODE_PROBLEMS:
            self.suppressed_nodes += 1
            return
        self.node_problems += 1
        self(concerns, message)


def verify(
    *, files: bool = False, progress: Progress | None = None, on_problem: Callable[[Problem], None] | None = None
) -> Report:
    """Check everything (see the module docstring); return the report. Prints nothing itself."""
    progress = progress or NoProgress()
    report = Report()
    problem = _Reporter(report, on_problem)
    with _snapshot():
        checkpoint_sizes = sorted(set(Checkpoint.objects.values_list("size", flat=True)))
        roots = _verify_log(report, problem, progress, checkpoint_sizes)
        _verify_checkpoints(report, problem, progress, roots)
        for registration in ledgered_models():
            _verify_rows(registration, report, problem, progress)
        if files:
            _verify_files(report, problem, progress)
    progress.done()
    return report


class _snapshot:
    """On PostgreSQL outside a transaction: one REPEATABLE READ, READ ONLY transaction for the whole run.

    SQLite transactions here take the write lock at BEGIN (IMMEDIATE), which would stop the service for the whole
    run, so SQLite reads without a snapshot; a row found changed is read again before it is reported.
    """

    def __init__(self) -> None:
        self._atomic: Any = None

    def __enter__(self) -> None:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def __exit__(self, *exc: Any) -> None:
        if self._atomic is not None:
            self._atomic.__exit__(*exc)


# --- 1. the log and its tree ---------------------------------------------------------------------------------------


class _EntryRow(NamedTuple):
    seq: int
    v: int
    time: Any
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    digest: str
    blob: Any
    leaf_hash: str
    state: Any


def _entry_chunks() -> Iterator[list[_EntryRow]]:
    last = -1
    while True:
        chunk = [
            _EntryRow(*row)
            for row in Entry.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list(*ENTRY_FIELDS, "state")[:ENTRY_CHUNK]
        ]
        if not chunk:
            return
        yield chunk
        last = chunk[-1].seq


def _completing_leaf(level: int, index: int) -> int:
    """The leaf whose append completes node ``(level, index)``."""
    return ((index + 1) << level) - 1


def _first_index_from(level: int, leaf: int) -> int:
    """The first node index at ``level`` completed by leaf ``leaf`` or later."""
    return ((leaf + (1 << level)) >> level) - 1


def _stored_nodes(start: int, end: int) -> dict[tuple[int, int], bytes]:
    """Stored nodes completed by leaves ``[start, end)``, in one query."""
    condition = Q()
    for level in range(end.bit_length() + 1):
        low, high = _first_index_from(level, start), _first_index_from(level, end)
        if low < high:
            condition |= Q(level=level, index__gte=low, index__lt=high)
    return {
        (level, index): bytes(h)
        for level, index, h in Node.objects.filter(condition).values_list("level", "index", "hash")
    }


def _root(last_at_level: list[bytes], size: int) -> bytes:
    """The root of the first ``size`` leaves, from the last node seen at each level (the perfect subtrees of ``size``)."""
    if not size:
        return merkle.EMPTY_ROOT
    return merkle.fold([last_at_level[level] for level, _ in merkle.subtree_keys(0, size)])


def _verify_log(
    report: Report, problem: _Reporter, progress: Progress, checkpoint_sizes: list[int]
) -> dict[int, bytes]:
    """Stream entries and nodes; return the recomputed root at every checkpoint size within the log."""
    progress.phase("校验记录与默克尔树", Entry.objects.count())
    wanted = iter(checkpoint_sizes)
    next_size = next(wanted, None)
    roots: dict[int, bytes] = {}
    while next_size == 0:
        roots[0] = merkle.EMPTY_ROOT
        next_size = next(wanted, None)
    known_types = {registration.model._meta.label_lower for registration in ledgered_models()}
    unknown_types: set[str] = set()
    expected_seq = 0

    def leaves() -> Iterator[bytes]:
        nonlocal expected_seq
        for chunk in _entry_chunks():
            for row in chunk:
                yield _check_entry(row, expected_seq, problem, known_types, unknown_types)
                expected_seq = row.seq + 1
            progress.advance(len(chunk))

    last_at_level: list[bytes] = []
    window_end = 0
    stored: dict[tuple[int, int], bytes] = {}
    size = 0
    for level, index, h in merkle.tree_from_leaf_hashes(leaves()):
        if level == 0:
            size = index + 1
        leaf = _completing_leaf(level, index)
        if leaf >= window_end:
            _report_leftover_nodes(stored, problem)
            window_start = leaf - leaf % NODE_WINDOW
            window_end = window_start + NODE_WINDOW
            stored = _stored_nodes(window_start, window_end)
        found = stored.pop((level, index), None)
        if found is None:
            problem.node(f"树节点 ({level}, {index})", "缺失（重算的树中有此节点）")
        elif found != h:
            problem.node(f"树节点 ({level}, {index})", "与由记录重算的哈希不符")
        else:
            report.nodes += 1
        if level == len(last_at_level):
            last_at_level.append(h)
        else:
            last_at_level[level] = h
        # The node that completes a leaf's append comes last for that leaf: the tree of size ``size`` is whole when
        # the highest node completed by leaf ``size - 1`` has been seen.
        if level == (size ^ (size - 1)).bit_length() - 1:
            while next_size is not None and next_size == size:
                roots[size] = _root(last_at_level, size)
                next_size = next(wanted, None)
    _report_leftover_nodes(stored, problem)
    # Nodes beyond the recomputed tree (an entry deleted from the end, or a node inserted).
    max_level = Node.objects.aggregate(m=Max("level"))["m"]
    if max_level is not None:
        condition = Q()
        for level in range(max_level + 1):
            condition |= Q(level=level, index__gte=_first_index_from(level, max(window_end, size)))
        extra = Node.objects.filter(condition).order_by("level", "index").values_list("level", "index")
        for level, index in extra.iterator(chunk_size=1000):
            problem.node(f"树节点 ({level}, {index})", "多余（重算的树中没有此节点）")
    if problem.suppressed_nodes:
        problem("树节点", f"另有 {problem.suppressed_nodes} 个节点不符，未逐一列出")
    for subject_type in sorted(unknown_types):
        problem(f"对象类型 {subject_type}", "有记录，但该类型未登记为留痕模型（registry.register）")
    report.entries = size
    report.root = _root(last_at_level, size)
    return roots


def _report_leftover_nodes(stored: dict[tuple[int, int], bytes], problem: _Reporter) -> None:
    for level, index in sorted(stored):
        problem.node(f"树节点 ({level}, {index})", "多余（重算的树中没有此节点）")
    stored.clear()


def _fast_json(value: Any) -> bytes | None:
    """``json.dumps`` with sorted keys and no spaces: the RFC 8785 bytes for what the log holds (ASCII keys, strings,
    integers, no floats), at a tenth of the cost. None when it cannot serialise ``value``."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError, UnicodeEncodeError):
        return None


# The verifier's hot path. A hash is accepted when the fast serialisation hashes to the stored value — bytes that
# differ from the canonical ones could only do so by a SHA-256 preimage — and otherwise decided by RFC 8785 itself.


def _leaf_hash(row: _EntryRow) -> bytes:
    """The RFC 9162 leaf hash of the row's canonical leaf, rebuilt from its columns."""
    document = entry_leaf_document(row)
    fast = _fast_json(document)
    if fast is not None:
        leaf = merkle.leaf_hash(fast)
        if leaf.hex() == row.leaf_hash:
            return leaf
    return merkle.leaf_hash(canonical_json(document))


def _digest_matches(state: Any, digest: str) -> bool:
    fast = _fast_json(state)
    if fast is not None and hashlib.sha256(fast).hexdigest() == digest:
        return True
    try:
        return hashlib.sha256(canonical_json(state)).hexdigest() == digest
    except (TypeError, ValueError):
        return False


def _check_entry(
    row: _EntryRow, expected_seq: int, problem: _Reporter, known_types: set[str], unknown_types: set[str]
) -> bytes:
    name = f"记录 #{row.seq}"
    if row.seq != expected_seq:
        missing = f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}–#{row.seq - 1}"
        problem(name, f"编号不连续：缺少 {missing}")
    leaf = _leaf_hash(row)
    if leaf.hex() != row.leaf_hash:
        problem(name, f"内容与其叶子哈希不符（{row.action} {row.subject_type}:{row.subject_id}）")
    if not _digest_matches(row.state, row.digest):
        problem(name, f"保存的状态与摘要不符（{row.subject_type}:{row.subject_id}）")
    if row.subject_type not in known_types:
        unknown_types.add(row.subject_type)
    return leaf


# --- 2. checkpoints --------------------------------------------------------------------------------------------------


def _verify_checkpoints(report: Report, problem: _Reporter, progress: Progress, roots: dict[int, bytes]) -> None:
    from sanxiang.ledger.checkpoints import note_verify
    from sanxiang.ledger.signing import verifier_keys

    total = Checkpoint.objects.count()
    progress.phase("校验签名检查点", total)
    if not total:
        return
    keys = verifier_keys()
    nodes = DatabaseNodes()
    previous: tuple[int, bytes] | None = None
    last_id = 0
    last_size = -1
    while True:
        chunk = list(
            Checkpoint.objects.filter(Q(size__gt=last_size) | Q(size=last_size, id__gt=last_id))
            .order_by("size", "id")
            .values_list("id", "size", "root", "note")[:ROW_CHUNK]
        )
        if not chunk:
            break
        for checkpoint_id, size, root_hex, note in chunk:
            name = f"检查点 #{checkpoint_id}（大小 {size}）"
            report.checkpoints += 1
            try:
                _origin, signed_size, signed_root = note_verify(note, keys)
            except Exception as exc:  # any failure to verify is what we report
                problem(name, f"签名无效：{exc}")
                continue
            if signed_size != size or signed_root.hex() != root_hex:
                problem(name, "签名内容与检查点表中的大小或根哈希不符")
            recomputed = roots.get(signed_size)
            if recomputed is None:
                problem(name, f"大小超过日志（日志只有 {report.entries} 条记录）")
            elif recomputed != signed_root:
                problem(name, "根哈希与由记录重算的根不符")
            if previous is not None and 0 < previous[0] <= signed_size:
                try:
                    proof = (
                        [] if previous[0] == signed_size else merkle.consistency_proof(nodes, previous[0], signed_size)
                    )
                    merkle.verify_consistency(
                        size1=previous[0], size2=signed_size, root1=previous[1], root2=signed_root, proof=proof
                    )
                except (merkle.ProofError, merkle.MissingNodeError) as exc:
                    problem(name, f"与前一检查点（大小 {previous[0]}）不一致：{exc}")
            previous = (signed_size, signed_root)
        progress.advance(len(chunk))
        last_id, last_size = chunk[-1][0], chunk[-1][1]


# --- 3. ledgered rows ------------------------------------------------------------------------------------------------


class _Latest(NamedTuple):
    seq: int
    digest: str
    deleted: bool


def _latest_entries(label: str) -> dict[str, _Latest]:
    """The latest entry of every subject of one model, in one query."""
    last_seqs = Entry.objects.filter(subject_type=label).values("subject_id").annotate(m=Max("seq")).values("m")
    rows = Entry.objects.filter(subject_type=label, seq__in=last_seqs).values_list(
        "subject_id", "seq", "digest", "action"
    )
    return {
        subject_id: _Latest(seq, digest, action.endswith(DELETE_SUFFIX))
        for subject_id, seq, digest, action in rows.iterator(chunk_size=5000)
    }


def _m2m_sets(model: type[models.Model], pks: list[Any]) -> dict[str, dict[Any, list[Any]]]:
    """For each many-to-many field: the related ids of each of ``pks``, one query per field."""
    sets: dict[str, dict[Any, list[Any]]] = {}
    for m2m in model._meta.many_to_many:
        field: Any = m2m
        through: Any = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name()).attname
        target = through._meta.get_field(field.m2m_reverse_field_name()).attname
        by_pk: dict[Any, list[Any]] = {}
        for pk, related in through._default_manager.filter(**{f"{source}__in": pks}).values_list(source, target):
            by_pk.setdefault(pk, []).append(related)
        sets[m2m.name] = by_pk
    return sets


def batch_state(
    registration: Ledgered, instance: models.Model, m2m_sets: dict[str, dict[Any, list[Any]]]
) -> dict[str, JSONValue]:
    """``registration.state(instance)`` with the many-to-many sets given (``core.canonical.canonical_state`` would
    query each row's sets one by one). The tests hold it equal to ``registration.state`` for every ledgered model."""
    opts = instance._meta
    state: dict[str, JSONValue] = {f.attname: to_json_value(getattr(instance, f.attname)) for f in opts.concrete_fields}
    for m2m in opts.many_to_many:
        ids = m2m_sets.get(m2m.name, {}).get(instance.pk, [])
        state[m2m.name] = sorted(to_json_value(pk) for pk in ids)  # type: ignore[type-var]
    for name in registration.exclude:
        state.pop(name, None)
    return state


def _batch_digest(registration: Ledgered, row: models.Model, sets: dict[str, dict[Any, list[Any]]]) -> str:
    return state_digest(batch_state(registration, row, sets))


def _rows(model: type[models.Model]) -> Iterator[list[models.Model]]:
    manager = model._base_manager
    last: Any = None
    while True:
        qs = manager.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        chunk = list(qs[:ROW_CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _verify_rows(registration: Ledgered, report: Report, problem: _Reporter, progress: Progress) -> None:
    model = registration.model
    label = model._meta.label_lower
    progress.phase(f"校验数据行 {label}", model._base_manager.count())
    latest = _latest_entries(label)
    for chunk in _rows(model):
        sets = _m2m_sets(model, [row.pk for row in chunk]) if model._meta.many_to_many else {}
        for row in chunk:
            report.rows += 1
            entry = latest.pop(str(row.pk), None)
            message = _mismatch(entry, partial(_batch_digest, registration, row, sets))
            if message is not None:
                message = _read_again(registration, row.pk)
            if message is not None:
                problem(f"{label}:{row.pk}", message)
        progress.advance(len(chunk))
    gone = sorted(
        ((subject_id, entry) for subject_id, entry in latest.items() if not entry.deleted), key=lambda item: item[1].seq
    )
    for subject_id, entry in gone:
        if not model._base_manager.filter(pk=_to_pk(model, subject_id)).exists():
            problem(
                f"{label}:{subject_id}",
                f"该行已不存在，但最近记录 #{entry.seq} 未记载删除（可能是绕过系统直接删除的行）",
            )


def _mismatch(entry: _Latest | None, current_digest: Callable[[], str]) -> str | None:
    if entry is None:
        return "没有任何记录（可能是绕过系统直接插入的行）"
    if entry.deleted:
        return f"最近记录 #{entry.seq} 为删除，但该行仍存在"
    if current_digest() != entry.digest:
        return f"当前状态与最近记录不符（记录 #{entry.seq}）"
    return None


def _read_again(registration: Ledgered, pk: Any) -> str | None:
    """Read one row and its latest entry again before reporting it: a service may have changed both since the batch
    was read (SQLite reads without a snapshot; under PostgreSQL's snapshot this only confirms the mismatch)."""
    model = registration.model
    row = model._base_manager.filter(pk=pk).first()
    if row is None:
        return None
    latest = (
        Entry.objects.filter(subject_type=model._meta.label_lower, subject_id=str(pk))
        .order_by("-seq")
        .values_list("seq", "digest", "action")
        .first()
    )
    entry = None if latest is None else _Latest(latest[0], latest[1], latest[2].endswith(DELETE_SUFFIX))
    return _mismatch(entry, lambda: state_digest(registration.state(row)))


def _to_pk(model: type[models.Model], subject_id: str) -> Any:
    try:
        pk: Any = model._meta.pk
        return pk.to_python(subject_id)
    except Exception:  # a subject id that is not a valid key names no row
        return None


# --- 4. files --------------------------------------------------------------------------------------------------------


def _verify_files(report: Report, problem: _Reporter, progress: Progress) -> None:
    from sanxiang.ledger.evidence import evidence_storage, hash_stream  # the evidence store, only when asked

    storage = evidence_storage()
    progress.phase("重新计算证据文件哈希", Blob.objects.aggregate(s=Sum("size"))["s"] or 0)
    last = ""
    while True:
        chunk = list(
            Blob.objects.filter(sha256__gt=last)
            .order_by("sha256")
            .values_list("sha256", "sm3", "size", "storage_name")[:ROW_CHUNK]
        )
        if not chunk:
            return
        for sha256, sm3, size, storage_name in chunk:
            name = f"文件 {sha256}"
            report.files += 1
            try:
                with storage.open(storage_name, "rb") as stream:
                    got = hash_stream(stream)
                got_sha, got_sm3, got_size = got.sha256, got.sm3, got.size
            except (OSError, ValueError) as exc:
                problem(name, f"无法读取存储的文件 {storage_name}：{exc}")
                progress.advance(size)
                continue
            if got_sha != sha256:
                problem(name, f"存储的文件 {storage_name} 的 SHA-256 不符（实为 {got_sha}）")
            if got_sm3 != sm3:
                problem(name, f"存储的文件 {storage_name} 的 SM3 不符（实为 {got_sm3}）")
            if got_size != size:
                problem(name, f"存储的文件 {storage_name} 的大小不符（记为 {size}，实为 {got_size}）")
            progress.advance(size)
        last = chunk[-1][0]
