"""How the inspections app hears of closed inspection cases and tells the ledger which of its subjects are public."""

from __future__ import annotations

# Published plans, every draw (its seed column stays empty until the draw) and every drawn target are public; the
# target pool, the conflict list and the bureau's seed before the draw are not.
PUBLIC_MODELS = ("inspections.draw", "inspections.drawntarget")


def is_public(subject_type: str, subject_id: str) -> bool:
    if not subject_id.isdigit():
        return False
    if subject_type in PUBLIC_MODELS:
        return True
    if subject_type == "inspections.samplingplan":
        from sanxiang.inspections.models import PlanState, SamplingPlan

        return SamplingPlan.objects.filter(pk=int(subject_id)).exclude(state=PlanState.DRAFT).exists()
    return False


def connect() -> None:
    from sanxiang.cases.workflow import register_case_event_hook
    from sanxiang.inspections.services import result_from_case_event
    from sanxiang.ledger.registry import register_public_check

    register_case_event_hook(result_from_case_event)
    register_public_check(is_public)
