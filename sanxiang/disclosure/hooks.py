"""How disclosure hears of decisions and tells the ledger which subjects are public (wired in ``ready``)."""

from __future__ import annotations


def publication_is_public(subject_type: str, subject_id: str) -> bool:
    """Every publication row is public: it holds only what the portal shows (a withdrawn one, its notice)."""
    if subject_type != "disclosure.publication" or not subject_id.isdigit():
        return False
    from sanxiang.disclosure.models import Publication

    return Publication.objects.filter(pk=int(subject_id)).exists()


def connect() -> None:
    from sanxiang.cases.workflow import register_case_event_hook
    from sanxiang.disclosure.services import task_from_case_event
    from sanxiang.ledger.registry import register_public_check

    register_case_event_hook(task_from_case_event)
    register_public_check(publication_is_public)
