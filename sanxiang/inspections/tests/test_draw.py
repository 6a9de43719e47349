"""The verifiable random draw (docs/draw.md): recomputation, tamper detection, the conflict and cap rules, quotas,
the random stream's rejection sampling, bad inputs. No database."""

from __future__ import annotations

import copy
import gc
import hashlib
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxiang.inspections import draw as d

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "docs" / "draw_verify.py"
SEED = bytes(range(32))


def _load_script():
    spec = importlib.util.spec_from_file_location("draw_verify", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _load_script()


def pools(n_targets: int = 200, n_inspectors: int = 12, regions: tuple[str, ...] = ("211102", "211103")):
    targets = [
        {
            "id": f"91211100MA{i:07d}X",
            "risk": "ABC"[i % 3],
            "region": regions[i % len(regions)],
            "sector": "危险化学品" if i % 2 else "工贸",
            "name": f"盘锦某某有限公司{i}",
        }
        for i in range(n_targets)
    ]
    inspectors = [{"id": f"辽执{i:04d}", "regions": list(regions)} for i in range(n_inspectors)]
    return targets, inspectors


PLAN = {
    "classes": [{"risk": "A", "count": 5}, {"risk": "B", "ratio": "0.1"}, {"risk": "C", "count": 3}],
    "inspectors_per_target": 2,
    "yearly_cap": 2,
    "inspected_this_year": {"91211100MA0000000X": 2, "91211100MA0000003X": 1},
    "conflicts": [["辽执0001", "91211100MA0000006X"], ["辽执0002", "91211100MA0000006X"]],
}


def published(observer: str = "监督员：张三 7319"):
    targets, inspectors = pools()
    return d.publish(SEED, observer, targets, inspectors, PLAN)


# --- recomputation ---------------------------------------------------------------------------------------------


def test_published_draw_recomputes_and_verifies():
    doc = published()
    assert len(doc["selection"]) == 5 + 7 + 3  # ceil(67 × 0.1) = 7 of class B
    result = d.verify(json.loads(json.dumps(doc, ensure_ascii=False)))  # through JSON, as a reader gets it
    assert result.ok, result.problems
    assert result.selection == doc["selection"]
    assert doc["commitment"] == d.commitment(
        doc["seed_sha256"], doc["targets_sha256"], doc["inspectors_sha256"], doc["plan_sha256"]
    )
    assert doc["seed_sha256"] == hashlib.sha256(SEED).hexdigest()


def run_script(doc: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True, encoding="utf-8", check=False
    )


def test_standalone_script_recomputes_the_same_selection(tmp_path):
    doc = published()
    proc = run_script(doc, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "结论：全部一致" in proc.stdout
    rows = [line.split("\t") for line in proc.stdout.splitlines() if line[:1].isdigit() and "\t" in line]
    assert [(r[1], r[2].split("、")) for r in rows] == [(s["target"], s["inspectors"]) for s in doc["selection"]]
    assert f"最终种子 {d.final_seed(SEED, doc['observer_value']).hex()}" in proc.stdout


def test_standalone_script_uses_the_standard_library_only():
    imports = {
        line.split()[1].split(".")[0]
        for line in SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= set(sys.stdlib_module_names)


@pytest.mark.parametrize(
    ("change", "message", "script_line"),
    [
        (lambda doc: doc["targets"][4].update(risk="C"), "检查对象名录与承诺时的哈希不符", "不一致  检查对象名录"),
        (lambda doc: doc["targets"].pop(), "检查对象名录与承诺时的哈希不符", "不一致  检查对象名录"),
        (lambda doc: doc["inspectors"][0]["regions"].pop(), "检查人员名录与承诺时的哈希不符", "不一致  检查人员名录"),
        (lambda doc: doc["plan"]["conflicts"].clear(), "抽查参数与承诺时的哈希不符", "不一致  抽查参数"),
        (lambda doc: doc.update(bureau_seed="00" * 32), "种子与承诺时公布的种子哈希不符", "不一致  种子哈希"),
        (lambda doc: doc["selection"].reverse(), "公布的抽取结果与重新计算的结果不符", "不一致  抽取结果"),
    ],
)
def test_a_change_after_the_commitment_is_detected_and_named(tmp_path, change, message, script_line):
    doc = published()
    change(doc)
    result = d.verify(doc)
    assert not result.ok
    assert any(problem.startswith(message) for problem in result.problems), result.problems
    proc = run_script(doc, tmp_path)
    assert proc.returncode == 1
    assert script_line in proc.stdout
    assert "结论：不一致" in proc.stdout


def test_a_malformed_publication_is_reported_not_raised():
    doc = published()
    del doc["targets"]
    result = d.verify(doc)
    assert not result.ok
    assert result.problems[0].startswith("发布数据不完整或格式错误")
    doc = published()
    doc["observer_value"] = ""
    assert d.verify(doc).problems == ["请输入监督人员的随机值（不能为空）。"]


def test_a_pool_changed_and_rehashed_still_breaks_the_commitment():
    doc = published()
    doc["targets"][4]["risk"] = "C"
    doc["targets_sha256"] = d.snapshot_hash(doc["targets"])  # the bureau "fixes" the hash, not the commitment
    result = d.verify(doc)
    assert result.problems[0] == "承诺值与公布的各哈希不符"


def test_the_observer_value_changes_the_selection():
    a, b = published("4711"), published("4712")
    assert a["commitment"] == b["commitment"]  # the commitment does not depend on the observer
    assert a["selection"] != b["selection"]
    assert d.final_seed(SEED, "4711") == hashlib.sha256(SEED + b"4711").digest()


def test_the_draw_does_not_depend_on_the_snapshots_order_or_their_preparation():
    targets, inspectors = pools()
    seed = d.final_seed(SEED, "x")
    result = d.draw(seed, targets, inspectors, PLAN)
    assert result == d.draw(seed, targets[::-1], inspectors[::-1], PLAN)
    assert result == d.draw(seed, d.target_pool(targets[::-1]), d.inspector_pool(inspectors), PLAN)
    assert gc.isenabled()  # paused during the draw only
    assert d.snapshot_hash(targets) == d.snapshot_hash(targets[::-1])


# --- agreement with the plain implementation, over random pools and plans -------------------------------------

ids = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY甲乙", min_size=1, max_size=4)


@st.composite
def worlds(draw_):
    target_ids = draw_(st.lists(ids, min_size=0, max_size=40, unique=True))
    regions = ["R1", "R2", "R3"]
    targets = [
        {
            "id": t,
            "risk": draw_(st.sampled_from(["高", "中", "低"])),
            "region": draw_(st.sampled_from(regions)),
            "sector": draw_(st.sampled_from(["S1", "S2"])),
        }
        for t in target_ids
    ]
    inspector_ids = draw_(st.lists(ids, min_size=2, max_size=12, unique=True))
    inspectors = [
        {"id": i, "regions": draw_(st.lists(st.sampled_from(regions), min_size=1, max_size=3, unique=True))}
        for i in inspector_ids
    ]
    classes = []
    for risk in draw_(st.permutations(["高", "中", "低"])):
        if draw_(st.booleans()):
            classes.append({"risk": risk, "count": draw_(st.integers(0, 15))})
        else:
            classes.append({"risk": risk, "ratio": draw_(st.sampled_from(["0", "0.1", "0.25", "0.333", "1", "1.0"]))})
    plan = {
        "classes": classes,
        "inspectors_per_target": draw_(st.integers(2, 3)),
        "yearly_cap": draw_(st.integers(1, 3)),
        "inspected_this_year": {t: draw_(st.integers(0, 3)) for t in target_ids if draw_(st.booleans())},
        "conflicts": [
            [draw_(st.sampled_from(inspector_ids)), draw_(st.sampled_from(target_ids or ["x"]))]
            for _ in range(draw_(st.integers(0, 25)))
        ],
    }
    if draw_(st.booleans()):
        plan["regions"] = draw_(st.lists(st.sampled_from(regions), max_size=3))
    if draw_(st.booleans()):
        plan["sectors"] = draw_(st.lists(st.sampled_from(["S1", "S2"]), max_size=2))
    seed = draw_(st.binary(min_size=32, max_size=32))
    return seed, targets, inspectors, plan


def expected_eligible(targets, plan):
    cap, done = plan["yearly_cap"], plan["inspected_this_year"]
    return {
        c["risk"]: [
            t["id"]
            for t in targets
            if t["risk"] == c["risk"]
            and done.get(t["id"], 0) < cap
            and ("regions" not in plan or t["region"] in plan["regions"])
            and ("sectors" not in plan or t["sector"] in plan["sectors"])
        ]
        for c in plan["classes"]
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_rules_hold_and_the_plain_script_agrees(world):
    seed, targets, inspectors, plan = world
    by_id = {t["id"]: t for t in targets}
    conflicts = {tuple(p) for p in plan["conflicts"]}
    covering = {
        t["id"]: [i["id"] for i in inspectors if t["region"] in i["regions"] and (i["id"], t["id"]) not in conflicts]
        for t in targets
    }
    try:
        result = d.draw(seed, targets, inspectors, plan)
    except d.DrawError as exc:
        # Only refused when a selected target has fewer than k allowed inspectors.
        assert "可抽取的检查人员只有" in exc.messages[0]
        assert min(len(v) for v in covering.values()) < plan["inspectors_per_target"]
        with pytest.raises(SystemExit):
            reference.draw(seed, targets, inspectors, reference.canonical_plan(plan))
        return
    eligible = expected_eligible(targets, plan)
    selected = iter(result.targets)
    for c in plan["classes"]:  # counts per class as planned, in the plan's order, only eligible targets
        pool = eligible[c["risk"]]
        if "count" in c:
            want = min(c["count"], len(pool))
        else:
            num, scale = d._ratio(c["ratio"])
            want = min(len(pool), -(-len(pool) * num // scale))
        got = [next(selected) for _ in range(want)]
        assert set(got) <= set(pool)
        assert len(set(got)) == want
    assert next(selected, None) is None
    for tid, names in zip(result.targets, result.inspectors, strict=True):
        assert plan["inspected_this_year"].get(tid, 0) < plan["yearly_cap"]  # the yearly cap
        assert len(names) == len(set(names)) == plan["inspectors_per_target"]  # at least 2, distinct
        assert all((name, tid) not in conflicts for name in names)  # never a conflict or recusal
        assert set(names) <= set(covering[tid])  # covering the target's region
        assert by_id[tid]["risk"] in {c["risk"] for c in plan["classes"]}
    assert reference.draw(seed, targets, inspectors, reference.canonical_plan(plan)) == result.selection()


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127), max_size=5), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_canonical_json_is_rfc8785(value):
    try:
        d._check_json(value, "值")
    except d.DrawError:
        return  # lone surrogates: refused, as they cannot be UTF-8
    assert d.canonical_json(value) == rfc8785.dumps(value)


# --- the random stream -----------------------------------------------------------------------------------------


def test_stream_is_sha256_counter_mode_four_numbers_per_block():
    got = [x for _, x in zip(range(4 * d.BLOCKS_PER_BATCH + 8), d.stream(SEED), strict=False)]
    for index in (0, 1, 3, 4, 4 * d.BLOCKS_PER_BATCH - 1, 4 * d.BLOCKS_PER_BATCH + 5):
        block = hashlib.sha256(SEED + b"sanxiang-draw-v1/stream" + (index // 4).to_bytes(8, "big")).digest()
        assert got[index] == int.from_bytes(block[8 * (index % 4) : 8 * (index % 4) + 8], "big")


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 10, 1000, 2000, 999_983, 2**32 + 1, 2**63, 2**63 + 1, 2**64 - 1])
def test_rejection_limit_is_the_largest_multiple_of_n(n):
    limit = d.rejection_limit(n)
    assert limit % n == 0  # every residue has exactly limit / n preimages below the limit
    assert 2**64 - n < limit <= 2**64
    assert limit == n * (2**64 // n)


def test_uniform_rejects_exactly_the_numbers_at_or_above_the_limit():
    n = 3
    limit = d.rejection_limit(n)
    assert limit == 2**64 - 1  # 2^64 ≡ 1 (mod 3): one 64-bit value is rejected
    numbers = iter([limit, 2**64 - 1, limit - 1, 5])
    assert d.uniform(numbers, n) == (limit - 1) % n  # the first two were rejected
    assert d.uniform(numbers, n) == 2
    big = 2**63 + 1  # almost half of all 64-bit values are rejected
    limit = d.rejection_limit(big)
    assert limit == big
    assert d.uniform(iter([big, 2**64 - 1, big - 1]), big) == big - 1
    assert d.uniform(iter([7]), 1) == 0  # n = 1 still takes one number


def test_uniform_small_n_is_roughly_even():
    # A sanity check, not a statistical test: 60,000 draws in [0, 6) from one stream, each count within 3 % of
    # 10,000 (the standard deviation is ~91, so 300 is more than 3 sigma).
    numbers = d.stream(d.final_seed(SEED, "均匀"))
    counts = Counter(d.uniform(numbers, 6) for _ in range(60_000))
    assert sorted(counts) == [0, 1, 2, 3, 4, 5]
    assert all(abs(c - 10_000) < 300 for c in counts.values()), counts


def test_first_picks_are_near_uniform_over_seeds():
    targets, inspectors = pools(n_targets=30, n_inspectors=4, regions=("R",))
    plan = {"classes": [{"risk": "A", "count": 1}]}  # 10 targets of class A
    counts = Counter(
        d.draw(hashlib.sha256(bytes([i % 256, i // 256])).digest(), targets, inspectors, plan).targets[0]
        for i in range(5000)
    )
    assert len(counts) == 10
    assert all(abs(c - 500) < 90 for c in counts.values()), counts  # ~4 sigma


# --- bad inputs ------------------------------------------------------------------------------------------------


def test_fewer_than_two_allowed_inspectors_for_a_drawn_target_is_refused():
    targets, inspectors = pools(n_targets=3, n_inspectors=3, regions=("R",))
    plan = {
        "classes": [{"risk": "A", "count": 1}],
        "conflicts": [["辽执0000", "91211100MA0000000X"], ["辽执0001", "91211100MA0000000X"]],
    }
    with pytest.raises(d.DrawError) as exc:
        d.draw(SEED, targets, inspectors, plan)
    assert exc.value.messages == [
        "检查对象 91211100MA0000000X 可抽取的检查人员只有 1 名（覆盖其区域且无回避关系），少于每个对象 2 名。"
    ]


def test_an_inspector_pool_without_the_region_is_refused():
    targets, inspectors = pools(n_targets=3, n_inspectors=3, regions=("R",))
    for inspector in inspectors:
        inspector["regions"] = ["elsewhere"]
    with pytest.raises(d.DrawError, match="只有 0 名"):
        d.draw(SEED, targets, inspectors, {"classes": [{"risk": "A", "count": 1}]})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t, i, p: t.append(dict(t[0])), "检查对象名录中 id 重复：91211100MA0000000X。"),
        (lambda t, i, p: i.append(dict(i[1])), "检查人员名录中 id 重复：辽执0001。"),
        (lambda t, i, p: t[1].update(id=17), "检查对象名录的 id 必须是字符串。"),
        (lambda t, i, p: t[0].update(id=""), "检查对象名录的每一项必须有非空字符串 id。"),
        (lambda t, i, p: t[1].pop("risk"), "检查对象名录的每一项必须有 risk 字段。"),
        (lambda t, i, p: t[1].pop("sector"), "检查对象名录的每一项必须有 sector 字段。"),
        (lambda t, i, p: t[1].update(region=["211102"]), "检查对象名录的区域和行业必须是字符串。"),
        (lambda t, i, p: t[1].update(risk=3), "检查对象 91211100MA0000001X 的风险等级必须是字符串。"),
        (lambda t, i, p: i[1].update(regions="R"), "检查人员 辽执0001 必须有区域列表（regions：字符串列表）。"),
        (lambda t, i, p: p["classes"].append({"risk": "A", "count": 1}), "风险等级重复：A。"),
        (lambda t, i, p: p["classes"][1].update(ratio="1.5"), "抽取比例必须在 0 到 1 之间"),
        (lambda t, i, p: p["classes"][1].update(ratio="-0.1"), "抽取比例必须在 0 到 1 之间"),
        (lambda t, i, p: p["classes"][1].update(ratio=0.5), "抽取比例必须在 0 到 1 之间"),
        (lambda t, i, p: p["classes"][0].update(ratio="0.5"), "必须且只能给出抽取数量（count）或抽取比例（ratio）之一"),
        (lambda t, i, p: p["classes"][0].update(count=-1), "风险等级 A 的抽取数量必须是非负整数。"),
        (lambda t, i, p: p.update(inspectors_per_target=1), "每个检查对象至少要抽取 2 名检查人员。"),
        (lambda t, i, p: p.update(yearly_cap=0), "年度检查次数上限必须是正整数。"),
        (lambda t, i, p: p.update(conflicts=[["辽执0001"]]), "回避名单的每一项必须是 [检查人员 id, 检查对象 id]。"),
        (lambda t, i, p: p.update(colour="red"), "抽查参数含有未知字段：colour。"),
        (lambda t, i, p: p.update(classes=[]), "抽查参数必须列出至少一个风险等级（classes）。"),
    ],
)
def test_bad_input_is_refused_in_chinese(change, message):
    targets, inspectors = pools(n_targets=20, n_inspectors=4)
    plan = copy.deepcopy(PLAN)
    change(targets, inspectors, plan)
    with pytest.raises(d.DrawError) as exc:
        d.draw(SEED, targets, inspectors, plan)
    assert message in exc.value.messages[0]


def test_bad_seeds_and_observer_values_are_refused():
    with pytest.raises(d.DrawError, match="32 字节"):
        d.final_seed(b"short", "x")
    with pytest.raises(d.DrawError, match="不能为空"):
        d.final_seed(SEED, "  ")
    with pytest.raises(d.DrawError, match="不能超过 200 个字符"):
        d.final_seed(SEED, "字" * 201)
    with pytest.raises(d.DrawError, match="64 位小写十六进制"):
        d.commitment("AB" * 32, "00" * 32, "00" * 32, "00" * 32)
    with pytest.raises(d.DrawError, match="不允许的值"):
        d.snapshot_hash([{"id": "a", "score": 0.5}])


def test_the_ratio_is_rounded_up():
    q = d.ClassQuota("A", None, d._ratio("0.05"))
    assert [d.quota(q, n) for n in (0, 1, 20, 21, 40, 41)] == [0, 1, 1, 2, 2, 3]
    assert d.quota(d.ClassQuota("A", None, d._ratio("1")), 7) == 7
    assert d.quota(d.ClassQuota("A", 10, None), 7) == 7  # all eligible when fewer than planned


# --- the specification's test vector ---------------------------------------------------------------------------


def spec_vector() -> dict:
    text = (REPO / "docs" / "draw.md").read_text(encoding="utf-8")
    return json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])


def test_the_specification_test_vector_verifies(tmp_path):
    doc = spec_vector()
    result = d.verify(doc)
    assert result.ok, result.problems
    seed = d.final_seed(bytes.fromhex(doc["bureau_seed"]), doc["observer_value"])
    assert seed.hex() == "0804f0e648ad3a774a09ba5aa7e9ee48e4e285f518cb21235de7af65648d039b"
    numbers = d.stream(seed)
    assert [next(numbers) for _ in range(3)] == [11244893948896118838, 430507963365162693, 966767702023778735]
    assert [s["target"] for s in doc["selection"]] == [
        "91211103MA0Q000001",
        "91211103MA0Q000004",
        "91211103MA0Q000005",
    ]
    assert run_script(doc, tmp_path).returncode == 0


def test_the_draw_rejects_numbers_at_or_above_the_limit(monkeypatch):
    # 2^64 − 1 is the one 64-bit value rejected for n = 3; without rejection it would give 0 (2^64 ≡ 1 mod 3).
    targets, inspectors = pools(n_targets=9, n_inspectors=3, regions=("R",))  # class A: 3 targets
    monkeypatch.setattr(d, "stream", lambda seed: iter([2**64 - 1, 1, 2**64 - 1, 2, 0]))
    result = d.draw(SEED, targets, inspectors, {"classes": [{"risk": "A", "count": 1}]})
    assert result.targets == ["91211100MA0000003X"]  # class A's second target
    assert result.inspectors == [["辽执0002", "辽执0000"]]
    plain = reference.Stream(SEED)  # the script's uniform rejects the same way
    plain.buffer = [2**64 - 1, 1]
    assert plain.uniform(3) == 1
