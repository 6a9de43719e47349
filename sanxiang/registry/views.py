"""Staff pages of the published lists (事前公开清单): list, create, edit, review, withdraw, import and export.

Every view takes the same four steps: parse the input, check access (through ``sanxiang.org.access``), call a
service, render. Views never write to a model themselves; the services check permissions again, so a button that
is hidden is also refused.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.org.access import access_object, has_role, is_deployment_admin
from sanxiang.org.listing import ListSpec, can_edit, can_review
from sanxiang.org.models import Agency, Role
from sanxiang.org.services import agency_create, agency_district_review_record
from sanxiang.registry import selectors, services
from sanxiang.registry.display import STATUS_CLASSES, entry_rows, record_lines, staged_changes
from sanxiang.registry.forms import (
    AnnualReviewForm,
    DistrictReviewForm,
    EntryForm,
    NoteForm,
    ReasonForm,
    initial_for,
)
from sanxiang.registry.models import Officer
from sanxiang.registry.specs import ALL_LISTS, LIST_KEEPERS
from sanxiang.registry.xlsx import EXPORT_ONLY, export_workbook, import_workbook
from sanxiang.staff.desk import Desk
from sanxiang.staff.forms import ImportForm
from sanxiang.staff.frame import error_messages, form_refusal, require, staff_view

EDITABLE_STATES = (PublicationStatus.DRAFT, PublicationStatus.RETURNED, PublicationStatus.PUBLISHED)
PAGE_SIZE = 50
STAGED = "staged"  # list filter: published entries with a change awaiting review


def spec_for(list_key: str) -> ListSpec[Any]:
    try:
        return ALL_LISTS[list_key]
    except KeyError as exc:
        raise Http404("没有这个清单。") from exc


def is_agency_list(spec: ListSpec[Any]) -> bool:
    return spec.agency_attr == "self"


def agency_entries(user: Any, spec: ListSpec[Any], agency: Agency | None) -> QuerySet[Any]:
    """Entries of ``spec``'s list that belong to ``agency`` (for the agency list: itself and bodies it entrusts)."""
    qs = selectors.staff_entries(user, spec)
    if agency is None:
        return qs.none()
    if is_agency_list(spec):
        return qs.filter(Q(pk=agency.pk) | Q(entrusted_by=agency))
    return qs.filter(**{spec.agency_attr: agency})


def awaiting_review(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(
        Q(status=PublicationStatus.SUBMITTED) | Q(status=PublicationStatus.PUBLISHED, pending__isnull=False)
    )


def may_create(user: Any, spec: ListSpec[Any], agency: Agency | None) -> bool:
    if is_agency_list(spec):
        # New enforcement bodies are set up by the deployment administrator (``agency_create``).
        return is_deployment_admin(user)
    return agency is not None and can_edit(user, spec, agency)


def entry_url(list_key: str, entry: Any) -> str:
    return reverse("registry:entry_detail", kwargs={"list_key": list_key, "pk": entry.pk})


# --- lists --------------------------------------------------------------------------------------------------------


@staff_view
def entry_list(request: HttpRequest, desk: Desk, list_key: str) -> HttpResponse:
    spec = spec_for(list_key)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = agency_entries(request.user, spec, desk.agency)
    tabs = qs.aggregate(
        total=Count("pk"),
        staged=Count("pk", filter=Q(status=PublicationStatus.PUBLISHED, pending__isnull=False)),
        **{s: Count("pk", filter=Q(status=s)) for s in PublicationStatus.values},
    )
    if status in PublicationStatus.values:
        qs = qs.filter(status=status)
    elif status == STAGED:
        qs = qs.filter(status=PublicationStatus.PUBLISHED, pending__isnull=False)
    else:
        status = ""
    qs = selectors.search(qs, list_key, q)
    page = Paginator(qs.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/entry_list.html",
        {
            "desk": desk,
            "list_key": list_key,
            "spec": spec,
            "page": page,
            "status": status,
            "q": q,
            "tabs": [("", "全部", tabs["total"])]
            + [(s, label, tabs[s]) for s, label in PublicationStatus.choices]
            + [(STAGED, "修改待审核", tabs["staged"])],
            "status_classes": STATUS_CLASSES,
            "may_create": may_create(request.user, spec, desk.agency),
            "may_import": list_key not in EXPORT_ONLY
            and desk.agency is not None
            and can_edit(request.user, spec, desk.agency),
            "may_export": True,
            "nav_active": list_key,
            "is_officers": spec.model is Officer,
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest, desk: Desk, list_key: str) -> HttpResponse:
    spec = spec_for(list_key)
    agency = desk.agency
    if agency is None or not may_create(request.user, spec, agency):
        raise DjangoPermissionDenied(f"您不能新增{spec.title}的条目。")
    form = EntryForm(request.POST or None, request.FILES or None, spec=spec, agency=agency)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if is_agency_list(spec):
                    entry = agency_create(actor=request.user, data=form.to_data())
                else:
                    entry = services.entry_create(actor=request.user, spec=spec, agency=agency, data=form.to_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "已保存为草稿。检查无误后请提交审核。")
                return redirect(entry_url(list_key, entry))
        status = 400
    return render(
        request,
        "registry/entry_form.html",
        {"desk": desk, "list_key": list_key, "spec": spec, "form": form, "entry": None, "nav_active": list_key},
        status=status,
    )


def get_entry(request: HttpRequest, spec: ListSpec[Any], pk: int) -> Any:
    field = "" if is_agency_list(spec) else spec.agency_attr
    return access_object(request.user, selectors.staff_entries(request.user, spec), pk, agency_field=field)


@staff_view
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, desk: Desk, list_key: str, pk: int) -> HttpResponse:
    spec = spec_for(list_key)
    entry = get_entry(request, spec, pk)
    agency = spec.agency_of(entry)
    require(can_edit(request.user, spec, agency), f"您不能修改{agency.name}的{spec.title}。")
    if entry.status not in EDITABLE_STATES:
        messages.error(request, f"“{entry.get_status_display()}”状态的条目不能修改。")
        return redirect(entry_url(list_key, entry))
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        spec=spec,
        agency=agency,
        entry=entry,
        initial=initial_for(spec, entry),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.entry_update(actor=request.user, spec=spec, obj=entry, data=form.to_data())
            except (ValidationError, InvalidTransition) as exc:
                if isinstance(exc, ValidationError):
                    form.add_service_errors(exc)
                else:
                    form.add_error(None, exc.message)
            else:
                if entry.status == PublicationStatus.PUBLISHED:
                    messages.success(request, "修改已提交法规科审核；审核通过前公示的仍是原内容。")
                else:
                    messages.success(request, "已保存。")
                return redirect(entry_url(list_key, entry))
        status = 400
    return render(
        request,
        "registry/entry_form.html",
        {"desk": desk, "list_key": list_key, "spec": spec, "form": form, "entry": entry, "nav_active": list_key},
        status=status,
    )


def detail_context(request: HttpRequest, desk: Desk, list_key: str, spec: ListSpec[Any], entry: Any) -> dict[str, Any]:
    user = request.user
    agency = spec.agency_of(entry)
    editor = can_edit(user, spec, agency)
    reviewer = can_review(user, spec, agency)
    waiting = entry.status == PublicationStatus.SUBMITTED or (entry.is_published and entry.has_pending_change)
    context: dict[str, Any] = {
        "desk": desk,
        "nav_active": list_key,
        "list_key": list_key,
        "spec": spec,
        "entry": entry,
        "entry_agency": agency,
        "status_class": STATUS_CLASSES.get(entry.status, ""),
        "rows": entry_rows(spec, entry),
        "changes": staged_changes(spec, entry),
        "record": record_lines(spec.model, entry),
        "can_edit": editor and entry.status in EDITABLE_STATES,
        "can_submit": editor and entry.status in (PublicationStatus.DRAFT, PublicationStatus.RETURNED),
        "can_decide": reviewer and waiting,
        "can_withdraw": reviewer and entry.is_published,
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "errors": {},
    }
    if isinstance(entry, Officer) and has_role(user, agency, LIST_KEEPERS):
        context["officer_actions"] = {
            "suspend": not entry.suspended_at and not entry.revoked_at,
            "reinstate": bool(entry.suspended_at) and not entry.revoked_at,
            "revoke": not entry.revoked_at,
            "annual_review": not entry.revoked_at,
        }
        context["certificate_state"] = entry.certificate_state()
        context["annual_form"] = AnnualReviewForm(initial={"passed": "1"})
    if isinstance(entry, Agency) and entry.is_entrusted:
        context["district_review"] = has_role(
            user, entry.entrusted_by or entry, {Role.LEGAL_REVIEWER, Role.ADMINISTRATOR}
        )
        context["district_form"] = DistrictReviewForm()
    return context


@staff_view
def entry_detail(request: HttpRequest, desk: Desk, list_key: str, pk: int) -> HttpResponse:
    spec = spec_for(list_key)
    entry = get_entry(request, spec, pk)
    return render(request, "registry/entry_detail.html", detail_context(request, desk, list_key, spec, entry))


def _action_failed(
    request: HttpRequest,
    desk: Desk,
    list_key: str,
    spec: ListSpec[Any],
    entry: Any,
    action: str,
    exc: ValidationError | InvalidTransition,
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the detail page again with the service's message next to the action that failed; nothing was written."""
    entry.refresh_from_db()
    context = detail_context(request, desk, list_key, spec, entry)
    messages_ = error_messages(exc)
    context["errors"] = {action: messages_}
    shown = {
        "submit": context["can_submit"],
        "approve": context["can_decide"],
        "return": context["can_decide"],
        "withdraw": context["can_withdraw"],
        "district_review": context.get("district_review", False),
        **context.get("officer_actions", {}),
    }
    if not shown.get(action):
        # The action's form is no longer on the page (e.g. the state moved on): say why at the top.
        context["banner_errors"] = messages_
    context.update(forms or {})
    return render(request, "registry/entry_detail.html", context, status=400)


WORKFLOW_ACTIONS = {
    "submit": "已提交法规科审核。",
    "approve": "已审核通过并公示。",
    "return": "已退回修改。",
    "withdraw": "已从公示中撤下。",
}


@staff_view
@require_POST
def entry_action(request: HttpRequest, desk: Desk, list_key: str, pk: int, action: str) -> HttpResponse:
    spec = spec_for(list_key)
    if action not in WORKFLOW_ACTIONS:
        raise Http404()
    note_form = NoteForm(request.POST)
    reason_form = ReasonForm(request.POST)
    note_form.is_valid()
    reason_form.is_valid()
    note = note_form.cleaned_data.get("note", "")
    reason = reason_form.cleaned_data.get("reason", "")
    entry = get_entry(request, spec, pk)
    try:
        if action == "submit":
            services.entry_submit(actor=request.user, spec=spec, obj=entry)
        elif action == "approve":
            services.entry_approve(actor=request.user, spec=spec, obj=entry, note=note)
        elif action == "return":
            services.entry_return(actor=request.user, spec=spec, obj=entry, note=note)
        else:
            services.entry_withdraw(actor=request.user, spec=spec, obj=entry, reason=reason)
    except (ValidationError, InvalidTransition) as exc:
        return _action_failed(
            request, desk, list_key, spec, entry, action, exc, {"note_form": note_form, "reason_form": reason_form}
        )
    messages.success(request, WORKFLOW_ACTIONS[action])
    return redirect(entry_url(list_key, entry))


OFFICER_ACTIONS = {
    "suspend": "已暂扣执法证，公示页面即时显示。",
    "reinstate": "已恢复执法证。",
    "revoke": "已注销执法证。",
    "annual_review": "已登记年度审验结果。",
}


@staff_view
@require_POST
def officer_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    list_key = "officers"
    spec = spec_for(list_key)
    if action not in OFFICER_ACTIONS:
        raise Http404()
    officer = get_entry(request, spec, pk)
    reason_form = ReasonForm(request.POST)
    reason_form.is_valid()
    reason = reason_form.cleaned_data.get("reason", "")
    annual_form = AnnualReviewForm(request.POST)
    try:
        if action == "suspend":
            services.officer_certificate_suspend(actor=request.user, officer=officer, reason=reason)
        elif action == "reinstate":
            services.officer_certificate_reinstate(actor=request.user, officer=officer, note=reason)
        elif action == "revoke":
            services.officer_certificate_revoke(actor=request.user, officer=officer, reason=reason)
        else:
            if not annual_form.is_valid():
                raise form_refusal(annual_form)
            services.officer_annual_review_record(
                actor=request.user,
                officer=officer,
                year=annual_form.cleaned_data["year"],
                passed=annual_form.cleaned_data["passed"],
                note=annual_form.cleaned_data["note"],
            )
    except (ValidationError, InvalidTransition) as exc:
        forms: dict[str, Any] = {"reason_form": reason_form}
        if action == "annual_review":
            forms["annual_form"] = annual_form
        return _action_failed(request, desk, list_key, spec, officer, action, exc, forms)
    messages.success(request, OFFICER_ACTIONS[action])
    return redirect(entry_url(list_key, officer))


@staff_view
@require_POST
def agency_district_review(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    list_key = "agencies"
    spec = spec_for(list_key)
    agency = get_entry(request, spec, pk)
    form = DistrictReviewForm(request.POST)
    form.is_valid()
    try:
        agency_district_review_record(
            actor=request.user, agency=agency, reference=form.cleaned_data.get("reference", "")
        )
    except (ValidationError, InvalidTransition) as exc:
        return _action_failed(request, desk, list_key, spec, agency, "district_review", exc, {"district_form": form})
    messages.success(request, "已登记区政府法制机构审核结果。")
    return redirect(entry_url(list_key, agency))


# --- import / export ----------------------------------------------------------------------------------------------

IMPORT_SESSION_KEY = "workspace_imports"
IMPORT_TTL_SECONDS = 24 * 3600


def _import_dir() -> Path:
    return Path(settings.DATA_DIR) / "tmp" / "imports"


def _stash_upload(request: HttpRequest, list_key: str, agency: Agency, upload: Any) -> str:
    """Keep a previewed workbook until it is confirmed, under a token bound to this session, list and agency."""
    folder = _import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - IMPORT_TTL_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    with (folder / f"{token}.xlsx").open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    upload.seek(0)
    stash = dict(request.session.get(IMPORT_SESSION_KEY, {}))
    stash[token] = {"list": list_key, "agency": agency.pk, "name": upload.name}
    request.session[IMPORT_SESSION_KEY] = stash
    return token


def _take_upload(request: HttpRequest, list_key: str, agency: Agency, token: str) -> tuple[Path, str] | None:
    stash = request.session.get(IMPORT_SESSION_KEY, {})
    meta = stash.get(token) if isinstance(stash, dict) else None
    path = _import_dir() / f"{token}.xlsx"
    if not meta or meta.get("list") != list_key or meta.get("agency") != agency.pk or not path.exists():
        return None
    return path, str(meta.get("name", ""))


def _drop_upload(request: HttpRequest, token: str) -> None:
    stash = dict(request.session.get(IMPORT_SESSION_KEY, {}))
    stash.pop(token, None)
    request.session[IMPORT_SESSION_KEY] = stash
    (_import_dir() / f"{token}.xlsx").unlink(missing_ok=True)


@staff_view
@require_http_methods(["GET", "POST"])
def entry_import(request: HttpRequest, desk: Desk, list_key: str) -> HttpResponse:
    """Upload a workbook, preview what it would do (dry run), then confirm: all rows or none."""
    spec = spec_for(list_key)
    agency = desk.agency
    if agency is None or not can_edit(request.user, spec, agency):
        raise DjangoPermissionDenied(f"您不能导入{spec.title}。")
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"desk": desk, "list_key": list_key, "spec": spec, "form": form, "nav_active": list_key}
    status = 200
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        stashed = _take_upload(request, list_key, agency, token)
        if stashed is None:
            context["form"] = ImportForm()
            context["expired"] = True
            return render(request, "registry/entry_import.html", context, status=400)
        path, name = stashed
        with path.open("rb") as workbook:
            result = import_workbook(actor=request.user, spec_key=list_key, agency=agency, file=workbook)
        context.update(result=result, file_name=name)
        if result.written:
            _drop_upload(request, token)
            messages.success(request, result.summary())
            return redirect(reverse("registry:entry_list", kwargs={"list_key": list_key}))
        # The data changed between preview and confirmation: show why, and let them upload again.
        _drop_upload(request, token)
        context["form"] = ImportForm()
        status = 400
    elif request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = import_workbook(actor=request.user, spec_key=list_key, agency=agency, file=upload, dry_run=True)
            context.update(result=result, file_name=upload.name)
            if result.ok:
                context["token"] = _stash_upload(request, list_key, agency, upload)
            else:
                status = 400
        else:
            status = 400
    return render(request, "registry/entry_import.html", context, status=status)


@staff_view
@require_GET
def entry_export(request: HttpRequest, desk: Desk, list_key: str) -> HttpResponse:
    spec = spec_for(list_key)
    entries = agency_entries(request.user, spec, desk.agency).order_by("pk")
    content = export_workbook(spec_key=list_key, entries=entries)
    stamp = timezone.localdate().strftime("%Y%m%d")
    agency_name = desk.agency.short_name or desk.agency.name if desk.agency else ""
    filename = f"{agency_name}{spec.title}-{stamp}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
