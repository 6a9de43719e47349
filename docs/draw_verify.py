#!/usr/bin/env python3
"""Recompute a published random draw (双随机抽取) of Sanxiang from its published JSON. Standard library only.

    python3 draw_verify.py published-draw.json      # or "-" to read standard input

It follows docs/draw.md step by step, written plainly rather than fast: it recomputes the hashes of the seed, the
two pool snapshots and the plan, checks the commitment published before the draw, recomputes the selection from the
final seed, prints it, and says whether everything matches. Exit status 0 when it all matches, 1 otherwise.
"""

import hashlib
import json
import sys

LABEL_COMMITMENT = b"sanxiang-draw-v1/commitment"
LABEL_STREAM = b"sanxiang-draw-v1/stream"


def canonical_json(value):
    """RFC 8785 for strings, integers, booleans, null, lists and objects with ASCII keys (what a draw contains)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def canonical_plan(plan):
    """docs/draw.md, "The plan": defaults filled in, codes sorted and unique, conflicts sorted unique pairs."""
    out = {
        "classes": [dict(c) for c in plan["classes"]],
        "inspectors_per_target": plan.get("inspectors_per_target", 2),
        "yearly_cap": plan.get("yearly_cap", 2),
        "inspected_this_year": [list(p) for p in sorted(dict(plan.get("inspected_this_year", [])).items())],
        "conflicts": [list(p) for p in sorted({(a, b) for a, b in plan.get("conflicts", [])})],
    }
    for key in ("regions", "sectors"):
        if plan.get(key) is not None:
            out[key] = sorted(set(plan[key]))
    return out


class Stream:
    """64-bit numbers: block b = SHA-256(final seed ‖ LABEL_STREAM ‖ b as 8 bytes big-endian); 4 numbers per block."""

    def __init__(self, seed):
        self.seed = seed
        self.block = 0
        self.buffer = []

    def next(self):
        if not self.buffer:
            digest = hashlib.sha256(self.seed + LABEL_STREAM + self.block.to_bytes(8, "big")).digest()
            self.buffer = [int.from_bytes(digest[i : i + 8], "big") for i in (0, 8, 16, 24)]
            self.block += 1
        return self.buffer.pop(0)

    def uniform(self, n):
        """Uniform in [0, n): take numbers until one is below the largest multiple of n not above 2^64."""
        limit = 2**64 - (2**64 % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n


def quota(entry, eligible):
    if "count" in entry:
        return min(eligible, entry["count"])
    whole, _, frac = entry["ratio"].partition(".")
    scale = 10 ** len(frac)
    numerator = int(whole) * scale + (int(frac) if frac else 0)
    return min(eligible, (eligible * numerator + scale - 1) // scale)  # ceil(eligible × ratio)


def draw(seed, targets, inspectors, plan):
    targets = sorted(targets, key=lambda t: t["id"])
    inspectors = sorted(inspectors, key=lambda i: i["id"])
    stream = Stream(seed)
    counts = dict(plan.get("inspected_this_year", []))
    cap = plan.get("yearly_cap", 2)

    # Targets: per class in the plan's order, a partial Fisher-Yates shuffle of its eligible targets in id order.
    selected = []
    for entry in plan["classes"]:
        pool = [
            t
            for t in targets
            if t.get("risk") == entry["risk"]
            and (plan.get("regions") is None or t.get("region") in plan["regions"])
            and (plan.get("sectors") is None or t.get("sector") in plan["sectors"])
            and counts.get(t["id"], 0) < cap
        ]
        for i in range(quota(entry, len(pool))):
            j = i + stream.uniform(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
            selected.append(pool[i])

    # Inspectors: for each selected target in order, k distinct ones covering its region, none in conflict.
    conflicts = {(a, b) for a, b in plan.get("conflicts", [])}
    k = plan.get("inspectors_per_target", 2)
    selection = []
    covering_region = {}
    for target in selected:
        region = target.get("region")
        if region not in covering_region:  # the inspectors covering a region, in id order (computed once)
            covering_region[region] = [i["id"] for i in inspectors if region in i["regions"]]
        covering = covering_region[region]
        allowed = [i for i in covering if (i, target["id"]) not in conflicts]
        if len(allowed) < k:
            raise SystemExit(f"检查对象 {target['id']} 可抽取的检查人员少于 {k} 名：抽取无法进行。")
        got = []
        while len(got) < k:
            candidate = covering[stream.uniform(len(covering))]
            if candidate in got or (candidate, target["id"]) in conflicts:
                continue  # drawn again: the draw is uniform over the allowed inspectors not yet drawn
            got.append(candidate)
        selection.append({"target": target["id"], "inspectors": got})
    return selection


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    text = sys.stdin.read() if argv[1] == "-" else open(argv[1], encoding="utf-8").read()  # noqa: SIM115
    doc = json.loads(text)
    ok = True

    def check(label, good):
        nonlocal ok
        ok = ok and good
        print(f"{'一致' if good else '不一致'}  {label}")

    seed = bytes.fromhex(doc["bureau_seed"])
    targets = sorted(doc["targets"], key=lambda t: t["id"])
    inspectors = sorted(doc["inspectors"], key=lambda i: i["id"])
    plan = canonical_plan(doc["plan"])
    hashes = {
        "seed_sha256": sha256_hex(seed),
        "targets_sha256": sha256_hex(canonical_json(targets)),
        "inspectors_sha256": sha256_hex(canonical_json(inspectors)),
        "plan_sha256": sha256_hex(canonical_json(plan)),
    }
    check("种子哈希 seed_sha256 " + hashes["seed_sha256"], doc.get("seed_sha256") == hashes["seed_sha256"])
    check(
        "检查对象名录 targets_sha256 " + hashes["targets_sha256"], doc.get("targets_sha256") == hashes["targets_sha256"]
    )
    check(
        "检查人员名录 inspectors_sha256 " + hashes["inspectors_sha256"],
        doc.get("inspectors_sha256") == hashes["inspectors_sha256"],
    )
    check("抽查参数 plan_sha256 " + hashes["plan_sha256"], doc.get("plan_sha256") == hashes["plan_sha256"])
    commitment = sha256_hex(
        LABEL_COMMITMENT
        + b"".join(
            bytes.fromhex(h)
            for h in (
                hashes["seed_sha256"],
                hashes["targets_sha256"],
                hashes["inspectors_sha256"],
                hashes["plan_sha256"],
            )
        )
    )
    check("承诺值 commitment " + commitment, doc.get("commitment") == commitment)

    final_seed = hashlib.sha256(seed + doc["observer_value"].encode("utf-8")).digest()
    print(f"最终种子 {final_seed.hex()}")
    selection = draw(final_seed, targets, inspectors, plan)
    for n, row in enumerate(selection, 1):
        print(f"{n}\t{row['target']}\t{'、'.join(row['inspectors'])}")
    check(f"抽取结果（{len(selection)} 个检查对象）", doc.get("selection") == selection)
    print("结论：全部一致" if ok else "结论：不一致")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
