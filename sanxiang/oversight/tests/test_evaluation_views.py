"""案卷评查 pages: who reads and who writes, the case page's links to the ledger and the case, the manual finding and
checklist forms (refusals shown, nothing written), the 评议考核 export with its numbers, and the console command."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanxiang.disclosure.tests.conftest import (
    CaseWorld,
    quick_pdf,  # noqa: F401 (the fixture, shared)
)
from sanxiang.ledger.models import Entry
from sanxiang.oversight.models import CaseEvaluation, EvaluationChecklist, ManualFinding
from sanxiang.oversight.tests.test_evaluation import closed_summary


def client_for(user: object, agency: object | None = None) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    if agency is not None:
        client.get(reverse("oversight:evaluation_list"), {"agency": agency.pk})  # type: ignore[attr-defined]
    return client


def test_the_case_page_links_every_point_to_its_ledger_entries_and_the_case(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    evaluated = CaseEvaluation.objects.get(case=case, current=True)
    page = client_for(b.evaluator).get(reverse("oversight:evaluation_case", args=[case.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert reverse("cases:case_detail", args=[case.pk]) in text
    for p in evaluated.points:
        assert p["label"] in text
        for seq in p["entries"]:
            assert f'href="/api/v1/ledger/entries/{seq}/"' in text
    assert "登记评查意见" in text and "重新评查" in text
    listing = client_for(b.evaluator).get(reverse("oversight:evaluation_list")).content.decode()
    assert case.number in listing and "执法监察科" in listing


def test_who_may_read_and_write(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    page = reverse("oversight:evaluation_case", args=[case.pk])
    for user in (b.evaluator, b.reviewer, b.leader):
        assert client_for(user).get(page).status_code == 200
    assert client_for(b.officer).get(page).status_code == 403
    assert client_for(b.outsider).get(page).status_code == 404
    supervisor = client_for(b.supervisor, b.agency)
    text = supervisor.get(page).content.decode()
    assert "登记评查意见" not in text and "重新评查" not in text  # read only
    before = Entry.objects.count()
    finding = reverse("oversight:evaluation_finding", args=[case.pk])
    assert supervisor.post(finding, {"text": "意见", "deduction": "1"}).status_code == 403
    assert client_for(b.reviewer).post(finding, {"text": "意见", "deduction": "1"}).status_code == 403
    assert client_for(b.officer).post(reverse("oversight:evaluation_rescore", args=[case.pk])).status_code == 403
    assert Entry.objects.count() == before and not ManualFinding.objects.exists()
    assert Client().get(page).status_code == 302  # to the login page


def test_a_finding_through_the_form_deducts_and_a_bad_one_writes_nothing(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    client = client_for(b.evaluator)
    url = reverse("oversight:evaluation_finding", args=[case.pk])
    before = Entry.objects.count()
    bad = client.post(url, {"text": "", "deduction": "x"})
    assert bad.status_code == 400
    assert "请填写评查意见" in bad.content.decode() and "扣分应为0至100之间" in bad.content.decode()
    assert Entry.objects.count() == before
    full = CaseEvaluation.objects.get(case=case, current=True).score
    response = client.post(url, {"point_key": "documents", "text": "询问笔录未逐页签名", "deduction": "3"})
    assert response.status_code == 302
    assert CaseEvaluation.objects.get(case=case, current=True).score == full - 3
    assert "询问笔录未逐页签名" in client.get(reverse("oversight:evaluation_case", args=[case.pk])).content.decode()


def test_the_checklist_form_saves_a_new_version(case_world: CaseWorld) -> None:
    b = case_world.bureau
    closed_summary(case_world)
    page = client_for(b.reviewer).get(reverse("oversight:evaluation_checklist")).content.decode()
    assert "保存为新版本" in page and "文书齐全、按序制发" in page
    form = {"use_documents": "1", "label_documents": "文书", "weight_documents": "60", "basis_documents": "依据"}
    form |= {"use_deadlines": "1", "label_deadlines": "期限", "weight_deadlines": "40", "basis_deadlines": ""}
    url = reverse("oversight:evaluation_checklist_save")
    assert client_for(b.officer).post(url, form).status_code == 403
    bad = client_for(b.evaluator).post(url, {**form, "weight_deadlines": "abc"})
    assert bad.status_code == 400 and "分值应为0至100之间" in bad.content.decode()
    assert EvaluationChecklist.objects.filter(agency=b.agency).count() == 0
    assert client_for(b.evaluator).post(url, form).status_code == 302
    saved = EvaluationChecklist.objects.get(agency=b.agency)
    assert [(p["key"], p["weight"]) for p in saved.points] == [("documents", "60"), ("deadlines", "40")]
    assert "保存为新版本" not in client_for(b.leader).get(reverse("oversight:evaluation_checklist")).content.decode()


def test_the_annual_assessment_export_has_the_numbers(case_world: CaseWorld) -> None:
    b = case_world.bureau
    good = closed_summary(case_world)
    late = closed_summary(case_world, late_publication=True)
    client = client_for(b.evaluator)
    client.post(reverse("oversight:evaluation_finding", args=[good.pk]), {"text": "卷宗装订不规范", "deduction": "1.5"})
    year = timezone.localdate().year
    response = client.get(reverse("oversight:evaluation_export"), {"year": year})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    summary = list(book["科室汇总"].iter_rows(values_only=True))
    header, row = summary[1], summary[2]
    assert row[0] == "执法监察科" and row[1] == 2
    scores = [CaseEvaluation.objects.get(case=c, current=True).score for c in (good, late)]
    assert Decimal(str(row[2])) == (sum(scores, Decimal(0)) / 2).quantize(Decimal("0.01"))
    assert row[header.index("不符合：按期公示")] == 1 and row[header.index("不符合：文书齐全、按序制发")] == 0
    assert row[header.index("人工评查意见数")] == 1 and row[header.index("人工扣分合计")] == 1.5
    cases = list(book["案件明细"].iter_rows(values_only=True))
    numbers = {r[0]: r for r in cases[1:]}
    assert set(numbers) == {good.number, late.number}
    publication = cases[0].index("按期公示")
    assert numbers[late.number][publication] == "不符合" and numbers[good.number][publication] == "符合"
    assert client_for(b.officer).get(reverse("oversight:evaluation_export")).status_code == 403


def test_the_console_command_scores_with_a_progress_bar(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    CaseEvaluation.objects.filter(case=case).update(current=False)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "evaluate-cases", "--agency", str(b.agency.pk), "--year", str(timezone.localdate().year), stdout=out, stderr=err
    )
    assert "100%" in err.getvalue()
    assert "已评查1件" in out.getvalue()
    assert CaseEvaluation.objects.filter(case=case, current=True).count() == 1
