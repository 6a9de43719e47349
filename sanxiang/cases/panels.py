"""Sections that apps above the cases add to the staff case page (the legal review's, for instance), so the case
page shows them without importing those apps: each registers a function at start-up (its ``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sanxiang.cases.models import Case
from sanxiang.cases.processes import Process

CasePanel = Callable[[Case, Process], "dict[str, Any] | None"]
_panels: dict[str, CasePanel] = {}


def register_case_panel(name: str, panel: CasePanel) -> None:
    """``panel(case, process)`` gives the context of the page's section ``name`` (``None``: the section is not
    shown for this case). The case page's template names the sections it has a place for."""
    _panels[name] = panel


def case_panels(case: Case, process: Process) -> dict[str, dict[str, Any] | None]:
    return {name: panel(case, process) for name, panel in _panels.items()}
