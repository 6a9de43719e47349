#!/usr/bin/env python
"""Random draw benchmark (issue 7): the verifiable draw against ``random.sample`` making the same picks.

    python bench/draw.py [--quick] [--json]

From in-memory snapshots (no database): 1,000,000 targets in four risk classes and 2,000 inspectors covering one
region each (ten regions, 200 inspectors each), plus a conflict list of 2,000 pairs and 20,000 targets at the yearly
cap. ``sanxiang.inspections.draw.draw`` selects 50,000 targets (counts per class) with two inspectors each —
150,000 picks — and is timed whole: the plan's checks, the id-order check of both snapshots, the class and cap
filters, the SHA-256 stream, the rejection sampling and the inspector draws. The baseline, timed in the same run, is
``random.sample`` making the same 150,000 picks: 50,000 of the 1,000,000 targets, then 2 of the 200 inspectors of
each selected target's region. Hashing both snapshots (building the commitment) is timed separately; it is not part
of the draw. ``--quick``: 100,000 targets, 5,000 drawn, same inspectors. Figures are the best of a few rounds (the
machine is shared). Recorded in docs/performance.md, "Random draw (issue 7)".
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from report import Report, log, machine  # bench/report.py: the table every benchmark prints

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sanxiang.inspections import draw as drawing  # noqa: E402

CLASSES = ("A", "B", "C", "D")
REGIONS = tuple(f"2111{n:02d}" for n in range(10))
SECTORS = ("危险化学品", "工贸", "非煤矿山", "烟花爆竹")


def make_pools(n_targets: int, n_inspectors: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(7)
    targets = [
        {
            "id": f"91211100MA{i:07d}X",  # 18 characters, unique, already in id order
            "risk": CLASSES[rng.randrange(4)],
            "region": REGIONS[i % len(REGIONS)],
            "sector": SECTORS[rng.randrange(4)],
        }
        for i in range(n_targets)
    ]
    inspectors = [{"id": f"辽执{i:06d}", "regions": [REGIONS[i % len(REGIONS)]]} for i in range(n_inspectors)]
    return targets, inspectors


def make_plan(targets: list[dict], inspectors: list[dict], n_draw: int) -> dict:
    rng = random.Random(8)
    per_class = n_draw // len(CLASSES)
    capped = {targets[rng.randrange(len(targets))]["id"]: 2 for _ in range(len(targets) // 50)}
    conflicts = [
        [inspectors[rng.randrange(len(inspectors))]["id"], targets[rng.randrange(len(targets))]["id"]]
        for _ in range(2000)
    ]
    return {
        "classes": [{"risk": c, "count": per_class} for c in CLASSES],
        "inspectors_per_target": 2,
        "yearly_cap": 2,
        "inspected_this_year": capped,
        "conflicts": conflicts,
    }


def baseline(targets: list[dict], inspectors_by_region: dict[str, list[str]], n_draw: int, seed: int) -> float:
    rng = random.Random(seed)
    t = time.perf_counter()
    picked = rng.sample(range(len(targets)), n_draw)
    out = []
    for i in picked:
        out.append(rng.sample(inspectors_by_region[targets[i]["region"]], 2))
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100,000 targets, 5,000 drawn")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    n_targets, n_draw, n_inspectors, rounds = (
        (100_000, 5_000, 2_000, 3) if args.quick else (1_000_000, 50_000, 2_000, 5)
    )
    started = time.perf_counter()
    log(f"building pools: {n_targets:,} targets, {n_inspectors:,} inspectors")
    targets, inspectors = make_pools(n_targets, n_inspectors)
    plan = make_plan(targets, inspectors, n_draw)
    by_region: dict[str, list[str]] = {}
    for item in inspectors:
        by_region.setdefault(item["regions"][0], []).append(item["id"])

    t = time.perf_counter()
    pre = drawing.prepare(drawing.new_seed(), targets, inspectors, plan)
    hash_s = time.perf_counter() - t
    log(f"commitment (both snapshots and the plan hashed): {hash_s:.3f} s")

    t = time.perf_counter()
    pools = drawing.target_pool(targets), drawing.inspector_pool(inspectors)
    pool_s = time.perf_counter() - t
    log(f"pools prepared (id order checked, columns, class and region positions): {pool_s:.3f} s")

    ours: list[float] = []
    raw: list[float] = []
    theirs: list[float] = []
    picks = 0
    for r in range(rounds):
        seed = drawing.final_seed(drawing.new_seed(), f"observer {r}")
        t = time.perf_counter()
        result = drawing.draw(seed, *pools, plan)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        again = drawing.draw(seed, targets, inspectors, plan)
        raw.append(time.perf_counter() - t)
        assert again == result
        picks = len(result.targets) + sum(len(i) for i in result.inspectors)
        theirs.append(baseline(targets, by_region, n_draw, r))
        log(
            f"round {r + 1}: draw {ours[-1]:.3f} s ({picks:,} picks; from the raw lists {raw[-1]:.3f} s), "
            f"random.sample {theirs[-1]:.3f} s"
        )
    assert len(result.targets) == n_draw, len(result.targets)
    draw_s, base_s = min(ours), min(theirs)
    ratio = draw_s / base_s

    report = Report()
    report.add(
        f"draw {n_draw:,} of {n_targets:,} targets, 2 of {n_inspectors:,} inspectors each",
        f"{draw_s:.3f} s",
        f"{base_s:.3f} s random.sample, same {picks:,} picks",
        f"{ratio:.2f}×",
        "< 1 s and ≤ 3×",
        draw_s < 1 and ratio <= 3,
    )
    raw_s = min(raw)
    report.add(
        "  the same from the lists of dicts (pools prepared inside)",
        f"{raw_s:.3f} s",
        f"{base_s:.3f} s",
        f"{raw_s / base_s:.2f}×",
    )
    report.add("  context: preparing the pools once per snapshot", f"{pool_s:.3f} s", "")
    report.add("  context: hashing both snapshots and the plan (commitment)", f"{hash_s:.3f} s", "")
    report.data.update(
        draw_s=round(draw_s, 4),
        random_sample_s=round(base_s, 4),
        ratio_vs_random_sample=round(ratio, 3),
        snapshot_hash_s=round(hash_s, 3),
        pool_prepare_s=round(pool_s, 3),
        draw_from_lists_s=round(raw_s, 4),
        ratio_from_lists_vs_random_sample=round(raw_s / base_s, 3),
        picks=picks,
        targets=n_targets,
        drawn=n_draw,
        inspectors=n_inspectors,
        rounds=rounds,
        goal_met=draw_s < 1 and ratio <= 3,
        commitment_example=pre["commitment"],
        quick=args.quick,
        machine=machine(),
        seconds=round(time.perf_counter() - started, 1),
    )
    report.emit(
        as_json=args.json,
        summary=f"{'quick' if args.quick else 'full'} run, {report.data['seconds']} s, {os.cpu_count()} CPUs",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
