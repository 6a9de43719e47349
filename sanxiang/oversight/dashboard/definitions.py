"""The definitions the dashboard's figures are counted by, shared by the monthly summary (which computes them) and
the charts (which read them). docs/dashboards.md states each figure's definition; the definitions are the owning
apps' own:

* opened / decided / closed and fines — ``oversight.annual`` (``decision_moment``: the first decision document for
  penalties and coercion, the licence's 决定 → 送达、颁证 entry, the end of an inspection);
* the 90-day decision limit — ``cases.deadlines`` (``case_decision``: calendar days from the local day of opening,
  plus approved extensions, met when decided on or before the due day);
* service of the decision — ``cases.deadlines`` (``decision_service``: 7 working days from the decision's issue to
  its first service, through the working-day calendar);
* publication — ``disclosure`` (``PublicationTask.due_on`` against ``Publication.published_on``), as the annual
  statistics count it;
* legal review — ``review`` (``LegalReview.overdue``, set by the review app when it decides);
* complaint replies — ``complaints`` (``Complaint.due_on`` against the local day of ``replied_at``; refused ones
  left out);
* recordings where required and case-file scores — ``oversight.evaluation`` (the current ``CaseEvaluation`` of each
  closed case, its ``recordings`` point);
* certificate expiries — ``registry.Officer.valid_until``;
* random-inspection coverage — ``inspections`` (the plan's quotas, ``draw.quota``, against ``DrawnTarget``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case as Choose
from django.db.models import CharField, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from sanxiang.cases import deadlines
from sanxiang.cases.models import DeadlineExtension
from sanxiang.cases.processes import PROCESSES, Kind
from sanxiang.oversight.models import EvaluationChecklist

RECORDING_POINT = "recordings"  # the case-file evaluation's point (oversight.evaluation.CHECKS)
DECISION_PROCESS = "penalty-general"  # the process with the 90-day decision limit and the 7-day service limit


def kind_of(process_key: str) -> Kind | None:
    process = PROCESSES.get(process_key)
    return process.kind if process else None


def limit_days(key: str) -> int:
    """The configured days of the general-procedure penalty's time limit ``key`` (``case_decision``, ``decision_service``)."""
    process = PROCESSES[DECISION_PROCESS]
    rule = next(s.deadline for s in process.steps if s.deadline and s.deadline.key == key)
    return deadlines.configured_days(rule)


def extension_days(case_ref: str) -> Any:
    """Approved extensions of the case's decision limit (days, summed; 0 without), for the case at ``case_ref``."""
    return Coalesce(
        Subquery(
            DeadlineExtension.objects.filter(case_id=OuterRef(case_ref), deadline_key="case_decision")
            .order_by()
            .values("case_id")
            .annotate(total=Sum("days"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def recording_result() -> Any:
    """The ``recordings`` point's result of an evaluation as one SQL expression: the point's position in
    ``points`` is its position in the evaluation's checklist version (``evaluation.run_checks`` keeps the order), so
    each checklist version (a handful of configuration rows) gives one ``points -> i -> result`` lookup — a single
    JSON access per row instead of unnesting every point."""
    whens = []
    for pk, points in EvaluationChecklist.objects.values_list("pk", "points"):
        keys = [p.get("key") if isinstance(p, dict) else None for p in points or []]
        if RECORDING_POINT in keys:
            whens.append(When(checklist_id=pk, then=KT(f"points__{keys.index(RECORDING_POINT)}__result")))
    if not whens:
        return Value("")
    return Choose(*whens, default=Value(""), output_field=CharField())
