"""The body-camera register (执法记录仪, plan 二(二)3(2)): an internal staff register, not a published list.

Anyone with a role in the agency reads it; the office (and administrators) register, assign, take back, send to
repair and retire devices through ``registry.services.device_*``, each effective at once with its ledger entry.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.org.access import access_object, has_role
from sanxiang.registry import selectors, services
from sanxiang.registry.models import Device, DeviceStatus, Officer
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, form_refusal, require, staff_view

PAGE_SIZE = 50


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = list(services.DEVICE_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:
        return None  # the service checks (and says so in Chinese)

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages_ in exc.errors.items():
            for message in messages_:
                self.add_error(key if key in self.fields else None, message)


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label="配发给", queryset=Officer.objects.none())
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, device: Device, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Officer.objects.filter(  # type: ignore[attr-defined]
            agency_id=device.agency_id, revoked_at__isnull=True, suspended_at__isnull=True
        ).order_by("name")


class DeviceReasonForm(forms.Form):
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def may_keep(user: Any, agency: Any) -> bool:
    return agency is not None and has_role(user, agency, services.DEVICE_KEEPERS)


def _device(request: HttpRequest, pk: int) -> Device:
    return access_object(request.user, selectors.staff_devices(request.user), pk)


@staff_view
def device_list(request: HttpRequest, desk: Desk) -> HttpResponse:
    qs = selectors.staff_devices(request.user, desk.agency) if desk.agency else Device.objects.none()
    status = request.GET.get("status", "")
    if status in DeviceStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(asset_number__icontains=q) | qs.filter(officer__name__icontains=q)
    page = Paginator(qs.order_by("asset_number", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/devices/list.html",
        {
            "desk": desk,
            "page": page,
            "status": status,
            "statuses": DeviceStatus.choices,
            "q": q,
            "may_keep": may_keep(request.user, desk.agency),
            "nav_active": "devices",
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def device_register(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = desk.agency
    require(may_keep(request.user, agency), "只有办公室可以登记执法记录仪。")
    assert agency is not None
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.DEVICE_FIELDS}
        try:
            device = services.device_register(actor=request.user, agency=agency, data=data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "已登记执法记录仪。")
            return redirect(reverse("registry:device_detail", args=[device.pk]))
    status = 422 if request.method == "POST" else 200
    return render(
        request, "registry/devices/form.html", {"desk": desk, "form": form, "nav_active": "devices"}, status=status
    )


def _detail(
    request: HttpRequest, desk: Desk, device: Device, errors: list[str] | None = None, **forms_: Any
) -> HttpResponse:
    keep = may_keep(request.user, device.agency)
    context = {
        "desk": desk,
        "device": device,
        "usages": list(selectors.device_usages(device)),
        "may_keep": keep,
        "assign_form": forms_.get("assign_form") or AssignForm(device=device),
        "reason_form": forms_.get("reason_form") or DeviceReasonForm(),
        "errors": errors or [],
        "nav_active": "devices",
    }
    return render(request, "registry/devices/detail.html", context, status=422 if errors else 200)


@staff_view
def device_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    return _detail(request, desk, _device(request, pk))


DEVICE_ACTIONS = {
    "assign": "已配发。",
    "return": "已归还，使用记录已登记。",
    "repair": "已送修。",
    "repaired": "已登记修复，恢复在用。",
    "retire": "已报废。",
}


@staff_view
@require_POST
def device_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    if action not in DEVICE_ACTIONS:
        raise Http404()
    device = _device(request, pk)
    reason_form = DeviceReasonForm(request.POST)
    reason_form.is_valid()
    reason = reason_form.cleaned_data.get("reason", "")
    assign_form = AssignForm(request.POST, device=device)
    try:
        if action == "assign":
            require(may_keep(request.user, device.agency), f"只有{device.agency.name}办公室可以配发执法记录仪。")
            if not assign_form.is_valid():
                raise form_refusal(assign_form)
            services.device_assign(
                actor=request.user,
                device=device,
                officer=assign_form.cleaned_data["officer"],
                note=assign_form.cleaned_data["note"],
            )
        elif action == "return":
            services.device_return(actor=request.user, device=device, note=reason)
        elif action == "repair":
            services.device_repair(actor=request.user, device=device, reason=reason)
        elif action == "repaired":
            services.device_repaired(actor=request.user, device=device, note=reason)
        else:
            services.device_retire(actor=request.user, device=device, reason=reason)
    except (ValidationError, InvalidTransition) as exc:
        device.refresh_from_db()
        return _detail(request, desk, device, error_messages(exc), assign_form=assign_form, reason_form=reason_form)
    messages.success(request, DEVICE_ACTIONS[action])
    return redirect(reverse("registry:device_detail", args=[device.pk]))
