"""Staff pages for the target pool (检查对象名录库) and the conflict list (利害关系回避名单), /staff/inspections/pool/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.inspections import services
from sanxiang.inspections.models import Conflict, RiskClass, Target
from sanxiang.inspections.pool import targets_export, targets_import
from sanxiang.org.access import access_object, has_role, visible_to
from sanxiang.org.models import Agency
from sanxiang.registry.models import Officer
from sanxiang.staff.desk import Desk
from sanxiang.staff.forms import ImportForm
from sanxiang.staff.frame import error_messages, form_data, staff_view

NAV = "inspections"
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IN_POOL = {"1": "在库", "0": "已移出"}


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise DjangoPermissionDenied("请先选择执法主体。")
    return desk.agency


def _targets(request: HttpRequest, agency: Agency) -> QuerySet[Target]:
    return visible_to(request.user, Target.objects.filter(agency=agency))


# --- forms ------------------------------------------------------------------------------------------------------------


class TargetForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    name = forms.CharField(label="名称", max_length=200)
    legal_representative = forms.CharField(label="法定代表人", max_length=50, required=False)
    address = forms.CharField(label="地址", max_length=300)
    region = forms.CharField(label="行政区划代码", max_length=6, help_text="六位数字，如 211103")
    sector = forms.CharField(label="行业", max_length=100)
    risk = forms.ChoiceField(label="风险分类", choices=RiskClass.choices)


class RemoveForm(forms.Form):
    reason = forms.CharField(label="移出原因", widget=forms.Textarea(attrs={"rows": 2}), help_text="如：注销、迁出")


class PoolImportForm(ImportForm):
    confirm = forms.BooleanField(
        label="确认导入", required=False, help_text="不勾选时只预览；勾选后，预览无误即写入名录库。"
    )


class ConflictForm(forms.Form):
    officer = forms.ModelChoiceField(label="执法人员", queryset=Officer.objects.none(), empty_label="请选择")
    uscc = forms.CharField(label="检查对象统一社会信用代码", max_length=18)
    reason = forms.CharField(label="回避事由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Officer.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED).order_by("name")
        field.error_messages["invalid_choice"] = "请选择本机构的执法人员。"

    def clean_uscc(self) -> Target:
        uscc = self.cleaned_data["uscc"].strip().upper()
        target = Target.objects.filter(agency=self.agency, uscc=uscc).first()
        if target is None:
            raise forms.ValidationError(f"本机构检查对象名录库中没有统一社会信用代码为“{uscc}”的对象。")
        return target


def _chinese_required(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        field.error_messages["required"] = f"须填写{field.label}。"
    return form


# --- pool ---------------------------------------------------------------------------------------------------------


@staff_view
@require_GET
def pool(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    all_targets = _targets(request, agency)
    qs = all_targets
    q = request.GET.get("q", "").strip()
    risk = request.GET.get("risk", "")
    region = request.GET.get("region", "").strip()
    sector = request.GET.get("sector", "")
    active = request.GET.get("active", "1")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    if risk in RiskClass.values:
        qs = qs.filter(risk=risk)
    if region:
        qs = qs.filter(region__startswith=region.rstrip("0") or region)
    if sector:
        qs = qs.filter(sector=sector)
    if active in IN_POOL:
        qs = qs.filter(active=active == "1")
    by_risk = dict(all_targets.filter(active=True).values_list("risk").annotate(n=Count("pk")).order_by())
    page = Paginator(qs.order_by("uscc"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "desk": desk,
        "nav_active": NAV,
        "page": page,
        "q": q,
        "risk": risk,
        "region": region,
        "sector": sector,
        "active": active,
        "query": query.urlencode(),
        "risks": RiskClass.choices,
        "in_pool": IN_POOL,
        "sectors": all_targets.order_by("sector").values_list("sector", flat=True).distinct(),
        "risk_counts": [(value, label, by_risk.get(value, 0)) for value, label in RiskClass.choices],
        "total_in_pool": sum(by_risk.values()),
        "may_keep": has_role(request.user, agency, services.POOL_KEEPERS),
    }
    return render(request, "inspections/pool/list.html", context)


def _save(request: HttpRequest, desk: Desk, target: Target | None) -> HttpResponse:
    agency = _agency(desk)
    initial = {name: getattr(target, name) for name in services.TARGET_FIELDS} if target else None
    form = _chinese_required(TargetForm(request.POST or None, initial=initial))
    if target is not None:
        form.fields["uscc"].disabled = True
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            data = form_data(form)
            saved, changed = services.target_save(actor=request.user, agency=agency, data=data)
        except ValidationError as exc:
            errors, status = error_messages(exc), 400
        else:
            messages.success(request, f"已保存{saved.name}。" if changed else "没有修改。")
            return redirect(reverse("inspections:pool-target", args=[saved.pk]))
    context = {
        "desk": desk,
        "nav_active": NAV,
        "form": form,
        "errors": errors,
        "target": target,
        "remove_form": _chinese_required(RemoveForm()),
        "may_keep": has_role(request.user, agency, services.POOL_KEEPERS),
        "conflicts": Conflict.objects.filter(target=target).select_related("officer") if target else [],
    }
    return render(request, "inspections/pool/target.html", context, status=status)


@staff_view
def target_add(request: HttpRequest, desk: Desk) -> HttpResponse:
    return _save(request, desk, None)


@staff_view
def target(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = access_object(request.user, Target.objects.filter(agency=_agency(desk)), pk)
    return _save(request, desk, obj)


@staff_view
def target_remove(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = access_object(request.user, Target.objects.filter(agency=_agency(desk)), pk)
    if request.method != "POST":
        return redirect(reverse("inspections:pool-target", args=[obj.pk]))
    form = _chinese_required(RemoveForm(request.POST))
    try:
        services.target_remove(actor=request.user, target=obj, reason=form_data(form)["reason"])
    except (ValidationError, InvalidTransition) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"已将{obj.name}移出名录库。")
    return redirect(reverse("inspections:pool-target", args=[obj.pk]))


# --- import / export ----------------------------------------------------------------------------------------------


@staff_view
def pool_import(request: HttpRequest, desk: Desk) -> HttpResponse:
    """Upload → dry run (all row errors, or the counts); with 确认导入 ticked, the real import (all or nothing)."""
    agency = _agency(desk)
    if not has_role(request.user, agency, services.POOL_KEEPERS):
        raise DjangoPermissionDenied("只有本机构的执法人员、科室负责人或办公室可以导入检查对象名录库。")
    form = PoolImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"desk": desk, "nav_active": NAV, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # The real import is all-or-nothing itself: with 确认导入 it writes only when every row is good, and
            # otherwise reports the same errors as the preview (so a large file is read once, not twice).
            confirm = bool(form.cleaned_data["confirm"])
            result = targets_import(actor=request.user, agency=agency, file=upload, dry_run=not confirm)
            if result.written:
                messages.success(request, result.summary())
                return redirect(reverse("inspections:pool"))
            context.update(result=result, file_name=upload.name)
            status = 200 if result.ok else 400
        else:
            status = 400
    return render(request, "inspections/pool/import.html", context, status=status)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@staff_view
@require_GET
def pool_export(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    if not visible_to(request.user, Agency.objects.filter(pk=agency.pk), agency_field="").exists():
        raise DjangoPermissionDenied("您不能查看该机构的检查对象名录库。")
    return _xlsx(targets_export(agency), "targets.xlsx")


@staff_view
@require_GET
def pool_template(request: HttpRequest, desk: Desk) -> HttpResponse:
    return _xlsx(targets_export(None), "targets-template.xlsx")


# --- conflicts ----------------------------------------------------------------------------------------------------


@staff_view
def conflicts(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    form = _chinese_required(ConflictForm(request.POST or None, agency=agency))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            data = form_data(form)
            services.conflict_add(
                actor=request.user, officer=data["officer"], target=data["uscc"], reason=data["reason"]
            )
        except ValidationError as exc:
            errors, status = error_messages(exc), 400
        else:
            messages.success(request, f"已登记{data['officer'].name}对{data['uscc'].name}的回避情形。")
            return redirect(reverse("inspections:conflicts"))
    rows = visible_to(request.user, Conflict.objects.filter(agency=agency)).select_related("officer", "target")
    context = {
        "desk": desk,
        "nav_active": NAV,
        "form": form,
        "errors": errors,
        "rows": rows.order_by("-recorded_at"),
        "may_add": has_role(request.user, agency, services.PLANNERS),
    }
    return render(request, "inspections/pool/conflicts.html", context, status=status)
