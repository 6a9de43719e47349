"""The actions taken on an open case (办案操作), declared once: for each, who may take it and when it applies.

The case services refuse an action through ``require_action`` before they act, and the case page offers an action's
form only where ``action_refusal`` finds nothing to refuse (and the form has something to choose): what the page
offers is what the services allow, from one table. The services keep their finer checks (which document, which
officer, which fact) next to the values they validate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sanxiang.cases.gates import actor_reason
from sanxiang.cases.models import Case, CaseApproval, FactKind
from sanxiang.cases.processes import PROCESSES, Deadline, Kind, Process, Step
from sanxiang.cases.rules import COLLECTIVE_PROPOSERS, DECIDERS, ISSUER_ROLES, RECUSAL_RECORDERS
from sanxiang.core.errors import InvalidTransition, PermissionDenied
from sanxiang.org.access import has_role
from sanxiang.org.models import Role

# Facts, and the steps at which they are recorded.
FACT_STEPS: dict[str, tuple[str, ...]] = {
    FactKind.HEARING_REQUESTED: ("notify",),
    FactKind.STATEMENT_WAIVED: ("notify",),
    FactKind.STATEMENT_RECEIVED: ("notify",),
    FactKind.COLLECTIVE_REQUIRED: ("review", "notify", "hearing"),
}
# The steps at which a penalty may be proposed or changed: before the decision is made.
PROPOSAL_STEPS: dict[str, tuple[str, ...]] = {
    "penalty-general": ("investigate", "review", "notify", "hearing", "collective", "decide"),
    "penalty-summary": ("identify", "decide"),
}
SEIZURE_PERIOD = "seizure_period"  # extended only at the coercion process's 延长 step (行政强制法 art. 25)


@dataclass(frozen=True)
class Situation:
    """An open case where it stands: its process and current step (what every check reads)."""

    case: Case
    process: Process
    step: Step

    @property
    def closed(self) -> bool:
        return self.case.state in self.process.ends

    @classmethod
    def of(cls, case: Case) -> Situation:
        process = PROCESSES[case.process_key]
        return cls(case=case, process=process, step=process.step(case.state))


def needs_approval(process: Process, step: Step) -> bool:
    """Whether ``step`` (or a way out of it) waits for the head's approval (the ``head_approved`` gate)."""
    return "head_approved" in step.gates or any("head_approved" in t.gates for t in process.exits(step.key))


def extendable_deadlines(process: Process, step: Step) -> list[tuple[Step, Deadline]]:
    """The time limits of ``process`` that may be extended while the case is at ``step``."""
    return [
        (s, s.deadline)
        for s in process.steps
        if s.deadline is not None
        and s.deadline.extension_days != 0
        and (s.deadline.key != SEIZURE_PERIOD or step.key == "extend")
    ]


# --- when an action applies (None: it does) ------------------------------------------------------------------------


def _always(s: Situation) -> str | None:
    return None


def _approval(s: Situation) -> str | None:
    if not needs_approval(s.process, s.step):
        return f"“{s.step.name}”不需要负责人审批。"
    if CaseApproval.objects.filter(case=s.case, step_key=s.step.key, visit=s.case.visit).exists():
        return f"“{s.step.name}”已经审批。"
    return None


def _facts(s: Situation) -> str | None:
    return (
        None if any(s.step.key in steps for steps in FACT_STEPS.values()) else f"“{s.step.name}”环节没有可记录的事项。"
    )


def _on_site(s: Situation) -> str | None:
    return None if s.step.on_site else f"“{s.step.name}”不是现场执法环节。"


def _documents(s: Situation) -> str | None:
    return None if (s.step.documents or s.step.optional_documents) else f"“{s.step.name}”环节不制发文书。"


def _proposal(s: Situation) -> str | None:
    if s.process.kind != Kind.PENALTY:
        return "只有行政处罚案件有拟处罚金额。"
    if s.step.key not in PROPOSAL_STEPS.get(s.process.key, ()):
        return f"“{s.step.name}”环节不能确定或变更拟处罚金额。"
    return None


def _extensions(s: Situation) -> str | None:
    # Which limit, and whether it may be extended at this step, is the service's finer check (``deadline_key``).
    extendable = any(t.deadline is not None and t.deadline.extension_days != 0 for t in s.process.steps)
    return None if extendable else "本案没有可以延长的期限。"


# --- the table -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """One action: who may take it (``roles`` of the case's agency, or — when empty — whoever may act at the current
    step, ``gates.actor_reason``), the refusal said to others, and when it applies. ``applies_first``: the
    situation is checked before the actor (a penalty cannot be proposed on a licence case, whoever asks)."""

    key: str
    label: str
    applies: Callable[[Situation], str | None] = _always
    roles: tuple[Role, ...] = ()
    refusal: str = ""  # may name ``{agency}``
    also_roles: tuple[Role, ...] = ()  # besides the step's actors (``roles`` empty), these roles may act too
    applies_first: bool = False

    def who_refusal(self, actor: Any, s: Situation) -> str | None:
        if self.roles:
            if has_role(actor, s.case.agency_id, self.roles):
                return None
            return self.refusal.format(agency=s.case.agency.name)
        if self.also_roles and has_role(actor, s.case.agency_id, self.also_roles):
            return None
        return actor_reason(actor, s.case, s.step)


ACTIONS: dict[str, CaseAction] = {
    action.key: action
    for action in (
        CaseAction("advance", "办理流转"),
        CaseAction(
            "approve",
            "负责人审批",
            _approval,
            roles=DECIDERS,
            refusal="只有科室负责人或局领导可以审批。",
        ),
        CaseAction("fact", "记录事项", _facts, also_roles=COLLECTIVE_PROPOSERS),
        CaseAction("certificate", "出示执法证件", _on_site),
        CaseAction("recording", "登记音像记录"),
        CaseAction("document", "制发文书", _documents),
        CaseAction(
            "serve",
            "记录送达",
            roles=ISSUER_ROLES,
            refusal="只有本机关的执法人员、科室负责人、法制审核人员或局领导可以记录送达。",
        ),
        CaseAction("penalty", "拟处罚", _proposal, applies_first=True),
        CaseAction(
            "extend",
            "延长期限",
            _extensions,
            roles=DECIDERS,
            refusal="只有科室负责人或局领导可以批准延长期限。",
        ),
        CaseAction(
            "recusal_request",
            "登记回避申请",
            roles=RECUSAL_RECORDERS,
            refusal="只有{agency}的办案人员可以登记回避申请。",
        ),
        CaseAction(
            "recusal_decide",
            "回避决定",
            roles=DECIDERS,
            refusal="只有科室负责人或局领导可以决定回避。",
        ),
        CaseAction(
            "officer_add",
            "指派执法人员",
            roles=DECIDERS,
            refusal="只有科室负责人或局领导可以指派执法人员。",
        ),
    )
}


def action_refusal(key: str, *, actor: Any, situation: Situation) -> str | None:
    """Why ``actor`` may not take action ``key`` on the case now (``None`` when they may)."""
    if situation.closed:
        return f"案件{situation.case.number}已办结（{situation.step.name}），不能再办理或修改。"
    action = ACTIONS[key]
    checks = (action.applies, lambda s: action.who_refusal(actor, s))
    for check in checks if action.applies_first else reversed(checks):
        reason = check(situation)
        if reason:
            return reason
    return None


def require_action(key: str, *, actor: Any, situation: Situation) -> None:
    """Refuse action ``key``: ``PermissionDenied`` when the actor may not take it, ``InvalidTransition`` when it does
    not apply to the case now — with the same reasons the case page shows."""
    action = ACTIONS[key]
    checks: list[tuple[Callable[[Situation], str | None], type[Exception]]] = [
        (lambda s: action.who_refusal(actor, s), PermissionDenied),
        (action.applies, InvalidTransition),
    ]
    for check, error in reversed(checks) if action.applies_first else checks:
        reason = check(situation)
        if reason:
            raise error(reason)
