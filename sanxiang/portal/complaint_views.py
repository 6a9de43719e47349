"""Public complaint pages (监督举报, plan 二(一)3(8)): the form (no login, CSRF on), the one-time receipt with the
tracking code, and the tracking page, which shows status, dates and the reply — never who complained nor the
staff's internal notes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sanxiang.complaints import selectors, services
from sanxiang.complaints.codes import request_address
from sanxiang.complaints.models import ComplaintKind
from sanxiang.core.errors import NotFound, ValidationError
from sanxiang.registry.selectors import public_agencies

RECEIPT_KEY = "complaint_receipt"
NAV = "complaints"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ComplaintForm(forms.Form):
    """For rendering only: the service checks the input (one set of rules for the page and the API)."""

    kind = forms.ChoiceField(label="类别", choices=ComplaintKind.choices, widget=forms.RadioSelect)
    agency = forms.ChoiceField(label="执法主体")
    officer = forms.CharField(
        label="被投诉的执法人员",
        required=False,
        help_text="填写姓名或执法证号（可在“执法人员”清单中查询）；举报违法行为的可不填。",
    )
    reported_party = forms.CharField(label="被举报的单位或个人", required=False, max_length=200)
    reported_place = forms.CharField(label="地点", required=False, max_length=200)
    text = forms.CharField(label="投诉举报内容", widget=forms.Textarea(attrs={"rows": 8}))
    attachments = forms.FileField(label="附件", required=False)
    complainant_name = forms.CharField(label="您的姓名", required=False, max_length=50, help_text="可不填（匿名）。")
    complainant_contact = forms.CharField(
        label="联系方式", required=False, max_length=100, help_text="电话或电子邮箱，可不填；仅供办理人员与您联系。"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = public_agencies().filter(is_enforcement_body=True).order_by("name")
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ChoiceField)
        agency_field.choices = [("", "请选择")] + [(str(a.pk), a.name) for a in agencies]
        limits = services.limits()
        self.fields["text"].help_text = f"不超过 {limits['max_chars']} 字。"
        self.fields["text"].widget.attrs["maxlength"] = str(limits["max_chars"])
        self.fields["attachments"].widget = MultipleFileInput()
        self.fields["attachments"].help_text = (
            f"可选，最多 {limits['max_attachments']} 个，每个不超过 "
            f"{limits['max_attachment_bytes'] // (1024 * 1024)} MB（照片、录音、视频、文档等）。"
        )


def _agency_initial(request: HttpRequest) -> dict[str, str]:
    wanted = request.GET.get("agency", "")
    return {"agency": wanted} if wanted.isdigit() else {}


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = ComplaintForm(initial=_agency_initial(request))
        return render(request, "portal/complaints/new.html", {"form": form, "nav": NAV, "limits": services.limits()})
    form = ComplaintForm(request.POST)
    try:
        filed = services.complaint_file(
            data=request.POST.dict(),
            files=request.FILES.getlist("attachments"),
            client_address=request_address(request),
        )
    except services.RateLimited as exc:
        context = {"form": form, "nav": NAV, "limits": services.limits(), "refusal": exc.message}
        return render(request, "portal/complaints/new.html", context, status=429)
    except ValidationError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return render(
            request, "portal/complaints/new.html", {"form": form, "nav": NAV, "limits": services.limits()}, status=422
        )
    tracking = selectors.track(filed.code)
    request.session[RECEIPT_KEY] = {
        "code": filed.code,
        "agency": tracking.agency,
        "kind": tracking.kind,
        "received_on": tracking.received_on.isoformat(),
        "due_on": tracking.due_on.isoformat(),
        "attachments": tracking.attachments,
    }
    return redirect("portal:complaint-receipt")


@never_cache
@require_http_methods(["GET"])
def complaint_receipt(request: HttpRequest) -> HttpResponse:
    """The receipt with the tracking code, shown once (the code is not stored, only its hash)."""
    receipt = request.session.pop(RECEIPT_KEY, None)
    return render(
        request,
        "portal/complaints/receipt.html",
        {"receipt": receipt, "nav": NAV, "reply_days": settings.SANXIANG_COMPLAINT_REPLY_DAYS},
        status=200 if receipt else 410,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request: HttpRequest) -> HttpResponse:
    """Follow a complaint by its code. The code is posted (CSRF on), so that it stays out of addresses and logs."""
    context: dict[str, Any] = {"nav": NAV, "track_url": reverse("portal:complaint-track")}
    if request.method == "GET":
        return render(request, "portal/complaints/track.html", context)
    code = request.POST.get("code", "")
    try:
        context["tracking"] = selectors.track(code)
    except NotFound as exc:
        context["error"] = exc.message
        return render(request, "portal/complaints/track.html", context, status=404)
    return render(request, "portal/complaints/track.html", context)
