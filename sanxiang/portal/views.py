"""The public site (行政执法公示). Every read goes through the published-only selectors of ``registry``.

Views follow four steps: parse the query, look the entry up through a ``public_*`` selector (404 alike for
"missing" and "not published"), shape it for display, render. List pages answer htmx requests with just the results
fragment and work as plain GET forms and links without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_GET

from sanxiang.cases import flowcharts as charts
from sanxiang.cases.display import step_rows
from sanxiang.cases.processes import PROCESSES
from sanxiang.core.qr import qr_png, qr_svg
from sanxiang.ledger.public_proof import record_proof
from sanxiang.org.models import Agency, SubjectCategory
from sanxiang.portal import presentation
from sanxiang.registry.models import DocumentTemplate, EnforcementCategory, Officer
from sanxiang.registry.selectors import (
    PUBLIC_ACTION_SUFFIXES,
    public_agencies,
    public_entries,
    public_list,
    public_officer_by_certificate,
)
from sanxiang.registry.specs import ALL_LISTS

PAGE_SIZE = 20

# Related rows each list's table shows, fetched with the page in one query.
_SELECT_RELATED: dict[str, tuple[str, ...]] = {
    "agencies": ("entrusted_by",),
    "items": ("handling_department",),
}
# Related rows each list's detail page shows, fetched with the entry.
_DETAIL_RELATED: dict[str, tuple[str, ...]] = {
    "agencies": ("entrusted_by",),
    "items": ("handling_department",),
    "officers": ("department",),
}


def _lists() -> list[dict[str, str]]:
    return [
        {"key": key, "title": spec.title, "url": reverse("portal:list", args=[key])} for key, spec in ALL_LISTS.items()
    ]


def _enforcement_agencies() -> Any:
    return public_agencies().filter(is_enforcement_body=True).only("pk", "name", "short_name")


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _is_fragment_request(request: HttpRequest) -> bool:
    # A history restore after a cache miss asks for the whole page.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    lists = _lists()
    for entry in lists:
        qs = public_list(entry["key"])
        if entry["key"] == "agencies":
            qs = qs.filter(is_enforcement_body=True)
        entry["count"] = qs.count()  # type: ignore[assignment]
        entry["description"] = presentation.LIST_DESCRIPTIONS[entry["key"]]
    return render(
        request,
        "portal/home.html",
        {"lists": lists, "agencies": list(_enforcement_agencies()), "nav": "home"},
    )


# Lists whose category filter is a column other than ``category``.
_CATEGORY_FIELDS = {"recording-rules": "requirement", "recording-places": "kind"}


def _filtered(list_key: str, *, q: str, agency_id: int | None, category: str) -> QuerySet[Any]:
    """The published entries of a list that match the visitor's search and filters."""
    qs: QuerySet[Any]
    if list_key == "agencies":
        qs = public_list(list_key, q=q).filter(is_enforcement_body=True)
        if category in SubjectCategory.values:
            qs = qs.filter(subject_category=category)
    elif list_key == "officers":
        qs = public_list(list_key, q=q, agency_id=agency_id)
        if category in EnforcementCategory.values:
            # Categories are a JSON list of ASCII codes; a quoted code matches the same way on SQLite and PostgreSQL.
            qs = qs.filter(categories__icontains=f'"{category}"')
    elif list_key in _CATEGORY_FIELDS:
        # The list's own filter column (记录要求, 场所类别); the choices are checked by ``entry_list``.
        qs = public_list(list_key, q=q, agency_id=agency_id)
        if category:
            qs = qs.filter(**{_CATEGORY_FIELDS[list_key]: category})
    else:
        qs = public_list(list_key, q=q, agency_id=agency_id, category=category)
    if list_key in _SELECT_RELATED:
        qs = qs.select_related(*_SELECT_RELATED[list_key])
    return qs


@require_GET
def entry_list(request: HttpRequest, list_key: str) -> HttpResponse:
    spec = ALL_LISTS[list_key]
    q = request.GET.get("q", "").strip()[:100]
    agency_id = _int_or_none(request.GET.get("agency")) if list_key != "agencies" else None
    category_filter = presentation.CATEGORY_FILTERS.get(list_key)
    category = request.GET.get("category", "")
    if category_filter is None or category not in dict(category_filter[1]):
        category = ""

    qs = _filtered(list_key, q=q, agency_id=agency_id, category=category)

    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "list_key": list_key,
        "spec": spec,
        "title": spec.title,
        "columns": presentation.COLUMNS[list_key],
        "rows": presentation.table_rows(list_key, page.object_list),
        "page": page,
        "q": q,
        "agency_id": agency_id,
        "category": category,
        "category_filter": category_filter,
        "filtered": bool(q or agency_id or category),
        "nav": list_key,
    }
    if _is_fragment_request(request):
        response = render(request, "portal/_results.html", context)
    else:
        context["agencies"] = list(_enforcement_agencies()) if list_key != "agencies" else []
        context["lists"] = _lists()
        context["description"] = presentation.LIST_DESCRIPTIONS[list_key]
        response = render(request, "portal/list.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_GET
def entry_detail(request: HttpRequest, list_key: str, pk: int) -> HttpResponse:
    spec = ALL_LISTS[list_key]
    qs = public_entries(spec)
    if list_key in _DETAIL_RELATED:  # select_related() without names would follow every foreign key
        qs = qs.select_related(*_DETAIL_RELATED[list_key])
    obj = get_object_or_404(qs, pk=pk)
    context: dict[str, Any] = {
        "list_key": list_key,
        "spec": spec,
        "obj": obj,
        "title": str(obj.name),
        "history": presentation.history_rows(obj),
        "nav": list_key,
        "list_url": reverse("portal:list", args=[list_key]),
        # "Verify this record": the published version (a change under review is not public), once a checkpoint is signed.
        "ledger_proof": record_proof(obj, public_actions=PUBLIC_ACTION_SUFFIXES),
    }
    if list_key == "items":
        context["legal_basis"] = obj.legal_basis if isinstance(obj.legal_basis, list) else []
        context["bands"] = presentation.benchmark_bands(obj.discretion_benchmark)
        context["is_licence"] = obj.category == EnforcementCategory.LICENCE
        # Only a published power of a visible agency is linked.
        context["power"] = public_entries(ALL_LISTS["powers"]).filter(pk=obj.power_id).first() if obj.power_id else None
    elif list_key == "officers":
        context["state"] = obj.certificate_state()
        context["state_badge"] = presentation.state_badge(context["state"])
        context["categories"] = presentation.category_labels(obj.categories)
        context["verify_url"] = presentation.certificate_url(obj)
    elif list_key == "agencies":
        context["lists"] = [entry for entry in _lists() if entry["key"] != "agencies"]
        entrusting = obj.entrusted_by
        context["entrusting"] = (
            entrusting if entrusting is not None and public_agencies().filter(pk=entrusting.pk).exists() else None
        )
        context["entrusted_agencies"] = list(public_agencies().filter(entrusted_by=obj))
    return render(request, f"portal/detail/{list_key.replace('-', '_')}.html", context)


def _file_response(field: Any, filename: str, content_type: str) -> FileResponse:
    if not field:
        raise Http404("文件不存在。")
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("文件不存在。") from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@require_GET
def template_download(request: HttpRequest, pk: int) -> FileResponse:
    """A published document template's .docx; drafts and withdrawn templates are not served."""
    template = get_object_or_404(public_entries(ALL_LISTS["templates"]), pk=pk)
    assert isinstance(template, DocumentTemplate)
    return _file_response(
        template.file,
        f"{template.code}-{template.name}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@require_GET
def agency_agreement(request: HttpRequest, pk: int) -> FileResponse:
    """The entrustment agreement of a publicly visible entrusted body (plan 二(一)3(4))."""
    agency = get_object_or_404(public_agencies().filter(subject_category=SubjectCategory.ENTRUSTED), pk=pk)
    assert isinstance(agency, Agency)
    name = agency.entrustment_agreement.name or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "pdf"
    return _file_response(agency.entrustment_agreement, f"{agency.name}-委托执法协议.{suffix}", "")


# --- certificates (事中: show your certificate) ---------------------------------------------------------------------


def _officer_or_404(request: HttpRequest, number: str) -> Officer | HttpResponse:
    officer = public_officer_by_certificate(number)
    if officer is None:
        return render(request, "portal/certificate_not_found.html", {"number": number}, status=404)
    return officer


def certificate_public_url(officer: Officer) -> str:
    """The address printed into the QR code: the deployment's public base URL plus the stable verification path."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + presentation.certificate_url(officer)


@require_GET
def certificate_verify(request: HttpRequest, number: str) -> HttpResponse:
    found = _officer_or_404(request, number)
    if isinstance(found, HttpResponse):
        return found
    state = found.certificate_state()
    response = render(
        request,
        "portal/certificate_verify.html",
        {
            "officer": found,
            "state": state,
            "valid": state == state.VALID,
            "state_badge": presentation.state_badge(state),
            "categories": presentation.category_labels(found.categories),
            "nav": "officers",
        },
    )
    # The state is computed at request time (expiry, suspension): never serve a stale copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@require_GET
def certificate_qr_page(request: HttpRequest, number: str) -> HttpResponse:
    found = _officer_or_404(request, number)
    if isinstance(found, HttpResponse):
        return found
    return render(
        request,
        "portal/certificate_qr.html",
        {"officer": found, "public_url": certificate_public_url(found), "nav": "officers"},
    )


@require_GET
def certificate_qr_image(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    found = _officer_or_404(request, number)
    if isinstance(found, HttpResponse):
        return found
    url = certificate_public_url(found)
    if fmt == "svg":
        body, content_type = qr_svg(url, title=f"{found.name} 执法证核验二维码"), "image/svg+xml"
    else:
        body, content_type = qr_png(url), "image/png"
    response = HttpResponse(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'inline; filename="certificate-qr.{fmt}"'
    return response


# --- flowcharts (公示流程图, plan 二(一)3(6)): drawn from the process definitions the case workflow enforces ----------

FLOWCHART_MAX_AGE = 24 * 60 * 60  # a definition changes only with a deployment; the ETag revalidates after that


@require_GET
def flowcharts(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/flowcharts.html", {"nav": "flowcharts", "processes": list(PROCESSES.values())})


@require_GET
def flowchart_detail(request: HttpRequest, key: str) -> HttpResponse:
    process = PROCESSES[key]  # the URL converter only matches defined keys
    return render(
        request,
        "portal/flowchart_detail.html",
        {"nav": "flowcharts", "process": process, "rows": step_rows(process)},
    )


@require_GET
def flowchart_svg(request: HttpRequest, key: str) -> HttpResponse:
    """The chart as ``image/svg+xml``: drawn once per definition, then served from memory; revalidated by ETag."""
    process = PROCESSES[key]
    tag = quote_etag(charts.cache_key(process))
    response: HttpResponse
    if tag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        try:
            svg = charts.flowchart_svg(process)
        except charts.GraphvizMissing as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response.headers["ETag"] = tag
    patch_cache_control(response, public=True, max_age=FLOWCHART_MAX_AGE)
    response.headers["Content-Disposition"] = f'inline; filename="{key}.svg"'
    return response
