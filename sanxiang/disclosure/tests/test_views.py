"""The staff pages of 事后公开: queues and rates, the marked redaction preview, publishing, fulfilment, withdrawal."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.disclosure.models import Publication, PublicationState, PublicationTask, TaskState
from sanxiang.disclosure.tests.conftest import PERSON, CaseWorld, decide_summary


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_pages_need_login_and_hide_other_agencies_tasks(case_world: CaseWorld) -> None:
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    url = reverse("disclosure:task", args=[task.pk])
    assert Client().get(url).status_code == 302
    assert client_for(case_world.bureau.outsider).get(url).status_code == 404
    assert client_for(case_world.bureau.officer).get(url).status_code == 200


def test_the_queue_shows_what_is_due_with_its_date(case_world: CaseWorld) -> None:
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    page = client_for(case_world.bureau.reviewer).get(reverse("disclosure:home")).content.decode()
    assert task.case.number in page and f"{task.due_on:%Y-%m-%d}" in page
    assert re.search(r"待公开 <span class=\"ws-count\">1</span>", page)


def test_the_preview_marks_every_change_and_publishing_applies_the_choices(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = decide_summary(case_world, facts="经查，当事人雇用的临时工赵德胜未经培训即上岗作业。")
    task = PublicationTask.objects.get(case=case)
    url = reverse("disclosure:task", args=[task.pk])
    page = client_for(b.reviewer).get(url).content.decode()
    marked = re.findall(r'data-span="(\d+)"', page)
    assert len(marked) == len(task.proposal) > 0
    assert f"<del>{PERSON['name']}</del><ins>刘某某</ins>" in page
    likely = next(i for i, s in enumerate(task.proposal) if s["original"] == "赵德胜")
    assert f'name="restore" value="{likely}"' in page  # a likely name can be restored…
    mandatory = next(i for i, s in enumerate(task.proposal) if s["category"] == "id_number")
    assert f'name="restore" value="{mandatory}"' not in page  # …an ID number cannot
    # An officer sees the preview but has no publish button.
    assert "确认并公开" not in client_for(b.officer).get(url).content.decode()
    # Publishing without the violation date is refused, shown, and writes nothing.
    refused = client_for(b.reviewer).post(url, {"restore": [str(likely)]})
    assert "违法行为发生日期" in refused.content.decode() and not Publication.objects.exists()
    response = client_for(b.reviewer).post(
        url, {"restore": [str(likely)], "violation_on": timezone.localdate().isoformat()}
    )
    publication = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "disclosure:publication", args=[publication.pk]
    )
    assert "赵德胜" in publication.text and PERSON["name"] not in publication.text


def test_fulfilment_revocation_and_withdrawal_through_the_pages(case_world: CaseWorld) -> None:
    b = case_world.bureau
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    today = timezone.localdate().isoformat()
    client = client_for(b.reviewer)
    client.post(reverse("disclosure:task", args=[task.pk]), {"violation_on": today})
    publication = Publication.objects.get()
    action = "disclosure:publication_action"
    client.post(reverse(action, args=[publication.pk, "fulfil"]), {"on": today, "text": "已缴纳罚款"})
    refused = client.post(reverse(action, args=[publication.pk, "withdraw"]), {"public_reason": "复议撤销"})
    assert refused.status_code == 400 and "请先登记" in refused.content.decode()
    client.post(reverse(action, args=[publication.pk, "revoke"]), {"reason": "revoked", "revoked_on": today})
    client.post(reverse(action, args=[publication.pk, "withdraw"]), {"public_reason": "经复议撤销"})
    publication.refresh_from_db()
    task.refresh_from_db()
    assert publication.state == PublicationState.WITHDRAWN and task.state == TaskState.WITHDRAWN
    assert publication.text == "" and "经复议撤销" in publication.withdraw_reason
    # An officer may not act on publications.
    response = client_for(b.officer).post(reverse(action, args=[publication.pk, "fulfil"]), {"on": today, "text": "x"})
    assert response.status_code == 403
