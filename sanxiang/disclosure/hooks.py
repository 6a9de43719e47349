"""How disclosure hears of decisions and tells the ledger which subjects are public (wired in ``ready``)."""

from __future__ import annotations

from typing import Any


def publication_is_public(subject_type: str, subject_id: str) -> bool:
    """Every publication row is public: it holds only what the portal shows (a withdrawn one, its notice)."""
    if subject_type != "disclosure.publication" or not subject_id.isdigit():
        return False
    from sanxiang.disclosure.models import Publication

    return Publication.objects.filter(pk=int(subject_id)).exists()


PUSHED_ACTIONS = ("publication.publish", "publication.fulfil", "publication.withdraw", "publication.expire")


def publication_payload(entry: Any, subject: Any) -> dict[str, Any]:
    """What receivers get of a publication: the record exactly as the portal shows it (the state the entry hashed),
    its permalink, and the action that changed it."""
    from django.conf import settings
    from django.urls import reverse

    return {
        "id": subject.pk,
        "url": settings.PUBLIC_BASE_URL + reverse("portal:publication", args=[subject.pk]),
        "state": subject.state,
        "record": entry.state,
    }


def connect() -> None:
    from sanxiang.cases.workflow import register_case_event_hook
    from sanxiang.disclosure.services import task_from_case_event
    from sanxiang.exchange.topics import register_topic
    from sanxiang.ledger.registry import register_public_check

    register_case_event_hook(task_from_case_event)
    register_public_check(publication_is_public)
    for action in PUSHED_ACTIONS:
        register_topic(action, topic="publication", build=publication_payload)
