"""Staff pages of the complaints (/staff/complaints/): the list with its due/overdue/replied filters, one complaint
with the actions the user may take, and its attachments (each download recorded by the evidence store).

Every view parses the input, finds the complaint through ``complaints.selectors`` (404 alike for missing and another
agency's), calls a service, and renders; a refused input is shown in Chinese next to its form, nothing written.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanxiang.complaints import selectors, services
from sanxiang.complaints.access import handles, may_note
from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.ledger.evidence import blob_open
from sanxiang.org.models import Department, User
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view

NAV = "complaints"
PAGE_SIZE = 50
ACTIONS = ("accept", "refuse", "assign", "note", "reply", "close")


@staff_view
@require_GET
def complaint_list(request: HttpRequest, desk: Desk) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in selectors.FILTERS else ""
    today = timezone.localdate()
    agency_id = desk.agency.pk if desk.agency else None
    qs = selectors.staff_complaints(request.user, status=status, agency_id=agency_id, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(complaint, selectors.due_status(complaint, today)) for complaint in page.object_list]
    figures = selectors.counts(request.user, agency_id=agency_id, today=today)
    filters = [(key, label, figures[key]) for key, label in selectors.FILTERS.items()]
    context = {
        "desk": desk,
        "rows": rows,
        "page": page,
        "status": status,
        "filters": filters,
        "today": today,
        "nav_active": NAV,
    }
    return render(request, "complaints/list.html", context)


def _detail_context(request: HttpRequest, desk: Desk, complaint: Complaint) -> dict[str, Any]:
    user = request.user
    handler = handles(user, complaint.agency_id)
    departments, people = selectors.handler_choices(complaint)
    state = complaint.state
    return {
        "desk": desk,
        "complaint": complaint,
        "due_status": selectors.due_status(complaint),
        "attachments": list(complaint.attachments.all()),
        "notes": list(complaint.notes.select_related("author")),
        "departments": departments,
        "people": people,
        "show": {
            "accept": handler and state == ComplaintState.RECEIVED,
            "refuse": handler and state == ComplaintState.RECEIVED,
            "assign": handler and state == ComplaintState.ACCEPTED,
            "note": may_note(user, complaint) and complaint.is_open,
            "reply": handler and state == ComplaintState.ACCEPTED,
            "close": handler and state in (ComplaintState.REPLIED, ComplaintState.REFUSED),
        },
        "nav_active": NAV,
    }


@staff_view
@require_GET
def complaint_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    complaint = selectors.staff_complaint(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, desk, complaint))


def _pick(model: type[Any], value: str, queryset: Any) -> Any:
    if not value:
        return None
    try:
        return queryset.get(pk=int(value))
    except (model.DoesNotExist, ValueError):
        raise ValidationError({"__all__": ["所选的承办科室或承办人不存在。"]}) from None


@staff_view
@require_POST
def complaint_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有该操作。")
    user = request.user
    complaint = selectors.staff_complaint(user, pk)
    data = request.POST
    try:
        if action == "accept":
            services.complaint_accept(actor=user, complaint=complaint, note=data.get("note", ""))
            done = "已受理。"
        elif action == "refuse":
            services.complaint_refuse(actor=user, complaint=complaint, reason=data.get("reason", ""))
            done = "已决定不予受理，理由将在查询页告知投诉举报人。"
        elif action == "assign":
            department = _pick(Department, data.get("department", ""), Department.objects.all())
            assignee = _pick(User, data.get("assignee", ""), User.objects.all())
            services.complaint_assign(
                actor=user, complaint=complaint, department=department, assignee=assignee, note=data.get("note", "")
            )
            done = "已交办。"
        elif action == "note":
            services.complaint_note_add(actor=user, complaint=complaint, text=data.get("text", ""))
            done = "已记录办理情况。"
        elif action == "reply":
            services.complaint_reply(actor=user, complaint=complaint, text=data.get("text", ""))
            done = "已答复，答复内容可凭查询码查看。"
        else:
            services.complaint_close(actor=user, complaint=complaint, note=data.get("note", ""))
            done = "已办结。"
    except (ValidationError, InvalidTransition) as exc:
        complaint = selectors.staff_complaint(user, pk)
        context = _detail_context(request, desk, complaint)
        context.update({"failed": action, "errors": error_messages(exc), "posted": data})
        return render(request, "complaints/detail.html", context, status=422)
    messages.success(request, done)
    return redirect(reverse("complaints:detail", args=[pk]))


@staff_view
@require_GET
def attachment_download(request: HttpRequest, desk: Desk, pk: int, position: int) -> HttpResponse:
    complaint = selectors.staff_complaint(request.user, pk)
    attachment = complaint.attachments.filter(position=position).first()
    if attachment is None:
        raise Http404("未找到该附件。")
    _blob, handle = blob_open(actor=request.user, sha256=attachment.blob_id)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return cast(HttpResponse, response)  # a streaming response, as the workspace's wrapper passes it on
