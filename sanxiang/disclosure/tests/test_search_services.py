"""The search index kept by the disclosure services themselves: publish, fulfil, withdraw and expire a real decision
(the cases app's summary penalty, through ``disclosure.services``) and search it on the portal and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sanxiang.disclosure import services
from sanxiang.disclosure.models import PublicationTask
from sanxiang.disclosure.selectors import Filters, iter_matching
from sanxiang.disclosure.tests.conftest import CaseWorld, decide_summary


def found(q: str) -> list[int]:
    return [p.pk for p in iter_matching(Filters(q=q).clean())]


def test_services_keep_the_index(case_world: CaseWorld, client: Any) -> None:
    b = case_world.bureau
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    publication = services.publication_publish(actor=b.reviewer, task=task, violation_on=task.decided_on)
    assert publication is not None
    # The decision's facts (conftest.DECISION_FIELDS) are in the published text: a two-character term finds it.
    assert "培训" in publication.text
    assert found("培训") == [publication.pk]
    assert found("从业人员") == [publication.pk]
    assert found("危险废物") == []
    page = client.get("/publications/", {"q": "培训"}).content.decode()
    assert f'href="/publications/{publication.pk}/"' in page
    api = client.get("/api/v1/public/publications/", {"q": "培训"}).json()
    assert [item["id"] for item in api["items"]] == [publication.pk]

    today = timezone.localdate()
    services.publication_fulfil(actor=b.reviewer, publication=publication, on=today, text="已缴纳罚款100元")
    detail = client.get(f"/publications/{publication.pk}/").content.decode()
    assert "已缴纳罚款100元" in detail

    services.decision_revoked(actor=b.reviewer, publication=publication, reason="revoked", revoked_on=today)
    publication = services.publication_withdraw(
        actor=b.reviewer, publication=publication, public_reason="经行政复议，原处罚决定被撤销"
    )
    assert found("培训") == ([publication.pk] if "培训" in publication.title else [])  # the title stays searchable
    assert found("从业人员") == []
    assert found("行政复议") == [publication.pk]  # the public reason
    assert found(publication.party) == [publication.pk]
    detail = client.get(f"/publications/{publication.pk}/").content.decode()
    assert "经行政复议，原处罚决定被撤销" in detail and "从业人员" not in detail


def test_an_expired_publication_leaves_the_index(case_world: CaseWorld, client: Any) -> None:
    b = case_world.bureau
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    publication = services.publication_publish(actor=b.reviewer, task=task, violation_on=task.decided_on)
    assert publication is not None and found("从业人员") == [publication.pk]
    assert services.publications_expire(today=publication.expires_on + dt.timedelta(days=1)) == 1
    assert found("从业人员") == [] and found(publication.party) == []
    assert client.get(f"/publications/{publication.pk}/").status_code == 404
    assert f"/publications/{publication.pk}/" not in client.get("/publications/").content.decode()
