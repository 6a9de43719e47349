"""事后公开 services: a decision becomes a publication task, staff confirm its redaction and publish it, fulfilment
updates follow, a revoked decision is withdrawn, an old one expires. Each is one transaction with its ledger entries.

* ``task_from_case_event`` — hooked into the case workflow: a decision (a penalty or coercive-measure decision
  issued, a licence decided, an inspection closed) creates a ``PublicationTask`` due 7 or 20 working days later, with
  the decision's text and the automatic redaction proposal. A party under 18 on the opening date is withheld at once.
* ``publication_publish`` — the confirmer's choices applied to the proposal; the ``Publication`` written.
* ``publication_fulfil`` — a fulfilment update (履行情况) published as it happens.
* ``decision_revoked`` / ``publication_withdraw`` — a revoked, changed, illegal or remade decision must come down
  within 3 working days, with the public reason; the text leaves the portal, the history stays in the ledger.
* ``publications_expire`` — publications past their retention period go offline (a daily task).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer, CasePerson, IssuedDocument, Party, PartyKind, Sanction
from sanxiang.cases.processes import PROCESSES, Kind
from sanxiang.cases.rendering import docx_text
from sanxiang.cases.workflow import CaseEvent
from sanxiang.core import calendar, redaction
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.values import clean_text
from sanxiang.disclosure.models import (
    DecisionKind,
    Publication,
    PublicationState,
    PublicationTask,
    TaskState,
    WithdrawReason,
    WithholdReason,
)
from sanxiang.ledger.evidence import evidence_storage
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Role

PUBLISHERS = (Role.LEGAL_REVIEWER, Role.OFFICE, Role.LEADER)
SYSTEM = None  # the actor of what the system does on its own (expiry)
# Which case events are decisions, and of which kind (国办发〔2018〕118号: licences and penalties 7 working days).
DECISION_DOCUMENTS = {"penalty_decision": DecisionKind.PENALTY, "coercive_measure_decision": DecisionKind.COERCION}
_FAST = (DecisionKind.PENALTY, DecisionKind.LICENCE)


def publication_days(kind: str) -> int:
    if kind == DecisionKind.INSPECTION:
        return int(settings.SANXIANG_PUBLISH_INSPECTION_DAYS)
    return settings.SANXIANG_PUBLISH_LICENCE_PENALTY_DAYS if kind in _FAST else settings.SANXIANG_PUBLISH_OTHER_DAYS


def publication_due(kind: str, decided_on: dt.date) -> calendar.Deadline:
    """The last day to publish a decision of ``kind`` made on ``decided_on`` (the day itself does not count)."""
    return calendar.add_working_days(decided_on, publication_days(kind))


def decision_of(event: CaseEvent) -> str | None:
    """The kind of decision ``event`` is, or None when it is not one."""
    process = PROCESSES[event.case.process_key]
    if event.kind == "document" and event.document is not None:
        return DECISION_DOCUMENTS.get(event.document.template_code)
    if event.kind == "advance":
        if process.kind == Kind.LICENCE and event.source == "decide":
            return DecisionKind.LICENCE
        if process.kind == Kind.INSPECTION and event.target in process.ends:
            return DecisionKind.INSPECTION
    return None


# --- what the case knows about names, and the text to publish ------------------------------------------------------


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _parties(case: Case) -> list[Party]:
    return list(Party.objects.filter(case=case).order_by("pk"))


# Public bodies and the agency's own payment details that a decision names (复议机关、人民法院、代收银行及账号): they
# stay, so that an account number passing the Luhn check or a district name is not taken for personal data.
_INSTITUTION = re.compile(
    r"(?:(?<=[：:，,。（(）)\s])|^)[\u4e00-\u9fff0-9]{2,40}?"
    r"(?:人民政府|人民法院|应急管理局|司法局|银行[\u4e00-\u9fff]{0,10}?(?:分行|支行|营业部)|银行)",
    re.MULTILINE,
)
_ACCOUNT = re.compile(r"(?:账号|帐号)[：:]\s*([0-9][0-9 ]{5,30}[0-9])")


def institutional_keep(text: str) -> list[str]:
    """Names of public bodies and the agency's collection account found in ``text``."""
    # A match runs from the start of a clause ("依法向盘锦市…人民政府"): the name begins after its last 向/至/缴.
    names = [re.split(r"[向至缴交]", m.group(0))[-1] for m in _INSTITUTION.finditer(text)]
    return [name for name in names if len(name) >= 4] + [m.group(1) for m in _ACCOUNT.finditer(text)]


def redaction_inputs(case: Case, parties: list[Party], text: str = "") -> dict[str, Any]:
    """The names the case knows (to replace), the strings that must stay, and natural persons' home addresses."""
    known: list[redaction.KnownName] = []
    keep: list[str] = [case.agency.name, *institutional_keep(text)]
    addresses: list[str] = []
    for party in parties:
        if party.kind == PartyKind.PERSON:
            known.append(redaction.KnownName(name=party.name, role="party"))
            if party.address:
                addresses.append(party.address)
        else:
            keep += [value for value in (party.name, party.uscc, party.address) if value]
        if party.legal_representative:
            known.append(redaction.KnownName(name=party.legal_representative, role="legal_representative"))
    for person in CasePerson.objects.filter(case=case).order_by("pk"):
        known.append(redaction.KnownName(name=person.name, role=person.role))
    keep += [
        row.officer.name
        for row in CaseOfficer.objects.filter(case=case).select_related("officer").order_by("pk")
        if row.officer.name
    ]
    return {"known_names": known, "keep": keep, "person_addresses": addresses}


def _document_text(document: IssuedDocument) -> str:
    with evidence_storage().open(document.docx.storage_name, "rb") as handle:
        return docx_text(handle.read()).strip()


def _summary_text(case: Case, parties: list[Party], kind: str, decided_on: dt.date) -> str:
    """The public summary of a decision without a decision document (机关、对象、行为类别、结论)."""
    names = "、".join(party.name for party in parties) or "（无）"
    process = PROCESSES[case.process_key]
    return (
        f"{case.agency.name}于{decided_on.year}年{decided_on.month}月{decided_on.day}日对{names}"
        f"作出{DecisionKind(kind).label}。\n事项：{case.item.name}。\n案由：{case.title}。\n"
        f"办理程序：{process.name}；结论：{process.step(case.state).name}。"
    )


def _span_dicts(spans: list[redaction.Span]) -> list[dict[str, Any]]:
    return [asdict(span) for span in spans]


def _spans(task: PublicationTask) -> list[redaction.Span]:
    return [redaction.Span(**span) for span in task.proposal]


def minor_on(parties: list[Party], day: dt.date) -> bool:
    """Whether a natural-person party was under 18 on ``day``."""
    return any(party.kind == PartyKind.PERSON and party.is_minor(day) for party in parties)


# --- the task ------------------------------------------------------------------------------------------------------


def task_create(
    *, actor: Any, case: Case, kind: str, decided_on: dt.date, document: IssuedDocument | None = None
) -> PublicationTask:
    """A decision owes a publication: the task, its due date, its text and the redaction proposal."""
    due = publication_due(kind, decided_on)
    parties = _parties(case)
    text = _document_text(document) if document is not None else _summary_text(case, parties, kind, decided_on)
    inputs = redaction_inputs(case, parties, text)
    spans = redaction.propose(text, **inputs)
    withheld = minor_on(parties, _local_date(case.opened_at))
    task = PublicationTask.objects.create(
        case=case,
        agency=case.agency,
        document=document,
        decision_kind=kind,
        decided_on=decided_on,
        due_on=due.date,
        due_provisional=due.provisional,
        state=TaskState.WITHHELD if withheld else TaskState.DUE,
        withhold_reason=WithholdReason.MINOR if withheld else "",
        source_text=text,
        known_names=[{"name": k.name, "role": k.role} for k in inputs["known_names"]],
        proposal=_span_dicts(spans),
        created_at=timezone.now(),
    )
    note = f"{DecisionKind(kind).label}，应于{due.date:%Y-%m-%d}前公开"
    if withheld:
        note = f"{DecisionKind(kind).label}：当事人未满十八周岁，不予公开"
    record(actor=actor, action="publication.task_create", subject=task, note=note)
    return task


def task_from_case_event(event: CaseEvent) -> None:
    """The case workflow's hook: turn a decision into its publication task (in the same transaction)."""
    kind = decision_of(event)
    if kind is None:
        return
    task_create(
        actor=event.actor,
        case=event.case,
        kind=kind,
        decided_on=_local_date(event.at),
        document=event.document,
    )


def _require_publisher(actor: Any, task: PublicationTask) -> None:
    require_role(actor, task.agency_id, PUBLISHERS, "只有法制审核人员、办公室或局领导可以办理公开。")


def _retention_end(parties: list[Party], published_on: dt.date) -> dt.date:
    person = any(party.kind == PartyKind.PERSON for party in parties)
    years = settings.SANXIANG_RETENTION_PERSON_YEARS if person else settings.SANXIANG_RETENTION_ORGANISATION_YEARS
    try:
        return published_on.replace(year=published_on.year + years)
    except ValueError:  # 29 February
        return published_on.replace(year=published_on.year + years, day=28)


def _party_display(parties: list[Party]) -> tuple[str, str]:
    shown: list[str] = []
    codes: list[str] = []
    for party in parties:
        if party.kind == PartyKind.PERSON:
            shown.append(redaction.mask_name(party.name))
        else:
            shown.append(party.name)
            if party.uscc:
                codes.append(party.uscc)
    return "、".join(shown), (codes[0] if len(codes) == 1 else "")


def _clean_choices(task: PublicationTask, choices: Mapping[Any, Any] | None) -> dict[str, bool]:
    spans = _spans(task)
    cleaned: dict[str, bool] = {}
    for key, value in (choices or {}).items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise ValidationError({"choices": [f"无效的处理项：{key}"]}) from None
        if not 0 <= index < len(spans):
            raise ValidationError({"choices": [f"无效的处理项：{key}"]})
        if not value and spans[index].category != "likely_name":
            raise ValidationError({"choices": [f"“{spans[index].original}”是依法必须隐去的个人信息，不能恢复。"]})
        cleaned[str(index)] = bool(value)
    return cleaned


def redacted_text(task: PublicationTask, choices: Mapping[str, bool] | None = None) -> str:
    """The text as it would be published with ``choices`` (span index → redact) over the proposal's defaults."""
    chosen = task.choices if choices is None else choices
    return redaction.apply(
        task.source_text, _spans(task), redact=lambda index, span: chosen.get(str(index), span.default)
    )


@transaction.atomic
def publication_publish(
    *,
    actor: Any,
    task: PublicationTask,
    choices: Mapping[Any, Any] | None = None,
    violation_on: dt.date | None = None,
) -> Publication | None:
    """Confirm the redaction (``choices``: span index → redact, over the proposal's defaults) and publish.

    A natural person's case needs the date of the violation: a party under 18 on that date is never published (the
    task is recorded as withheld instead, and None returned).
    """
    task = PublicationTask.objects.select_for_update().get(pk=task.pk)
    _require_publisher(actor, task)
    if task.state != TaskState.DUE:
        raise InvalidTransition(f"该公开任务当前为“{task.get_state_display()}”，不能公开。")
    case = task.case
    parties = _parties(case)
    if any(party.kind == PartyKind.PERSON for party in parties) and violation_on is None:
        raise ValidationError({"violation_on": ["当事人为自然人，请填写违法行为发生日期（用于判断是否未成年）。"]})
    if violation_on is not None and violation_on > task.decided_on:
        raise ValidationError({"violation_on": ["违法行为发生日期不能晚于决定日期。"]})
    cleaned = _clean_choices(task, choices)
    today = timezone.localdate()
    task.violation_on = violation_on
    task.confirmed_by = actor
    task.confirmed_at = timezone.now()
    task.choices = cleaned
    if violation_on is not None and minor_on(parties, violation_on):
        task.state = TaskState.WITHHELD
        task.withhold_reason = WithholdReason.MINOR
        task.save()
        record(actor=actor, action="publication.withhold", subject=task, note="当事人违法时未满十八周岁，不予公开")
        return None
    party, party_code = _party_display(parties)
    text = redacted_text(task, cleaned)
    document = task.document
    publication = Publication.objects.create(
        task=task,
        agency=task.agency,
        agency_name=task.agency.name,
        decision_kind=task.decision_kind,
        decision_number=document.number if document is not None else "",
        title=redaction.apply(case.title, redaction.propose(case.title, **redaction_inputs(case, parties, case.title))),
        party=party,
        party_code=party_code,
        sanctions=[Sanction(value).label for value in (case.sanctions or [])]
        if task.decision_kind == DecisionKind.PENALTY
        else [],
        amount=case.amount_proposed if task.decision_kind == DecisionKind.PENALTY else None,
        decided_on=task.decided_on,
        published_on=today,
        text=text,
        fulfilment=[],
        state=PublicationState.PUBLISHED,
        expires_on=_retention_end(parties, today),
    )
    task.state = TaskState.PUBLISHED
    task.save()
    transaction.on_commit(_schedule_expiry)
    late = today > task.due_on
    record(
        actor=actor,
        action="publication.confirm",
        subject=task,
        note=f"确认隐去{sum(1 for i, s in enumerate(_spans(task)) if cleaned.get(str(i), s.default))}处",
    )
    record(
        actor=actor,
        action="publication.publish",
        subject=publication,
        note=f"逾期公开（期限{task.due_on:%Y-%m-%d}）" if late else f"按期公开（期限{task.due_on:%Y-%m-%d}）",
    )
    return publication


@transaction.atomic
def publication_fulfil(*, actor: Any, publication: Publication, on: dt.date, text: str) -> Publication:
    """Publish a fulfilment update (履行情况: paid, paid in instalments, enforced, …) as it happens."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    _require_publisher(actor, publication.task)
    if publication.state != PublicationState.PUBLISHED:
        raise InvalidTransition("该公开信息已撤下或到期，不能更新履行情况。")
    text = clean_text(text)
    if not text:
        raise ValidationError({"text": ["请填写履行情况。"]})
    if on > timezone.localdate() or on < publication.decided_on:
        raise ValidationError({"on": ["履行日期应在决定日期与今天之间。"]})
    publication.fulfilment = [*publication.fulfilment, {"on": on.isoformat(), "text": text}]
    publication.save(update_fields=["fulfilment"])
    record(actor=actor, action="publication.fulfil", subject=publication, note=text[:100])
    return publication


@transaction.atomic
def decision_revoked(*, actor: Any, publication: Publication, reason: str, revoked_on: dt.date) -> PublicationTask:
    """Record that the published decision was revoked, changed, confirmed illegal or is to be remade: the
    publication must be withdrawn within 3 working days of ``revoked_on``."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    task = PublicationTask.objects.select_for_update().get(pk=publication.task_id)
    _require_publisher(actor, task)
    if publication.state != PublicationState.PUBLISHED or task.state != TaskState.PUBLISHED:
        raise InvalidTransition("该公开信息不在公开中，无需撤下。")
    if reason not in WithdrawReason.values:
        raise ValidationError({"reason": ["请选择撤下原因。"]})
    if revoked_on > timezone.localdate() or revoked_on < publication.decided_on:
        raise ValidationError({"revoked_on": ["撤销（变更）日期应在决定日期与今天之间。"]})
    due = calendar.add_working_days(revoked_on, settings.SANXIANG_WITHDRAW_DAYS)
    task.state = TaskState.WITHDRAWAL_DUE
    task.withdraw_reason = reason
    task.withdraw_due_on = due.date
    task.save(update_fields=["state", "withdraw_reason", "withdraw_due_on"])
    record(
        actor=actor,
        action="publication.revoked",
        subject=task,
        note=f"{WithdrawReason(reason).label}，应于{due.date:%Y-%m-%d}前撤下",
    )
    return task


@transaction.atomic
def publication_withdraw(*, actor: Any, publication: Publication, public_reason: str) -> Publication:
    """Take a revoked decision off the portal with the public reason. The text and fulfilment leave the public
    record (its earlier states remain in the ledger); the heading stays with the withdrawal notice."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    task = PublicationTask.objects.select_for_update().get(pk=publication.task_id)
    _require_publisher(actor, task)
    if task.state != TaskState.WITHDRAWAL_DUE:
        raise InvalidTransition("请先登记决定被撤销、变更、确认违法或者责令重作的情况。")
    public_reason = clean_text(public_reason)
    if not public_reason:
        raise ValidationError({"public_reason": ["请填写向社会说明的撤下理由。"]})
    today = timezone.localdate()
    publication.state = PublicationState.WITHDRAWN
    publication.withdrawn_on = today
    publication.withdraw_reason = f"{WithdrawReason(task.withdraw_reason).label}：{public_reason}"
    publication.text = ""
    publication.fulfilment = []
    publication.save()
    task.state = TaskState.WITHDRAWN
    task.save(update_fields=["state"])
    due = task.withdraw_due_on
    late = due is not None and today > due
    record(actor=actor, action="publication.withdraw_task", subject=task, note="已撤下")
    record(
        actor=actor,
        action="publication.withdraw",
        subject=publication,
        note=f"逾期撤下（期限{due:%Y-%m-%d}）" if late and due else "按期撤下",
    )
    return publication


@transaction.atomic
def publications_expire(*, today: dt.date | None = None) -> int:
    """Take publications past their retention period offline (a state and an entry each, nothing deleted)."""
    today = today or timezone.localdate()
    expiring = list(
        Publication.objects.select_for_update().filter(state=PublicationState.PUBLISHED, expires_on__lt=today)
    )
    for publication in expiring:
        publication.state = PublicationState.EXPIRED
        publication.text = ""
        publication.fulfilment = []
        publication.save(update_fields=["state", "text", "fulfilment"])
        task = PublicationTask.objects.select_for_update().get(pk=publication.task_id)
        task.state = TaskState.EXPIRED
        task.save(update_fields=["state"])
        record(actor=SYSTEM, action="publication.expire_task", subject=task, note="公开期满")
        record(
            actor=SYSTEM, action="publication.expire", subject=publication, note=f"公开期满（{publication.expires_on}）"
        )
    return len(expiring)


def _schedule_expiry() -> None:
    from sanxiang.disclosure.tasks import schedule_expiry

    schedule_expiry()
