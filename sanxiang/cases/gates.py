"""What must hold before a case leaves its current step: the step's requirements and the gates of the definition.

``step_blockers`` answers, in Chinese, everything that keeps the current step of a case from completing (officers,
documents, recordings, certificates shown, the step's gates); ``transition_blockers`` adds the chosen transition's
gates and whether the actor may act. The state machine (``cases.workflow.case_advance``) refuses while either list
is not empty, and the workspace shows the same lists, so what an officer sees is what is enforced.

Gates are of two sorts:

* **computed** from the case's records (``head_approved``: a head's approval at this visit of the step;
  ``statement_period_over``: the notice was served and five working days have passed, or the party waived;
  ``within_summary_limits``: the proposed fine is under the summary procedure's limits …);
* **asserted** by the person who takes the transition (``violation_established``, ``hazard_found``, ``rectified``…):
  choosing "整改合格" is the officer's finding; the ledger entry of the transition records who found it and when.

``legal_review_passed`` and the two collective-discussion gates belong to the legal review (``review`` app), which
decides what is major; it registers their checks with ``register_gate``. Until it does, those gates refuse: a decision
can never pass for want of a check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sanxiang.cases.models import (
    Case,
    CaseApproval,
    CaseDocument,
    CaseFact,
    CaseOfficer,
    CertificateShown,
    DeadlineExtension,
    FactKind,
    Party,
    PartyKind,
    Recording,
)
from sanxiang.cases.processes import GATES, PROCESSES, Process, Step, Transition
from sanxiang.cases.processes import Recording as Level
from sanxiang.cases.rules import MIN_OFFICERS, officer_eligibility
from sanxiang.core import calendar
from sanxiang.org.access import has_role
from sanxiang.org.models import Role
from sanxiang.registry.docx.placeholders import TEMPLATES
from sanxiang.registry.selectors import recording_requirement

FULL_PROCESS_GAP = dt.timedelta(seconds=5)  # recordings joining within this are one uninterrupted recording
STATEMENT_DAYS = 5  # 行政处罚法 art. 64: ask for a hearing within five (working) days of the notice


@dataclass(frozen=True)
class GateContext:
    """What a gate check reads: the case, its process and step, the moment; and a memo for what several gates of one
    evaluation compute alike (the legal review's assessment of the proposal)."""

    case: Case
    process: Process
    step: Step
    now: dt.datetime
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def facts(self, kind: str) -> list[CaseFact]:
        return list(CaseFact.objects.filter(case=self.case, visit=self.case.visit, kind=kind))


GateCheck = Callable[[GateContext], str | None]  # ``None``: the gate holds; otherwise why not, in Chinese


def _asserted(ctx: GateContext) -> str | None:
    return None


def _head_approved(ctx: GateContext) -> str | None:
    if CaseApproval.objects.filter(case=ctx.case, step_key=ctx.step.key, visit=ctx.case.visit).exists():
        return None
    return f"“{ctx.step.name}”须经行政机关负责人批准（尚无批准记录）。"


def _review_not_installed(ctx: GateContext) -> str | None:
    return "法制审核模块未启用，无法确认本案是否须经法制审核或集体讨论（sanxiang.review 未安装）。"


def _hearing_requested(ctx: GateContext) -> str | None:
    if ctx.facts(FactKind.HEARING_REQUESTED):
        return None
    return "当事人没有要求听证。"


def notice_served_on(case: Case, *, visit: int | None = None) -> dt.date | None:
    """The day the penalty notice (行政处罚告知书) of the case was first served, if it was."""
    links = CaseDocument.objects.filter(case=case, document__template_code="penalty_notice")
    if visit is not None:
        links = links.filter(visit=visit)
    served = [
        service.served_at
        for link in links.select_related("document").prefetch_related("document__services")
        for service in link.document.services.all()
    ]
    return timezone.localdate(min(served)) if served else None


def statement_deadline(case: Case) -> calendar.Deadline | None:
    """The last day the party may state its case or ask for a hearing (five working days after service)."""
    served = notice_served_on(case, visit=case.visit)
    return None if served is None else calendar.add_working_days(served, STATEMENT_DAYS)


def _statement_period_over(ctx: GateContext) -> str | None:
    if ctx.facts(FactKind.HEARING_REQUESTED):
        return "当事人已要求听证，应当组织听证。"
    if ctx.facts(FactKind.STATEMENT_WAIVED):
        return None
    deadline = statement_deadline(ctx.case)
    if deadline is None:
        return "行政处罚告知书尚未送达。"
    if not deadline.is_overdue(ctx.today):
        return f"陈述、申辩和要求听证的期限至{deadline.date:%Y年%m月%d日}届满，当事人未明确放弃。"
    return None


def summary_limit(case: Case, process: Process) -> int:
    """The summary procedure's fine ceiling for ``case``: the natural-person limit if any party is a person."""
    kinds = set(Party.objects.filter(case=case).values_list("kind", flat=True))
    key = "fine_max_person" if PartyKind.PERSON in kinds or not kinds else "fine_max_organisation"
    return process.limit(key).value


def _within_summary_limits(ctx: GateContext) -> str | None:
    amount = ctx.case.amount_proposed
    if amount is None:
        return "尚未确定拟处罚款金额（警告填 0 元）。"
    limit = summary_limit(ctx.case, ctx.process)
    if amount > limit:
        return f"拟罚款{amount:,.2f}元超过简易程序的上限{limit:,}元（行政处罚法第五十一条），应当适用一般程序。"
    return None


def _measure_extended_once(ctx: GateContext) -> str | None:
    entered = ctx.case.step_entered_at or ctx.case.opened_at
    earlier = DeadlineExtension.objects.filter(
        case=ctx.case, deadline_key="seizure_period", approved_at__lt=entered
    ).exists()
    return "查封、扣押期限已经延长过一次，不得再次延长（行政强制法第二十五条）。" if earlier else None


def _extension_approved(ctx: GateContext) -> str | None:
    entered = ctx.case.step_entered_at or ctx.case.opened_at
    approved = DeadlineExtension.objects.filter(
        case=ctx.case, deadline_key="seizure_period", approved_at__gte=entered
    ).exists()
    return None if approved else "尚未记录负责人批准的延长决定（延长天数和理由）。"


GATE_CHECKS: dict[str, GateCheck] = {
    "head_approved": _head_approved,
    # the legal review's (registered by ``ReviewConfig.ready``)
    "legal_review_passed": _review_not_installed,
    "collective_discussion_required": _review_not_installed,
    "collective_discussion_held": _review_not_installed,
    "hearing_requested": _hearing_requested,
    "statement_period_over": _statement_period_over,
    "within_summary_limits": _within_summary_limits,
    "measure_extended_once": _measure_extended_once,
    "extension_approved": _extension_approved,
    # asserted by the transition the person chooses (their finding, recorded in the transition's ledger entry)
    "violation_established": _asserted,
    "violation_not_established": _asserted,
    "confiscation_due": _asserted,
    "no_violation_found": _asserted,
    "hazard_found": _asserted,
    "penalty_due": _asserted,
    "rectified": _asserted,
    "application_complete": _asserted,
    "application_refused": _asserted,
}
ASSERTED = frozenset(key for key, check in GATE_CHECKS.items() if check is _asserted)

missing = set(GATES) - set(GATE_CHECKS)
if missing:  # a definition's gate that nobody evaluates would be a gate that always holds
    raise RuntimeError(f"gates without a check: {sorted(missing)}")


def register_gate(key: str, check: GateCheck) -> None:
    """Let the app that owns a gate supply its check (the legal review supplies ``legal_review_passed``)."""
    if key not in GATES:
        raise KeyError(key)
    GATE_CHECKS[key] = check


def gate_reasons(ctx: GateContext, keys: tuple[str, ...]) -> list[str]:
    reasons: list[str] = []
    for key in keys:
        reason = GATE_CHECKS[key](ctx)
        if reason:
            reasons.append(reason)
    return reasons


# --- the step's own requirements -----------------------------------------------------------------------------------


def active_officers(case: Case) -> list[CaseOfficer]:
    return list(CaseOfficer.objects.filter(case=case, active=True).select_related("officer").order_by("pk"))


def eligible_officer_ids(case: Case, on: dt.date) -> set[int]:
    return {
        row.officer_id
        for row in active_officers(case)
        if not officer_eligibility(officer=row.officer, item=case.item, place_region=case.place_region, on=on)
    }


def recording_level(case: Case, step: Step) -> str:
    """What the current visit of ``step`` needs: the stricter of the process and the agency's published AV list,
    raised to full-process recording when the step took place in a room the AV list records in full."""

    level = recording_requirement(agency=case.agency_id, process_key=case.process_key, step_key=step.key)
    in_full_rooms = (
        CertificateShown.objects.filter(case=case, visit=case.visit, room__full_process=True).exists()
        or Recording.objects.filter(case=case, visit=case.visit, room__full_process=True).exists()
    )
    if in_full_rooms:
        return Level.FULL_PROCESS.value
    return level


def _full_process_gaps(recordings: list[Recording], must_cover: list[dt.datetime]) -> list[str]:
    spans = sorted((r.started_at, r.ended_at) for r in recordings if r.full_process)
    if not spans:
        return ["本环节须全过程音像记录，尚无标为全过程记录的音像。"]
    problems: list[str] = []
    start, end = spans[0]
    for s, e in spans[1:]:
        if s - end > FULL_PROCESS_GAP:
            problems.append(
                f"全过程音像记录在{timezone.localtime(end):%H:%M:%S}至{timezone.localtime(s):%H:%M:%S}之间中断。"
            )
        end = max(end, e)
    for moment in must_cover:
        if not (start <= moment <= end):
            problems.append(f"全过程音像记录未覆盖{timezone.localtime(moment):%m月%d日 %H:%M:%S}出示执法证件的时刻。")
    return problems


def _context(case: Case, now: dt.datetime | None) -> GateContext:
    process = PROCESSES[case.process_key]
    return GateContext(case=case, process=process, step=process.step(case.state), now=now or timezone.now())


def step_blockers(case: Case, *, now: dt.datetime | None = None, ctx: GateContext | None = None) -> list[str]:
    """Everything that keeps the current step of ``case`` from completing, in Chinese (empty: it may complete)."""
    ctx = ctx or _context(case, now)
    process, step = ctx.process, ctx.step
    if case.state in process.ends:
        return ["案件已办结。"]
    reasons: list[str] = []
    eligible = eligible_officer_ids(case, ctx.today)
    if len(eligible) < MIN_OFFICERS:
        reasons.append(f"本案今日符合条件的执法人员不足{MIN_OFFICERS}名（资格、类别或区域不符，或已回避），请先指派。")
    issued = set(
        CaseDocument.objects.filter(case=case, visit=case.visit).values_list("document__template_code", flat=True)
    )

    for code in step.documents:
        if code not in issued:
            reasons.append(f"尚未制发{TEMPLATES[code].name}。")
    if step.on_site:
        shown = set(
            CertificateShown.objects.filter(case=case, visit=case.visit, officer_id__in=eligible).values_list(
                "officer_id", flat=True
            )
        )
        if len(shown) < MIN_OFFICERS:
            reasons.append(f"现场执法须由{MIN_OFFICERS}名以上执法人员出示执法证件（已记录{len(shown)}名）。")
    level = recording_level(case, step)
    if level != Level.NONE.value:
        recordings = list(Recording.objects.filter(case=case, visit=case.visit))
        if not recordings:
            reasons.append(
                "本环节须全过程音像记录，尚无音像记录。"
                if level == Level.FULL_PROCESS.value
                else "本环节应当音像记录，尚无音像记录。"
            )
        elif level == Level.FULL_PROCESS.value:
            shown_at = list(
                CertificateShown.objects.filter(case=case, visit=case.visit).values_list("shown_at", flat=True)
            )
            reasons.extend(_full_process_gaps(recordings, shown_at))
    reasons.extend(gate_reasons(ctx, step.gates))
    return reasons


def actor_reason(actor: Any, case: Case, step: Step) -> str | None:
    """Why ``actor`` may not complete ``step`` of ``case`` (``None`` when it may).

    One of the step's roles in the case's agency is needed; someone acting only as an officer must also be an
    active officer of this case.
    """
    roles = set(step.roles)
    if not has_role(actor, case.agency_id, roles):
        names = "、".join(step.role_names)
        return f"“{step.name}”只能由{names}办理。"
    if has_role(actor, case.agency_id, roles - {Role.OFFICER.value}):
        return None
    user_id = getattr(actor, "pk", None)
    on_case = (
        user_id is not None and CaseOfficer.objects.filter(case=case, active=True, officer__user_id=user_id).exists()
    )
    return None if on_case else "您不是本案的承办人员。"


def transition_blockers(case: Case, transition: Transition, *, actor: Any, now: dt.datetime | None = None) -> list[str]:
    """Everything that keeps ``actor`` from taking ``transition`` now (empty: it may)."""
    ctx = _context(case, now)
    reasons: list[str] = []
    who = actor_reason(actor, case, ctx.step)
    if who:
        reasons.append(who)
    reasons.extend(step_blockers(case, ctx=ctx))
    reasons.extend(r for r in gate_reasons(ctx, transition.gates) if r not in reasons)
    return reasons


# --- the decision itself --------------------------------------------------------------------------------------------

DECISION_GATES = ("legal_review_passed", "collective_discussion_held")


def decision_blockers(case: Case, *, now: dt.datetime | None = None) -> list[str]:
    """Why no decision document of ``case`` may be issued or served now: a major case needs a legal review passed on
    the current proposal and, where required, a concluded collective discussion (行政处罚法第五十七条、第五十八条)."""
    process = PROCESSES[case.process_key]
    try:
        step = process.step("decide")
    except KeyError:
        step = process.step(case.state)
    ctx = GateContext(case=case, process=process, step=step, now=now or timezone.now())
    return gate_reasons(ctx, DECISION_GATES)
