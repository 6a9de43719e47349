"""Taking an action on a case: the action's form (``action_forms.ACTION_FORMS``) parsed, its service called; a
refusal is shown on the case page next to the form that failed, bound to what was sent, and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from sanxiang.cases.actions import Situation
from sanxiang.cases.selectors import access_case
from sanxiang.cases.views.action_forms import ACTION_FORMS
from sanxiang.cases.views.page import case_page
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view


@staff_view
@require_POST
def case_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404()
    row = ACTION_FORMS[action]
    case = access_case(user=request.user, case_id=pk)
    code = request.POST.get("template_code", "")
    try:
        situation = Situation.of(case)
        message = row.run(request.user, case, situation, row.build(case, situation, request.POST, code)) or row.done
    except (ValidationError, InvalidTransition) as exc:
        case = access_case(user=request.user, case_id=pk)
        bound = row.build(case, Situation.of(case), request.POST, code)
        if bound is not None:
            bound.is_valid()  # so the user corrects what was sent rather than retypes it
        return case_page(
            request,
            desk,
            case,
            failed=action,
            errors=error_messages(exc),
            bound=bound,
            target=request.POST.get("target", ""),
        )
    messages.success(request, message)
    return redirect(reverse("cases:case_detail", args=[case.pk]) + row.anchor)
