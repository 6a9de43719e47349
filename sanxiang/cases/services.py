"""Case services: opening a case with its parties, persons and officers; officers' eligibility; recusal (回避).

Each service checks the actor's role, validates everything before writing anything, writes in one transaction and
records one ledger entry per row written. Refusals are Chinese ``ValidationError``s naming the person and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sanxiang.cases.actions import Situation, require_action
from sanxiang.cases.models import (
    Case,
    CaseOfficer,
    CasePerson,
    CasePersonRole,
    Party,
    PartyKind,
    RecusalDecision,
)
from sanxiang.cases.numbering import document_number_format
from sanxiang.cases.processes import PROCESSES
from sanxiang.cases.rules import MIN_OFFICERS, check_officers, ineligibility, require_opener
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.validators import (
    validate_id_number,
    validate_phone,
    validate_region_code,
    validate_uscc,
)
from sanxiang.ledger.services import record
from sanxiang.org.models import Agency
from sanxiang.registry.models import EnforcementCategory, EnforcementItem, Officer

CASE_NUMBER_KIND = "案"  # in the case number; case serials are counted per agency and year on Case itself

PARTY_FIELDS = ("kind", "name", "uscc", "id_number", "legal_representative", "address", "phone")
PERSON_FIELDS = ("role", "name", "id_number", "note")

# --- parties and persons -------------------------------------------------------------------------------------------


def _clean_text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _unknown(data: Any, allowed: Sequence[str], where: str) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {where: ["格式不正确。"]}
    return {f"{where}.{name}": ["不能填写该字段。"] for name in sorted(set(data) - set(allowed))}


def _party(data: dict[str, Any], index: int, today: dt.date) -> tuple[Party | None, dict[str, list[str]]]:
    where = f"parties.{index}"
    errors = _unknown(data, PARTY_FIELDS, where)
    if errors:
        return None, errors
    name = _clean_text(data, "name")
    label = f"当事人{name or index + 1}"
    if not name:
        errors[f"{where}.name"] = [f"{label}：须填写名称或姓名。"]
    party = Party(
        kind=_clean_text(data, "kind"),
        name=name,
        legal_representative=_clean_text(data, "legal_representative"),
        address=_clean_text(data, "address"),
    )
    if party.kind == PartyKind.ORGANISATION:
        if _clean_text(data, "id_number"):
            errors[f"{where}.id_number"] = [f"{label}：单位当事人不填写居民身份证号码。"]
        try:
            party.uscc = validate_uscc(_clean_text(data, "uscc"))
        except ValidationError as exc:
            errors[f"{where}.uscc"] = [f"{label}：{exc.message}"]
    elif party.kind == PartyKind.PERSON:
        if _clean_text(data, "uscc"):
            errors[f"{where}.uscc"] = [f"{label}：自然人当事人不填写统一社会信用代码。"]
        try:
            party.id_number = validate_id_number(_clean_text(data, "id_number"), today=today)
        except ValidationError as exc:
            errors[f"{where}.id_number"] = [f"{label}：{exc.message}"]
        else:
            number = party.id_number
            party.birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    else:
        errors[f"{where}.kind"] = [f"{label}：类型应为单位或自然人。"]
    phone = _clean_text(data, "phone")
    if phone:
        try:
            party.phone = validate_phone(phone)
        except ValidationError as exc:
            errors[f"{where}.phone"] = [f"{label}：{exc.message}"]
    return party, errors


def _person(data: dict[str, Any], index: int, today: dt.date) -> tuple[CasePerson | None, dict[str, list[str]]]:
    where = f"persons.{index}"
    errors = _unknown(data, PERSON_FIELDS, where)
    if errors:
        return None, errors
    name = _clean_text(data, "name")
    label = f"相关人员{name or index + 1}"
    person = CasePerson(role=_clean_text(data, "role"), name=name, note=_clean_text(data, "note"))
    if not name:
        errors[f"{where}.name"] = [f"{label}：须填写姓名。"]
    if person.role not in CasePersonRole.values:
        errors[f"{where}.role"] = [f"{label}：身份应为证人或其他人员。"]
    id_number = _clean_text(data, "id_number")
    if id_number:
        try:
            person.id_number = validate_id_number(id_number, today=today)
        except ValidationError as exc:
            errors[f"{where}.id_number"] = [f"{label}：{exc.message}"]
    return person, errors


# --- opening a case ------------------------------------------------------------------------------------------------


def _next_serial(agency: Agency, year: int) -> int:
    # The agency row is the lock: two openings in one agency take serials one after the other.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    last = Case.objects.filter(agency=agency, year=year).aggregate(m=Max("serial"))["m"]
    return (last or 0) + 1


def case_number_format(*, agency: Agency, year: int, serial: int) -> str:
    """``兴应急案〔2026〕3号``: a document number with the kind 案 (the prefix falls back to the agency's name)."""
    prefix = agency.document_prefix or agency.short_name or agency.name
    return document_number_format(prefix=prefix, kind=CASE_NUMBER_KIND, year=year, serial=serial)


def case_open(
    *,
    actor: Any,
    agency: Agency,
    process_key: str,
    item: EnforcementItem,
    title: str,
    place_region: str,
    place_address: str,
    officers: list[Officer],
    parties: list[dict[str, Any]],
    persons: Sequence[dict[str, Any]] = (),
) -> Case:
    """立案: a case of ``agency`` under ``process_key`` on a published ``item``, with its parties, persons and officers.

    Everything is checked before anything is written; one ledger entry for the case and one per child row.
    """
    require_opener(actor, agency)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    process = PROCESSES.get(process_key)
    if process is None:
        errors["process_key"] = [f"没有“{process_key}”这一办案流程。"]
    item = EnforcementItem.objects.get(pk=item.pk)
    if item.agency_id != agency.pk or not item.is_published:
        errors["item"] = [f"“{item.name}”不是{agency.name}已公示的执法事项。"]
    elif process is not None and item.category != process.kind:
        errors["item"] = [f"“{item.name}”属于{EnforcementCategory(item.category).label}，不能按“{process.name}”立案。"]
    title = (title or "").strip()
    if not title:
        errors["title"] = ["须填写案由。"]
    place_address = (place_address or "").strip()
    if not place_address:
        errors["place_address"] = ["须填写发生地地址。"]
    try:
        place_region = validate_region_code(place_region)
    except ValidationError as exc:
        errors["place_region"] = [exc.message]
    chosen = list({officer.pk: officer for officer in officers}.values())
    fresh = list(Officer.objects.filter(pk__in=[o.pk for o in chosen]).order_by("pk"))
    if len(fresh) < MIN_OFFICERS:
        errors.setdefault("officers", []).append(f"执法人员不得少于{MIN_OFFICERS}名。")
    if "place_region" not in errors and "item" not in errors:
        reasons = ineligibility(fresh, item=item, place_region=place_region, on=today)
        if reasons:
            errors.setdefault("officers", []).extend(reasons)
    if not parties:
        errors["parties"] = ["须填写至少一名当事人。"]
    built_parties: list[Party] = []
    for index, data in enumerate(parties):
        party, party_errors = _party(data, index, today)
        errors.update(party_errors)
        if party is not None:
            built_parties.append(party)
    built_persons: list[CasePerson] = []
    for index, data in enumerate(persons):
        person, person_errors = _person(data, index, today)
        errors.update(person_errors)
        if person is not None:
            built_persons.append(person)
    if errors:
        raise ValidationError(errors)
    assert process is not None

    with transaction.atomic():
        now = timezone.now()
        year = timezone.localdate(now).year
        serial = _next_serial(agency, year)
        case = Case.objects.create(
            agency=agency,
            process_key=process.key,
            process_digest=process.digest,
            item=item,
            year=year,
            serial=serial,
            number=case_number_format(agency=agency, year=year, serial=serial),
            title=title,
            place_region=place_region,
            place_address=place_address,
            state=process.start,
            step_entered_at=now,
            opened_at=now,
            opened_by=actor,
        )
        record(actor=actor, action="case.open", subject=case)
        for party in built_parties:
            party.case = case
            party.save()
            record(actor=actor, action="case.party_add", subject=party)
        for person in built_persons:
            person.case = case
            person.save()
            record(actor=actor, action="case.person_add", subject=person)
        for officer in fresh:
            row = CaseOfficer.objects.create(case=case, officer=officer, assigned_at=now, assigned_by=actor)
            record(actor=actor, action="case.officer_assign", subject=row)
    return case


# --- officers on an open case --------------------------------------------------------------------------------------


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("agency", "item").get(pk=case.pk)


def _case_officer(case: Case, officer: Officer) -> CaseOfficer:
    row = (
        CaseOfficer.objects.select_for_update()
        .select_related("officer")
        .filter(case=case, officer_id=officer.pk)
        .first()
    )
    if row is None:
        raise ValidationError({"officer": [f"{officer.name}不是本案的执法人员。"]})
    return row


@transaction.atomic
def case_officer_add(*, actor: Any, case: Case, officer: Officer) -> CaseOfficer:
    """指派 another officer to ``case`` (e.g. to replace a recused one), with the same checks as at opening."""
    case = _locked_case(case)
    require_action("officer_add", actor=actor, situation=Situation.of(case))
    officer = Officer.objects.get(pk=officer.pk)
    existing = CaseOfficer.objects.filter(case=case, officer=officer).first()
    if existing is not None:
        if existing.active:
            raise ValidationError({"officer": [f"{officer.name}已是本案的执法人员。"]})
        raise ValidationError({"officer": [f"{officer.name}已在本案回避，不能再指派。"]})
    check_officers([officer], item=case.item, place_region=case.place_region, on=timezone.localdate())
    row = CaseOfficer.objects.create(case=case, officer=officer, assigned_at=timezone.now(), assigned_by=actor)
    record(actor=actor, action="case.officer_assign", subject=row)
    return row


@transaction.atomic
def case_recusal_request(*, actor: Any, case: Case, officer: Officer, reason: str, applicant: str = "") -> CaseOfficer:
    """登记回避申请: the party's request, or the officer's own, recorded by staff of the agency."""
    case = _locked_case(case)
    require_action("recusal_request", actor=actor, situation=Situation.of(case))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["须说明回避理由。"]})
    row = _case_officer(case, officer)
    if not row.active:
        raise InvalidTransition(f"{row.officer.name}已不再承办本案。")
    if row.recusal_pending:
        raise InvalidTransition(f"{row.officer.name}的回避申请尚待决定。")
    row.recusal_applicant = (applicant or "").strip()
    row.recusal_reason = reason
    row.recusal_requested_by = actor
    row.recusal_requested_at = timezone.now()
    row.recusal_decision = ""
    row.recusal_note = ""
    row.recusal_decided_by = None
    row.recusal_decided_at = None
    row.save()
    record(actor=actor, action="case.recusal_request", subject=row, note=reason)
    return row


@transaction.atomic
def case_recusal_decide(*, actor: Any, case: Case, officer: Officer, approve: bool, note: str) -> CaseOfficer:
    """回避决定 by the department head or a leader; approval takes the officer off the case.

    A case left with fewer than two active officers needs a replacement (``case_officer_add``) before its next step
    (``selectors.case_officers_short``).
    """
    case = _locked_case(case)
    require_action("recusal_decide", actor=actor, situation=Situation.of(case))
    row = _case_officer(case, officer)
    if not row.recusal_pending:
        raise InvalidTransition(f"{row.officer.name}没有待决定的回避申请。")
    if row.officer.user_id is not None and row.officer.user_id == getattr(actor, "pk", None):
        raise ValidationError({"officer": ["不能对本人的回避申请作出决定。"]})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": ["不予回避须说明理由。"]})
    row.recusal_decision = RecusalDecision.APPROVE if approve else RecusalDecision.REFUSE
    row.recusal_note = note
    row.recusal_decided_by = actor
    row.recusal_decided_at = timezone.now()
    if approve:
        row.active = False
    row.save()
    record(actor=actor, action="case.recusal_decide", subject=row, note=row.get_recusal_decision_display())
    return row
