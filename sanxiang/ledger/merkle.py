"""RFC 9162 §2.1 Merkle trees over stored perfect-subtree hashes: roots, proofs, verification, streaming rebuilds.

Pure algorithms: standard library only, no Django, no database.

Hashing (SHA-256): ``leaf_hash(d) = H(0x00 || d)``, ``node_hash(l, r) = H(0x01 || l || r)``, the empty tree's root is
``H(b"")``. Every hash is 32 ``bytes``.

Storage convention. The tree is kept as the hashes of its *perfect* subtrees: node ``(level, index)`` is the hash of
the complete subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. A node
is stored once its subtree is complete and never changes afterwards, so the store is append-only. The right edge of a
tree whose size is not a power of two is folded on the fly from O(log n) stored nodes: ``MTH(D[start:end])`` for any
range the RFC's recursion produces is the right-to-left fold of the perfect subtrees decomposing it (largest first).

Reading. Every function that reads the store first works out the full set of node keys it needs (O(log n)) and asks
the ``NodeReader`` for them in a single ``get_nodes`` call.

Appending leaf ``i`` (the tree grows from ``i`` to ``i + 1`` leaves) completes the leaf node ``(0, i)`` and one parent
per trailing 1-bit of ``i``; ``sibling_keys_for_append(i)`` names the left siblings those parents need (all already
stored) and ``nodes_completed_by_append(i, leaf_hash, siblings)`` returns the ``(level, index, hash)`` rows to store.
For a batch, fetch ``frontier_keys(size)`` once and stream ``nodes_completed_by_batch``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import zip_longest
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryNodeStore",
    "MissingNodeError",
    "Node",
    "NodeKey",
    "NodeReader",
    "ProofError",
    "compute_root_from_leaves",
    "compute_root_streaming",
    "consistency_proof",
    "frontier_keys",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "nodes_completed_by_append",
    "nodes_completed_by_batch",
    "root",
    "sibling_keys_for_append",
    "subtree_keys",
    "tree_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""``(level, index)``: the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""

Node = tuple[int, int, bytes]
"""``(level, index, hash)``: a stored node."""

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof, hash or size failed verification."""


class MissingNodeError(LookupError):
    """The store lacks nodes the computation needs (typically: a size larger than the stored tree)."""

    def __init__(self, keys: Sequence[NodeKey]) -> None:
        self.keys = list(keys)
        shown = ", ".join(f"({level}, {index})" for level, index in self.keys[:5])
        more = f" and {len(self.keys) - 5} more" if len(self.keys) > 5 else ""
        super().__init__(f"missing Merkle tree nodes: {shown}{more}")


class NodeReader(Protocol):
    def get_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        """The hashes of the requested nodes that exist, keyed by ``(level, index)``; missing ones are left out."""
        ...


# --- hashing -------------------------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || data)``."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two strictly smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_keys(start: int, end: int) -> list[NodeKey]:
    """Keys of the perfect subtrees decomposing ``[start, end)``, left to right (largest first).

    ``start`` must be a multiple of the largest power of two not above ``end - start``, which holds for the prefix
    ``[0, size)`` and for every range the RFC's recursion visits.
    """
    if start < 0 or end < start:
        raise ValueError(f"need 0 <= start <= end, got start={start} end={end}")
    keys: list[NodeKey] = []
    n = end - start
    pos = start
    while n:
        level = n.bit_length() - 1
        keys.append((level, pos >> level))
        step = 1 << level
        pos += step
        n -= step
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right-to-left fold of a decomposition into perfect subtrees: the MTH of their concatenation."""
    sha = _sha256
    acc = hashes[-1]
    for i in range(len(hashes) - 2, -1, -1):
        acc = sha(b"\x01" + hashes[i] + acc).digest()
    return acc


def _fetch(reader: NodeReader, keys: list[NodeKey]) -> dict[NodeKey, bytes]:
    found = reader.get_nodes(keys)
    if len(found) < len(keys):
        missing = [key for key in keys if key not in found]
        if missing:
            raise MissingNodeError(missing)
    return found


def _range_hashes(reader: NodeReader, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, from stored nodes fetched in one ``get_nodes`` call."""
    decompositions = [subtree_keys(start, end) for start, end in ranges]
    keys = [key for keys in decompositions for key in keys]
    if not keys:
        return []
    found = _fetch(reader, keys)
    out: list[bytes] = []
    for keys in decompositions:
        if len(keys) == 1:
            out.append(found[keys[0]])
        else:
            out.append(fold([found[key] for key in keys]))
    return out


# --- reading: roots and proofs ---------------------------------------------------------------------------------------


def root(reader: NodeReader, size: int) -> bytes:
    """MTH of the first ``size`` leaves (RFC 9162 §2.1.1), from at most log2(size) + 1 stored nodes."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, not {size}")
    if size == 0:
        return EMPTY_ROOT
    return _range_hashes(reader, [(0, size)])[0]


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1 (bottom-up), for any stored ``size > index``."""
    if not 0 <= index < size:
        raise ValueError(f"need 0 <= index < size, got index={index} size={size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _largest_power_of_two_below(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return _range_hashes(reader, ranges)


def consistency_proof(reader: NodeReader, size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1 (SUBPROOF with the ``b`` flag), for ``0 < size1 <= size2``."""
    if not 0 < size1 <= size2:
        raise ValueError(f"need 0 < size1 <= size2, got size1={size1} size2={size2}")
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    ranges.reverse()
    return _range_hashes(reader, ranges)


# --- verification ----------------------------------------------------------------------------------------------------


def _hash_arg(value: object, what: str) -> bytes:
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    if not isinstance(value, bytes):
        raise ProofError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, not {len(value)}")
    return value


def _proof_arg(proof: object) -> list[bytes]:
    if isinstance(proof, str | bytes | bytearray | memoryview) or not isinstance(proof, Sequence):
        raise ProofError(f"proof must be a sequence of hashes, not {type(proof).__name__}")
    return [_hash_arg(p, f"proof[{i}]") for i, p in enumerate(proof)]


def _size_arg(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{what} must be an integer, not {type(value).__name__}")
    return value


def verify_inclusion(*, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check an inclusion proof exactly as RFC 9162 §2.1.3.2; raise ``ProofError`` on any failure.

    Also rejects: a hash (leaf, root, proof element) that is not exactly 32 bytes; ``index`` outside ``[0, size)``.
    A proof longer or shorter than the sizes imply fails by the algorithm's own ``sn`` checks.
    """
    index = _size_arg(index, "index")
    size = _size_arg(size, "size")
    r = _hash_arg(leaf_hash, "leaf hash")
    expected = _hash_arg(root, "root")
    path = _proof_arg(proof)
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    sha = _sha256
    fn, sn = index, size - 1
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = sha(b"\x01" + p + r).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = sha(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != expected:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(*, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check a consistency proof exactly as RFC 9162 §2.1.4.2; raise ``ProofError`` on any failure.

    Conventions (those of the transparency-dev vectors): ``0 < size1 <= size2`` — a proof from size 0 is rejected,
    even 0 → 0; every proof element is exactly 32 bytes; for ``size1 < size2`` both roots are exactly 32 bytes; for
    ``size1 == size2`` the proof must be empty and the roots equal (they are only compared, as in transparency-dev's
    ``VerifyConsistency``: a vector with equal 12-byte roots at sizes 1 → 1 must be accepted).
    """
    size1 = _size_arg(size1, "size1")
    size2 = _size_arg(size2, "size2")
    if size1 <= 0:
        raise ProofError(f"consistency is only defined from a non-empty tree, not size1={size1}")
    if size2 < size1:
        raise ProofError(f"size2={size2} is smaller than size1={size1}")
    path = _proof_arg(proof)
    if size1 == size2:
        if path:
            raise ProofError("equal sizes need an empty consistency proof")
        if not isinstance(root1, bytes | bytearray | memoryview) or not isinstance(
            root2, bytes | bytearray | memoryview
        ):
            raise ProofError("roots must be bytes")
        if bytes(root1) != bytes(root2):
            raise ProofError("equal sizes but different roots")
        return
    first = _hash_arg(root1, "root1")
    second = _hash_arg(root2, "root2")
    if not path:
        raise ProofError("empty consistency proof for different sizes")
    if size1 & (size1 - 1) == 0:
        path.insert(0, first)
    sha = _sha256
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = sha(b"\x01" + c + fr).digest()
            sr = sha(b"\x01" + c + sr).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = sha(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != first:
        raise ProofError("consistency proof does not lead to root1")
    if sr != second:
        raise ProofError("consistency proof does not lead to root2")


# --- writing: appends ------------------------------------------------------------------------------------------------


def sibling_keys_for_append(index: int) -> list[NodeKey]:
    """Keys of the stored left siblings that appending leaf ``index`` combines with (one per trailing 1-bit).

    Bottom-up: ``(0, index - 1), (1, (index >> 1) - 1), ...``. Empty for an even ``index``.
    """
    if index < 0:
        raise ValueError(f"leaf index must be >= 0, not {index}")
    keys: list[NodeKey] = []
    level, position = 0, index
    while position & 1:
        keys.append((level, position - 1))
        level += 1
        position >>= 1
    return keys


def nodes_completed_by_append(index: int, leaf_hash: bytes, siblings: Mapping[NodeKey, bytes]) -> list[Node]:
    """The nodes to store when leaf ``index`` is appended: the leaf node, then each parent it completes, bottom-up.

    ``siblings`` maps (at least) ``sibling_keys_for_append(index)`` to their stored hashes — e.g. the result of
    ``reader.get_nodes(sibling_keys_for_append(index))``. Raises ``MissingNodeError`` if one is absent.
    """
    h = _hash_arg(leaf_hash, "leaf hash")
    keys = sibling_keys_for_append(index)
    missing = [key for key in keys if key not in siblings]
    if missing:
        raise MissingNodeError(missing)
    sha = _sha256
    nodes: list[Node] = [(0, index, h)]
    for level, position in keys:
        h = sha(b"\x01" + _hash_arg(siblings[(level, position)], "sibling hash") + h).digest()
        nodes.append((level + 1, position >> 1, h))
    return nodes


def frontier_keys(size: int) -> list[NodeKey]:
    """Keys of the perfect subtrees decomposing a tree of ``size`` leaves (largest first): its right frontier.

    Everything appending further leaves needs; ``root(size)`` is their right-to-left fold.
    """
    if size < 0:
        raise ValueError(f"tree size must be >= 0, not {size}")
    return subtree_keys(0, size)


def _stream_nodes(start: int, leaf_hashes: Iterable[bytes], stack: list[bytes]) -> Iterator[Node]:
    sha = _sha256
    push = stack.append
    pop = stack.pop
    i = start
    for h in leaf_hashes:
        yield (0, i, h)
        level = 0
        position = i
        while position & 1:
            h = sha(b"\x01" + pop() + h).digest()
            position >>= 1
            level += 1
            yield (level, position, h)
        push(h)
        i += 1


def nodes_completed_by_batch(
    start: int, leaf_hashes: Iterable[bytes], frontier: Mapping[NodeKey, bytes]
) -> Iterator[Node]:
    """Stream the nodes to store when ``leaf_hashes`` are appended to a tree of ``start`` leaves.

    ``frontier`` maps (at least) ``frontier_keys(start)`` to their stored hashes. Yields, per leaf, the leaf node and
    then each parent it completes, bottom-up — the order ``nodes_completed_by_append`` returns them in.
    """
    keys = frontier_keys(start)
    missing = [key for key in keys if key not in frontier]
    if missing:
        raise MissingNodeError(missing)
    stack = [_hash_arg(frontier[key], "frontier hash") for key in keys]
    return _stream_nodes(start, (_hash_arg(h, "leaf hash") for h in leaf_hashes), stack)


def tree_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> Iterator[Node]:
    """Every stored node of the tree over ``leaf_hashes``, in one streaming pass (O(log n) memory).

    Yields, per leaf, ``(0, i, leaf_hash)`` and then each parent that leaf completes, bottom-up. Hashes are not
    length-checked here (this is the verifier's hot loop); compare what comes out against what is stored.
    """
    return _stream_nodes(0, leaf_hashes, [])


def compute_root_streaming(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of the tree over ``leaf_hashes`` (already leaf-hashed), one streaming pass, O(log n) memory."""
    sha = _sha256
    stack: list[bytes] = []
    push = stack.append
    pop = stack.pop
    it = iter(leaf_hashes)
    # Leaves two at a time: every pair makes a level-1 node, then one merge per trailing 0-bit of the pair count.
    for pairs, (a, b) in enumerate(zip_longest(it, it), 1):
        if b is None:
            push(a)
            break
        h = sha(b"\x01" + a + b).digest()
        m = pairs
        while not m & 1:
            h = sha(b"\x01" + pop() + h).digest()
            m >>= 1
        push(h)
    if not stack:
        return EMPTY_ROOT
    return fold(stack)


def compute_root_from_leaves(leaves: Iterable[bytes]) -> bytes:
    """MTH of the tree over raw leaf data, leaf hashing fused into the same pass, O(log n) memory.

    The fastest way to recompute a log from its stored leaves (about 0.44x the throughput of one bare ``sha256`` per
    ~190-byte leaf on a core without SHA extensions).
    """
    sha = _sha256
    leaf = _sha256(b"\x00").copy  # copying the prefixed state beats concatenating 0x00 onto every leaf
    stack: list[bytes] = []
    push = stack.append
    pop = stack.pop
    it = iter(leaves)
    for pairs, (a, b) in enumerate(zip_longest(it, it), 1):
        ha = leaf()
        ha.update(a)
        if b is None:
            push(ha.digest())
            break
        hb = leaf()
        hb.update(b)
        h = sha(b"\x01" + ha.digest() + hb.digest()).digest()
        m = pairs
        while not m & 1:
            h = sha(b"\x01" + pop() + h).digest()
            m >>= 1
        push(h)
    if not stack:
        return EMPTY_ROOT
    return fold(stack)


# --- an in-memory store (tests, benchmarks) -----------------------------------------------------------------------------


class MemoryNodeStore:
    """A ``NodeReader`` in memory: one ``bytearray`` of concatenated 32-byte hashes per level (~64 bytes a leaf)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = []
        self.size = 0
        self.extend(leaf_hashes)

    def get_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        levels = self._levels
        depth = len(levels)
        out: dict[NodeKey, bytes] = {}
        for key in keys:
            level, index = key
            if 0 <= level < depth and index >= 0:
                data = levels[level]
                offset = index * HASH_SIZE
                if offset + HASH_SIZE <= len(data):
                    out[key] = bytes(data[offset : offset + HASH_SIZE])
        return out

    def _store(self, level: int, index: int, h: bytes) -> None:
        levels = self._levels
        if level == len(levels):
            levels.append(bytearray())
        data = levels[level]
        if len(data) != index * HASH_SIZE:
            raise ValueError(f"node ({level}, {index}) is not the next one at level {level}")
        data += h

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Append one leaf hash; return the new nodes (the leaf and every parent it completes)."""
        index = self.size
        nodes = nodes_completed_by_append(index, leaf_hash, self.get_nodes(sibling_keys_for_append(index)))
        for level, position, h in nodes:
            self._store(level, position, h)
        self.size = index + 1
        return nodes

    def extend(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append many leaf hashes in one streaming pass; return the new size."""
        start = self.size
        levels = self._levels
        size = start
        try:
            for level, _position, h in nodes_completed_by_batch(
                start, leaf_hashes, self.get_nodes(frontier_keys(start))
            ):
                if level == len(levels):
                    levels.append(bytearray())
                levels[level] += h
                if level == 0:
                    size += 1
        finally:
            # A bad leaf hash stops the pass before its leaf node: everything stored so far is consistent.
            self.size = size
        return size
