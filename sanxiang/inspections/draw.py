"""The verifiable random draw (双随机抽取), as a pure deterministic function. Specification: docs/draw.md.

Before the draw the bureau publishes ``commitment(...)``: the hash of its secret 32-byte seed bound to the hashes of
the target pool, the inspector pool and the draw parameters (the "plan"). At the draw an observer enters a value of
their own; ``final_seed`` mixes it into the bureau's seed, and ``draw`` is a documented function of the final seed and
the three committed documents, so anyone holding the published JSON can recompute it (``verify`` here, or the
standard-library script docs/draw_verify.py, which is a second, deliberately plain implementation of docs/draw.md —
the tests check both agree).

Nothing here touches the database: the caller builds the snapshots (lists of dicts) and the plan.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import secrets
import struct
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, count, filterfalse, islice, pairwise
from operator import itemgetter, lt
from typing import Any

from django.core.exceptions import ValidationError

VERSION = "sanxiang-draw-v1"
COMMITMENT_LABEL = b"sanxiang-draw-v1/commitment"
STREAM_LABEL = b"sanxiang-draw-v1/stream"
MAX_SAFE_INTEGER = 2**53 - 1
TWO64 = 1 << 64
BLOCKS_PER_BATCH = 512  # SHA-256 blocks computed at a time (4 numbers each); only speed depends on it
PLAN_KEYS = frozenset(
    {"classes", "inspectors_per_target", "yearly_cap", "inspected_this_year", "conflicts", "regions", "sectors"}
)
RATIO_RE = re.compile(r"(?:0|1)(?:\.[0-9]{1,6})?")
OBSERVER_MAX = 200


class DrawError(ValidationError):
    """Bad input to the draw; the message is Chinese and says what is wrong."""


# --- canonical JSON and hashes -----------------------------------------------------------------------------------


def _check_json(value: Any, where: str) -> None:
    """Only the JSON values whose serialisation below equals RFC 8785: strings, safe integers, booleans, null,
    lists and objects with ASCII keys. Floats are refused (ratios are decimal strings)."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DrawError(f"{where}含有无法编码为 UTF-8 的字符。") from None
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise DrawError(f"{where}的整数超出 ±(2^53−1)。")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise DrawError(f"{where}的字段名必须是 ASCII 字符串。")
            _check_json(item, where)
        return
    raise DrawError(f"{where}含有不允许的值（{type(value).__name__}）：只允许字符串、整数、布尔、null、列表和对象。")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 JSON for the values ``_check_json`` admits: sorted keys, no spaces, UTF-8, minimal escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        raise DrawError("数据含有无法编码为 UTF-8 的字符。") from None


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _require_ids(items: Sequence[Mapping[str, Any]], what: str) -> list[str]:
    ids = []
    for item in items:
        if not isinstance(item, Mapping):
            raise DrawError(f"{what}的每一项必须是对象。")
        ident = item.get("id")
        if not isinstance(ident, str) or not ident:
            raise DrawError(f"{what}的每一项必须有非空字符串 id。")
        ids.append(ident)
    return ids


def canonical_snapshot(items: Sequence[Mapping[str, Any]], what: str = "名录") -> list[dict[str, Any]]:
    """The snapshot as it is hashed and published: every item a dict, the list sorted by ``id`` (code point order),
    ids unique and non-empty strings, only the JSON values of ``_check_json``."""
    if not all(isinstance(item, dict) for item in items):
        if not all(isinstance(item, Mapping) for item in items):
            raise DrawError(f"{what}的每一项必须是对象。")
        items = [dict(item) for item in items]
    in_order, _ = _ids_in_order(items, what)
    ordered: list[dict[str, Any]] = list(in_order)  # type: ignore[arg-type]  # dicts: checked above
    # Checked column-wise: field names once, then only the values that are not plain strings (an inspector's
    # regions, an integer) one by one. Strings are checked for UTF-8 when serialised.
    if not all(type(key) is str and key.isascii() for key in set(chain.from_iterable(ordered))):
        raise DrawError(f"{what}的字段名必须是 ASCII 字符串。")
    if set(map(type, chain.from_iterable(map(dict.values, ordered)))) - {str}:
        for item in ordered:
            for value in item.values():
                if type(value) is not str:
                    _check_json(value, what)
    return ordered


def snapshot_hash(items: Sequence[Mapping[str, Any]], what: str = "名录") -> str:
    """SHA-256 (lowercase hex) of the canonical JSON of the canonical snapshot."""
    return _sha256_hex(canonical_json(canonical_snapshot(items, what)))


def seed_hash(bureau_seed: bytes) -> str:
    _check_seed(bureau_seed)
    return _sha256_hex(bureau_seed)


def new_seed() -> bytes:
    """The bureau's secret seed: 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(32)


def _check_seed(bureau_seed: bytes) -> None:
    if not isinstance(bureau_seed, bytes) or len(bureau_seed) != 32:
        raise DrawError("抽取种子必须是 32 字节。")


def _hex32(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise DrawError(f"{what}必须是 64 位小写十六进制 SHA-256 值。")
    return bytes.fromhex(value)


def commitment(seed_sha256: str, targets_sha256: str, inspectors_sha256: str, plan_sha256: str) -> str:
    """SHA-256(label ‖ seed hash ‖ targets hash ‖ inspectors hash ‖ plan hash), each hash as its 32 raw bytes."""
    return _sha256_hex(
        COMMITMENT_LABEL
        + _hex32(seed_sha256, "种子哈希")
        + _hex32(targets_sha256, "检查对象名录哈希")
        + _hex32(inspectors_sha256, "检查人员名录哈希")
        + _hex32(plan_sha256, "抽查参数哈希")
    )


def final_seed(bureau_seed: bytes, observer_value: str) -> bytes:
    """SHA-256(bureau seed ‖ observer value as UTF-8), 32 raw bytes."""
    _check_seed(bureau_seed)
    return hashlib.sha256(bureau_seed + _observer_bytes(observer_value)).digest()


def _observer_bytes(observer_value: str) -> bytes:
    if not isinstance(observer_value, str) or not observer_value.strip():
        raise DrawError("请输入监督人员的随机值（不能为空）。")
    if len(observer_value) > OBSERVER_MAX:
        raise DrawError(f"监督人员的随机值不能超过 {OBSERVER_MAX} 个字符。")
    try:
        return observer_value.encode("utf-8")
    except UnicodeEncodeError:
        raise DrawError("监督人员的随机值含有无法编码为 UTF-8 的字符。") from None


# --- the plan ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassQuota:
    risk: str
    count: int | None  # exactly one of count and ratio
    ratio: tuple[int, int] | None  # numerator, 10**decimals


@dataclass(frozen=True)
class Plan:
    classes: tuple[ClassQuota, ...]
    inspectors_per_target: int
    yearly_cap: int
    inspected_this_year: dict[str, int]
    conflicts: frozenset[tuple[str, str]]
    regions: frozenset[str] | None
    sectors: frozenset[str] | None


def _int(value: Any, minimum: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value > MAX_SAFE_INTEGER:
        raise DrawError(message)
    return value


def _str_list(value: Any, message: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DrawError(message)
    return list(value)


def canonical_plan(plan: Mapping[str, Any], *, for_hashing: bool = True) -> dict[str, Any]:
    """The plan as it is hashed and published: checked, defaults filled in, lists of codes sorted and deduplicated,
    conflicts as sorted unique ``[inspector id, target id]`` pairs. ``classes`` keeps its order (it is the drawing
    order)."""
    if not isinstance(plan, Mapping):
        raise DrawError("抽查参数必须是对象。")
    unknown = sorted(set(plan) - PLAN_KEYS)
    if unknown:
        raise DrawError(f"抽查参数含有未知字段：{'、'.join(map(str, unknown))}。")
    classes = plan.get("classes")
    if not isinstance(classes, list | tuple) or not classes:
        raise DrawError("抽查参数必须列出至少一个风险等级（classes）。")
    out_classes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in classes:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("risk"), str) or not entry["risk"]:
            raise DrawError("每个风险等级必须有非空字符串 risk。")
        risk = entry["risk"]
        if risk in seen:
            raise DrawError(f"风险等级重复：{risk}。")
        seen.add(risk)
        if set(entry) - {"risk", "count", "ratio"} or (("count" in entry) == ("ratio" in entry)):
            raise DrawError(f"风险等级 {risk} 必须且只能给出抽取数量（count）或抽取比例（ratio）之一。")
        if "count" in entry:
            count = _int(entry["count"], 0, f"风险等级 {risk} 的抽取数量必须是非负整数。")
            out_classes.append({"risk": risk, "count": count})
        else:
            ratio = entry["ratio"]
            if not isinstance(ratio, str) or not RATIO_RE.fullmatch(ratio) or _ratio(ratio)[0] > _ratio(ratio)[1]:
                raise DrawError(
                    f'风险等级 {risk} 的抽取比例必须在 0 到 1 之间，写作最多六位小数的字符串（如 "0.05"）。'
                )
            out_classes.append({"risk": risk, "ratio": ratio})
    per_target = _int(plan.get("inspectors_per_target", 2), 2, "每个检查对象至少要抽取 2 名检查人员。")
    cap = _int(plan.get("yearly_cap", 2), 1, "年度检查次数上限必须是正整数。")
    counts_in = plan.get("inspected_this_year", [])
    if isinstance(counts_in, Mapping):  # accepted as a mapping; published as sorted [id, count] pairs
        counts_in = list(counts_in.items())
    if not isinstance(counts_in, list | tuple):
        raise DrawError("本年度已检查次数（inspected_this_year）必须是 [检查对象 id, 次数] 的列表。")
    counts: dict[str, int] = {}
    for pair in counts_in:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not isinstance(pair[0], str) or not pair[0]:
            raise DrawError("本年度已检查次数的每一项必须是 [检查对象 id, 次数]。")
        if pair[0] in counts:
            raise DrawError(f"本年度已检查次数中检查对象重复：{pair[0]}。")
        counts[pair[0]] = _int(pair[1], 0, f"检查对象 {pair[0]} 的本年度已检查次数必须是非负整数。")
    conflicts_in = plan.get("conflicts", [])
    if not isinstance(conflicts_in, list | tuple):
        raise DrawError("回避名单（conflicts）必须是 [检查人员 id, 检查对象 id] 的列表。")
    pairs: set[tuple[str, str]] = set()
    for pair in conflicts_in:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(x, str) and x for x in pair):
            raise DrawError("回避名单的每一项必须是 [检查人员 id, 检查对象 id]。")
        pairs.add((pair[0], pair[1]))
    out: dict[str, Any] = {
        "classes": out_classes,
        "inspectors_per_target": per_target,
        "yearly_cap": cap,
        "inspected_this_year": [[key, counts[key]] for key in sorted(counts)],
        "conflicts": [list(p) for p in sorted(pairs)],
    }
    for key, label in (("regions", "区域"), ("sectors", "行业")):
        if plan.get(key) is not None:
            out[key] = sorted(set(_str_list(plan[key], f"{label}范围（{key}）必须是字符串列表。")))
    if for_hashing:  # only the serialisation needs this (UTF-8 encodable strings); the draw does not
        _check_json(out, "抽查参数")
    return out


def plan_hash(plan: Mapping[str, Any]) -> str:
    return _sha256_hex(canonical_json(canonical_plan(plan)))


def _ratio(text: str) -> tuple[int, int]:
    whole, _, frac = text.partition(".")
    scale = 10 ** len(frac)
    return int(whole) * scale + (int(frac) if frac else 0), scale


def _parse_plan(plan: Mapping[str, Any]) -> Plan:
    p = canonical_plan(plan, for_hashing=False)
    return Plan(
        classes=tuple(
            ClassQuota(c["risk"], c.get("count"), _ratio(c["ratio"]) if "ratio" in c else None) for c in p["classes"]
        ),
        inspectors_per_target=p["inspectors_per_target"],
        yearly_cap=p["yearly_cap"],
        inspected_this_year=dict(p["inspected_this_year"]),
        conflicts=frozenset((a, b) for a, b in p["conflicts"]),
        regions=frozenset(p["regions"]) if "regions" in p else None,
        sectors=frozenset(p["sectors"]) if "sectors" in p else None,
    )


def quota(q: ClassQuota, eligible: int) -> int:
    """How many targets of a class are drawn from ``eligible``: the count, or ceil(eligible × ratio); never more
    than eligible."""
    if q.ratio is not None:
        num, scale = q.ratio
        return min(eligible, -(-eligible * num // scale))
    assert q.count is not None
    return min(eligible, q.count)


# --- the random stream -------------------------------------------------------------------------------------------


def stream(seed: bytes) -> Iterator[int]:
    """Unsigned 64-bit integers: block b = SHA-256(seed ‖ STREAM_LABEL ‖ b as 8-byte big-endian), b = 0, 1, …;
    each block's 32 bytes are four big-endian integers, in order."""
    prefix = hashlib.sha256(seed + STREAM_LABEL)  # copied per block: the shared prefix is hashed once
    pack = struct.Struct(">Q").pack
    unpack = struct.Struct(f">{4 * BLOCKS_PER_BATCH}Q").unpack

    def batch(first: int) -> tuple[int, ...]:
        digests = []
        for b in range(first, first + BLOCKS_PER_BATCH):
            h = prefix.copy()
            h.update(pack(b))
            digests.append(h.digest())
        return unpack(b"".join(digests))

    # chain/map/count iterate in C: next() on the result costs no Python frame.
    return chain.from_iterable(map(batch, count(0, BLOCKS_PER_BATCH)))


def rejection_limit(n: int) -> int:
    """The largest multiple of n not above 2^64: a 64-bit x is accepted iff x < limit, then the result is x mod n.
    Every residue then has exactly limit / n preimages."""
    if n < 1:
        raise ValueError("n must be positive")
    return TWO64 - TWO64 % n


def uniform(numbers: Iterator[int], n: int) -> int:
    """An integer in [0, n), uniform: the next stream number below ``rejection_limit(n)``, modulo n. Always takes
    at least one number, also for n = 1."""
    limit = rejection_limit(n)
    for x in numbers:
        if x < limit:
            return x % n
    raise AssertionError("the stream is infinite")


# --- the draw ----------------------------------------------------------------------------------------------------


@dataclass
class Draw:
    targets: list[str] = field(default_factory=list)  # selected target ids, in selection order
    inspectors: list[list[str]] = field(default_factory=list)  # for each, its inspector ids in drawing order

    def selection(self) -> list[dict[str, Any]]:
        """The published form: ``[{"target": id, "inspectors": [ids]}, ...]``."""
        return [{"target": t, "inspectors": list(i)} for t, i in zip(self.targets, self.inspectors, strict=True)]


def _ids_in_order(items: Sequence[Mapping[str, Any]], what: str) -> tuple[Sequence[Mapping[str, Any]], list[str]]:
    """The items in id order and their ids; sorts only when they are not already strictly increasing (a snapshot
    is stored sorted), so the usual cost is one pass. Duplicate, missing, empty or non-string ids raise."""
    try:
        ids = list(map(itemgetter("id"), items))
    except (KeyError, TypeError):
        raise DrawError(f"{what}的每一项必须是带 id 的对象。") from None
    try:
        increasing = all(map(lt, ids, islice(ids, 1, None)))
    except TypeError:
        raise DrawError(f"{what}的 id 必须是字符串。") from None
    if not increasing:
        items = sorted(items, key=itemgetter("id"))
        ids = list(map(itemgetter("id"), items))
        for a, b in pairwise(ids):
            if a == b:
                raise DrawError(f"{what}中 id 重复：{a}。")
    if ids and (type(ids[0]) is not str or not ids[0]):  # with the comparisons above: every id is a string
        raise DrawError(f"{what}的每一项必须有非空字符串 id。")
    return items, ids


@dataclass(frozen=True)
class TargetPool:
    """A target snapshot in id order, as columns, with the positions of each risk class (in id order). Built once
    when the snapshot is taken (``target_pool``); every draw from the same snapshot reuses it."""

    ids: list[str]
    risks: list[str]
    regions: list[str]
    sectors: list[str]
    by_risk: dict[str, list[int]]


@dataclass(frozen=True)
class InspectorPool:
    """An inspector snapshot in id order, with the positions of the inspectors covering each region (in id order)."""

    ids: list[str]
    by_region: dict[str, list[int]]


def target_pool(items: Sequence[Mapping[str, Any]] | TargetPool) -> TargetPool:
    if isinstance(items, TargetPool):
        return items
    items, ids = _ids_in_order(items, "检查对象名录")
    try:
        risks = list(map(itemgetter("risk"), items))
        regions = list(map(itemgetter("region"), items))
        sectors = list(map(itemgetter("sector"), items))
    except KeyError as exc:
        raise DrawError(f"检查对象名录的每一项必须有 {exc.args[0]} 字段。") from None
    by_risk: dict[str, list[int]] = {}
    appenders: dict[str, Any] = {}
    for index, risk in enumerate(risks):
        add = appenders.get(risk)
        if add is None:
            if not isinstance(risk, str):
                raise DrawError(f"检查对象 {ids[index]} 的风险等级必须是字符串。")
            add = appenders[risk] = by_risk.setdefault(risk, []).append
        add(index)
    try:
        labels = set(regions) | set(sectors)
    except TypeError:  # unhashable: a list or an object
        labels = {None}
    if not all(type(x) is str for x in labels):
        raise DrawError("检查对象名录的区域和行业必须是字符串。")
    return TargetPool(ids, risks, regions, sectors, by_risk)


def inspector_pool(items: Sequence[Mapping[str, Any]] | InspectorPool) -> InspectorPool:
    if isinstance(items, InspectorPool):
        return items
    items, ids = _ids_in_order(items, "检查人员名录")
    by_region: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        regions = item.get("regions")
        if not isinstance(regions, list | tuple) or not all(isinstance(r, str) for r in regions):
            raise DrawError(f"检查人员 {ids[index]} 必须有区域列表（regions：字符串列表）。")
        for region in set(regions):
            by_region.setdefault(region, []).append(index)
    return InspectorPool(ids, by_region)


def draw(
    seed: bytes,
    targets: Sequence[Mapping[str, Any]] | TargetPool,
    inspectors: Sequence[Mapping[str, Any]] | InspectorPool,
    plan: Mapping[str, Any],
) -> Draw:
    """The selection: a deterministic function of the final seed, the two snapshots and the plan (docs/draw.md).
    The snapshots are lists of dicts, or pools prepared from them by ``target_pool`` / ``inspector_pool``."""
    # The draw makes no reference cycles; pausing the cyclic collector keeps it from walking a million-item
    # snapshot again and again while the draw allocates its lists (a third of the time otherwise).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _draw(seed, targets, inspectors, plan)
    finally:
        if collecting:
            gc.enable()


def _draw(
    seed: bytes,
    targets: Sequence[Mapping[str, Any]] | TargetPool,
    inspectors: Sequence[Mapping[str, Any]] | InspectorPool,
    plan: Mapping[str, Any],
) -> Draw:
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise DrawError("最终种子必须是 32 字节。")
    p = _parse_plan(plan)
    tp = target_pool(targets)
    ip = inspector_pool(inspectors)
    target_ids = tp.ids
    nxt = stream(seed).__next__

    # 1. Eligible targets per class, in id order: in the plan's regions and sectors (when given) and inspected
    #    fewer than yearly_cap times this year.
    capped: set[int] = set()
    for tid, done in p.inspected_this_year.items():
        if done >= p.yearly_cap:
            at = bisect_left(target_ids, tid)
            if at < len(target_ids) and target_ids[at] == tid:
                capped.add(at)
    wanted: dict[str, list[int]] = {}
    for q in p.classes:
        members: Iterable[int] = tp.by_risk.get(q.risk, [])
        if p.regions is not None:
            members = compress(members, map(p.regions.__contains__, map(tp.regions.__getitem__, members)))
        if p.sectors is not None:
            members = list(members)
            members = compress(members, map(p.sectors.__contains__, map(tp.sectors.__getitem__, members)))
        if capped:
            members = filterfalse(capped.__contains__, members)
        wanted[q.risk] = members if isinstance(members, list) else list(members)

    # 2. Per class, in the plan's order: a partial Fisher–Yates shuffle of the eligible list (kept sparse: only
    #    the moved positions are stored, the list itself is not copied).
    chosen: list[int] = []
    for q in p.classes:
        pool = wanted[q.risk]
        n = len(pool)
        moved: dict[int, int] = {}
        get = moved.get
        for i in range(quota(q, n)):
            m = n - i
            limit = TWO64 - TWO64 % m
            x = nxt()
            while x >= limit:
                x = nxt()
            j = i + x % m
            picked = get(j, j)
            moved[j] = get(i, i)
            chosen.append(pool[picked])

    # 3. Inspectors for each selected target, in selection order: k distinct ones, drawn from the inspectors
    #    covering the target's region (id order), skipping conflicts and those already drawn for this target.
    conflicts_of: dict[str, set[int]] = {}
    if p.conflicts:
        inspector_ids = ip.ids
        for inspector_id, target_id in p.conflicts:
            at = bisect_left(inspector_ids, inspector_id)
            if at < len(inspector_ids) and inspector_ids[at] == inspector_id:
                conflicts_of.setdefault(target_id, set()).add(at)
    k = p.inspectors_per_target
    limits: dict[int, int] = {}
    region_sets: dict[str, set[int]] = {}
    by_region = ip.by_region
    regions = tp.regions
    no_list: list[int] = []
    out_targets: list[str] = []
    out_inspectors: list[list[int]] = []
    for t in chosen:
        tid = target_ids[t]
        region = regions[t]
        eligible = by_region.get(region, no_list)
        n = len(eligible)
        bad = conflicts_of.get(tid)
        available = n
        if bad:
            members_set = region_sets.get(region)
            if members_set is None:
                members_set = region_sets[region] = set(eligible)
            available = n - len(bad & members_set)
        if available < k:
            raise DrawError(
                f"检查对象 {tid} 可抽取的检查人员只有 {available} 名（覆盖其区域且无回避关系），少于每个对象 {k} 名。"
            )
        below = limits.get(n)
        if below is None:
            below = limits[n] = TWO64 - TWO64 % n
        got: list[int] = []
        while len(got) < k:
            x = nxt()
            while x >= below:
                x = nxt()
            cand = eligible[x % n]
            if cand in got or (bad and cand in bad):
                continue
            got.append(cand)
        out_targets.append(tid)
        out_inspectors.append(got)
    names = ip.ids
    return Draw(out_targets, [[names[i] for i in got] for got in out_inspectors])


# --- publication and verification --------------------------------------------------------------------------------


def prepare(
    bureau_seed: bytes,
    targets: Sequence[Mapping[str, Any]],
    inspectors: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any],
) -> dict[str, Any]:
    """What is published before the draw: the four hashes and the commitment (the seed stays secret)."""
    s = seed_hash(bureau_seed)
    t = snapshot_hash(targets, "检查对象名录")
    i = snapshot_hash(inspectors, "检查人员名录")
    p = plan_hash(plan)
    return {
        "version": VERSION,
        "seed_sha256": s,
        "targets_sha256": t,
        "inspectors_sha256": i,
        "plan_sha256": p,
        "commitment": commitment(s, t, i, p),
    }


def publish(
    bureau_seed: bytes,
    observer_value: str,
    targets: Sequence[Mapping[str, Any]],
    inspectors: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any],
) -> dict[str, Any]:
    """Carry out the draw and return the JSON document published afterwards (the input of ``verify`` and of
    docs/draw_verify.py)."""
    doc = prepare(bureau_seed, targets, inspectors, plan)
    t = canonical_snapshot(targets, "检查对象名录")
    i = canonical_snapshot(inspectors, "检查人员名录")
    p = canonical_plan(plan)
    result = draw(final_seed(bureau_seed, observer_value), t, i, p)
    doc.update(
        bureau_seed=bureau_seed.hex(),
        observer_value=observer_value,
        targets=t,
        inspectors=i,
        plan=p,
        selection=result.selection(),
    )
    return doc


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    selection: list[dict[str, Any]] | None


def verify(published: Mapping[str, Any]) -> Verification:
    """Recompute everything from a published draw; ``problems`` names each mismatch (in Chinese)."""
    problems: list[str] = []
    try:
        seed = bytes.fromhex(published["bureau_seed"])
        s = seed_hash(seed)
        t = snapshot_hash(published["targets"], "检查对象名录")
        i = snapshot_hash(published["inspectors"], "检查人员名录")
        p = plan_hash(published["plan"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verification(False, [f"发布数据不完整或格式错误：{exc}"], None)
    except ValidationError as exc:
        return Verification(False, [f"发布数据不完整或格式错误：{'；'.join(exc.messages)}"], None)
    for name, value, label in (
        ("seed_sha256", s, "种子与承诺时公布的种子哈希不符"),
        ("targets_sha256", t, "检查对象名录与承诺时的哈希不符（名录在承诺后被改动）"),
        ("inspectors_sha256", i, "检查人员名录与承诺时的哈希不符（名录在承诺后被改动）"),
        ("plan_sha256", p, "抽查参数与承诺时的哈希不符"),
    ):
        if published.get(name) != value:
            problems.append(label)
    try:
        if published.get("commitment") != commitment(
            str(published.get("seed_sha256")),
            str(published.get("targets_sha256")),
            str(published.get("inspectors_sha256")),
            str(published.get("plan_sha256")),
        ):
            problems.append("承诺值与公布的各哈希不符")
        result = draw(
            final_seed(seed, published.get("observer_value")),  # type: ignore[arg-type]
            published["targets"],
            published["inspectors"],
            published["plan"],
        ).selection()
    except ValidationError as exc:
        return Verification(False, [*problems, *exc.messages], None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Verification(False, [*problems, f"发布数据不完整或格式错误：{exc}"], None)
    if published.get("selection") != result:
        problems.append("公布的抽取结果与重新计算的结果不符")
    return Verification(not problems, problems, result)
