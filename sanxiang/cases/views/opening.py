"""Opening a case (立案): the opening form with its parties and persons, and the service's errors put on
the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sanxiang.cases import forms as cf
from sanxiang.cases import services as case_services
from sanxiang.cases.rules import require_opener
from sanxiang.core.errors import ValidationError
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view

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
        require_opener(request.user, agency)
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
