"""Case pages of the workspace (执法办案): my tasks and deadlines, the case list, opening a case, and the case page
with its process drawn, what the current step still needs, the forms of the step's actions, its deadlines, documents
and full timeline.

Every view takes the same four steps as every staff page: parse the input (``cases.forms``), find the case
through ``cases.selectors.access_case`` (404 alike for missing and another agency's), call a service
(``cases.services`` / ``cases.workflow``), render. The forms shown are those the user may use, but the services decide:
a refusal is shown in Chinese next to the form that failed, and nothing is written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxiang.cases import forms as cf
from sanxiang.cases import services as case_services
from sanxiang.cases import workflow
from sanxiang.cases.deadlines import case_deadlines, deadlines_attention
from sanxiang.cases.display import step_rows
from sanxiang.cases.documents import verification_path
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
from sanxiang.cases.processes import KIND_LABELS, PROCESSES, Kind, Process, Step
from sanxiang.cases.processes import Recording as Level
from sanxiang.cases.selectors import access_case, case_timeline, cases_visible_to
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.ledger.models import Blob
from sanxiang.org.access import has_role, is_deployment_admin
from sanxiang.org.models import Role, RoleAssignment, User
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, form_data, staff_view

PAGE_SIZE = 50

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
STATE_FILTERS = {"open": "办理中", "closed": "已办结"}
SCOPES = {"mine": "我承办的", "all": "全部"}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _process(case: Case) -> Process:
    return PROCESSES[case.process_key]


def _step_name(case: Case) -> str:
    process = PROCESSES.get(case.process_key)
    if process is None:
        return case.state
    try:
        return process.step(case.state).name
    except KeyError:
        return case.state


def _step_roles(case: Case) -> str:
    process = PROCESSES.get(case.process_key)
    try:
        return "、".join(process.step(case.state).role_names) if process else ""
    except KeyError:
        return ""


# --- who may act: in bulk, for lists ------------------------------------------------------------------------------


def _roles_by_agency(user: Any) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for agency_id, role in RoleAssignment.objects.filter(user=user, active=True).values_list("agency_id", "role"):
        roles.setdefault(agency_id, set()).add(role)
    return roles


def _may_act(user: Any, case: Case, roles: dict[int, set[str]], mine: set[int]) -> bool:
    """``gates.actor_reason`` for many cases at once (two queries in all instead of two per case)."""
    step = _process(case).step(case.state)
    if is_deployment_admin(user):
        return True
    held = roles.get(case.agency_id, set()) & set(step.roles)
    if not held:
        return False
    return bool(held - {Role.OFFICER.value}) or case.pk in mine


def _my_case_ids(user: Any) -> set[int]:
    return set(CaseOfficer.objects.filter(active=True, officer__user_id=user.pk).values_list("case_id", flat=True))


def _with_parties(qs: QuerySet[Case]) -> QuerySet[Case]:
    from sanxiang.cases.models import Party

    return qs.prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("pk")))


@dataclass(frozen=True)
class CaseRow:
    case: Case
    step_name: str
    kind: str
    parties: str
    roles: str  # who acts at the current step


def _rows(cases: Any) -> list[CaseRow]:
    rows = []
    for case in cases:
        process = PROCESSES.get(case.process_key)
        rows.append(
            CaseRow(
                case=case,
                step_name=_step_name(case),
                kind=process.name if process else case.process_key,
                parties="、".join(p.name for p in case.parties.all()),
                roles=_step_roles(case),
            )
        )
    return rows


@staff_view
def case_tasks(request: HttpRequest, desk: Desk) -> HttpResponse:
    """我的待办与期限: open cases whose current step is mine to do, and the limits that are overdue or due soon."""
    user: Any = request.user
    mine = _my_case_ids(user)
    roles = _roles_by_agency(user)
    open_cases = _with_parties(cases_visible_to(user).filter(closed_at__isnull=True)).order_by("step_entered_at", "pk")
    if not is_deployment_admin(user):
        # An officer's cases are those they are on; a head, reviewer or leader may act on any case of the agency.
        beyond_officer = [a for a, r in roles.items() if r - {Role.OFFICER.value}]
        open_cases = open_cases.filter(Q(pk__in=mine) | Q(agency_id__in=beyond_officer))
    rows = _rows(open_cases[:500])
    todo = [row for row in rows if _may_act(user, row.case, roles, mine)]
    # my cases whose current step is someone else's (the head's decision, the legal review…): to follow, not to do
    waiting = [row for row in rows if row.case.pk in mine and row not in todo]
    attention = deadlines_attention(user)
    return render(
        request,
        "cases/tasks.html",
        {
            "desk": desk,
            "todo": todo,
            "waiting": waiting,
            "attention": attention,
            "mine": mine,
            "nav_active": "case_tasks",
        },
    )


@staff_view
def case_list(request: HttpRequest, desk: Desk) -> HttpResponse:
    user: Any = request.user
    qs = cases_visible_to(user)
    if desk.agency is not None:
        qs = qs.filter(agency=desk.agency)
    scope = request.GET.get("scope", "")
    if scope == "mine":
        qs = qs.filter(pk__in=CaseOfficer.objects.filter(active=True, officer__user_id=user.pk).values("case_id"))
    else:
        scope = ""
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    else:
        state = ""
    kind = request.GET.get("kind", "")
    if kind in {k.value for k in Kind}:
        qs = qs.filter(process_key__in=[p.key for p in PROCESSES.values() if p.kind == kind])
    else:
        kind = ""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(parties__name__icontains=q)).distinct()
    page = Paginator(_with_parties(qs).order_by("-opened_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    may_open = desk.agency is not None and has_role(user, desk.agency, case_services.OPENERS)
    return render(
        request,
        "cases/list.html",
        {
            "desk": desk,
            "page": page,
            "rows": _rows(page.object_list),
            "scope": scope,
            "scopes": SCOPES,
            "state": state,
            "states": STATE_FILTERS,
            "kind": kind,
            "kinds": {k.value: label for k, label in KIND_LABELS.items()},
            "q": q,
            "may_open": may_open,
            "nav_active": "cases",
        },
    )


# --- 立案 ------------------------------------------------------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = desk.agency
    if agency is None:
        raise Http404("没有可立案的执法主体。")
    data = request.POST if request.method == "POST" else None
    initial = {"place_region": getattr(agency, "region", "") or ""}
    form = cf.CaseOpenForm(data, agency=agency, initial=initial)
    parties, persons = cf.party_forms(data), cf.person_forms(data)
    errors: list[str] = []
    if request.method == "POST":
        checked = [form.is_valid(), *[row.is_valid() for row in [*parties, *persons]]]  # every form, for every error
        valid = all(checked)
        if valid:
            try:
                case = case_services.case_open(
                    actor=request.user,
                    agency=agency,
                    process_key=form.cleaned_data["process_key"],
                    item=form.cleaned_data["item"],
                    title=form.cleaned_data["title"],
                    place_region=form.cleaned_data["place_region"],
                    place_address=form.cleaned_data["place_address"],
                    officers=list(form.cleaned_data["officers"]),
                    parties=[d for d in (p.data_for_service() for p in parties) if d],
                    persons=[d for d in (p.data_for_service() for p in persons) if d],
                )
            except ValidationError as exc:
                errors = _open_errors(exc, form, parties, persons)
            else:
                messages.success(request, f"已立案：{case.number}。")
                return redirect(reverse("cases:case_detail", args=[case.pk]))
    else:
        # Refuse the form itself to those who may not open a case, as the service would.
        from sanxiang.org.access import require_role

        require_role(request.user, agency, case_services.OPENERS, f"只有{agency.name}的执法人员或科室负责人可以立案。")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "cases/open.html",
        {
            "desk": desk,
            "form": form,
            "parties": parties,
            "persons": persons,
            "errors": errors,
            "nav_active": "cases",
        },
        status=status,
    )


def _open_errors(exc: ValidationError, form: forms.Form, parties: list[Any], persons: list[Any]) -> list[str]:
    """Put the service's errors on the fields they name (``parties.0.uscc``); the rest go on top."""
    rest: list[str] = []
    rows = {
        "parties": [p for p in parties if p.data_for_service()],
        "persons": [p for p in persons if p.data_for_service()],
    }
    for key, msgs in exc.errors.items():
        parts = key.split(".")
        target: forms.Form | None = None
        field = None
        if parts[0] in rows and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows[parts[0]]):
            target, field = rows[parts[0]][int(parts[1])], parts[2]
        elif key in form.fields:
            target, field = form, key
        for message in msgs:
            if target is not None and field in target.fields:
                target.add_error(field, message)
            else:
                rest.append(message)
    return rest


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


@dataclass
class Permissions:
    act: bool  # may do the current step's work
    decide: bool  # department head or leader of the agency
    record_recusal: bool
    collective: bool
    issue: bool


def _permissions(user: Any, case: Case, step: Step, closed: bool) -> Permissions:
    if closed:
        return Permissions(False, False, False, False, False)
    from sanxiang.cases.documents import ISSUER_ROLES

    return Permissions(
        act=actor_reason(user, case, step) is None,
        decide=has_role(user, case.agency_id, case_services.DECIDERS),
        record_recusal=has_role(user, case.agency_id, case_services.RECUSAL_RECORDERS),
        collective=has_role(user, case.agency_id, (*case_services.DECIDERS, Role.LEGAL_REVIEWER)),
        issue=has_role(user, case.agency_id, ISSUER_ROLES),
    )


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


def _forms(case: Case, process: Process, step: Step, document_code: str) -> dict[str, Any]:
    return {
        "approve": cf.NoteForm(),
        "fact": cf.FactForm(case=case),
        "certificate": cf.CertificateForm(case=case),
        "recording": cf.RecordingForm(case=case),
        "document": cf.DocumentForm(case=case, template_code=document_code) if document_code else None,
        "serve": cf.ServeForm(case=case),
        "penalty": cf.PenaltyForm(
            case=case,
            initial={"amount": case.amount_proposed, "band": case.discretion_band, "reason": case.discretion_reason},
        ),
        "extend": cf.ExtendForm(process=process),
        "recusal_request": cf.RecusalRequestForm(case=case),
        "recusal_decide": cf.RecusalDecideForm(case=case),
        "officer_add": cf.OfficerAddForm(case=case),
    }


def _legal_review(case: Case, process: Process) -> dict[str, Any] | None:
    """The legal review of a penalty case: whether its proposal is major (and why), and its review rounds."""
    from sanxiang.review.catalogue import assess
    from sanxiang.review.gates import passed_review
    from sanxiang.review.models import CollectiveDiscussion, LegalReview

    if process.kind != Kind.PENALTY or case.amount_proposed is None:
        return None
    assessment = assess(case)
    return {
        "assessment": assessment,
        "passed": passed_review(case, assessment.digest) is not None,
        "reviews": list(LegalReview.objects.filter(case=case).order_by("round")),
        "collectives": list(CollectiveDiscussion.objects.filter(case=case).order_by("held_at")),
    }


def _detail(
    request: HttpRequest,
    desk: Desk,
    case: Case,
    *,
    failed: str = "",
    errors: list[str] | None = None,
    bound: Any = None,
    target: str = "",
) -> HttpResponse:
    user: Any = request.user
    process = _process(case)
    step = process.step(case.state)
    closed = case.state in process.ends
    perms = _permissions(user, case, step, closed)
    from sanxiang.registry.docx.placeholders import TEMPLATES

    document_code = _document_choice(step, request.GET.get("document", ""))
    if failed == "document" and bound is not None:
        document_code = bound.data.get("template_code", document_code)
    forms_ = _forms(case, process, step, document_code)
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
    needs_approval = not closed and (
        "head_approved" in step.gates or any("head_approved" in t.gates for t in process.exits(step.key))
    )
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
    fact_choices = forms_["fact"].fields["kind"].choices
    show = {
        "document": perms.act and bool(document_options),
        "serve": perms.issue and bool(documents) and (perms.act or perms.decide),
        "certificate": perms.act and step.on_site,
        "recording": perms.act and (step.on_site or level != Level.NONE.value),
        "approve": perms.decide and needs_approval and not approved,
        "fact": bool(fact_choices) and (perms.act or perms.collective),
        "penalty": perms.act
        and process.kind == Kind.PENALTY
        and step.key in workflow.PROPOSAL_STEPS.get(process.key, ()),
        "extend": perms.decide and bool(forms_["extend"].fields["deadline_key"].choices),
        "recusal_request": perms.record_recusal and any(o.active and not o.recusal_pending for o in officers),
        "recusal_decide": perms.decide and any(o.recusal_pending for o in officers),
        "officer_add": perms.decide,
    }
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
        "legal_review": _legal_review(case, process),
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
    return _detail(request, desk, case)


# --- actions ---------------------------------------------------------------------------------------------------------

ACTIONS = {
    "advance": "已办理流转。",
    "approve": "已审批。",
    "fact": "已记录。",
    "certificate": "已记录出示执法证件。",
    "recording": "已登记音像记录。",
    "document": "已制发文书。",
    "serve": "已记录送达。",
    "penalty": "已记录拟处罚金额。",
    "extend": "已批准延长期限。",
    "recusal_request": "已登记回避申请。",
    "recusal_decide": "已作出回避决定。",
    "officer_add": "已指派执法人员。",
}


def _run(request: HttpRequest, case: Case, action: str) -> str:
    """Parse ``action``'s form and call its service; returns the success message."""
    user, post = request.user, request.POST
    message = ACTIONS[action]
    form: Any
    if action == "advance":
        form = cf.AdvanceForm(post)
        data = form_data(form)
        moved = workflow.case_advance(actor=user, case=case, target=data["target"], note=data["note"])
        message = f"已进入“{_step_name(moved)}”。"
    elif action == "approve":
        form = cf.NoteForm(post)
        workflow.case_approve(actor=user, case=case, note=form_data(form)["note"])
    elif action == "fact":
        form = cf.FactForm(post, case=case)
        data = form_data(form)
        workflow.case_fact_record(
            actor=user, case=case, kind=data["kind"], occurred_at=data["occurred_at"], note=data["note"]
        )
    elif action == "certificate":
        form = cf.CertificateForm(post, case=case)
        data = form_data(form)
        workflow.case_certificate_shown(
            actor=user,
            case=case,
            officer=data["officer"],
            shown_at=data["shown_at"],
            place=data["place"],
            room=data["room"],
        )
    elif action == "recording":
        form = cf.RecordingForm(post, case=case)
        data = form_data(form)
        workflow.case_recording_add(
            actor=user,
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
    elif action == "document":
        code = post.get("template_code", "")
        step = _process(case).step(case.state)
        if code not in (*step.documents, *step.optional_documents):
            raise InvalidTransition(f"“{step.name}”环节不制发该文书。")
        form = cf.DocumentForm(post, case=case, template_code=code)
        form_data(form)
        document = workflow.case_document_issue(
            actor=user, case=case, template_code=code, fields=form.fields_for_service()
        )
        message = f"已制发{document.template_name}（{document.number}）。"
    elif action == "serve":
        form = cf.ServeForm(post, case=case)
        data = form_data(form)
        receipt = None
        if data["receipt_sha256"]:
            receipt = Blob.objects.filter(pk=data["receipt_sha256"].strip().lower()).first()
            if receipt is None:
                raise ValidationError({"receipt_sha256": ["证据库中没有该送达回证文件：请先上传。"]})
        workflow.case_document_serve(
            actor=user,
            case=case,
            document=data["document"],
            method=data["method"],
            served_at=data["served_at"],
            recipient=data["recipient"],
            receipt_blob=receipt,
        )
    elif action == "penalty":
        form = cf.PenaltyForm(post, case=case)
        data = form_data(form)
        workflow.case_penalty_propose(
            actor=user, case=case, amount=data["amount"], band=data["band"], reason=data["reason"]
        )
    elif action == "extend":
        form = cf.ExtendForm(post, process=_process(case))
        data = form_data(form)
        workflow.case_deadline_extend(
            actor=user, case=case, deadline_key=data["deadline_key"], days=data["days"], reason=data["reason"]
        )
    elif action == "recusal_request":
        form = cf.RecusalRequestForm(post, case=case)
        data = form_data(form)
        case_services.case_recusal_request(
            actor=user, case=case, officer=data["officer"], reason=data["reason"], applicant=data["applicant"]
        )
    elif action == "recusal_decide":
        form = cf.RecusalDecideForm(post, case=case)
        data = form_data(form)
        case_services.case_recusal_decide(
            actor=user, case=case, officer=data["officer"], approve=data["decision"] == "approve", note=data["note"]
        )
    else:  # officer_add
        form = cf.OfficerAddForm(post, case=case)
        case_services.case_officer_add(actor=user, case=case, officer=form_data(form)["officer"])
    return message


@staff_view
@require_POST
def case_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404()
    case = access_case(user=request.user, case_id=pk)
    try:
        message = _run(request, case, action)
    except (ValidationError, InvalidTransition) as exc:
        case = access_case(user=request.user, case_id=pk)
        bound = _bound_again(request, case, action)
        return _detail(
            request,
            desk,
            case,
            failed=action,
            errors=error_messages(exc),
            bound=bound,
            target=request.POST.get("target", ""),
        )
    messages.success(request, message)
    anchor = "#step" if action == "advance" else f"#act-{action.replace('_', '-')}"
    return redirect(reverse("cases:case_detail", args=[case.pk]) + anchor)


def _bound_again(request: HttpRequest, case: Case, action: str) -> Any:
    """The failed action's form bound to what was sent, so the user corrects rather than retypes."""
    post = request.POST
    builders: dict[str, Any] = {
        "advance": lambda: cf.AdvanceForm(post),
        "approve": lambda: cf.NoteForm(post),
        "fact": lambda: cf.FactForm(post, case=case),
        "certificate": lambda: cf.CertificateForm(post, case=case),
        "recording": lambda: cf.RecordingForm(post, case=case),
        "serve": lambda: cf.ServeForm(post, case=case),
        "penalty": lambda: cf.PenaltyForm(post, case=case),
        "extend": lambda: cf.ExtendForm(post, process=_process(case)),
        "recusal_request": lambda: cf.RecusalRequestForm(post, case=case),
        "recusal_decide": lambda: cf.RecusalDecideForm(post, case=case),
        "officer_add": lambda: cf.OfficerAddForm(post, case=case),
    }
    if action == "document":
        step = _process(case).step(case.state)
        code = post.get("template_code", "")
        if case.state in _process(case).ends or code not in (*step.documents, *step.optional_documents):
            return None
        form = cf.DocumentForm(post, case=case, template_code=code)
    else:
        form = builders[action]()
    form.is_valid()
    return form


@staff_view
@require_http_methods(["GET"])
def case_file_download(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    """The sealed case file as the ledger's bundle (BagIt zip, checkable offline; docs/ledger-verify.md).

    The export is recorded in the ledger (``case.file_export``); the zip is written to a temporary file in the upload
    directory, streamed and removed."""
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.http import FileResponse

    from sanxiang.cases.casefile_export import case_file_export

    case = access_case(user=request.user, case_id=pk)
    directory = Path(settings.SANXIANG_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="casefile-", suffix=".zip", dir=directory)
    path = Path(name)
    try:
        import os

        os.close(handle)
        try:
            case_file_export(actor=request.user, case=case, out=path)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect("cases:case_detail", pk=case.pk)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open stream keeps the data until it is sent
    response = FileResponse(
        stream, as_attachment=True, filename=f"{case.number}-案卷.zip", content_type="application/zip"
    )
    return cast(HttpResponse, response)  # streamed; staff_view passes it through unchanged


# --- processes ----------------------------------------------------------------------------------------------------


@require_GET
@staff_view
def processes(request: HttpRequest, desk: Desk) -> HttpResponse:
    """The process definitions the case workflow enforces, drawn as on the portal (same charts, same text)."""
    items = [{"process": p, "rows": step_rows(p)} for p in PROCESSES.values()]
    return render(request, "cases/processes.html", {"desk": desk, "items": items, "nav_active": "processes"})
