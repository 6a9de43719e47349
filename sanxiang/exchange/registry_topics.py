"""The 事前公开 lists' changes as topics ``registry.<list>`` (``registry.officers``, ``registry.items`` …).

Pushed: an entry published (``<key>.publish``: first publication, or its staged change approved), withdrawn
(``<key>.withdraw``), an entrusted body made public by the district's review (``agency.district_review``), and an
officer's certificate suspended, reinstated, revoked or its annual review recorded. The payload is the entry as the
open data API shows it (the registry's public selector and output schema), read after the change: never a draft,
never a staged change, nothing of an agency the public cannot see yet.
"""

from __future__ import annotations

from typing import Any

from sanxiang.exchange.topics import register_topic

# Actions that change what the public sees of an entry, beyond publish and withdraw.
OFFICER_ACTIONS = (
    "officer.certificate_suspend",
    "officer.certificate_reinstate",
    "officer.certificate_revoke",
    "officer.annual_review",
)


def _agency_is_public(agency_id: int | None) -> bool:
    from sanxiang.registry.selectors import public_agencies

    return agency_id is not None and public_agencies().filter(pk=agency_id).exists()


def _builder(list_key: str) -> Any:
    def build(entry: Any, subject: Any) -> dict[str, Any] | None:
        from sanxiang.org.models import Agency, SubjectCategory
        from sanxiang.registry.apis import LIST_APIS
        from sanxiang.registry.selectors import public_entries

        list_api = next(a for a in LIST_APIS if a.key == list_key)
        spec = list_api.spec
        head = {"list": list_key, "list_title": spec.title, "id": subject.pk}
        if entry.action.endswith(".withdraw"):
            # It left the public list: say so, if the public could see it before (nothing else of it is pushed).
            if isinstance(subject, Agency):
                was_public = subject.subject_category != SubjectCategory.ENTRUSTED or bool(subject.district_reviewed_at)
            else:
                was_public = _agency_is_public(subject.agency_id)
            if not was_public:
                return None
            return {**head, "status": "withdrawn", "entry": None, "reason": entry.note}
        obj = public_entries(spec).select_related(*list_api.related).filter(pk=subject.pk).first()
        if obj is None:
            return None
        data = list_api.out.from_orm(obj).model_dump(mode="json")
        return {**head, "status": "published", "entry": data, "reason": ""}

    return build


def connect() -> None:
    from sanxiang.registry.specs import ALL_LISTS

    for list_key, spec in ALL_LISTS.items():
        topic = f"registry.{list_key}"
        build = _builder(list_key)
        actions = [f"{spec.key}.publish", f"{spec.key}.withdraw"]
        if spec.key == "agency":
            actions.append("agency.district_review")
        if spec.key == "officer":
            actions.extend(OFFICER_ACTIONS)
        for action in actions:
            register_topic(action, topic=topic, build=build)
