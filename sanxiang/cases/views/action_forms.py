"""The forms of a case's actions, one row each: how the form is built, and which service it calls.

Whether an action is offered at all is ``cases.actions.action_refusal`` — the check the services make — plus, for
actions that pick something (a document to serve, an officer, a fact, a time limit), a form with something to pick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from sanxiang.cases import forms as cf
from sanxiang.cases import onsite, workflow
from sanxiang.cases import services as case_services
from sanxiang.cases.actions import Situation, action_refusal
from sanxiang.cases.display import step_name
from sanxiang.cases.models import Case
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.ledger.models import Blob
from sanxiang.staff.frame import form_data

Data = Any  # a QueryDict, or None for an unbound form


def _document_form(case: Case, s: Situation, data: Data, code: str) -> forms.Form | None:
    if code not in (*s.step.documents, *s.step.optional_documents):
        return None
    return cf.DocumentForm(data, case=case, template_code=code)


def _advance(actor: Any, case: Case, s: Situation, form: Any) -> str:
    data = form_data(form)
    moved = workflow.case_advance(actor=actor, case=case, target=data["target"], note=data["note"])
    return f"已进入“{step_name(moved)}”。"


def _approve(actor: Any, case: Case, s: Situation, form: Any) -> None:
    workflow.case_approve(actor=actor, case=case, note=form_data(form)["note"])


def _fact(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    workflow.case_fact_record(
        actor=actor, case=case, kind=data["kind"], occurred_at=data["occurred_at"], note=data["note"]
    )


def _certificate(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    onsite.case_certificate_shown(
        actor=actor,
        case=case,
        officer=data["officer"],
        shown_at=data["shown_at"],
        place=data["place"],
        room=data["room"],
    )


def _recording(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    onsite.case_recording_add(
        actor=actor,
        case=case,
        sha256=data["sha256"],
        officer=data["officer"],
        device=data["device"],
        room=data["room"],
        place=data["place"],
        started_at=data["started_at"],
        ended_at=data["ended_at"],
        full_process=data["full_process"],
        note=data["note"],
    )


def _document(actor: Any, case: Case, s: Situation, form: Any) -> str:
    if form is None:
        raise InvalidTransition(f"“{s.step.name}”环节不制发该文书。")
    form_data(form)
    document = workflow.case_document_issue(
        actor=actor, case=case, template_code=form.code, fields=form.fields_for_service()
    )
    return f"已制发{document.template_name}（{document.number}）。"


def _serve(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    receipt = None
    if data["receipt_sha256"]:
        receipt = Blob.objects.filter(pk=data["receipt_sha256"].strip().lower()).first()
        if receipt is None:
            raise ValidationError({"receipt_sha256": ["证据库中没有该送达回证文件：请先上传。"]})
    workflow.case_document_serve(
        actor=actor,
        case=case,
        document=data["document"],
        method=data["method"],
        served_at=data["served_at"],
        recipient=data["recipient"],
        receipt_blob=receipt,
    )


def _penalty(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    workflow.case_penalty_propose(
        actor=actor, case=case, amount=data["amount"], band=data["band"], reason=data["reason"]
    )


def _extend(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    workflow.case_deadline_extend(
        actor=actor, case=case, deadline_key=data["deadline_key"], days=data["days"], reason=data["reason"]
    )


def _recusal_request(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    case_services.case_recusal_request(
        actor=actor, case=case, officer=data["officer"], reason=data["reason"], applicant=data["applicant"]
    )


def _recusal_decide(actor: Any, case: Case, s: Situation, form: Any) -> None:
    data = form_data(form)
    case_services.case_recusal_decide(
        actor=actor, case=case, officer=data["officer"], approve=data["decision"] == "approve", note=data["note"]
    )


def _officer_add(actor: Any, case: Case, s: Situation, form: Any) -> None:
    case_services.case_officer_add(actor=actor, case=case, officer=form_data(form)["officer"])


@dataclass(frozen=True)
class ActionForm:
    """``build(case, situation, data, document_code)`` makes the form (bound when ``data`` is given); ``run(actor,
    case, situation, form)`` calls the service and may return a message more precise than ``done``. ``picks``: the
    field whose choices must not be empty for the form to be offered."""

    key: str
    done: str
    build: Callable[[Case, Situation, Data, str], forms.Form | None]
    run: Callable[[Any, Case, Situation, Any], str | None]
    picks: str = ""
    offered_on_page: bool = True  # ``advance`` is drawn per transition, not as a card

    @property
    def anchor(self) -> str:
        return "#step" if self.key == "advance" else f"#act-{self.key.replace('_', '-')}"


ACTION_FORMS: dict[str, ActionForm] = {
    a.key: a
    for a in (
        ActionForm("advance", "已办理流转。", lambda c, s, d, code: cf.AdvanceForm(d), _advance, offered_on_page=False),
        ActionForm("approve", "已审批。", lambda c, s, d, code: cf.NoteForm(d), _approve),
        ActionForm("fact", "已记录。", lambda c, s, d, code: cf.FactForm(d, case=c), _fact, picks="kind"),
        ActionForm(
            "certificate", "已记录出示执法证件。", lambda c, s, d, code: cf.CertificateForm(d, case=c), _certificate
        ),
        ActionForm("recording", "已登记音像记录。", lambda c, s, d, code: cf.RecordingForm(d, case=c), _recording),
        ActionForm("document", "已制发文书。", _document_form, _document),
        ActionForm("serve", "已记录送达。", lambda c, s, d, code: cf.ServeForm(d, case=c), _serve, picks="document"),
        ActionForm("penalty", "已记录拟处罚金额。", lambda c, s, d, code: cf.PenaltyForm(d, case=c), _penalty),
        ActionForm(
            "extend",
            "已批准延长期限。",
            lambda c, s, d, code: cf.ExtendForm(d, process=s.process, step=s.step),
            _extend,
            picks="deadline_key",
        ),
        ActionForm(
            "recusal_request",
            "已登记回避申请。",
            lambda c, s, d, code: cf.RecusalRequestForm(d, case=c),
            _recusal_request,
            picks="officer",
        ),
        ActionForm(
            "recusal_decide",
            "已作出回避决定。",
            lambda c, s, d, code: cf.RecusalDecideForm(d, case=c),
            _recusal_decide,
            picks="officer",
        ),
        ActionForm("officer_add", "已指派执法人员。", lambda c, s, d, code: cf.OfficerAddForm(d, case=c), _officer_add),
    )
}


def _has_choices(form: forms.Form, field: str) -> bool:
    choices = getattr(form.fields[field], "choices", [])
    return any(value not in ("", None) for value, _label in choices)


def offered(key: str, *, user: Any, case: Case, situation: Situation, form: forms.Form | None) -> bool:
    """Whether the case page offers action ``key``'s form to ``user``: the services would not refuse it, and the
    form has something to pick."""
    action = ACTION_FORMS[key]
    if form is None or action_refusal(key, actor=user, situation=situation) is not None:
        return False
    return not action.picks or _has_choices(form, action.picks)
