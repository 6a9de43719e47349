"""The legal review's section of the staff case page (registered with ``cases.panels`` in ``ReviewConfig.ready``)."""

from __future__ import annotations

from typing import Any

from sanxiang.cases.models import Case
from sanxiang.cases.processes import Kind, Process
from sanxiang.review.catalogue import assess
from sanxiang.review.gates import passed_review
from sanxiang.review.models import CollectiveDiscussion, LegalReview


def legal_review_panel(case: Case, process: Process) -> dict[str, Any] | None:
    """The legal review of a penalty case: whether its proposal is major (and why), and its review rounds."""
    if process.kind != Kind.PENALTY or case.amount_proposed is None:
        return None
    assessment = assess(case)
    return {
        "assessment": assessment,
        "passed": passed_review(case, assessment.digest) is not None,
        "reviews": list(LegalReview.objects.filter(case=case).order_by("round")),
        "collectives": list(CollectiveDiscussion.objects.filter(case=case).order_by("held_at")),
    }
