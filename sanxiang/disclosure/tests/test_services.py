"""事后公开 through the services: due dates, redaction confirmed, minors withheld, fulfilment, withdrawal, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.cases.workflow import case_advance, case_approve
from sanxiang.core.canonical import canonical_state, state_digest
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.disclosure import queue, services
from sanxiang.disclosure.models import (
    DecisionKind,
    Publication,
    PublicationState,
    PublicationTask,
    TaskState,
)
from sanxiang.disclosure.tests.conftest import COMPANY, PERSON, CaseWorld, decide_summary
from sanxiang.ledger.models import Entry


def entries(row: Any) -> list[Entry]:
    return list(Entry.objects.filter(subject_type=row._meta.label_lower, subject_id=str(row.pk)).order_by("seq"))


# --- due dates (国办发〔2018〕118号; DOMAIN.md's counting) -----------------------------------------------------------


@pytest.mark.django_db
def test_due_dates_count_working_days_across_spring_festival_and_its_make_up_saturdays() -> None:
    # 2026: 2月15日至23日放假，2月14日（星期六）、2月28日（星期六）上班. Decided on Thursday 12 February:
    # 13th (Fri) 1, 14th (make-up Sat) 2, 24th 3, 25th 4, 26th 5, 27th 6, 28th (make-up Sat) 7.
    due = services.publication_due(DecisionKind.PENALTY, dt.date(2026, 2, 12))
    assert due.date == dt.date(2026, 2, 28) and not due.provisional
    assert services.publication_due(DecisionKind.LICENCE, dt.date(2026, 2, 12)).date == dt.date(2026, 2, 28)
    # Other decisions: 20 working days — on from the 28th: March 2–6 (8–12), 9–13 (13–17), 16, 17, 18 (18–20).
    assert services.publication_due(DecisionKind.COERCION, dt.date(2026, 2, 12)).date == dt.date(2026, 3, 18)
    assert services.publication_due(DecisionKind.INSPECTION, dt.date(2026, 2, 12)).date == dt.date(2026, 3, 18)
    # A decision late in 2026 runs into 2027, whose holidays are not yet confirmed: provisional, never an error.
    assert services.publication_due(DecisionKind.PENALTY, dt.date(2026, 12, 28)).provisional


@pytest.mark.django_db
def test_due_dates_follow_the_settings(settings: Any) -> None:
    settings.SANXIANG_PUBLISH_LICENCE_PENALTY_DAYS = 5
    assert services.publication_due(DecisionKind.PENALTY, dt.date(2026, 2, 12)).date == dt.date(2026, 2, 26)


# --- a decision makes a task ---------------------------------------------------------------------------------------


def test_a_penalty_decision_creates_its_publication_task(case_world: CaseWorld) -> None:
    case = decide_summary(case_world)
    task = PublicationTask.objects.get(case=case)
    today = timezone.localdate()
    assert task.decision_kind == DecisionKind.PENALTY and task.state == TaskState.DUE
    assert task.decided_on == today
    assert task.due_on == services.publication_due(DecisionKind.PENALTY, today).date
    assert task.document is not None and task.document.template_code == "penalty_decision"
    # The text is the decision as issued, and the proposal hides what the case knows about the person.
    assert PERSON["name"] in task.source_text and PERSON["id_number"] in task.source_text
    hidden = {span["original"] for span in task.proposal if span["default"]}
    assert PERSON["name"] in hidden and PERSON["id_number"] in hidden
    [entry] = entries(task)
    assert entry.action == "publication.task_create" and entry.digest == state_digest(canonical_state(task))


def test_a_licence_decision_and_a_closed_inspection_create_tasks_of_their_kind(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    licence = w.open("licence", parties=[COMPANY], title="危险化学品经营许可申请")
    for target in ("accept", "examine", "decide"):
        licence = case_advance(actor=b.officer, case=licence, target=target)
    assert not PublicationTask.objects.filter(case=licence).exists()
    case_approve(actor=b.head, case=licence, note="准予许可")
    case_advance(actor=b.head, case=licence, target="issue")
    task = PublicationTask.objects.get(case=licence)
    assert task.decision_kind == DecisionKind.LICENCE and task.document is None
    assert "行政许可决定" in task.source_text and COMPANY["name"] in task.source_text
    assert task.due_on == services.publication_due(DecisionKind.LICENCE, task.decided_on).date


def test_a_minor_at_opening_is_withheld_at_once(case_world: CaseWorld) -> None:
    born = timezone.localdate() - dt.timedelta(days=16 * 365)
    minor = {**PERSON, "name": "孙小明", "id_number": id_number(born)}
    case = decide_summary(case_world, party=minor)
    task = PublicationTask.objects.get(case=case)
    assert task.state == TaskState.WITHHELD and task.withhold_reason == "minor"
    with pytest.raises(InvalidTransition):
        services.publication_publish(actor=case_world.bureau.reviewer, task=task, violation_on=task.decided_on)
    assert not Publication.objects.exists()


def id_number(born: dt.date, sequence: str = "123") -> str:
    """A resident ID number with a valid check digit (GB 11643-1999) for someone born on ``born``."""
    body = f"211103{born:%Y%m%d}{sequence}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


# --- publishing ----------------------------------------------------------------------------------------------------


def test_publishing_a_natural_persons_decision_hides_what_the_law_hides(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = decide_summary(case_world)
    task = PublicationTask.objects.get(case=case)
    with pytest.raises(ValidationError) as refused:
        services.publication_publish(actor=b.reviewer, task=task)
    assert "违法行为发生日期" in str(refused.value)
    publication = services.publication_publish(actor=b.reviewer, task=task, violation_on=task.decided_on)
    assert publication is not None
    assert PERSON["name"] not in publication.text and PERSON["id_number"] not in publication.text
    assert "刘某某" in publication.text and publication.party == "刘某某"  # 刘示例: one 某 per given-name character
    assert case.agency.name in publication.text  # the agency keeps its name
    # Public bodies and the agency's collection account stay, though the person's address is a prefix of the one
    # and the account passes the Luhn check.
    for kept in ("盘锦市兴隆台区人民政府", "盘锦市兴隆台区人民法院", "中国工商银行盘锦分行", "0712001009000000001"):
        assert kept in publication.text
    assert "地址：[住址已隐去]" in publication.text
    assert publication.amount == Decimal("100.00") and publication.sanctions == ["罚款"]
    assert task.document is not None and publication.decision_number == task.document.number
    assert publication.state == PublicationState.PUBLISHED
    # A natural person's decision stays online 3 years by default; an organisation's 5.
    assert publication.expires_on == publication.published_on.replace(year=publication.published_on.year + 3)
    task.refresh_from_db()
    assert task.state == TaskState.PUBLISHED and task.confirmed_by == b.reviewer
    [entry] = entries(publication)
    assert entry.action == "publication.publish" and "按期公开" in entry.note
    # The publication's ledger state is exactly the row the portal shows.
    assert entry.state == canonical_state(publication)


def test_an_organisations_decision_keeps_its_name_code_and_address(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = decide_summary(case_world, party=COMPANY, amount="2000")
    task = PublicationTask.objects.get(case=case)
    publication = services.publication_publish(actor=b.reviewer, task=task)
    assert publication is not None
    for kept in (COMPANY["name"], COMPANY["uscc"], COMPANY["address"]):
        assert kept in publication.text
    assert COMPANY["legal_representative"] not in publication.text  # a known name: replaced
    assert publication.party == COMPANY["name"] and publication.party_code == COMPANY["uscc"]
    assert publication.expires_on.year == publication.published_on.year + 5


def test_the_confirmer_may_restore_a_likely_name_but_not_what_the_law_hides(case_world: CaseWorld) -> None:
    b = case_world.bureau
    facts = "经查，当事人雇用的临时工赵德胜未经培训即上岗作业。执法人员王建国现场检查时发现。"
    case = decide_summary(case_world, facts=facts)
    task = PublicationTask.objects.get(case=case)
    spans = task.proposal
    assert "王建国" not in {s["original"] for s in spans}  # an officer on the case is public (人员资格清单)
    mandatory = next(i for i, s in enumerate(spans) if s["category"] != "likely_name")
    with pytest.raises(ValidationError) as refused:
        services.publication_publish(
            actor=b.reviewer, task=task, choices={str(mandatory): False}, violation_on=task.decided_on
        )
    assert "不能恢复" in str(refused.value)
    assert not Publication.objects.exists()
    likely = [i for i, s in enumerate(spans) if s["category"] == "likely_name" and s["original"] == "赵德胜"]
    assert likely, spans  # an unknown person in the text is proposed for hiding by default
    assert "赵德胜" not in services.redacted_text(task)
    publication = services.publication_publish(
        actor=b.reviewer, task=task, choices={str(likely[0]): False}, violation_on=task.decided_on
    )
    assert publication is not None and "赵德胜" in publication.text
    task.refresh_from_db()
    assert task.choices == {str(likely[0]): False}


def test_a_person_under_18_at_the_violation_is_never_published(case_world: CaseWorld) -> None:
    b = case_world.bureau
    today = timezone.localdate()
    turned_18 = today.replace(year=today.year - 18) - dt.timedelta(days=10)  # 18 since ten days ago
    party = {**PERSON, "name": "周某某", "id_number": id_number(turned_18, "456")}
    case = decide_summary(case_world, party=party)
    task = PublicationTask.objects.get(case=case)
    assert task.state == TaskState.DUE  # an adult when the case was opened
    result = services.publication_publish(actor=b.reviewer, task=task, violation_on=today - dt.timedelta(days=30))
    assert result is None
    task.refresh_from_db()
    assert task.state == TaskState.WITHHELD and task.withhold_reason == "minor"
    assert not Publication.objects.exists()
    assert entries(task)[-1].action == "publication.withhold"


def test_only_publishers_of_the_agency_publish(case_world: CaseWorld) -> None:
    b = case_world.bureau
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    for actor in (b.officer, b.outsider):
        with pytest.raises(PermissionDenied):
            services.publication_publish(actor=actor, task=task, violation_on=task.decided_on)
    assert services.publication_publish(actor=b.office_clerk, task=task, violation_on=task.decided_on)


# --- fulfilment, withdrawal, expiry ---------------------------------------------------------------------------------


def published(case_world: CaseWorld, **kwargs: Any) -> Publication:
    task = PublicationTask.objects.get(case=decide_summary(case_world, **kwargs))
    publication = services.publication_publish(
        actor=case_world.bureau.reviewer, task=task, violation_on=task.decided_on
    )
    assert publication is not None
    return publication


def test_fulfilment_updates_are_published_as_they_happen(case_world: CaseWorld) -> None:
    b = case_world.bureau
    publication = published(case_world)
    today = timezone.localdate()
    services.publication_fulfil(actor=b.reviewer, publication=publication, on=today, text="已缴纳罚款100元")
    with pytest.raises(ValidationError):
        services.publication_fulfil(actor=b.reviewer, publication=publication, on=today, text="  ")
    with pytest.raises(ValidationError):
        services.publication_fulfil(
            actor=b.reviewer, publication=publication, on=today + dt.timedelta(days=1), text="明天缴纳"
        )
    publication.refresh_from_db()
    assert publication.fulfilment == [{"on": today.isoformat(), "text": "已缴纳罚款100元"}]
    assert [e.action for e in entries(publication)] == ["publication.publish", "publication.fulfil"]


def test_a_withdrawal_takes_the_text_down_and_keeps_the_history(case_world: CaseWorld) -> None:
    b = case_world.bureau
    publication = published(case_world)
    text = publication.text
    with pytest.raises(InvalidTransition):  # a withdrawal needs the revocation recorded first
        services.publication_withdraw(actor=b.reviewer, publication=publication, public_reason="复议撤销")
    today = timezone.localdate()
    task = services.decision_revoked(actor=b.reviewer, publication=publication, reason="revoked", revoked_on=today)
    assert task.state == TaskState.WITHDRAWAL_DUE
    assert task.withdraw_due_on == services.calendar.add_working_days(today, 3).date
    publication = services.publication_withdraw(
        actor=b.reviewer, publication=publication, public_reason="经行政复议，原处罚决定被撤销"
    )
    assert publication.state == PublicationState.WITHDRAWN and publication.text == ""
    assert publication.withdraw_reason == "决定被撤销：经行政复议，原处罚决定被撤销"
    assert publication.withdrawn_on == today
    # Nothing deleted: the row stays with its heading, and the ledger still holds the text as it was published.
    assert Publication.objects.filter(pk=publication.pk).exists()
    history = entries(publication)
    assert [e.action for e in history] == ["publication.publish", "publication.withdraw"]
    assert history[0].state["text"] == text and history[-1].state["text"] == ""
    assert "按期撤下" in history[-1].note
    rates = queue.rates(PublicationTask.objects.all(), today)
    assert (rates.withdrawals_total, rates.withdrawals_on_time) == (1, 1)


def test_publications_expire_after_their_retention_period(case_world: CaseWorld) -> None:
    publication = published(case_world)
    assert services.publications_expire(today=publication.expires_on) == 0
    assert services.publications_expire(today=publication.expires_on + dt.timedelta(days=1)) == 1
    publication.refresh_from_db()
    assert publication.state == PublicationState.EXPIRED and publication.text == ""
    assert entries(publication)[-1].action == "publication.expire"
    assert entries(publication)[-1].actor_id is None  # the system did it


def test_on_time_rates_count_overdue_unpublished_tasks_as_late(case_world: CaseWorld) -> None:
    b = case_world.bureau
    first = published(case_world)
    late_task = PublicationTask.objects.get(case=decide_summary(case_world))
    waiting = PublicationTask.objects.get(case=decide_summary(case_world))
    today = timezone.localdate()
    # The second was due long ago (as if decided weeks back); the third is not yet due.
    PublicationTask.objects.filter(pk=late_task.pk).update(due_on=today - dt.timedelta(days=3))
    rates = queue.rates(PublicationTask.objects.all(), today)
    assert (rates.due_total, rates.on_time, rates.overdue, rates.late) == (2, 1, 1, 0)
    late_task.refresh_from_db()
    services.publication_publish(actor=b.reviewer, task=late_task, violation_on=late_task.decided_on)
    rates = queue.rates(PublicationTask.objects.all(), today)
    assert (rates.due_total, rates.on_time, rates.overdue, rates.late) == (2, 1, 0, 1)
    assert rates.rate == 0.5
    counts = queue.tab_counts(PublicationTask.objects.all(), today)
    assert counts["due"] == 1 and counts["published"] == 2 and waiting.state == TaskState.DUE
    assert first.task.state == TaskState.PUBLISHED


def test_publishing_queues_the_expiry_task_for_the_day_after_the_retention_period(
    case_world: CaseWorld, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from sanxiang.disclosure.tasks import expire_publications

    with django_capture_on_commit_callbacks(execute=True):
        publication = published(case_world)
    queued = DBTaskResult.objects.get(task_path=expire_publications.module_path)
    assert timezone.localtime(queued.run_after).date() == publication.expires_on + dt.timedelta(days=1)
    assert expire_publications.call() == 0  # run early: nothing expires, and it stays queued once
    assert DBTaskResult.objects.filter(task_path=expire_publications.module_path).count() == 1


def test_serve_schedules_the_self_scheduling_tasks(case_world: CaseWorld) -> None:
    from django_tasks_db.models import DBTaskResult

    from sanxiang.core.management.commands.serve import schedule_background_work
    from sanxiang.disclosure.tasks import expire_publications
    from sanxiang.oversight.tasks import publish_annual_reports

    published(case_world)  # outside on_commit capture: nothing queued yet
    queued = DBTaskResult.objects.filter(
        task_path__in=[expire_publications.module_path, publish_annual_reports.module_path]
    )
    assert not queued.exists()
    assert {"disclosure", "oversight"} <= set(schedule_background_work())
    assert set(queued.values_list("task_path", flat=True)) == {
        expire_publications.module_path,
        publish_annual_reports.module_path,
    }
    schedule_background_work()  # again: nothing more
    assert queued.count() == 2
