"""Cases ready for legal review: a general-procedure penalty case investigated, with its forms issued and a
proposal, and a qualified legal reviewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sanxiang.cases import documents
from sanxiang.cases.models import Case
from sanxiang.cases.tests.conftest import CaseWorld, case_world  # noqa: F401 (the fixture, shared)
from sanxiang.cases.workflow import case_advance, case_approve, case_document_issue, case_penalty_propose
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.services import reviewer_qualify

FACTS = {"facts": "该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。", "evidence": "询问笔录"}


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review tests issue forms but do not test their PDFs (sanxiang/cases/tests does, with LibreOffice)."""
    monkeypatch.setattr(documents, "docx_to_pdf", lambda data, **_: b"%PDF-1.7 stand-in\n" + data)


def unbanded_item(w: CaseWorld) -> Any:
    """A published penalty item without discretion bands: only the catalogue decides whether a fine is major."""
    from sanxiang.registry.tests import factories as f

    return f.publish(
        "items",
        bureau=w.bureau,
        data=f.item_data(w.bureau, code="XZCF-009", name="未按规定设置安全警示标志的处罚", discretion_benchmark=[]),
    )


def investigating(w: CaseWorld, **opening: Any) -> Case:
    """A general-procedure case opened, approved and under investigation."""
    b = w.bureau
    case = w.open(**opening)
    case_document_issue(
        actor=b.officer, case=case, template_code="case_opening_approval", fields={"case_source": "举报", **FACTS}
    )
    case_approve(actor=b.head, case=case)
    return case_advance(actor=b.officer, case=case, target="investigate")


def to_review(w: CaseWorld, *, amount: str = "150000", band: int | None = 2, **propose: Any) -> Case:
    """A case at 案件审查 with its opening and handling forms and the proposed fine (by default 150,000 yuan on the
    company, inside band 2: major by the catalogue's threshold only)."""
    b = w.bureau
    case = investigating(w, **propose.pop("opening", {}))
    w.on_site(case)
    propose.setdefault("sanctions", ["fine"])
    case = case_penalty_propose(actor=b.officer, case=case, amount=amount, band=band, **propose)
    case = case_advance(actor=b.officer, case=case, target="review")
    case_document_issue(
        actor=b.officer,
        case=case,
        template_code="case_handling_approval",
        fields={"decision": f"拟罚款{amount}元", **FACTS},
    )
    return Case.objects.get(pk=case.pk)


def qualify(w: CaseWorld) -> None:
    reviewer_qualify(
        actor=w.bureau.leader,
        user=w.bureau.reviewer,
        agency=w.bureau.agency,
        qualified=True,
        first_time=True,
        appointed_on=dt.date(2024, 3, 1),
        legal_qualification_number="A20182101000001",
    )


def all_ok(**faults: str) -> dict[str, dict[str, Any]]:
    checklist: dict[str, dict[str, Any]] = {point.key: {"ok": True, "opinion": "无异议"} for point in CHECKLIST}
    for key, opinion in faults.items():
        checklist[key] = {"ok": False, "opinion": opinion}
    return checklist
