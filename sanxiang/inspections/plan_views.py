"""Staff pages for sampling plans and their draws (/staff/inspections/)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.inspections import services
from sanxiang.inspections.models import Draw, DrawState, PlanState, SamplingPlan
from sanxiang.org.access import access_object, has_role, visible_to
from sanxiang.org.models import Agency
from sanxiang.registry.models import EnforcementCategory, EnforcementItem, InspectionItem, Officer
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view

NAV = "inspections"
RISKS = ("A", "B", "C", "D")


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise DjangoPermissionDenied("请先选择执法主体。")
    return desk.agency


def _plans(request: HttpRequest, agency: Agency) -> Any:
    return visible_to(request.user, SamplingPlan.objects.filter(agency=agency))


def _class_label(quota: dict[str, Any]) -> str:
    if "count" in quota:
        return f"{quota['risk']}类：{quota['count']}户"
    try:
        pct = float(quota.get("ratio", 0)) * 100
    except (TypeError, ValueError):
        return f"{quota['risk']}类：{quota.get('ratio')}"
    return f"{quota['risk']}类：{pct:g}%"


@staff_view
@require_GET
def home(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    plans = list(_plans(request, agency).order_by("-year", "code"))
    draws: dict[int, list[Draw]] = {}
    for d in Draw.objects.filter(plan__in=plans).order_by("-number"):
        draws.setdefault(d.plan_id, []).append(d)
    rows = [(p, len(draws.get(p.pk, [])), next(iter(draws.get(p.pk, [])), None)) for p in plans]
    context = {
        "desk": desk,
        "nav_active": NAV,
        "rows": rows,
        "may_plan": has_role(request.user, agency, services.PLANNERS),
    }
    return render(request, "inspections/home.html", context)


def _plan_form_context(agency: Agency, post: Any) -> dict[str, Any]:
    items = InspectionItem.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED).order_by("name")
    case_items = EnforcementItem.objects.filter(
        agency=agency, category=EnforcementCategory.INSPECTION, status=PublicationStatus.PUBLISHED
    ).order_by("name")
    values = {
        "code": "",
        "title": "",
        "year": str(timezone.localdate().year),
        "regions": "",
        "sectors": "",
        "inspectors_per_target": "2",
        "frequency": "",
        "case_item": "",
    }
    chosen: list[str] = []
    quotas = {r: {"kind": "", "value": ""} for r in RISKS}
    if post is not None:
        for name in values:
            values[name] = post.get(name, "").strip()
        chosen = post.getlist("items")
        for r in RISKS:
            quotas[r] = {"kind": post.get(f"kind_{r}", ""), "value": post.get(f"value_{r}", "").strip()}
    return {
        "items": items,
        "case_items": case_items,
        "values": values,
        "chosen": chosen,
        "quotas": [(r, quotas[r]) for r in RISKS],
    }


def _plan_data(post: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    classes: list[dict[str, Any]] = []
    for r in RISKS:
        kind = post.get(f"kind_{r}", "")
        value = post.get(f"value_{r}", "").strip()
        if kind == "count":
            if not value.isdecimal() or int(value) < 1:
                errors.setdefault("classes", []).append(f"{r}类的抽查户数应为正整数。")
            else:
                classes.append({"risk": r, "count": int(value)})
        elif kind == "ratio":
            try:
                ok = 0 < float(value) <= 1
            except ValueError:
                ok = False
            if not ok:
                errors.setdefault("classes", []).append(f"{r}类的抽查比例应为0到1之间的小数，如 0.05。")
            else:
                classes.append({"risk": r, "ratio": value})
    data = {
        name: post.get(name, "")
        for name in ("code", "title", "year", "case_item", "regions", "sectors", "inspectors_per_target", "frequency")
    }
    data["items"] = post.getlist("items")
    data["classes"] = classes
    return data, errors


@staff_view
def plan_new(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    if not has_role(request.user, agency, services.PLANNERS):
        raise DjangoPermissionDenied("只有科室负责人或局领导可以制定抽查计划。")
    post = request.POST if request.method == "POST" else None
    field_errors: dict[str, list[str]] = {}
    status = 200
    if post is not None:
        data, field_errors = _plan_data(post)
        if not field_errors:
            try:
                plan = services.plan_create(actor=request.user, agency=agency, data=data)
            except ValidationError as exc:
                field_errors = {k: list(v) for k, v in exc.errors.items()}
            else:
                messages.success(request, f"已创建抽查计划{plan.code}。")
                return redirect(reverse("inspections:plan", args=[plan.pk]))
        status = 400
    context = {
        "desk": desk,
        "nav_active": NAV,
        "field_errors": field_errors,
        "errors": [m for msgs in field_errors.values() for m in msgs],
        **_plan_form_context(agency, post),
    }
    return render(request, "inspections/plan_form.html", context, status=status)


@staff_view
@require_GET
def plan(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    agency = _agency(desk)
    obj = access_object(request.user, SamplingPlan.objects.filter(agency=agency), pk)
    context = {
        "desk": desk,
        "nav_active": NAV,
        "plan": obj,
        "items": obj.items.order_by("name"),
        "classes": [_class_label(c) for c in obj.classes],
        "draws": obj.draws.order_by("-number"),
        "may_plan": has_role(request.user, agency, services.PLANNERS),
        "may_draw": has_role(request.user, agency, services.DRAWERS) and obj.state == PlanState.PUBLISHED,
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "inspections/plan.html", context)


@staff_view
@require_POST
def plan_publish(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = access_object(request.user, SamplingPlan.objects.filter(agency=_agency(desk)), pk)
    try:
        services.plan_publish(actor=request.user, plan=obj)
    except (ValidationError, InvalidTransition) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"已公布抽查计划{obj.code}。")
    return redirect(reverse("inspections:plan", args=[obj.pk]))


class CommitForm(forms.Form):
    draw_on = forms.DateField(
        label="抽取日期", error_messages={"required": "须填写抽取日期。", "invalid": "抽取日期格式应为 2026-01-31。"}
    )


@staff_view
@require_POST
def draw_commit(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = access_object(request.user, SamplingPlan.objects.filter(agency=_agency(desk)), pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        for msgs in form.errors.values():
            for m in msgs:
                messages.error(request, str(m))
        return redirect(reverse("inspections:plan", args=[obj.pk]))
    try:
        draw = services.draw_commit(actor=request.user, plan=obj, draw_on=form.cleaned_data["draw_on"])
    except (ValidationError, InvalidTransition) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect(reverse("inspections:plan", args=[obj.pk]))
    messages.success(request, f"已公布第{draw.number}批抽取承诺。")
    return redirect(reverse("inspections:draw", args=[draw.pk]))


def _draw(request: HttpRequest, desk: Desk, pk: int) -> Draw:
    return access_object(request.user, Draw.objects.filter(agency=_agency(desk)).select_related("plan"), pk)


def _selection(draw: Draw) -> list[dict[str, Any]]:
    drawn = list(draw.drawn.select_related("target", "case").order_by("position"))
    certs = {c for d in drawn for c in d.inspectors}
    officers = {o.certificate_number: o for o in Officer.objects.filter(certificate_number__in=certs)}
    rows = []
    for d in drawn:
        rows.append(
            {
                "drawn": d,
                "inspectors": [(officers[c].name if c in officers else "", c) for c in d.inspectors],
                "case_url": reverse("cases:case_detail", args=[d.case_id]) if d.case_id else "",
            }
        )
    return rows


@staff_view
def draw(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    agency = _agency(desk)
    obj = _draw(request, desk, pk)
    field_errors: dict[str, list[str]] = {}
    status = 200
    values = {"observer_name": "", "observer_value": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            services.draw_perform(
                actor=request.user,
                draw=obj,
                observer_name=values["observer_name"],
                observer_value=values["observer_value"],
            )
        except (ValidationError, InvalidTransition) as exc:
            if isinstance(exc, ValidationError):
                field_errors = {k: list(v) for k, v in exc.errors.items()}
            else:
                field_errors = {"__all__": [exc.message]}
            status = 400
        else:
            messages.success(request, "抽取完成，已为抽中的检查对象开立检查案件。")
            return redirect(reverse("inspections:draw", args=[obj.pk]))
    drawn = obj.state == DrawState.DRAWN
    context = {
        "desk": desk,
        "nav_active": NAV,
        "draw": obj,
        "plan": obj.plan,
        "values": values,
        "field_errors": field_errors,
        "errors": [m for msgs in field_errors.values() for m in msgs],
        "may_perform": obj.state == DrawState.COMMITTED
        and obj.draw_on == timezone.localdate()
        and has_role(request.user, agency, services.DRAWERS),
        "may_cancel": obj.state == DrawState.COMMITTED and has_role(request.user, agency, services.PLANNERS),
        "drawn": drawn,
        "rows": _selection(obj) if drawn else [],
        "verification": services.draw_verify(obj) if drawn and request.GET.get("verify") else None,
    }
    return render(request, "inspections/draw.html", context, status=status)


@staff_view
@require_POST
def draw_cancel(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = _draw(request, desk, pk)
    try:
        services.draw_cancel(actor=request.user, draw=obj, reason=request.POST.get("reason", ""))
    except (ValidationError, InvalidTransition) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, "已作废该次抽取承诺。")
    return redirect(reverse("inspections:draw", args=[obj.pk]))


@staff_view
@require_GET
def draw_json(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    obj = _draw(request, desk, pk)
    body = json.dumps(services.draw_document(obj), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{obj.plan.code}-{obj.number}.json"'
    return response
