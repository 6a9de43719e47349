"""Staff pages of 事后公开 (/staff/disclosure/): what is due, overdue, published and to be withdrawn, with the on-time
rates; a task's redaction preview (every change marked; likely names can be restored) and the publish form; a
publication's fulfilment, revocation and withdrawal forms.

Each view parses its form, finds the row through ``org.access`` (404 alike for missing and another agency's), calls a
service and renders; a refused input is shown next to its form and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from sanxiang.cases.models import PartyKind
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.redaction import Span
from sanxiang.disclosure import queue, services
from sanxiang.disclosure.models import Publication, PublicationState, PublicationTask, TaskState, WithdrawReason
from sanxiang.org.access import access_object, has_role
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, form_data, staff_view

NAV = "disclosure"
PAGE_SIZE = 50
CATEGORY_LABELS = {
    "known_name": "案件已知人员姓名",
    "id_number": "身份证号码",
    "bank_card": "银行卡号",
    "phone": "电话号码",
    "address": "自然人住址",
    "likely_name": "疑似人名（可恢复）",
}


class PublishForm(forms.Form):
    violation_on = forms.DateField(
        label="违法行为发生日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FulfilForm(forms.Form):
    on = forms.DateField(label="履行日期", widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label="履行情况", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label="原因", choices=WithdrawReason.choices)
    revoked_on = forms.DateField(label="撤销（变更）日期", widget=forms.DateInput(attrs={"type": "date"}))


class WithdrawForm(forms.Form):
    public_reason = forms.CharField(label="向社会说明的撤下理由", max_length=300)


def _publisher(user: Any, agency_id: int) -> bool:
    return has_role(user, agency_id, services.PUBLISHERS)


@staff_view
def home(request: HttpRequest, desk: Desk) -> HttpResponse:
    today = timezone.localdate()
    tasks = queue.staff_tasks(request.user, desk.agency)
    tab = request.GET.get("tab", "due")
    if tab not in dict(queue.TABS):
        tab = "due"
    counts = queue.tab_counts(tasks, today)
    shown = tasks.filter(queue.tab_filter(tab, today)).order_by(
        "due_on" if tab in ("due", "overdue") else "-decided_on", "pk"
    )[:PAGE_SIZE]
    return render(
        request,
        "disclosure/home.html",
        {
            "desk": desk,
            "nav_active": NAV,
            "tabs": [(key, label, counts[key]) for key, label in queue.TABS],
            "tab": tab,
            "tasks": shown,
            "rates": queue.rates(tasks, today),
            "today": today,
        },
    )


def segments(task: PublicationTask, choices: dict[str, bool] | None = None) -> list[dict[str, Any]]:
    """The source text cut at the proposal's spans, for the preview: plain pieces and marked changes."""
    chosen = task.choices if choices is None else choices
    spans = sorted(enumerate(Span(**span) for span in task.proposal), key=lambda pair: pair[1].start)
    text = task.source_text
    out: list[dict[str, Any]] = []
    at = 0
    for index, span in spans:
        if span.start < at:
            continue
        if span.start > at:
            out.append({"text": text[at : span.start]})
        out.append(
            {
                "index": index,
                "span": span,
                "label": CATEGORY_LABELS.get(span.category, span.category),
                "redact": chosen.get(str(index), span.default),
                "restorable": span.category == "likely_name",
            }
        )
        at = span.end
    if at < len(text):
        out.append({"text": text[at:]})
    return out


def _task(request: HttpRequest, pk: int) -> PublicationTask:
    return access_object(request.user, PublicationTask.objects.select_related("case", "agency", "document"), pk)


@staff_view
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    task = _task(request, pk)
    errors: list[str] = []
    may_publish = task.state == TaskState.DUE and _publisher(request.user, task.agency_id)
    person = task.case.parties.filter(kind=PartyKind.PERSON).exists()
    form = PublishForm(request.POST or None)
    restored = {str(i) for i in request.POST.getlist("restore")} if request.method == "POST" else set()
    choices = dict.fromkeys(restored, False)
    if request.method == "POST":
        try:
            data = form_data(form)
            publication = services.publication_publish(
                actor=request.user, task=task, choices=choices, violation_on=data["violation_on"]
            )
        except (ValidationError, InvalidTransition) as exc:
            errors = error_messages(exc)
        else:
            if publication is None:
                messages.warning(request, "当事人违法时未满十八周岁，依法不予公开，已登记。")
                return redirect("disclosure:task", pk=task.pk)
            messages.success(request, "已公开。")
            return redirect("disclosure:publication", pk=publication.pk)
    return render(
        request,
        "disclosure/task.html",
        {
            "desk": desk,
            "nav_active": NAV,
            "task": task,
            "segments": segments(task, choices if request.method == "POST" else None),
            "preview": services.redacted_text(task, choices if request.method == "POST" else None),
            "form": form,
            "errors": errors,
            "may_publish": may_publish,
            "needs_violation_date": person,
            "publication": Publication.objects.filter(task=task).first(),
        },
    )


@staff_view
def publication_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    publication = queue.staff_publication(request.user, pk)
    return _publication_page(request, desk, publication)


def _publication_page(
    request: HttpRequest,
    desk: Desk,
    publication: Publication,
    *,
    errors: dict[str, list[str]] | None = None,
    **forms_: Any,
) -> HttpResponse:
    task = publication.task
    may = _publisher(request.user, task.agency_id)
    return render(
        request,
        "disclosure/publication.html",
        {
            "desk": desk,
            "nav_active": NAV,
            "publication": publication,
            "task": task,
            "may_fulfil": may and publication.state == PublicationState.PUBLISHED,
            "may_revoke": may and task.state == TaskState.PUBLISHED,
            "may_withdraw": may and task.state == TaskState.WITHDRAWAL_DUE,
            "fulfil_form": forms_.get("fulfil_form") or FulfilForm(initial={"on": timezone.localdate()}),
            "revoke_form": forms_.get("revoke_form") or RevokeForm(initial={"revoked_on": timezone.localdate()}),
            "withdraw_form": forms_.get("withdraw_form") or WithdrawForm(),
            "errors": errors or {},
            "public_url": reverse("portal:publication", args=[publication.pk]),
        },
        status=400 if errors else 200,
    )


ACTIONS = {"fulfil": FulfilForm, "revoke": RevokeForm, "withdraw": WithdrawForm}


@staff_view
@require_POST
def publication_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    publication = queue.staff_publication(request.user, pk)
    form_class = ACTIONS.get(action)
    if form_class is None:
        raise Http404("没有这个操作。")
    form = form_class(request.POST)
    try:
        data = form_data(form)
        if action == "fulfil":
            services.publication_fulfil(actor=request.user, publication=publication, on=data["on"], text=data["text"])
            messages.success(request, "履行情况已公开。")
        elif action == "revoke":
            task = services.decision_revoked(
                actor=request.user, publication=publication, reason=data["reason"], revoked_on=data["revoked_on"]
            )
            messages.success(request, f"已登记，请于{task.withdraw_due_on:%Y年%m月%d日}前撤下。")
        else:
            services.publication_withdraw(
                actor=request.user, publication=publication, public_reason=data["public_reason"]
            )
            messages.success(request, "已撤下，公示页面只保留撤下说明。")
    except (ValidationError, InvalidTransition) as exc:
        publication.refresh_from_db()
        return _publication_page(
            request, desk, publication, errors={action: error_messages(exc)}, **{f"{action}_form": form}
        )
    return redirect("disclosure:publication", pk=publication.pk)
