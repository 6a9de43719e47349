"""Random inspections on the portal (双随机、一公开): published plans, each draw's commitment and, once drawn, its seed,
observer value, snapshots, selection and results."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sanxiang.inspections import draw as drawing
from sanxiang.inspections import selectors
from sanxiang.inspections.models import DrawState
from sanxiang.inspections.services import draw_document
from sanxiang.org.models import Agency


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def draw_list(request: HttpRequest) -> HttpResponse:
    agency, year = _int(request.GET.get("agency")), _int(request.GET.get("year"))
    plans = list(selectors.public_plans(agency=agency, year=year)[:50])
    draws = list(selectors.public_draws(agency=agency, year=year)[:50])
    agencies = Agency.objects.filter(pk__in=selectors.public_plans().values("agency_id")).order_by("name")
    years = sorted(set(selectors.public_plans().values_list("year", flat=True)), reverse=True)
    return render(
        request,
        "portal/inspections/list.html",
        {
            "nav": "inspections",
            "plans": plans,
            "draws": draws,
            "agencies": agencies,
            "years": years,
            "agency": agency,
            "year": year,
        },
    )


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.public_plan(pk)
    if plan is None:
        raise Http404("抽查计划不存在或尚未公布。")
    draws = selectors.public_draws().filter(plan=plan)
    return render(request, "portal/inspections/plan.html", {"nav": "inspections", "plan": plan, "draws": draws})


@require_GET
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.public_draw(pk)
    if draw is None:
        raise Http404("随机抽取记录不存在。")
    context = {
        "nav": "inspections",
        "draw": draw,
        "drawn": draw.state == DrawState.DRAWN,
        "cancelled": draw.state == DrawState.CANCELLED,
        "selection": selectors.drawn_targets(draw) if draw.state == DrawState.DRAWN else [],
    }
    return render(request, "portal/inspections/draw.html", context)


@require_GET
def draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.public_draw(pk)
    if draw is None:
        raise Http404("随机抽取记录不存在。")
    response = HttpResponse(drawing.canonical_json(draw_document(draw)), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


@require_GET
def draw_script(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.public_draw(pk) is None:
        raise Http404("随机抽取记录不存在。")
    path = settings.BASE_DIR.parent / "docs" / "draw_verify.py"
    try:
        data = path.read_bytes()
    except OSError:
        raise Http404("核验脚本不可用。") from None
    response = HttpResponse(data, content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="draw_verify.py"'
    return response
