"""The case state machine: moving a case along its process definition, and everything recorded at a step.

Every function here is a service (DESIGN.md rule 1): keyword-only, permission-checked, one transaction, one ledger
entry per row written, Chinese errors that leave nothing half-written. A case moves only through ``case_advance``,
which takes a ``Transition`` of the definition the case was opened under, and only when ``gates.transition_blockers``
is empty: the step's documents are issued, its recordings made, certificates shown, its gates and the transition's
gates hold, and the actor may act. Everything else records what those checks read:

* ``case_approve`` — 负责人批准 at this step (the ``head_approved`` gate);
* ``case_fact_record`` — facts only people know (the party asked for a hearing, waived its rights …);
* ``onsite.case_certificate_shown`` — 出示执法证件 at an on-site step, and ``onsite.case_recording_add`` — 音像记录:
  an uploaded evidence file with device or room, officer, time and place (in their own module);
* ``case_document_issue`` / ``case_document_serve`` — documents filled from the case, and their service;
* ``case_penalty_propose`` — the proposed fine, checked against the item's discretion benchmark (裁量基准) and the
  summary procedure's limits;
* ``case_deadline_extend`` — an approved extension of a time limit.

Once a case reaches an end step it is closed: nothing more can be recorded on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.cases.actions import FACT_STEPS, SEIZURE_PERIOD, Situation, require_action
from sanxiang.cases.casefile import case_file_seal
from sanxiang.cases.checks import aware, open_case, require_step_actor
from sanxiang.cases.documents import document_issue, document_serve_record
from sanxiang.cases.gates import statement_deadline, summary_limit, transition_blockers
from sanxiang.cases.models import (
    Case,
    CaseApproval,
    CaseDocument,
    CaseFact,
    CaseOfficer,
    Circumstance,
    DeadlineExtension,
    DocumentKind,
    DocumentService,
    FactKind,
    IssuedDocument,
    Party,
    PartyKind,
    Sanction,
)
from sanxiang.cases.processes import Kind, Procedure
from sanxiang.cases.rules import COLLECTIVE_PROPOSERS
from sanxiang.core.canonical import canonical_json, sha256_hex, to_json_value
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.money import yuan_display
from sanxiang.core.values import clean_codes, clean_text, parse_yuan
from sanxiang.ledger.models import Blob
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.registry.docx.placeholders import TEMPLATES

DOCUMENT_KIND = {
    Kind.PENALTY: DocumentKind.PENALTY,
    Kind.COERCION: DocumentKind.COERCION,
    Kind.INSPECTION: DocumentKind.INSPECTION,
    Kind.LICENCE: DocumentKind.LICENCE,
}
# --- what other apps hear of: a case moved, a document was issued ----------------------------------------------------


@dataclass(frozen=True)
class CaseEvent:
    """A step completed (``kind="advance"``, ``source`` → ``target``) or a document issued at ``source``
    (``kind="document"``, ``document`` set). Disclosure turns decisions into publications from these."""

    actor: Any
    case: Case
    kind: str
    source: str
    target: str
    at: dt.datetime
    document: IssuedDocument | None = None


CaseEventHook = Callable[[CaseEvent], object]
_event_hooks: list[CaseEventHook] = []


def register_case_event_hook(hook: CaseEventHook) -> None:
    """``hook(event)`` runs inside the transaction of every advance and every issued case document, after its
    ledger entry; an exception rolls the whole action back."""
    if hook not in _event_hooks:
        _event_hooks.append(hook)


def _announce(event: CaseEvent) -> None:
    for hook in _event_hooks:
        hook(event)


# --- moving the case -----------------------------------------------------------------------------------------------


@transaction.atomic
def case_advance(*, actor: Any, case: Case, target: str, note: str = "") -> Case:
    """Complete the current step and move ``case`` to ``target`` along a transition of its process."""
    case, process, step = open_case(case)
    transition = next((t for t in process.exits(step.key) if t.target == target), None)
    if transition is None:
        names = "、".join(f"“{process.step(t.target).name}”" for t in process.exits(step.key))
        raise InvalidTransition(f"“{step.name}”之后只能进入{names}。")
    require_action("advance", actor=actor, situation=Situation(case, process, step))
    now = timezone.now()
    blockers = transition_blockers(case, transition, actor=actor, now=now)
    if blockers:
        raise ValidationError({"__all__": blockers})
    case.state = transition.target
    case.visit += 1
    case.step_entered_at = now
    if transition.target in process.ends:
        case.closed_at = now
    case.save(update_fields=["state", "visit", "step_entered_at", "closed_at"])
    note = clean_text(note)
    text = f"{step.name} → {process.step(transition.target).name}：{transition.name}"
    record(actor=actor, action="case.advance", subject=case, note=f"{text}（{note}）" if note else text)
    _announce(CaseEvent(actor=actor, case=case, kind="advance", source=step.key, target=transition.target, at=now))
    if case.closed_at is not None:
        case_file_seal(actor=actor, case=case)
    return case


@transaction.atomic
def case_approve(*, actor: Any, case: Case, note: str = "") -> CaseApproval:
    """负责人批准 the current step (the ``head_approved`` gate), once per visit of the step."""
    case, process, step = open_case(case)
    require_action("approve", actor=actor, situation=Situation(case, process, step))
    approval = CaseApproval.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        note=clean_text(note),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor=actor, action="case.approve", subject=approval, note=f"{case.number} {step.name}")
    return approval


@transaction.atomic
def case_fact_record(
    *, actor: Any, case: Case, kind: str, occurred_at: dt.datetime | None = None, note: str = ""
) -> CaseFact:
    """Record a fact a gate needs (要求听证, 放弃陈述申辩, 收到陈述申辩, 须集体讨论) at the current step."""

    case, _process, step = open_case(case)
    if kind not in FactKind.values:
        raise ValidationError({"kind": ["未知的事项。"]})
    label = FactKind(kind).label
    if step.key not in FACT_STEPS[kind]:
        raise InvalidTransition(f"“{step.name}”环节不能记录“{label}”。")
    if kind == FactKind.COLLECTIVE_REQUIRED:
        require_role(actor, case.agency, COLLECTIVE_PROPOSERS, "只有负责人、局领导或法制审核人员可以提请集体讨论。")
    else:
        require_step_actor(actor, case, step)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    when = aware(occurred_at or now, "occurred_at", "发生时间", errors, now=now)
    note = clean_text(note)
    if kind == FactKind.COLLECTIVE_REQUIRED and not note:
        errors["note"] = ["请说明须集体讨论的理由。"]
    if kind == FactKind.STATEMENT_RECEIVED and not note:
        errors["note"] = ["请记录陈述、申辩的意见和复核结果。"]
    if kind in (FactKind.HEARING_REQUESTED, FactKind.STATEMENT_WAIVED):
        deadline = statement_deadline(case)
        if deadline is None:
            errors["kind"] = ["行政处罚告知书尚未送达。"]
        elif kind == FactKind.HEARING_REQUESTED and timezone.localdate(when) > deadline.date:
            errors["occurred_at"] = [
                f"要求听证的期限已于{deadline.date:%Y年%m月%d日}届满（告知书送达后五个工作日，行政处罚法第六十四条）。"
            ]
    if errors:
        raise ValidationError(errors)
    fact = CaseFact.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        kind=kind,
        occurred_at=when,
        note=note,
        recorded_by=actor,
        recorded_at=now,
    )
    record(actor=actor, action="case.fact", subject=fact, note=label)
    return fact


# --- documents -----------------------------------------------------------------------------------------------------


def _legal_basisclean_text(basis: Any) -> str:
    if not isinstance(basis, list):
        return ""
    parts = []
    for item in basis:
        if isinstance(item, dict) and item.get("law"):
            parts.append(f"《{item['law']}》{item.get('article', '')}")
    return "、".join(parts)


def case_document_context(case: Case) -> dict[str, Any]:
    """What the case already knows, under the templates' placeholder names (docs/templates.md)."""
    party = Party.objects.filter(case=case).order_by("pk").first()
    officers = [
        {"name": row.officer.name, "certificate_number": row.officer.certificate_number}
        for row in CaseOfficer.objects.filter(case=case, active=True).select_related("officer").order_by("pk")
    ]
    context: dict[str, Any] = {
        "case_title": case.title,
        "legal_basis": _legal_basisclean_text(case.item.legal_basis),
        "officers": officers,
    }
    if party is not None:
        context.update(
            party_name=party.name,
            party_address=party.address,
            party_uscc_or_id=party.uscc if party.kind == PartyKind.ORGANISATION else party.id_number,
            legal_representative=party.legal_representative,
            party_phone=party.phone,
        )
    if case.amount_proposed is not None:
        context["fine_amount"] = yuan_display(case.amount_proposed)
    decision = (
        CaseDocument.objects.filter(case=case, document__template_code="penalty_decision")
        .select_related("document")
        .order_by("-pk")
        .first()
    )
    if decision is not None:
        context["penalty_decision_number"] = decision.document.number
        context["served_document"] = f"{decision.document.template_name}（{decision.document.number}）"
    return context


@transaction.atomic
def case_document_issue(
    *, actor: Any, case: Case, template_code: str, fields: dict[str, Any] | None = None
) -> IssuedDocument:
    """Issue a document of the current step, filled from the case and ``fields`` (what only the officer knows)."""
    case, process, step = open_case(case)
    require_action("document", actor=actor, situation=Situation(case, process, step))
    if template_code not in (*step.documents, *step.optional_documents):
        name = TEMPLATES[template_code].name if template_code in TEMPLATES else template_code
        raise InvalidTransition(f"“{step.name}”环节不制发{name}。")
    context = {**case_document_context(case), **{k: v for k, v in (fields or {}).items() if v not in (None, "")}}
    document = document_issue(
        actor=actor,
        agency=case.agency,
        template_code=template_code,
        context=context,
        kind=DOCUMENT_KIND[process.kind],
        subject=f"cases.case:{case.pk}",
    )
    link = CaseDocument.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        document=document,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor=actor, action="case.document_add", subject=link, note=f"{document.template_name} {document.number}")
    _announce(
        CaseEvent(
            actor=actor,
            case=case,
            kind="document",
            source=step.key,
            target=step.key,
            at=link.recorded_at,
            document=document,
        )
    )
    return document


def case_document_serve(
    *,
    actor: Any,
    case: Case,
    document: IssuedDocument,
    method: str,
    served_at: dt.datetime,
    recipient: str,
    receipt_blob: Blob | None = None,
) -> DocumentService:
    """送达 a document of ``case`` (closed cases refuse, like every other record)."""
    with transaction.atomic():
        case, _process, _step = open_case(case)
        if not CaseDocument.objects.filter(case=case, document_id=document.pk).exists():
            raise ValidationError({"document": ["该文书不属于本案。"]})
        return document_serve_record(
            actor=actor,
            document=document,
            method=method,
            served_at=served_at,
            recipient=recipient,
            receipt_blob=receipt_blob,
        )


# --- penalty proposal and discretion -------------------------------------------------------------------------------


ProposalHook = Callable[[Any, Case], object]
_proposal_hooks: list[ProposalHook] = []


def register_proposal_hook(hook: ProposalHook) -> None:
    """``hook(actor, case)`` runs in the transaction of every changed proposal (the legal review records its
    assessment of whether the decision is major)."""
    if hook not in _proposal_hooks:
        _proposal_hooks.append(hook)


def proposal_state(case: Case) -> dict[str, Any]:
    """The proposed decision as reviewed: what a legal review's pass is bound to (any change voids the pass)."""
    return {
        "case": case.pk,
        "item": case.item_id,
        "amount": case.amount_proposed,
        "band": case.discretion_band,
        "discretion_reason": case.discretion_reason,
        "sanctions": sorted(case.sanctions or []),
        "circumstances": sorted(case.circumstances or []),
        "parties": list(
            Party.objects.filter(case=case).order_by("pk").values_list("kind", "name", "uscc", "id_number")
        ),
    }


def proposal_digest(case: Case) -> str:
    return sha256_hex(canonical_json(to_json_value(proposal_state(case))))


@transaction.atomic
def case_penalty_propose(
    *,
    actor: Any,
    case: Case,
    amount: Decimal | str | int,
    band: int | None = None,
    reason: str = "",
    sanctions: list[str] | tuple[str, ...] | None = None,
    circumstances: list[str] | tuple[str, ...] | None = None,
) -> Case:
    """拟处罚: the proposed fine (0 for none), the discretion band (裁量档次, from 1) it applies, the other kinds of
    penalty (``Sanction``) and the circumstances that may make it major (``Circumstance``).

    A fine outside the band's range needs a recorded reason and marks the case major, so it goes through legal
    review. The summary procedure refuses a fine above its limits and any penalty but a warning or a fine
    (行政处罚法第五十一条).
    """
    case, process, step = open_case(case)
    require_action("penalty", actor=actor, situation=Situation(case, process, step))
    errors: dict[str, list[str]] = {}
    value = parse_yuan(amount)
    if value is None:
        errors["amount"] = ["请填写不为负数、最多两位小数的金额（元）；警告填 0。"]
    reason = clean_text(reason)
    bands = case.item.discretion_benchmark if isinstance(case.item.discretion_benchmark, list) else []
    outside = ""
    if bands:
        if band is None or isinstance(band, bool) or not isinstance(band, int) or not 1 <= band <= len(bands):
            errors["band"] = [f"请选择适用的裁量档次（第1至{len(bands)}档）。"]
        elif value is not None:
            chosen = bands[band - 1]
            low, high = parse_yuan(chosen.get("fine_min") or ""), parse_yuan(chosen.get("fine_max") or "")
            if low is not None and high is not None and not low <= value <= high:
                outside = f"拟罚款{value:,.2f}元超出裁量基准第{band}档（{low:,.2f}—{high:,.2f}元）"
                if not reason:
                    errors["reason"] = [f"{outside}，须说明理由。"]
    elif band is not None:
        errors["band"] = ["该执法事项没有裁量基准。"]
    if value is not None and process.procedure == Procedure.SUMMARY:
        limit = summary_limit(case, process)
        if value > limit:
            party_kinds = set(Party.objects.filter(case=case).values_list("kind", flat=True))
            who = "公民" if PartyKind.PERSON in party_kinds else "法人或者其他组织"
            errors["amount"] = [
                f"简易程序对{who}罚款不得超过{limit:,}元（行政处罚法第五十一条），拟罚款{value:,.2f}元应当适用一般程序。"
            ]
    kinds = clean_codes(sanctions, Sanction.values, "sanctions", errors)
    if value is not None and value > 0 and Sanction.FINE not in kinds:
        kinds = sorted({*kinds, Sanction.FINE.value})
    if value is not None and value == 0 and Sanction.FINE in kinds:
        errors["amount"] = ["拟处罚种类含罚款的，须填写罚款金额。"]
    if value is not None and not kinds and "sanctions" not in errors:
        errors["sanctions"] = ["请选择拟处罚种类（只给予警告的，罚款金额填 0 并选择警告）。"]
    if process.procedure == Procedure.SUMMARY and set(kinds) - {Sanction.WARNING, Sanction.FINE}:
        errors["sanctions"] = ["简易程序只能作出警告或者罚款（行政处罚法第五十一条）。"]
    facts = clean_codes(circumstances, Circumstance.values, "circumstances", errors)
    if errors:
        raise ValidationError(errors)
    assert value is not None
    case.amount_proposed = value
    case.discretion_band = band
    case.discretion_reason = reason if outside else ""
    case.sanctions = kinds
    case.circumstances = facts
    if outside:
        case.major = True
        case.major_reason = f"{outside}：{reason}"
    case.save(
        update_fields=[
            "amount_proposed",
            "discretion_band",
            "discretion_reason",
            "sanctions",
            "circumstances",
            "major",
            "major_reason",
        ]
    )
    labels = "、".join(Sanction(k).label for k in kinds)
    text = f"拟{labels}，罚款{value:,.2f}元" + (f"，第{band}档" if band else "")
    text += "；超出裁量基准，列为重大案件" if outside else ""
    record(actor=actor, action="case.penalty_propose", subject=case, note=text)
    for hook in _proposal_hooks:
        hook(actor, case)
    return case


# --- deadlines -----------------------------------------------------------------------------------------------------


@transaction.atomic
def case_deadline_extend(*, actor: Any, case: Case, deadline_key: str, days: int, reason: str) -> DeadlineExtension:
    """延长 a legal time limit of ``case`` with the head's approval, within what the definition allows."""
    case, process, step = open_case(case)
    require_action("extend", actor=actor, situation=Situation(case, process, step))
    if deadline_key == SEIZURE_PERIOD and step.key != "extend":
        raise InvalidTransition("查封、扣押期限在“延长”环节批准延长。")
    deadline = next((s.deadline for s in process.steps if s.deadline and s.deadline.key == deadline_key), None)
    if deadline is None:
        raise ValidationError({"deadline_key": ["本案没有该期限。"]})
    errors: dict[str, list[str]] = {}
    if deadline.extension_days == 0:
        errors["deadline_key"] = ["该期限依法不能延长。"]
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        errors["days"] = ["延长天数应为正整数。"]
    reason = clean_text(reason)
    if not reason:
        errors["reason"] = ["请说明延长理由。"]
    earlier = list(DeadlineExtension.objects.filter(case=case, deadline_key=deadline_key))
    if deadline.extension_days > 0 and not errors:
        if deadline_key == SEIZURE_PERIOD and earlier:
            errors["deadline_key"] = ["查封、扣押期限只能延长一次（行政强制法第二十五条）。"]
        elif sum(e.days for e in earlier) + days > deadline.extension_days:
            errors["days"] = [f"该期限最多延长{deadline.extension_days}{deadline.count.label}。"]
    if errors:
        raise ValidationError(errors)
    extension = DeadlineExtension.objects.create(
        case=case,
        deadline_key=deadline_key,
        days=days,
        reason=reason,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    record(actor=actor, action="case.deadline_extend", subject=extension, note=f"{deadline.start} +{days}")
    return extension
