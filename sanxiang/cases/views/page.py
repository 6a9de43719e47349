"""The case page (案件办理): the process drawn with the current step marked, what the step still needs, the forms
of the actions the user may take, deadlines, documents, recordings, certificates shown and the full timeline."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases import forms as cf
from sanxiang.cases.actions import Situation
from sanxiang.cases.actions import needs_approval as approval_needed
from sanxiang.cases.deadlines import case_deadlines
from sanxiang.cases.flowcharts import GraphvizMissing, RenderError, flowchart_svg
from sanxiang.cases.gates import actor_reason, recording_level, step_blockers, transition_blockers
from sanxiang.cases.models import (
    Case,
    CaseApproval,
    CaseDocument,
    CaseOfficer,
    CertificateShown,
    DocumentService,
    Recording,
)
from sanxiang.cases.panels import case_panels
from sanxiang.cases.processes import Process, Step
from sanxiang.cases.processes import Recording as Level
from sanxiang.cases.rendering import verification_path
from sanxiang.cases.selectors import access_case, case_timeline
from sanxiang.cases.views.action_forms import ACTION_FORMS, offered
from sanxiang.org.models import User
from sanxiang.registry.docx.placeholders import TEMPLATES
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view

# Ledger actions of a case's timeline, in Chinese.
ACTION_LABELS = {
    "case.open": "立案",
    "case.party_add": "登记当事人",
    "case.person_add": "登记相关人员",
    "case.officer_assign": "指派执法人员",
    "case.advance": "环节流转",
    "case.approve": "负责人审批",
    "case.fact": "记录事项",
    "case.certificate_shown": "出示执法证件",
    "case.recording_add": "登记音像记录",
    "case.document_add": "文书归入案件",
    "case.penalty_propose": "拟处罚",
    "case.deadline_extend": "延长期限",
    "case.recusal_request": "登记回避申请",
    "case.recusal_decide": "回避决定",
    "case.file_seal": "案卷归档封存",
    "document.issue": "制发文书",
    "document.serve": "送达文书",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


# --- the case page --------------------------------------------------------------------------------------------------

_NODE = re.compile(r'<g id="(node\d+)" class="node">(\s*<title>)(.*?)(</title>)')


def flowchart_marked(process: Process, current: str) -> str:
    """The process SVG for inline use, with the current step's node classed ``ws-current`` (empty without dot)."""
    try:
        svg = flowchart_svg(process)
    except (GraphvizMissing, RenderError):
        return ""
    svg = svg[svg.find("<svg") :]
    wanted = html.escape(current, quote=False)

    def mark(match: re.Match[str]) -> str:
        css = "node ws-current" if match.group(3) == wanted else "node"
        return f'<g id="{match.group(1)}" class="{css}">{match.group(2)}{match.group(3)}{match.group(4)}'

    svg = _NODE.sub(mark, svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(process.name)}流程图，当前环节已高亮" ', 1)


@dataclass
class TransitionRow:
    name: str
    target: str
    target_name: str
    condition: str
    blockers: list[str]
    form: Any


def _blob_url(blob_id: str) -> str:
    return reverse("api:evidence_blob_download", kwargs={"sha256": blob_id})


def _uploads_url() -> str:
    """The evidence API's ``uploads/`` (the chunk URL of a dummy upload, less its id)."""
    chunk = reverse("api:evidence_upload", kwargs={"upload_id": "00000000-0000-0000-0000-000000000000"})
    return chunk.rsplit("00000000-0000-0000-0000-000000000000", 1)[0]


def _actor_names(ids: set[int]) -> dict[int, str]:
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids).only("pk", "full_name", "username")}


def _document_choice(step: Step, wanted: str) -> str:
    codes = (*step.documents, *step.optional_documents)
    if wanted in codes:
        return wanted
    return step.documents[0] if step.documents else ""


def case_page(
    request: HttpRequest,
    desk: Desk,
    case: Case,
    *,
    failed: str = "",
    errors: list[str] | None = None,
    bound: Any = None,
    target: str = "",
) -> HttpResponse:
    """The case page: its process drawn with the current step marked, what the step still needs, the forms of the
    actions the user may take (``failed``: the one that was just refused, ``bound`` to what was sent), deadlines,
    documents, recordings and the timeline."""
    user: Any = request.user
    situation = Situation.of(case)
    process, step, closed = situation.process, situation.step, situation.closed

    document_code = _document_choice(step, request.GET.get("document", ""))
    if failed == "document" and bound is not None:
        document_code = bound.data.get("template_code", document_code)
    forms_ = {
        key: action.build(case, situation, None, document_code)
        for key, action in ACTION_FORMS.items()
        if action.offered_on_page
    }
    if failed and failed != "advance" and bound is not None:
        forms_[failed] = bound
    for key, form_ in forms_.items():
        if form_ is not None:
            form_.auto_id = f"{key}-%s"  # one page, many forms: distinct ids for the labels

    transitions = []
    if not closed:
        for t in process.exits(step.key):
            form = cf.AdvanceForm(initial={"target": t.target})
            if failed == "advance" and target == t.target and bound is not None:
                form = bound
            form.auto_id = f"advance-{t.target}-%s"
            transitions.append(
                TransitionRow(
                    name=t.name,
                    target=t.target,
                    target_name=process.step(t.target).name,
                    condition=t.condition_text,
                    blockers=transition_blockers(case, t, actor=user),
                    form=form,
                )
            )

    officers = list(
        CaseOfficer.objects.filter(case=case).select_related("officer", "recusal_decided_by").order_by("pk")
    )
    _names = {s.key: s.name for s in process.steps}
    documents = list(
        CaseDocument.objects.filter(case=case)
        .select_related("document")
        .prefetch_related(Prefetch("document__services", queryset=DocumentService.objects.order_by("served_at")))
        .order_by("recorded_at", "pk")
    )
    for link in documents:
        link.docx_url = _blob_url(link.document.docx_id)  # type: ignore[attr-defined]
        link.pdf_url = _blob_url(link.document.pdf_id)  # type: ignore[attr-defined]
        link.verify_url = verification_path(link.document.number)  # type: ignore[attr-defined]
        link.step_name = _names.get(link.step_key, link.step_key)  # type: ignore[attr-defined]
    recordings = list(
        Recording.objects.filter(case=case).select_related("officer", "device", "room").order_by("started_at")
    )
    step_names = {s.key: s.name for s in process.steps}
    for rec in recordings:
        rec.download_url = _blob_url(rec.blob_id)  # type: ignore[attr-defined]
        rec.step_name = step_names.get(rec.step_key, rec.step_key)  # type: ignore[attr-defined]
    certificates = list(
        CertificateShown.objects.filter(case=case, visit=case.visit).select_related("officer").order_by("shown_at")
    )
    today = timezone.localdate()
    parties = list(case.parties.order_by("pk"))
    for party in parties:
        party.minor = party.is_minor(today)  # type: ignore[attr-defined]
    entries = list(case_timeline(case))
    names = _actor_names({e.actor_id for e in entries if e.actor_id is not None})
    timeline = [
        {
            "time": e.time,
            "actor": names.get(e.actor_id, f"用户{e.actor_id}") if e.actor_id is not None else "系统",
            "action": action_label(e.action),
            "note": e.note,
            "seq": e.seq,
        }
        for e in entries
    ]
    level = recording_level(case, step) if not closed else Level.NONE.value
    needs_approval = not closed and approval_needed(process, step)
    approved = CaseApproval.objects.filter(case=case, step_key=step.key, visit=case.visit).exists()
    document_options = [
        {
            "code": code,
            "name": TEMPLATES[code].name,
            "required": code in step.documents,
            "issued": any(d.document.template_code == code and d.visit == case.visit for d in documents),
        }
        for code in (*step.documents, *step.optional_documents)
    ]
    show = {key: offered(key, user=user, case=case, situation=situation, form=form_) for key, form_ in forms_.items()}
    context = {
        "desk": desk,
        "case": case,
        "process": process,
        "step": step,
        "closed": closed,
        "parties": parties,
        "persons": list(case.persons.order_by("pk")),
        "officers": officers,
        "flowchart": flowchart_marked(process, case.state),
        "steps": [{"step": s, "current": s.key == case.state} for s in process.steps],
        "blockers": [] if closed else step_blockers(case),
        "transitions": transitions,
        "actor_reason": None if closed else actor_reason(user, case, step),
        "forms": forms_,
        "show": show,
        "document_options": document_options,
        "document_code": document_code,
        "document_name": TEMPLATES[document_code].name if document_code else "",
        "level": Level(level).label if level != Level.NONE.value else "",
        "approved": approved,
        "needs_approval": needs_approval,
        "deadlines": case_deadlines(case),
        **case_panels(case, process),
        "documents": documents,
        "recordings": recordings,
        "certificates": certificates,
        "timeline": timeline,
        "case_file": getattr(case, "case_file", None) if closed else None,
        "failed": failed,
        "errors": errors or [],
        # a refusal whose form is no longer shown (e.g. approving twice) is shown at the top
        "errors_on_top": bool(errors) and not (failed == "advance" and not closed) and not show.get(failed, False),
        "uploads_url": _uploads_url(),
        "nav_active": "cases",
    }
    return render(request, "cases/detail.html", context, status=422 if errors else 200)


@staff_view
def case_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    case = access_case(user=request.user, case_id=pk)
    return case_page(request, desk, case)
