"""Process definitions shaped for pages: the accessible text that accompanies every published flowchart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanxiang.cases.processes import GATES, PROCESSES, Process, Recording, Step


@dataclass(frozen=True)
class ExitRow:
    name: str
    target: str
    condition: str


@dataclass(frozen=True)
class StepRow:
    number: int
    step: Step
    is_start: bool
    is_end: bool
    roles: str
    documents: str
    optional_documents: str
    recording: str
    deadline: str
    deadline_basis: str
    gates: list[str]
    exits: list[ExitRow]


def step_rows(process: Process) -> list[StepRow]:
    rows = []
    for number, step in enumerate(process.steps, start=1):
        recording = step.recording.label if step.recording is not Recording.NONE else ""
        if step.on_site:
            recording = "；".join(filter(None, [recording, "现场出示执法证件并记录"]))
        rows.append(
            StepRow(
                number=number,
                step=step,
                is_start=step.key == process.start,
                is_end=step.key in process.ends,
                roles="、".join(step.role_names),
                documents="、".join(step.document_names),
                optional_documents="、".join(step.optional_document_names),
                recording=recording,
                deadline=step.deadline.text if step.deadline else "",
                deadline_basis=step.deadline.basis if step.deadline else "",
                gates=[GATES[g].description for g in step.gates],
                exits=[
                    ExitRow(name=t.name, target=process.step(t.target).name, condition=t.condition_text)
                    for t in process.exits(step.key)
                ],
            )
        )
    return rows


def step_name(case: Any) -> str:
    """The name of ``case``'s current step (its key, if its process no longer has it)."""
    process = PROCESSES.get(case.process_key)
    if process is None:
        return str(case.state)
    try:
        return process.step(case.state).name
    except KeyError:
        return str(case.state)


def step_roles(case: Any) -> str:
    """Who acts at ``case``'s current step, in Chinese."""
    process = PROCESSES.get(case.process_key)
    try:
        return "、".join(process.step(case.state).role_names) if process else ""
    except KeyError:
        return ""
