"""The case state machine: moving a case along its process definition, and everything recorded at a step.

Every function here is a service (DESIGN.md rule 1): keyword-only, permission-checked, one transaction, one ledger
entry per row written, Chinese errors that leave nothing half-written. A case moves only through ``case_advance``,
which takes a ``Transition`` of the definition the case was opened under, and only when ``gates.transition_blockers``
is empty: the step's documents are issued, its recordings made, certificates shown, its gates and the transition's
gates hold, and the actor may act. Everything else records what those checks read:

* ``case_approve`` — 负责人批准 at this step (the ``head_approved`` gate);
* ``case_fact_record`` — facts only people know (the party asked for a hearing, waived its rights …);
* ``case_certificate_shown`` — 出示执法证件 at an on-site step;
* ``case_recording_add`` — 音像记录: an uploaded evidence file with device or room, officer, time and place;
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

from sanxiang.cases.documents import FUTURE_SLACK, document_issue, document_serve_record
from sanxiang.cases.gates import actor_reason, summary_limit, transition_blockers
from sanxiang.cases.models import (
    Case,
    CaseApproval,
    CaseDocument,
    CaseFact,
    CaseOfficer,
    CertificateShown,
    Circumstance,
    DeadlineExtension,
    DocumentKind,
    DocumentService,
    FactKind,
    IssuedDocument,
    Party,
    PartyKind,
    Recording,
    Sanction,
)
from sanxiang.cases.processes import PROCESSES, Kind, Procedure, Process, Step
from sanxiang.cases.services import DECIDERS, officer_eligibility
from sanxiang.core.canonical import canonical_json, sha256_hex, to_json_value
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.core.money import yuan_display
from sanxiang.core.values import clean_codes, clean_text, parse_yuan
from sanxiang.ledger.models import Blob
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Role
from sanxiang.registry.docx.placeholders import TEMPLATES
from sanxiang.registry.models import Device, DeviceStatus, DeviceUsage, Officer, RecordingPlace

DOCUMENT_KIND = {
    Kind.PENALTY: DocumentKind.PENALTY,
    Kind.COERCION: DocumentKind.COERCION,
    Kind.INSPECTION: DocumentKind.INSPECTION,
    Kind.LICENCE: DocumentKind.LICENCE,
}
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


# --- common checks -------------------------------------------------------------------------------------------------


def _open_case(case: Case) -> tuple[Case, Process, Step]:
    """``case`` locked for the rest of the transaction, its process and current step; refused once it is closed."""
    case = Case.objects.select_for_update().select_related("agency", "item").get(pk=case.pk)
    process = PROCESSES[case.process_key]
    if case.state in process.ends:
        raise InvalidTransition(f"案件{case.number}已办结（{process.step(case.state).name}），不能再办理或修改。")
    return case, process, process.step(case.state)


def _require_step_actor(actor: Any, case: Case, step: Step) -> None:
    reason = actor_reason(actor, case, step)
    if reason:
        raise PermissionDenied(reason)


def _case_officer(case: Case, officer: Officer | int) -> CaseOfficer:
    officer_id = officer if isinstance(officer, int) else officer.pk
    row = CaseOfficer.objects.filter(case=case, officer_id=officer_id, active=True).select_related("officer").first()
    if row is None:
        raise ValidationError({"officer": ["该执法人员不是本案的承办人员（或已回避）。"]})
    return row


def _aware(value: Any, name: str, label: str, errors: dict[str, list[str]], *, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        errors[name] = [f"请填写{label}（带时区的日期时间）。"]
        return now
    if value > now + FUTURE_SLACK:
        errors[name] = [f"{label}不能晚于当前时间。"]
    return value


def _room(case: Case, room: RecordingPlace | None, errors: dict[str, list[str]]) -> RecordingPlace | None:
    if room is None:
        return None
    fresh = RecordingPlace.objects.filter(pk=room.pk).first()
    if fresh is None or fresh.agency_id != case.agency_id or fresh.status != PublicationStatus.PUBLISHED:
        errors["room"] = ["该场所不在本机关已公示的音像记录场所清单中。"]
        return None
    return fresh


# --- moving the case -----------------------------------------------------------------------------------------------


@transaction.atomic
def case_advance(*, actor: Any, case: Case, target: str, note: str = "") -> Case:
    """Complete the current step and move ``case`` to ``target`` along a transition of its process."""
    case, process, step = _open_case(case)
    transition = next((t for t in process.exits(step.key) if t.target == target), None)
    if transition is None:
        names = "、".join(f"“{process.step(t.target).name}”" for t in process.exits(step.key))
        raise InvalidTransition(f"“{step.name}”之后只能进入{names}。")
    _require_step_actor(actor, case, step)
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
        from sanxiang.cases.casefile import case_file_seal

        case_file_seal(actor=actor, case=case)
    return case


@transaction.atomic
def case_approve(*, actor: Any, case: Case, note: str = "") -> CaseApproval:
    """负责人批准 the current step (the ``head_approved`` gate), once per visit of the step."""
    case, process, step = _open_case(case)
    require_role(actor, case.agency, DECIDERS, "只有科室负责人或局领导可以审批。")
    needs = "head_approved" in step.gates or any("head_approved" in t.gates for t in process.exits(step.key))
    if not needs:
        raise InvalidTransition(f"“{step.name}”不需要负责人审批。")
    if CaseApproval.objects.filter(case=case, step_key=step.key, visit=case.visit).exists():
        raise InvalidTransition(f"“{step.name}”已经审批。")
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
    from sanxiang.cases.gates import statement_deadline

    case, _process, step = _open_case(case)
    if kind not in FactKind.values:
        raise ValidationError({"kind": ["未知的事项。"]})
    label = FactKind(kind).label
    if step.key not in FACT_STEPS[kind]:
        raise InvalidTransition(f"“{step.name}”环节不能记录“{label}”。")
    if kind == FactKind.COLLECTIVE_REQUIRED:
        require_role(
            actor, case.agency, (*DECIDERS, Role.LEGAL_REVIEWER), "只有负责人、局领导或法制审核人员可以提请集体讨论。"
        )
    else:
        _require_step_actor(actor, case, step)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    when = _aware(occurred_at or now, "occurred_at", "发生时间", errors, now=now)
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


# --- on site: certificates and recordings --------------------------------------------------------------------------


@transaction.atomic
def case_certificate_shown(
    *,
    actor: Any,
    case: Case,
    officer: Officer,
    shown_at: dt.datetime,
    place: str,
    room: RecordingPlace | None = None,
) -> CertificateShown:
    """出示执法证件: ``officer`` of the case showed the certificate at ``shown_at`` at an on-site step."""
    case, _process, step = _open_case(case)
    _require_step_actor(actor, case, step)
    if not step.on_site:
        raise InvalidTransition(f"“{step.name}”不是现场执法环节。")
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    row = _case_officer(case, officer)
    shown_at = _aware(shown_at, "shown_at", "出示时间", errors, now=now)
    if "shown_at" not in errors:
        reasons = officer_eligibility(
            officer=row.officer, item=case.item, place_region=case.place_region, on=timezone.localdate(shown_at)
        )
        if reasons:
            errors["officer"] = reasons
    place = clean_text(place)
    if not place:
        errors["place"] = ["请填写地点。"]
    room = _room(case, room, errors)
    if errors:
        raise ValidationError(errors)
    shown = CertificateShown.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        officer=row.officer,
        shown_at=shown_at,
        place=place,
        room=room,
        recorded_by=actor,
        recorded_at=now,
    )
    record(actor=actor, action="case.certificate_shown", subject=shown, note=f"{row.officer.name} {step.name}")
    return shown


def _device_held(device: Device, officer: Officer, at: dt.datetime) -> bool:
    """Whether ``officer`` held ``device`` at ``at`` (now, or in a finished use in the usage log)."""
    if device.officer_id == officer.pk and device.assigned_at is not None and device.assigned_at <= at:
        return True
    return DeviceUsage.objects.filter(
        device=device, officer=officer, checked_out_at__lte=at, returned_at__gte=at
    ).exists()


@transaction.atomic
def case_recording_add(
    *,
    actor: Any,
    case: Case,
    sha256: str,
    officer: Officer,
    place: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    device: Device | None = None,
    room: RecordingPlace | None = None,
    full_process: bool = False,
    note: str = "",
) -> Recording:
    """音像记录 of the current step: an evidence file already uploaded (``/api/v1/evidence/``) and its circumstances.

    The file must be complete evidence (its hashes checked at upload); made with a body camera the officer held at
    the time, or in a recorded room of the agency's AV list; by an officer of the case.
    """
    case, _process, step = _open_case(case)
    _require_step_actor(actor, case, step)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    blob = Blob.objects.filter(pk=clean_text(sha256).lower()).first()
    if blob is None:
        errors["sha256"] = ["证据库中没有该文件：请先上传音像文件，上传完成并校验通过后再登记。"]
    row = _case_officer(case, officer)
    started_at = _aware(started_at, "started_at", "开始时间", errors, now=now)
    ended_at = _aware(ended_at, "ended_at", "结束时间", errors, now=now)
    if "started_at" not in errors and "ended_at" not in errors and ended_at <= started_at:
        errors["ended_at"] = ["结束时间应晚于开始时间。"]
    place = clean_text(place)
    if not place:
        errors["place"] = ["请填写地点。"]
    room = _room(case, room, errors)
    if device is None and room is None and "room" not in errors:
        errors["device"] = ["请选择执法记录仪，或选择音像记录场所。"]
    if device is not None:
        device = Device.objects.filter(pk=device.pk).first()
        if device is None or device.agency_id != case.agency_id:
            errors["device"] = ["该执法记录仪不属于本机关。"]
        elif device.status == DeviceStatus.RETIRED:
            errors["device"] = [f"执法记录仪{device.asset_number}已报废。"]
        elif "started_at" not in errors and not _device_held(device, row.officer, started_at):
            errors["device"] = [f"执法记录仪{device.asset_number}在开始时间未配发给{row.officer.name}。"]
    if "started_at" not in errors:
        reasons = officer_eligibility(
            officer=row.officer, item=case.item, place_region=case.place_region, on=timezone.localdate(started_at)
        )
        if reasons:
            errors["officer"] = reasons
    if errors:
        raise ValidationError(errors)
    assert blob is not None
    recording = Recording.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        blob=blob,
        officer=row.officer,
        device=device,
        room=room,
        place=place,
        started_at=started_at,
        ended_at=ended_at,
        full_process=bool(full_process),
        note=clean_text(note),
        recorded_by=actor,
        recorded_at=now,
    )
    record(
        actor=actor,
        action="case.recording_add",
        subject=recording,
        note=f"{step.name} {row.officer.name}",
        blob={"sha256": blob.sha256, "sm3": blob.sm3, "size": blob.size},
    )
    return recording


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
    case, process, step = _open_case(case)
    _require_step_actor(actor, case, step)
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
        case, _process, _step = _open_case(case)
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
    case, process, step = _open_case(case)
    if process.kind != Kind.PENALTY:
        raise InvalidTransition("只有行政处罚案件有拟处罚金额。")
    if step.key not in PROPOSAL_STEPS.get(process.key, ()):
        raise InvalidTransition(f"“{step.name}”环节不能确定或变更拟处罚金额。")
    _require_step_actor(actor, case, step)
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
    case, process, step = _open_case(case)
    require_role(actor, case.agency, DECIDERS, "只有科室负责人或局领导可以批准延长期限。")
    if deadline_key == "seizure_period" and step.key != "extend":
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
        if deadline_key == "seizure_period" and earlier:
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
