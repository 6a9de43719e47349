"""The review's staff pages: the whole review driven through the forms, refusals shown next to the form with nothing
written, and every route of the ``review`` namespace through the permission suite (anonymous → login, wrong role →
403, another agency → 404)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from sanxiang.cases.flowcharts import dot_available
from sanxiang.cases.models import Case
from sanxiang.cases.tests.conftest import CaseWorld
from sanxiang.conftest import make_user
from sanxiang.core.testing import Endpoint, Request, html_expect
from sanxiang.ledger.models import Entry
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.models import (
    CollectiveDiscussion,
    LegalReview,
    MajorDecisionRule,
    ReviewerQualification,
    ReviewerRecord,
    ReviewerTraining,
    ReviewState,
)
from sanxiang.review.services import (
    review_consult,
    review_decide,
    review_disagree,
    review_head_sign,
    review_preliminary,
    review_request,
    review_take,
    rule_save,
)
from sanxiang.review.tests.conftest import all_ok, qualify, to_review


def ledger_size() -> int:
    return Entry.objects.count()


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def act(review: LegalReview, action: str) -> str:
    return reverse("review:action", args=[review.pk, action])


def checklist_form(**faults: str) -> dict[str, str]:
    data: dict[str, str] = {}
    for point in CHECKLIST:
        data[f"{point.key}_ok"] = "fault" if point.key in faults else "ok"
        data[f"{point.key}_opinion"] = faults.get(point.key, "")
    return data


# --- states a review is put in, through the services ----------------------------------------------------------------


def requested(w: CaseWorld) -> LegalReview:
    return review_request(actor=w.bureau.officer, case=to_review(w))


def at_head(w: CaseWorld) -> LegalReview:
    return review_preliminary(actor=w.bureau.preliminary_reviewer, review=requested(w), approve=True, opinion="同意")


def submitted(w: CaseWorld) -> LegalReview:
    qualify(w)
    return review_head_sign(actor=w.bureau.head, review=at_head(w), opinion="同意送审")


def taken(w: CaseWorld) -> LegalReview:
    return review_take(actor=w.bureau.reviewer, review=submitted(w))


def consulted(w: CaseWorld) -> LegalReview:
    return review_consult(actor=w.bureau.reviewer, review=taken(w), adviser=w.bureau.adviser, question="裁量是否适当")


def decided(w: CaseWorld, outcome: str = "fail") -> LegalReview:
    faults = {} if outcome == "pass" else {"discretion_proper": "罚款数额明显偏高"}
    return review_decide(
        actor=w.bureau.reviewer, review=taken(w), checklist=all_ok(**faults), outcome=outcome, opinion="审核意见"
    )


def escalated(w: CaseWorld) -> LegalReview:
    return review_disagree(actor=w.bureau.head, review=decided(w), opinion="情节严重，罚款适当")


# --- the whole review through the pages ----------------------------------------------------------------------------


def test_a_review_from_request_to_collective_discussion_through_the_pages(
    case_world: CaseWorld, client: Client
) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)

    page = as_user(client, b.officer).get(reverse("review:request", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "属于重大执法决定" in body and "对法人或者其他组织拟罚款150,000元" in body
    assert reverse("cases:case_detail", args=[case.pk]) in body
    response = client.post(reverse("review:request", args=[case.pk]), {"complex": "on", "note": "请审核"})
    review = LegalReview.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("review:detail", args=[review.pk])
    assert (review.state, review.complex, review.round) == (ReviewState.PRELIMINARY, True, 1)

    home = as_user(client, b.preliminary_reviewer).get(reverse("review:home")).content.decode()
    assert "待初审" in home and reverse("review:detail", args=[review.pk]) in home
    client.post(act(review, "preliminary"), {"decision": "approve", "opinion": "材料齐全"})
    as_user(client, b.head).post(act(review, "head_sign"), {"opinion": "同意送审"})
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED and review.due_on is not None

    # The leader registers the reviewer's qualification, then the reviewer takes the review.
    response = as_user(client, b.leader).post(
        reverse("review:reviewer_qualify"),
        {
            "user": b.reviewer.pk,
            "qualified": "on",
            "first_time": "on",
            "legal_qualification_number": "A20182101000001",
            "appointed_on": "2024-03-01",
        },
    )
    assert response.status_code == 302 and ReviewerQualification.objects.get(user=b.reviewer).qualified
    home = as_user(client, b.reviewer).get(reverse("review:home")).content.decode()
    assert "待承办" in home and case.number in home
    client.post(act(review, "take"))
    client.post(act(review, "consult"), {"adviser": b.adviser.pk, "question": "罚款数额是否适当"})
    home = as_user(client, b.adviser).get(reverse("review:home")).content.decode()
    assert "待出具法律顾问意见" in home and case.number in home
    client.post(act(review, "adviser_opinion"), {"opinion": "数额偏高"})
    review.refresh_from_db()
    assert (review.reviewer, review.adviser_opinion) == (b.reviewer, "数额偏高")

    form_page = as_user(client, b.reviewer).get(reverse("review:detail", args=[review.pk])).content.decode()
    assert all(point.name in form_page for point in CHECKLIST)  # the 11 points on the form
    response = client.post(
        act(review, "decide"),
        {**checklist_form(discretion_proper="罚款数额明显偏高"), "outcome": "fail", "opinion": "裁量不当，不予通过"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.FAILED
    assert review.checklist["discretion_proper"] == {"ok": False, "opinion": "罚款数额明显偏高"}

    as_user(client, b.head).post(act(review, "disagree"), {"opinion": "情节严重，罚款适当"})
    home = as_user(client, b.leader).get(reverse("review:home")).content.decode()
    assert "待协调" in home and case.number in home
    client.post(act(review, "coordinate"), {"outcome": "pass", "opinion": "同意承办机构意见"})
    review.refresh_from_db()
    assert (review.state, review.final_outcome) == (ReviewState.PASSED, "pass")
    assert ReviewerRecord.objects.get(review=review).kind == "reversed"

    home = client.get(reverse("review:home")).content.decode()
    assert "待记录集体讨论" in home and reverse("review:collective", args=[case.pk]) in home
    response = client.post(
        reverse("review:collective", args=[case.pk]),
        {
            "held_at": "2026-11-20T09:30:00",
            "place": "局三楼会议室",
            "host": "局长",
            "attendees": "局长\n副局长甲\n副局长乙",
            "opinions": "局长：同意\n副局长甲：同意\n副局长乙：同意",
            "conclusion": "同意按拟决定处罚",
        },
    )
    assert response.status_code == 302
    discussion = CollectiveDiscussion.objects.get(case=case)
    assert discussion.attendees == ["局长", "副局长甲", "副局长乙"]
    assert discussion.opinions[0] == {"name": "局长", "opinion": "同意"}

    final = client.get(reverse("review:detail", args=[review.pk])).content.decode()
    assert "同意承办机构意见" in final and "审核意见被改变" in final


def test_a_refused_opinion_is_shown_next_to_the_form_and_writes_nothing(case_world: CaseWorld, client: Client) -> None:
    w, b = case_world, case_world.bureau
    review = taken(w)
    before = ledger_size()
    data = checklist_form()
    del data["facts_clear_ok"]  # one point left unanswered
    response = as_user(client, b.reviewer).post(act(review, "decide"), {**data, "outcome": "pass", "opinion": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "未能完成，未保存任何内容" in body
    assert "请对“案件事实是否清楚”作出判断。" in body and "请填写审核意见。" in body
    assert 'id="act-decide"' in body  # shown with the form
    assert ledger_size() == before
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED and review.outcome == ""

    # A pass with a point at fault is refused by the service in Chinese.
    response = client.post(
        act(review, "decide"),
        {**checklist_form(evidence_sufficient="缺少现场照片"), "outcome": "pass", "opinion": "同意"},
    )
    assert response.status_code == 422 and "不能审核通过" in response.content.decode()
    assert ledger_size() == before


def test_a_second_request_and_a_preliminary_review_without_opinion_are_refused(
    case_world: CaseWorld, client: Client
) -> None:
    w, b = case_world, case_world.bureau
    review = requested(w)
    before = ledger_size()
    response = as_user(client, b.officer).post(reverse("review:request", args=[review.case_id]), {})
    assert response.status_code == 422 and "本案已有正在进行的法制审核" in response.content.decode()
    response = as_user(client, b.preliminary_reviewer).post(act(review, "preliminary"), {"decision": "approve"})
    assert response.status_code == 422 and "请填写初审意见" in response.content.decode()
    # Acting in the wrong state: the message is shown, nothing written.
    response = as_user(client, b.head).post(act(review, "head_sign"), {"opinion": "同意"})
    assert response.status_code == 422 and "不能办理此操作" in response.content.decode()
    assert ledger_size() == before


def test_a_returned_review_links_to_a_new_round(case_world: CaseWorld, client: Client) -> None:
    w, b = case_world, case_world.bureau
    review = requested(w)
    as_user(client, b.preliminary_reviewer).post(
        act(review, "preliminary"), {"decision": "return", "opinion": "补充证据"}
    )
    review.refresh_from_db()
    assert review.state == ReviewState.RETURNED
    page = as_user(client, b.officer).get(reverse("review:detail", args=[review.pk])).content.decode()
    assert reverse("review:request", args=[review.case_id]) in page
    client.post(reverse("review:request", args=[review.case_id]), {})
    assert list(LegalReview.objects.filter(case_id=review.case_id).values_list("round", flat=True)) == [2, 1]


# --- the catalogue ---------------------------------------------------------------------------------------------------

RULE = {
    "scope": "agency",
    "code": "XLT-01",
    "name": "对个体工商户罚款一万元以上",
    "fine_person_min": "10000",
    "basis": "本局重大执法决定目录",
}


def test_the_catalogue_add_edit_deactivate(bureau: Any, client: Client) -> None:
    page = as_user(client, bureau.reviewer).get(reverse("review:catalogue")).content.decode()
    assert "重大执法决定目录清单" in page and "ZD-001" in page  # the seeded defaults
    response = client.post(reverse("review:rule_new"), RULE)
    assert response.status_code == 302
    rule = MajorDecisionRule.objects.get(code="XLT-01")
    assert (rule.agency, rule.fine_person_min) == (bureau.agency, 10000)
    client.post(reverse("review:rule_edit", args=[rule.pk]), {**RULE, "sanctions": ["closure"], "name": "新情形"})
    rule.refresh_from_db()
    assert (rule.name, rule.sanctions) == ("新情形", ["closure"])
    before = ledger_size()
    response = client.post(reverse("review:rule_edit", args=[rule.pk]), {**RULE, "basis": ""})
    assert response.status_code == 422 and "请填写依据。" in response.content.decode()
    assert ledger_size() == before
    response = client.post(reverse("review:rule_deactivate", args=[rule.pk]), {"note": ""})
    assert response.status_code == 302 and MajorDecisionRule.objects.get(pk=rule.pk).active
    client.post(reverse("review:rule_deactivate", args=[rule.pk]), {"note": "并入市局目录"})
    assert not MajorDecisionRule.objects.get(pk=rule.pk).active
    page = client.get(reverse("review:catalogue")).content.decode()
    assert "已停用" in page and "责令关闭" in page
    # A deployment-wide line is the administrator's.
    response = client.post(reverse("review:rule_new"), {**RULE, "scope": "all", "code": "ALL-02"})
    assert response.status_code == 403 and not MajorDecisionRule.objects.filter(code="ALL-02").exists()
    response = as_user(client, bureau.superuser).post(
        reverse("review:rule_new"), {**RULE, "scope": "all", "code": "ALL-02"}
    )
    assert response.status_code == 302 and MajorDecisionRule.objects.get(code="ALL-02").agency is None


# --- reviewers ---------------------------------------------------------------------------------------------------------


def test_the_reviewers_page_qualifications_training_records_and_share(case_world: CaseWorld, client: Client) -> None:
    w, b = case_world, case_world.bureau
    page = as_user(client, b.leader).get(reverse("review:reviewers")).content.decode()
    assert "低于5%要求" in page and "占比 <strong>0.0%</strong>" in page
    before = ledger_size()
    response = client.post(
        reverse("review:reviewer_qualify"),
        {"user": b.reviewer.pk, "qualified": "on", "first_time": "on", "appointed_on": "2024-03-01"},
    )
    assert response.status_code == 422
    assert "初次从事法制审核工作的人员，应当取得法律职业资格" in response.content.decode()
    assert ledger_size() == before and not ReviewerQualification.objects.exists()
    qualify(w)
    response = as_user(client, b.reviewer).post(
        reverse("review:reviewer_training"),
        {
            "user": b.reviewer.pk,
            "held_on": "2026-06-12",
            "hours": "8",
            "topic": "行政处罚法修订要点",
            "organiser": "市司法局",
        },
    )
    assert response.status_code == 302 and ReviewerTraining.objects.get().topic == "行政处罚法修订要点"
    review = taken(w)
    LegalReview.objects.filter(pk=review.pk).update(due_on=dt.date(2026, 1, 5))
    review_decide(actor=b.reviewer, review=review, checklist=all_ok(), outcome="pass", opinion="同意")
    page = client.get(reverse("review:reviewers")).content.decode()
    assert "达到5%要求" in page and "行政处罚法修订要点" in page
    assert "超期审核" in page and "A20182101000001" in page


# --- figures and exports -----------------------------------------------------------------------------------------------


def read_csv(response: Any) -> list[list[str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_figures_page_and_its_csv_exports(case_world: CaseWorld, client: Client) -> None:
    w, b = case_world, case_world.bureau
    review = decided(w, "return")
    today = review.submitted_at.date() if review.submitted_at else dt.date.today()
    query = {"start": (today - dt.timedelta(days=1)).isoformat(), "end": (today + dt.timedelta(days=1)).isoformat()}
    page = as_user(client, b.leader).get(reverse("review:stats"), query)
    assert page.status_code == 200
    body = page.content.decode()
    assert "执法监察科" in body and "合计" in body and "100.0%" in body

    response = client.get(reverse("review:stats_csv"), query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["承办机构", "送审数", "已审结", "通过"]
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_name["执法监察科"]["送审数"] == "1" and by_name["合计"]["退回率"] == "100.0%"
    assert by_name["合计"]["超期"] == "0"

    rows = read_csv(client.get(reverse("review:reviews_csv"), query))
    assert rows[0][0] == "案件编号" and len(rows) == 2
    listed = dict(zip(rows[0], rows[1], strict=True))
    assert listed["案件编号"] == review.case.number and listed["审核结论"] == "退回补正"
    assert listed["承办机构"] == "执法监察科" and listed["超期"] == "否"


def test_the_figures_page_takes_a_fixed_number_of_queries(case_world: CaseWorld, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanxiang.review.tests.test_selectors import make_review

    w, b = case_world, case_world.bureau
    cases = [w.open(), w.open()]
    query = {"start": "2026-01-01", "end": "2026-11-24"}
    as_user(client, b.leader).get(reverse("review:stats"), query)
    counts = []
    for round in range(1, 7):
        make_review(cases[round % 2], round, b.officer, submitted=dt.date(2026, 3, round + 1), outcome="pass")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("review:stats"), query).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


@pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed")
def test_the_flowchart_is_shown_on_the_review_pages(case_world: CaseWorld, client: Client) -> None:
    review = requested(case_world)
    page = as_user(client, case_world.bureau.officer).get(reverse("review:detail", args=[review.pk])).content.decode()
    assert 'class="node ws-current"><title>preliminary</title>' in page.replace("\n", "")
    page = client.get(reverse("review:flowchart")).content.decode()
    assert "<svg" in page and "局领导协调：通过" in page and reverse("portal:flowchart-review") in page


# --- the permission suite over every route of the namespace -------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    id: str
    build: Callable[[CaseWorld, Any], Endpoint]


def _nobody(w: CaseWorld) -> Any:
    return make_user("nobody")


def _review_route(
    action: str, state: Callable[[CaseWorld], LegalReview], permitted: str, wrong: str, data: Any
) -> Route:
    def build(w: CaseWorld, nobody: Any) -> Endpoint:
        review = state(w)
        b = w.bureau
        return Endpoint(
            Request("post", act(review, action), data(w) if callable(data) else data, format="form"),
            permitted=[getattr(b, permitted)],
            no_permission=[nobody, getattr(b, wrong)],
            constrained=[b.outsider],
        )

    return Route("action", action, build)


def _get(name: str, args: Callable[[CaseWorld], list[Any]] | None = None, **kwargs: Any) -> Route:
    """A page any staff member of the agency may read; another agency's user sees it only for their own agency."""

    def build(w: CaseWorld, nobody: Any) -> Endpoint:
        b = w.bureau
        url = reverse(f"review:{name}", args=args(w) if args else [])
        return Endpoint(
            Request("get", url),
            permitted=[b.leader],
            no_permission=[nobody],
            constrained=[b.outsider] if args else [],
        )

    return Route(name, kwargs.get("id", name), build)


def _agency_rule(w: CaseWorld) -> MajorDecisionRule:
    return rule_save(
        actor=w.bureau.reviewer,
        agency=w.bureau.agency,
        data={"code": "XLT-09", "name": "吊销", "sanctions": ["licence_revocation"], "basis": "本局目录"},
    )


def _passed_case(w: CaseWorld) -> Case:
    return decided(w, "pass").case


ROUTES: list[Route] = [
    _get("home"),
    _get("detail", lambda w: [requested(w).pk]),
    _review_route(
        "preliminary", requested, "preliminary_reviewer", "officer", {"decision": "approve", "opinion": "同意"}
    ),
    _review_route("head_sign", at_head, "head", "preliminary_reviewer", {"opinion": "同意"}),
    _review_route("take", submitted, "reviewer", "head", {}),
    _review_route("consult", taken, "reviewer", "leader", lambda w: {"adviser": w.bureau.adviser.pk, "question": "问"}),
    _review_route("adviser_opinion", consulted, "adviser", "reviewer", {"opinion": "意见"}),
    _review_route("decide", taken, "reviewer", "adviser", {**checklist_form(), "outcome": "pass", "opinion": "同意"}),
    _review_route("disagree", decided, "head", "officer", {"opinion": "不同意"}),
    _review_route("coordinate", escalated, "leader", "head", {"outcome": "pass", "opinion": "同意"}),
    _get("request", lambda w: [to_review(w).pk], id="request-page"),
    Route(
        "request",
        "request-post",
        lambda w, nobody: Endpoint(
            Request("post", reverse("review:request", args=[to_review(w).pk]), {}, format="form"),
            permitted=[w.bureau.officer],
            no_permission=[nobody, w.bureau.office_clerk],
            constrained=[w.bureau.outsider],
        ),
    ),
    _get("collective", lambda w: [_passed_case(w).pk], id="collective-page"),
    Route(
        "collective",
        "collective-post",
        lambda w, nobody: Endpoint(
            Request(
                "post",
                reverse("review:collective", args=[_passed_case(w).pk]),
                {
                    "held_at": "2026-11-20T09:30:00",
                    "place": "会议室",
                    "host": "局长",
                    "attendees": "甲\n乙\n丙",
                    "opinions": "甲：同意",
                    "conclusion": "同意",
                },
                format="form",
            ),
            permitted=[w.bureau.leader],
            no_permission=[nobody, w.bureau.head],
            constrained=[w.bureau.outsider],
        ),
    ),
    _get("catalogue"),
    Route(
        "rule_new",
        "rule_new",
        lambda w, nobody: Endpoint(
            Request("post", reverse("review:rule_new"), {**RULE, "code": "XLT-77"}, format="form"),
            permitted=[w.bureau.reviewer],
            no_permission=[nobody, w.bureau.officer, w.bureau.leader],
        ),
    ),
    Route(
        "rule_edit",
        "rule_edit",
        lambda w, nobody: Endpoint(
            Request("post", reverse("review:rule_edit", args=[_agency_rule(w).pk]), RULE, format="form"),
            permitted=[w.bureau.admin],
            no_permission=[nobody, w.bureau.officer, w.bureau.supervisor],
            constrained=[w.bureau.outsider],
        ),
    ),
    Route(
        "rule_deactivate",
        "rule_deactivate",
        lambda w, nobody: Endpoint(
            Request(
                "post", reverse("review:rule_deactivate", args=[_agency_rule(w).pk]), {"note": "废止"}, format="form"
            ),
            permitted=[w.bureau.reviewer],
            no_permission=[nobody, w.bureau.head],
            constrained=[w.bureau.outsider],
        ),
    ),
    _get("reviewers"),
    Route(
        "reviewer_qualify",
        "reviewer_qualify",
        lambda w, nobody: Endpoint(
            Request(
                "post",
                reverse("review:reviewer_qualify"),
                {
                    "user": w.bureau.reviewer.pk,
                    "qualified": "on",
                    "legal_qualification_number": "A1",
                    "appointed_on": "2024-03-01",
                },
                format="form",
            ),
            permitted=[w.bureau.leader],
            no_permission=[nobody, w.bureau.reviewer],
            constrained=[w.bureau.outsider],
        ),
    ),
    Route(
        "reviewer_training",
        "reviewer_training",
        lambda w, nobody: Endpoint(
            Request(
                "post",
                reverse("review:reviewer_training"),
                {
                    "user": w.bureau.reviewer.pk,
                    "held_on": "2026-06-01",
                    "hours": "4",
                    "topic": "培训",
                    "organiser": "市局",
                },
                format="form",
            ),
            permitted=[w.bureau.reviewer],
            no_permission=[nobody, w.bureau.officer],
            constrained=[w.bureau.outsider],
        ),
    ),
    _get("stats"),
    _get("stats_csv"),
    _get("reviews_csv"),
    _get("flowchart"),
]


def test_the_suite_covers_every_review_route() -> None:
    names = {getattr(p, "name", None) for p in get_resolver("sanxiang.review.urls").url_patterns} - {None}
    assert names == {route.name for route in ROUTES}
    assert {r.id for r in ROUTES if r.name == "action"} == {
        "preliminary",
        "head_sign",
        "take",
        "consult",
        "adviser_opinion",
        "decide",
        "disagree",
        "coordinate",
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_permissions(case_world: CaseWorld, client: Client, route: Route) -> None:
    endpoint = route.build(case_world, _nobody(case_world))
    endpoint.check(client, expect=html_expect(), unchanged=ledger_size)


def test_another_agencys_review_is_404_even_for_its_roles(case_world: CaseWorld, client: Client) -> None:
    review = taken(case_world)
    outsider = case_world.bureau.outsider
    assert as_user(client, outsider).get(reverse("review:detail", args=[review.pk])).status_code == 404
    assert client.post(act(review, "decide"), checklist_form()).status_code == 404
    assert client.get(reverse("review:detail", args=[999999])).status_code == 404
    assert client.post(act(review, "nonsense")).status_code == 404
