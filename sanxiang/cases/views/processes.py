"""The process definitions the case workflow enforces, for staff (办案流程): the same charts and text as the portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sanxiang.cases.display import step_rows
from sanxiang.cases.processes import PROCESSES
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view


@require_GET
@staff_view
def processes(request: HttpRequest, desk: Desk) -> HttpResponse:
    """The process definitions the case workflow enforces, drawn as on the portal (same charts, same text)."""
    items = [{"process": p, "rows": step_rows(p)} for p in PROCESSES.values()]
    return render(request, "cases/processes.html", {"desk": desk, "items": items, "nav_active": "processes"})
