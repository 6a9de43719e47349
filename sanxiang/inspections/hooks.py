"""How the inspections app hears of closed inspection cases, tells the ledger which of its subjects are public, and
which of its changes are pushed to other platforms (topic ``inspection``, docs/exchange.md)."""

from __future__ import annotations

from typing import Any

# Published plans, every draw (its seed column stays empty until the draw) and every drawn target are public; the
# target pool, the conflict list and the bureau's seed before the draw are not.
PUBLIC_MODELS = ("inspections.draw", "inspections.drawntarget")

# The ledger actions pushed under the topic ``inspection``. ``plan.create`` (a draft), ``draw.seed`` (the
# ``DrawSecret``) and the pool's and conflict list's actions are not topics: nothing of them is public.
PUSHED_ACTIONS = ("plan.publish", "draw.commit", "draw.perform", "draw.cancel", "draw.result")
TOPIC = "inspection"


def is_public(subject_type: str, subject_id: str) -> bool:
    if not subject_id.isdigit():
        return False
    if subject_type in PUBLIC_MODELS:
        return True
    if subject_type == "inspections.samplingplan":
        from sanxiang.inspections.models import PlanState, SamplingPlan

        return SamplingPlan.objects.filter(pk=int(subject_id)).exclude(state=PlanState.DRAFT).exists()
    return False


def inspection_payload(entry: Any, subject: Any) -> dict[str, Any] | None:
    """What receivers get of a plan, a draw or a drawn target: the row exactly as the ledger entry hashed it, and the
    portal page that shows it (a drawn target's is its draw's page).

    A draft plan gives nothing; a draw's ``bureau_seed`` column is empty until the draw (the seed itself lives in
    ``DrawSecret``, which is never a subject of a pushed action), so a commitment's record carries only its hash.
    """
    from django.conf import settings
    from django.urls import reverse

    from sanxiang.inspections.models import Draw, DrawnTarget, DrawState, PlanState, SamplingPlan

    if isinstance(subject, SamplingPlan):
        if subject.state == PlanState.DRAFT:
            return None
        kind, path = "plan", reverse("portal:inspection-plan", args=[subject.pk])
    elif isinstance(subject, Draw):
        if subject.state == DrawState.COMMITTED and entry.state.get("bureau_seed"):
            # Never the case (the column is filled by the draw or the cancellation): refuse rather than leak.
            raise RuntimeError(f"draw {subject.pk} has a bureau seed before it was drawn")
        kind, path = "draw", reverse("portal:inspection-draw", args=[subject.pk])
    elif isinstance(subject, DrawnTarget):
        kind, path = "drawn_target", reverse("portal:inspection-draw", args=[subject.draw_id])
    else:
        return None
    return {"kind": kind, "id": subject.pk, "url": settings.PUBLIC_BASE_URL + path, "record": entry.state}


def inspection_agency(subject: Any) -> int | None:
    """Whose information it is: a plan's or a draw's agency; a drawn target's is its draw's."""
    from sanxiang.inspections.models import DrawnTarget

    if isinstance(subject, DrawnTarget):
        from sanxiang.inspections.models import Draw

        agency_id = Draw.objects.filter(pk=subject.draw_id).values_list("agency_id", flat=True).first()
        return int(agency_id) if agency_id is not None else None
    agency_id = getattr(subject, "agency_id", None)
    return int(agency_id) if agency_id is not None else None


def connect() -> None:
    from sanxiang.cases.workflow import register_case_event_hook
    from sanxiang.exchange.topics import register_topic
    from sanxiang.inspections.services import result_from_case_event
    from sanxiang.ledger.registry import register_public_check

    register_case_event_hook(result_from_case_event)
    register_public_check(is_public)
    for action in PUSHED_ACTIONS:
        register_topic(action, topic=TOPIC, build=inspection_payload, agency=inspection_agency)
