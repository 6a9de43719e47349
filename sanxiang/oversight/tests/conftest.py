"""Prepared records for the annual statistics: cases of every kind in two agencies, written with the ORM (the
workflow is tested in the cases app; here only what the statistics read matters), with the ledger entries of their
step history recorded through ``ledger.record`` at chosen moments, decision documents, publication tasks and legal
reviews. Each ``Spec`` says what the test expects of the case, so expected figures are computed from the specs
alone, never from the code under test."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, IssuedDocument
from sanxiang.cases.processes import PROCESSES
from sanxiang.cases.tests.conftest import case_world, upload  # noqa: F401 (case_world: the fixture, shared)
from sanxiang.complaints.models import Complaint, ComplaintKind, ComplaintState
from sanxiang.conftest import Bureau
from sanxiang.disclosure.models import Publication, PublicationState, PublicationTask, TaskState
from sanxiang.ledger import services as ledger_services
from sanxiang.ledger.models import Blob
from sanxiang.org.models import Agency
from sanxiang.registry.models import EnforcementItem
from sanxiang.registry.tests import factories as f
from sanxiang.review.models import LegalReview, ReviewState

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
YEAR = 2025  # a finished year (the clock of the suite is later), so it can be published


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    """A moment in Beijing time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Spec:
    """One prepared case and what it should count as."""

    agency: str  # "a" (the bureau) or "b" (the other agency)
    process: str
    opened: dt.datetime
    decided: dt.datetime | None = None  # the decision moment (document issued / licence decided / inspection closed)
    closed: dt.datetime | None = None
    sanctions: tuple[str, ...] = ()
    amount: Decimal | None = None
    published_late: bool | None = None  # None: no publication task; True/False: published late / on time
    publication_unpublished: bool = False  # a task that is still unpublished and overdue
    review_overdue: bool | None = None  # None: no legal review decided

    @property
    def kind(self) -> str:
        return PROCESSES[self.process].kind.value


@dataclass
class ComplaintSpec:
    agency: str
    received: dt.datetime
    due: dt.date
    replied: dt.datetime | None = None
    refused: bool = False


@dataclass
class Prepared:
    bureau: Bureau
    agencies: dict[str, Agency]
    specs: list[Spec]
    cases: list[Case] = field(default_factory=list)
    complaints: list[ComplaintSpec] = field(default_factory=list)


_serials = itertools.count(1)


def _record_at(moment: dt.datetime, *, actor: Any, action: str, subject: Any) -> None:
    with mock.patch.object(ledger_services.timezone, "now", return_value=moment), transaction.atomic():
        ledger_services.record(actor=actor, action=action, subject=subject)


def _move(case: Case, step: str, moment: dt.datetime, actor: Any, *, action: str = "case.advance") -> None:
    case.state = step
    case.visit += 1
    case.step_entered_at = moment
    case.save(update_fields=["state", "visit", "step_entered_at"])
    _record_at(moment, actor=actor, action=action, subject=case)


def _document(case: Case, code: str, moment: dt.datetime, blob: Blob, actor: Any) -> None:
    serial = next(_serials)
    document = IssuedDocument.objects.create(
        agency=case.agency,
        template_code=code,
        template_name=code,
        template_sha256="0" * 64,
        kind="罚" if code == "penalty_decision" else "强",
        year=moment.year,
        serial=serial,
        number=f"测试〔{moment.year}〕{serial}号",
        docx=blob,
        pdf=blob,
        issued_by=actor,
        issued_at=moment,
        subject=f"cases.case:{case.pk}",
        context_sha256="0" * 64,
    )
    CaseDocument.objects.create(
        case=case, step_key="decide", visit=case.visit, recorded_by=actor, recorded_at=moment, document=document
    )


def make_case(spec: Spec, *, agency: Agency, item: EnforcementItem, actor: Any, blob: Blob) -> Case:
    """A case as its workflow would have left it, with the step history in the ledger."""
    serial = next(_serials)
    process = PROCESSES[spec.process]
    case = Case.objects.create(
        agency=agency,
        process_key=spec.process,
        process_digest=process.digest,
        item=item,
        year=spec.opened.year,
        serial=serial,
        number=f"测试案〔{spec.opened.year}〕{serial}号",
        title=f"测试案件{serial}",
        place_region="211103",
        place_address="盘锦市兴隆台区示例路1号",
        state=process.start,
        visit=1,
        step_entered_at=spec.opened,
        opened_at=spec.opened,
        opened_by=actor,
        amount_proposed=spec.amount,
        sanctions=list(spec.sanctions),
    )
    _record_at(spec.opened, actor=actor, action="case.open", subject=case)
    decided = spec.decided
    if spec.process == "penalty-general" and decided is not None:
        _move(case, "decide", decided - dt.timedelta(hours=1), actor)
        _document(case, "penalty_decision", decided, blob, actor)
        _move(case, "serve", decided + dt.timedelta(minutes=5), actor)
    elif spec.process == "penalty-summary" and decided is not None:
        _move(case, "decide", decided - dt.timedelta(minutes=5), actor)
        _document(case, "penalty_decision", decided, blob, actor)
        _move(case, "deliver", decided + dt.timedelta(minutes=1), actor)
    elif spec.process == "coercion-seizure" and decided is not None:
        _move(case, "implement", decided - dt.timedelta(hours=1), actor)
        _document(case, "coercive_measure_decision", decided, blob, actor)
        _move(case, "deliver", decided + dt.timedelta(minutes=5), actor)
    elif spec.process == "licence" and decided is not None:
        _move(case, "accept", spec.opened + dt.timedelta(hours=2), actor)
        _move(case, "examine", spec.opened + dt.timedelta(hours=3), actor)
        _move(case, "decide", decided - dt.timedelta(hours=1), actor)
        _move(case, "issue", decided, actor)
    elif spec.process == "inspection" and decided is not None:
        _move(case, "inspect", spec.opened + dt.timedelta(hours=1), actor)
    if spec.closed is not None:
        case.closed_at = spec.closed
        case.save(update_fields=["closed_at"])
        _move(case, process.ends[0], spec.closed, actor)
    return case


def _publication(spec: Spec, case: Case, actor: Any) -> None:
    assert spec.decided is not None
    decided_on = timezone.localdate(spec.decided)
    due_on = decided_on + dt.timedelta(days=9)
    task = PublicationTask.objects.create(
        case=case,
        agency=case.agency,
        decision_kind=spec.kind,
        decided_on=decided_on,
        due_on=due_on,
        state=TaskState.DUE if spec.publication_unpublished else TaskState.PUBLISHED,
        source_text="决定全文",
        created_at=spec.decided,
    )
    if spec.publication_unpublished:
        return
    published_on = due_on + dt.timedelta(days=3) if spec.published_late else due_on
    Publication.objects.create(
        task=task,
        agency=case.agency,
        agency_name=case.agency.name,
        decision_kind=spec.kind,
        title=case.title,
        party="盘锦示例化工有限公司",
        decided_on=decided_on,
        published_on=published_on,
        text="公开内容",
        state=PublicationState.PUBLISHED,
        expires_on=published_on + dt.timedelta(days=365 * 5),
    )


def _review(spec: Spec, case: Case, actor: Any) -> None:
    assert spec.decided is not None
    submitted = spec.decided - dt.timedelta(days=12)
    LegalReview.objects.create(
        case=case,
        round=1,
        proposal_digest="0" * 64,
        state=ReviewState.PASSED,
        requested_by=actor,
        requested_at=submitted,
        submitted_at=submitted,
        due_on=timezone.localdate(submitted) + dt.timedelta(days=9),
        outcome="pass",
        decided_at=spec.decided - dt.timedelta(days=2),
        overdue=bool(spec.review_overdue),
    )


def make_complaint(spec: ComplaintSpec, agency: Agency) -> None:
    Complaint.objects.create(
        agency=agency,
        kind=ComplaintKind.CONDUCT,
        text="执法人员态度粗暴",
        code_hash=f"{next(_serials):064d}",
        state=ComplaintState.REFUSED
        if spec.refused
        else (ComplaintState.REPLIED if spec.replied else ComplaintState.ACCEPTED),
        received_at=spec.received,
        due_on=spec.due,
        refused_at=spec.received if spec.refused else None,
        replied_at=spec.replied,
    )


def prepare(bureau: Bureau, specs: list[Spec], complaints: Sequence[ComplaintSpec] = ()) -> Prepared:
    agencies = {"a": bureau.agency, "b": bureau.other_agency}
    items = {
        kind: EnforcementItem.objects.filter(agency=bureau.agency, code=f"X-{kind}").first()
        or f.publish("items", bureau=bureau, data=f.item_data(bureau, code=f"X-{kind}", category=kind))
        for kind in ("penalty", "coercion", "inspection", "licence")
    }
    blob = upload(bureau.officer, b"a decision document stand-in")
    prepared = Prepared(bureau=bureau, agencies=agencies, specs=specs)
    for spec in specs:
        case = make_case(spec, agency=agencies[spec.agency], item=items[spec.kind], actor=bureau.officer, blob=blob)
        if spec.published_late is not None or spec.publication_unpublished:
            _publication(spec, case, bureau.officer)
        if spec.review_overdue is not None:
            _review(spec, case, bureau.officer)
        prepared.cases.append(case)
    for complaint in complaints:
        make_complaint(complaint, agencies[complaint.agency])
        prepared.complaints.append(complaint)
    return prepared


def standard_specs() -> list[Spec]:
    """Several kinds, sanctions and amounts, late and on-time items, two agencies, and items just outside the year."""
    y = YEAR
    return [
        # agency a: general-procedure penalties, one decided late (over 90 days), one within
        Spec(
            "a",
            "penalty-general",
            at(y, 1, 10),
            at(y, 3, 1),
            at(y, 4, 1),
            ("fine",),
            Decimal("50000.00"),
            False,
            review_overdue=False,
        ),
        Spec(
            "a",
            "penalty-general",
            at(y, 2, 1),
            at(y, 7, 1),
            None,
            ("fine", "warning"),
            Decimal("12000.50"),
            True,
            review_overdue=True,
        ),
        Spec("a", "penalty-general", at(y, 5, 1), at(y, 6, 15), at(y, 7, 1), ("warning",), Decimal("0"), False),
        Spec(
            "a",
            "penalty-general",
            at(y, 6, 1),
            at(y, 8, 1),
            None,
            ("fine", "confiscation", "stop_production"),
            Decimal("80000"),
            None,
            True,
            review_overdue=False,
        ),
        Spec("a", "penalty-summary", at(y, 9, 9), at(y, 9, 9, 11), at(y, 9, 20), ("fine",), Decimal("200"), False),
        Spec("a", "penalty-summary", at(y, 10, 9), at(y, 10, 9, 11), None, ("warning",), Decimal("0")),
        Spec("a", "coercion-seizure", at(y, 3, 3), at(y, 3, 3, 15), None, published_late=True),
        Spec("a", "inspection", at(y, 4, 4), at(y, 4, 5), at(y, 4, 5), published_late=False),
        Spec("a", "inspection", at(y, 11, 4)),  # opened, not finished
        Spec("a", "licence", at(y, 5, 6), at(y, 5, 9), published_late=False),  # 3 days after acceptance: on time
        Spec("a", "licence", at(y, 6, 6), at(y, 8, 20), published_late=True),  # weeks late
        # agency a, outside the year: opened the year before and decided in it; decided the next year
        Spec(
            "a",
            "penalty-general",
            at(y - 1, 12, 1),
            at(y, 1, 20),
            None,
            ("large_confiscation",),
            Decimal("0"),
            False,
        ),
        Spec("a", "penalty-general", at(y, 12, 1), at(y + 1, 1, 5), None, ("fine",), Decimal("7777"), False),
        # agency b
        Spec(
            "b",
            "penalty-general",
            at(y, 3, 1),
            at(y, 4, 1),
            at(y, 5, 1),
            ("fine", "licence_suspension"),
            Decimal("30000"),
            False,
            review_overdue=False,
        ),
        Spec("b", "penalty-summary", at(y, 8, 1), at(y, 8, 1, 12), at(y, 8, 2), ("fine",), Decimal("150.00"), True),
        Spec("b", "licence", at(y, 2, 2), at(y, 2, 20), None),
        Spec("b", "inspection", at(y, 7, 7), at(y, 7, 8), at(y, 7, 8), published_late=False),
    ]


def standard_complaints() -> list[ComplaintSpec]:
    y = YEAR
    return [
        ComplaintSpec("a", at(y, 3, 1), dt.date(y, 3, 21), replied=at(y, 3, 21, 23, 50)),  # the due day, late evening
        ComplaintSpec(
            "a", at(y, 4, 1), dt.date(y, 4, 22), replied=at(y, 4, 23, 0, 10)
        ),  # ten minutes into the next day
        ComplaintSpec("a", at(y, 5, 1), dt.date(y, 5, 22)),  # never replied: overdue
        ComplaintSpec("a", at(y, 6, 1), dt.date(y, 6, 20), refused=True),
        ComplaintSpec("a", at(y - 1, 12, 1), dt.date(y - 1, 12, 20), replied=at(y - 1, 12, 10)),  # the year before
        ComplaintSpec("b", at(y, 7, 1), dt.date(y, 7, 22), replied=at(y, 7, 2)),
    ]


@pytest.fixture
def prepared(bureau: Bureau) -> Prepared:
    return prepare(bureau, standard_specs(), standard_complaints())


def in_year(moment: dt.datetime | None, year: int = YEAR) -> bool:
    return moment is not None and moment.astimezone(SHANGHAI).year == year


def iter_specs(prepared: Prepared, agency: str) -> Iterator[Spec]:
    return (s for s in prepared.specs if s.agency == agency)
