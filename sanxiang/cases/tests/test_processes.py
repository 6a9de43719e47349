"""The process definitions: they validate, the validator refuses broken ones, and the lookups find them."""

from __future__ import annotations

import dataclasses

import pytest

from sanxiang.cases import docs
from sanxiang.cases.processes import (
    GATES,
    PENALTY_GENERAL,
    PROCESSES,
    DayCount,
    Deadline,
    InvalidProcess,
    Kind,
    Procedure,
    Process,
    Recording,
    Step,
    Transition,
    process_for,
    validate,
)
from sanxiang.org.models import Role
from sanxiang.registry.docx.placeholders import TEMPLATES


def tiny(**changes) -> Process:
    """A valid two-step process to break one way at a time."""
    base = Process(
        key="tiny",
        name="测试流程",
        kind=Kind.INSPECTION,
        procedure=None,
        steps=(Step("a", "甲", (Role.OFFICER.value,)), Step("b", "乙", (Role.OFFICER.value,))),
        transitions=(Transition("a", "b", "办理"),),
        start="a",
        ends=("b",),
    )
    return dataclasses.replace(base, **changes)


def problems(process: Process) -> list[str]:
    with pytest.raises(InvalidProcess) as info:
        validate(process)
    return info.value.problems


@pytest.mark.parametrize("key", list(PROCESSES))
def test_every_definition_validates(key):
    assert validate(PROCESSES[key]) is PROCESSES[key]


def test_the_registry_covers_every_kind_and_procedure():
    assert set(PROCESSES) == {"penalty-general", "penalty-summary", "coercion-seizure", "inspection", "licence"}
    assert process_for("penalty", "general") is PENALTY_GENERAL
    assert process_for(Kind.PENALTY, Procedure.SUMMARY).key == "penalty-summary"
    assert process_for("coercion").key == "coercion-seizure"
    assert process_for("inspection").key == "inspection"
    assert process_for("licence").key == "licence"
    with pytest.raises(LookupError):
        process_for("penalty")  # a penalty case names its procedure
    with pytest.raises(LookupError):
        process_for("other")


def test_a_valid_tiny_process_passes():
    assert validate(tiny()).key == "tiny"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"transitions": (Transition("a", "c", "办理"),)}, "target 'c' is not a step"),
        ({"transitions": (Transition("x", "b", "办理"), Transition("a", "b", "办理"))}, "source 'x' is not a step"),
        ({"start": "z"}, "start 'z' is not a step"),
        ({"ends": ("z",)}, "end 'z' is not a step"),
        ({"ends": ()}, "no end step"),
        ({"transitions": ()}, "step 'a' has no exit and is not an end"),
        ({"transitions": (Transition("a", "b", "办理"), Transition("a", "b", "又办理"))}, "duplicate transition a->b"),
        ({"transitions": (Transition("a", "b", "办理"), Transition("b", "a", "退回"))}, "an end step has no exit"),
        ({"transitions": (Transition("a", "b", "办理", ("no_such_gate",)),)}, "unknown gate 'no_such_gate'"),
        ({"key": "有 空格"}, "must be ASCII letters, digits and hyphens"),
    ],
)
def test_broken_definitions_are_refused(changes, expected):
    found = problems(tiny(**changes))
    assert any(expected in p for p in found), found


def test_unreachable_steps_and_dead_ends_are_refused():
    officer = (Role.OFFICER.value,)
    process = tiny(
        steps=(Step("a", "甲", officer), Step("b", "乙", officer), Step("c", "丙", officer), Step("d", "丁", officer)),
        transitions=(Transition("a", "b", "办理"), Transition("c", "d", "办理"), Transition("d", "c", "退回")),
    )
    found = problems(process)
    assert "step 'c' is not reachable from the start" in found
    assert "step 'd' is not reachable from the start" in found
    loop = tiny(
        steps=(Step("a", "甲", officer), Step("b", "乙", officer), Step("c", "丙", officer), Step("d", "丁", officer)),
        transitions=(
            Transition("a", "b", "办理"),
            Transition("a", "c", "办理"),
            Transition("c", "d", "办理"),
            Transition("d", "c", "退回"),
        ),
    )
    assert "no end is reachable from step 'c'" in problems(loop)


def test_bad_steps_are_refused_with_every_problem_named():
    step = Step(
        "a",
        "",
        ("officer", "janitor"),
        documents=("penalty_decision", "no_such_template"),
        recording="sometimes",  # type: ignore[arg-type]
        gates=("magic",),
        deadline=Deadline("limit", 0, DayCount.WORKING, "立案之日", ""),
    )
    found = problems(tiny(steps=(step, Step("b", "乙", ()))))
    for expected in (
        "step 'a': no name",
        "step 'a': unknown role 'janitor'",
        "step 'a': unknown document template 'no_such_template'",
        "step 'a': unknown recording requirement 'sometimes'",
        "step 'a': unknown gate 'magic'",
        "step 'b': nobody may act",
    ):
        assert expected in found, found
    assert any("bad deadline" in p for p in found)
    assert any("legal basis" in p for p in found)
    with pytest.raises(InvalidProcess, match="流程定义 'tiny' 无效"):
        validate(tiny(steps=(step, Step("b", "乙", ()))))


@pytest.mark.parametrize("key", list(PROCESSES))
def test_names_roles_documents_and_gates_are_known(key):
    process = PROCESSES[key]
    for step in process.steps:
        assert step.name and set(step.roles) <= set(Role.values)
        assert set(step.documents) | set(step.optional_documents) <= set(TEMPLATES)
        assert set(step.gates) <= set(GATES)
    assert all(set(t.gates) <= set(GATES) for t in process.transitions)
    names = [step.name for step in process.steps]
    assert len(names) == len(set(names)), "step names are unique within a process (the chart shows names)"


def test_the_general_penalty_procedure_follows_the_law():
    p = PENALTY_GENERAL
    assert [s.name for s in p.steps][:2] == ["立案", "调查取证"]
    assert p.step("decide").gates == ("legal_review_passed", "collective_discussion_held")
    assert p.step("decide").deadline == Deadline(
        "case_decision", 90, DayCount.CALENDAR, "立案之日", "行政处罚法第六十条", extension_days=-1
    )
    serve, notify = p.step("serve").deadline, p.step("notify").deadline
    assert serve is not None and (serve.days, serve.count) == (7, DayCount.WORKING)
    assert notify is not None and (notify.days, notify.count) == (5, DayCount.WORKING)
    assert {(t.source, t.target) for t in p.exits("notify")} == {
        ("notify", "hearing"),
        ("notify", "collective"),
        ("notify", "decide"),
    }
    assert "penalty_decision" in p.step("decide").documents
    assert p.step("investigate").on_site and p.step("investigate").recording is Recording.REQUIRED


def test_summary_procedure_carries_its_limits_and_needs_no_legal_review():
    p = process_for("penalty", "summary")
    assert p.limit("fine_max_person").value == 200
    assert p.limit("fine_max_organisation").value == 3000
    assert "within_summary_limits" in p.step("decide").gates
    assert not any("legal_review_passed" in s.gates for s in p.steps)


def test_seizure_needs_full_process_recording_and_extends_once_by_thirty_days():
    p = process_for("coercion")
    assert p.step("implement").recording is Recording.FULL_PROCESS and p.step("implement").on_site
    deadline = p.step("custody").deadline
    assert deadline is not None and (deadline.days, deadline.extension_days) == (30, 30)
    assert deadline.count is DayCount.CALENDAR
    assert p.step("extend").gates == ("extension_approved",)
    (into_extend,) = [t for t in p.exits("custody") if t.target == "extend"]
    assert into_extend.gates == ("measure_extended_once",)
    assert "coercive_measure_decision" in p.step("deliver").documents


def test_licence_limits_are_working_days():
    p = process_for("licence")
    decide, issue = p.step("decide").deadline, p.step("issue").deadline
    assert decide is not None and (decide.days, decide.extension_days, decide.count) == (20, 10, DayCount.WORKING)
    assert issue is not None and (issue.days, issue.count) == (10, DayCount.WORKING)
    assert decide.text == "受理之日起20个工作日内（经批准可延长10个工作日）"


def test_the_digest_changes_with_the_definition():
    assert tiny().digest == tiny().digest
    assert tiny().digest != tiny(name="另一个流程").digest
    assert len({p.digest for p in PROCESSES.values()}) == len(PROCESSES)


def test_the_docs_page_lists_the_current_definitions():
    page = docs.DOCS_PATH.read_text(encoding="utf-8")
    assert page == docs.page_with_tables(page), "docs/processes.md is stale: run python -m sanxiang.cases.docs"
    for process in PROCESSES.values():
        assert f"### {process.name}（`{process.key}`）" in page
