"""The plan parser against the plan's text: every item of sections 二–四 that names a responsible unit, exactly once,
with its units, phase and due date as read by hand from the text (the table below is typed from the plan, not from
the parser's output), and properties of the unit splitter."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import example, given
from hypothesis import strategies as st

from sanxiang.oversight import rollout
from sanxiang.oversight.rollout import Unit, parse_plan, plan_tasks, split_units, unit_annotations

LEGAL, ENF, SQUAD, OFFICE = "法规科", "执法科室", "中队", "办公室"
WITH_POWERS = "各具有行政处罚、行政强制、行政检查等职能的科室"
WITH_POWERS_UNITS = "各具有行政处罚、行政强制、行政检查等职能的科室、单位"
FUNCTIONAL = "各职能科室"
ALL = ["局各科室", "保障中心"]
JUN30, JUL31, AUG31, SEP30 = dt.date(2019, 6, 30), dt.date(2019, 7, 31), dt.date(2019, 8, 31), dt.date(2019, 9, 30)
R, IMP, D = "revise", "implement", "deploy"

# ref → (unit labels, phase, due date), in plan order, read from the plan by hand.
EXPECTED: dict[str, tuple[list[str], str, dt.date]] = {
    "二(一)1": ([LEGAL], R, JUL31),
    "二(一)2": ([LEGAL, ENF, SQUAD], R, JUL31),
    "二(一)3": ([LEGAL], R, JUL31),
    "二(一)3(1)": ([LEGAL], R, JUL31),
    "二(一)3(2)": ([ENF, SQUAD, LEGAL], R, JUL31),
    "二(一)3(3)": ([LEGAL], R, JUL31),
    "二(一)3(4)": ([LEGAL], R, JUL31),
    "二(一)3(5)": ([LEGAL], R, JUL31),
    "二(一)3(6)": (["执法科室（行政处罚流程图）", "法规科（行政强制流程图、行政检查流程图）"], R, JUL31),
    "二(一)3(7)": ([LEGAL], R, JUL31),
    "二(一)3(8)": ([OFFICE], R, JUL31),
    "二(一)4(1)": ([WITH_POWERS_UNITS], IMP, SEP30),
    "二(一)4(2)": ([WITH_POWERS_UNITS], IMP, SEP30),
    "二(一)5(1)": ([FUNCTIONAL], IMP, SEP30),
    "二(一)5(2)": ([FUNCTIONAL], IMP, SEP30),
    "二(二)1": ([LEGAL], R, JUL31),
    "二(二)2": ([ENF, SQUAD], IMP, SEP30),
    "二(二)3(1)": ([ENF], R, JUL31),
    "二(二)3(2)": ([OFFICE], R, JUL31),
    "二(二)3(3)": ([WITH_POWERS], IMP, SEP30),
    "二(二)4": ([WITH_POWERS], IMP, SEP30),
    "二(二)5": ([WITH_POWERS], IMP, SEP30),
    "二(三)1": ([LEGAL], R, JUL31),
    "二(三)2(2)": ([LEGAL], R, JUL31),
    "二(三)2(3)": ([LEGAL], R, JUL31),
    "二(三)3(1)": ([LEGAL], R, JUL31),
    "二(三)3(2)": ([WITH_POWERS], R, JUL31),
    "二(三)4": ([LEGAL], R, JUL31),
    "二(三)5": ([LEGAL], R, JUL31),
    "二(三)6": ([LEGAL], IMP, SEP30),
    "三(一)": ([LEGAL], D, JUN30),
    # 同上文: the units of the rule-making items above, in plan order, then 法规科 (already among them).
    "三(二)": ([LEGAL, ENF, SQUAD, OFFICE, WITH_POWERS], R, JUL31),
    "三(三)1": ([WITH_POWERS], IMP, SEP30),
    "三(三)2": ([LEGAL, WITH_POWERS], IMP, SEP30),
    "三(三)3": ([LEGAL, WITH_POWERS], IMP, SEP30),
    "四(一)": ([OFFICE], D, JUN30),
    "四(二)": (ALL, IMP, SEP30),
    "四(三)": (ALL, IMP, AUG31),  # 人员名单……于8月底前报至法规科
}


def test_every_item_naming_a_unit_once_with_its_units_phase_and_due_date() -> None:
    tasks = plan_tasks()
    assert [t.ref for t in tasks] == list(EXPECTED)
    for task in tasks:
        units, phase, due = EXPECTED[task.ref]
        assert (task.unit_labels, task.phase, task.due_on) == (units, phase, due), task.ref
        assert task.due_on == (rollout.STAFF_LIST_DUE if task.ref == "四(三)" else rollout.PHASE_DUE[task.phase])


def test_every_unit_annotation_of_sections_two_to_four_is_in_exactly_one_task() -> None:
    text = rollout.plan_text()
    body = text[text.index("二、任务措施") :]
    in_plan = body.count("（责任单位：")
    assert in_plan == 39  # 38 items; 三(二) names two
    tasks = plan_tasks()
    assert sum(t.text.count("（责任单位：") for t in tasks) == in_plan
    # Each task's text is a contiguous passage of the plan (its lines, in order), and no two tasks share a line.
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    seen: set[str] = set()
    for task in tasks:
        parts = task.text.split("\n")
        start = lines.index(parts[0])
        assert lines[start : start + len(parts)] == parts, task.ref
        assert not seen & set(parts), task.ref
        seen |= set(parts)
    # Section 一 (指导思想) names no unit and gives no task; neither do headings without a unit of their own.
    refs = {t.ref for t in tasks}
    assert not refs & {"二(一)4", "二(一)5", "二(二)3", "二(三)2", "二(三)2(1)", "二(三)3", "三(三)", "三(四)"}
    assert not any(t.ref.startswith("一") for t in tasks)


def test_titles_sections_and_texts() -> None:
    by_ref = {t.ref: t for t in plan_tasks()}
    assert by_ref["二(一)3(5)"].title == "公示行政执法人员资格清单"
    assert by_ref["二(一)3(5)"].section == "二、任务措施 （一）行政执法公示制度"
    assert by_ref["三(一)"].title == "安排部署阶段"
    assert by_ref["三(一)"].text.endswith("于2019年6月底报县政府司法局审核。（责任单位：法规科）")
    assert by_ref["三(二)"].text.count("\n") == 1  # the heading and its paragraph
    assert by_ref["四(三)"].text.endswith(
        "对于试点过程中发现的问题，要及时反馈、沟通。（责任单位：局各科室、保障中心）"
    )
    assert "兴隆台区应急管理局" not in by_ref["四(三)"].text.split("\n")[-1][-12:]
    assert all(len(t.section) <= 40 and 0 < len(t.title) <= 200 for t in plan_tasks())  # the model's columns


def test_nested_parentheses_and_the_description_that_contains_the_separator() -> None:
    assert unit_annotations(
        "甲（责任单位：执法科室（行政处罚流程图）、法规科（行政强制流程图、行政检查流程图））乙"
    ) == ["执法科室（行政处罚流程图）、法规科（行政强制流程图、行政检查流程图）"]
    assert split_units("执法科室（行政处罚流程图）、法规科（行政强制流程图、行政检查流程图）") == [
        Unit("执法科室", "行政处罚流程图"),
        Unit("法规科", "行政强制流程图、行政检查流程图"),
    ]
    assert split_units(f"{WITH_POWERS_UNITS}") == [Unit(WITH_POWERS_UNITS)]
    assert split_units(f"法规科，{WITH_POWERS}") == [Unit(LEGAL), Unit(WITH_POWERS)]
    assert split_units(f"{WITH_POWERS}、法规科") == [Unit(WITH_POWERS), Unit(LEGAL)]
    assert split_units("（）、法规科") == [Unit(LEGAL)]  # an empty pair of parentheses names nobody
    assert split_units("办公室）、法规科") == [Unit("办公室）"), Unit(LEGAL)]  # a stray ） does not stop the split


def test_same_as_above_resolves_to_the_rule_making_units() -> None:
    text = "二、任务措施\n（一）甲\n1.制定办法。（责任单位：法规科）\n2.编制清单。（责任单位：办公室、执法科室（流程图））\n三、工作步骤\n（二）制修订阶段。\n修订（责任单位：同上文）"
    specs = {s.ref: s for s in parse_plan(text)}
    assert set(specs) == {"二(一)1", "二(一)2", "三(二)"}
    assert specs["三(二)"].unit_labels == ["法规科", "办公室", "执法科室"]  # without the notes


# --- properties of the splitter -------------------------------------------------------------------------------------

_name = st.text(alphabet=st.sampled_from("法规科办公室执法中队保障中心甲乙丙丁 "), min_size=1, max_size=8).filter(
    lambda s: s.strip() != "" and not s.strip().startswith("各具有")
)
_note = st.text(alphabet=st.sampled_from("行政处罚强制检查流程图、，"), min_size=1, max_size=10)
_noise = re.compile(r"[、，,（）()\s]")


@given(st.lists(st.tuples(_name, st.one_of(st.none(), _note)), min_size=1, max_size=6), st.sampled_from("、，,"))
def test_split_units_round_trips_joined_units(units: list[tuple[str, str | None]], separator: str) -> None:
    annotation = separator.join(f"{name}（{note}）" if note else name for name, note in units)
    assert split_units(annotation) == [Unit(name.strip(), (note or "").strip()) for name, note in units]


@given(st.text(alphabet=st.sampled_from("法规科、，,（）() 各具有职能单位甲"), max_size=40))
@example("（）")
@example("甲）、乙")
def test_split_units_never_loses_a_character_outside_separators(annotation: str) -> None:
    units = split_units(annotation)
    kept = "".join(unit.name + unit.note for unit in units)
    assert _noise.sub("", kept) == _noise.sub("", annotation)
    assert all(unit.name or unit.note for unit in units)
