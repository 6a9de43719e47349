"""The decision moments the statistics read are those the real workflow writes: a licence decided and a summary
penalty decided through the case services count as decided this year, with their fine and sanction."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.utils import timezone

from sanxiang.cases.tests.conftest import CaseWorld
from sanxiang.cases.workflow import case_advance, case_approve, case_document_issue, case_penalty_propose
from sanxiang.oversight import annual


def kinds(figures: dict[str, Any]) -> dict[str, int]:
    return {k["key"]: k["decided"] for k in figures["cases"]["kinds"]}


def test_a_licence_and_a_summary_penalty_run_through_the_services_are_counted(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    year = timezone.localdate().year
    licence = w.open("licence", title="危险化学品经营许可申请")
    for target in ("accept", "examine", "decide"):
        licence = case_advance(actor=b.officer, case=licence, target=target)
    before = annual.agency_figures(agency=b.agency, year=year)
    assert kinds(before)["licence"] == 0  # at 决定, not yet decided
    case_approve(actor=b.head, case=licence, note="准予许可")
    case_advance(actor=b.head, case=licence, target="issue")

    penalty = w.open("penalty-summary")
    case_penalty_propose(actor=b.officer, case=penalty, amount="200", band=1, sanctions=["fine"])
    w.on_site(penalty)
    penalty = case_advance(actor=b.officer, case=penalty, target="decide")
    w.on_site(penalty)
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        case_document_issue(
            actor=b.officer,
            case=penalty,
            template_code="penalty_decision",
            fields={
                "facts": "未按规定开展安全生产教育和培训。",
                "evidence": "现场检查记录",
                "decision": "罚款人民币贰佰元",
                "payment_deadline_days": "15",
                "payment_bank": "中国工商银行盘锦分行",
                "payment_account": "0711000000000000000",
                "review_body": "盘锦市兴隆台区人民政府",
                "court": "盘锦市兴隆台区人民法院",
            },
        )
    after = annual.agency_figures(agency=b.agency, year=year)
    assert kinds(after) == {"penalty": 1, "coercion": 0, "inspection": 0, "licence": 1}
    assert after["penalties"]["fines"] == {"count": 1, "total": "200.00"}
    assert after["penalties"]["summary"] == 1
    decision = next(r for r in after["timeliness"] if r["key"] == "licence_decision")
    assert (decision["on_time"], decision["late"]) == (1, 0)
