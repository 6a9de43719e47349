"""Decisions to publish: the cases app's world (published items, two officers with cameras), and a summary-procedure
penalty run to its decision. LibreOffice's PDF conversion is replaced by a stand-in here (the PDF plays no part in
disclosure, which reads the issued .docx); the documents' own tests convert for real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from sanxiang.cases.models import Case, IssuedDocument
from sanxiang.cases.tests.conftest import COMPANY, PERSON, CaseWorld, case_world
from sanxiang.cases.workflow import case_advance, case_document_issue, case_penalty_propose

DECISION_FIELDS = {
    "facts": "经查，当事人未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。",
    "evidence": "询问笔录、培训档案",
    "decision": "罚款",
    "payment_deadline_days": "15",
    "payment_bank": "中国工商银行盘锦分行",
    "payment_account": "0712001009000000001",
    "review_body": "盘锦市兴隆台区人民政府",
    "court": "盘锦市兴隆台区人民法院",
}


@pytest.fixture(autouse=True)
def quick_pdf() -> Iterator[None]:
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        yield


def decide_summary(w: CaseWorld, *, party: dict[str, Any] | None = None, amount: str = "100", **fields: Any) -> Case:
    """A summary-procedure penalty (简易程序) opened, fined, recorded on site and decided: the decision issued."""
    case = w.open("penalty-summary", parties=[party or PERSON])
    case_penalty_propose(actor=w.bureau.officer, case=case, amount=amount, band=1, sanctions=["fine"])
    w.on_site(case)
    case = case_advance(actor=w.bureau.officer, case=case, target="decide")
    decision(w, case, **fields)
    return case


def decision(w: CaseWorld, case: Case, **fields: Any) -> IssuedDocument:
    return case_document_issue(
        actor=w.bureau.officer, case=case, template_code="penalty_decision", fields={**DECISION_FIELDS, **fields}
    )


__all__ = ["COMPANY", "PERSON", "CaseWorld", "case_world", "decide_summary", "decision"]
