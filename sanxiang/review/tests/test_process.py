"""The review process is data: the published chart has exactly the definition's states and transitions by their
Chinese names, and every transition of the definition is what a service does (and no service does anything else)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanxiang.cases.flowcharts import dot_available
from sanxiang.cases.tests.conftest import CaseWorld
from sanxiang.cases.tests.test_flowcharts import SVG, groups, texts, title
from sanxiang.org.models import Role
from sanxiang.review import process
from sanxiang.review.models import LegalReview, ReviewState
from sanxiang.review.services import (
    review_coordinate,
    review_decide,
    review_disagree,
    review_head_sign,
    review_preliminary,
    review_request,
    review_take,
)
from sanxiang.review.tests.conftest import all_ok, qualify, to_review

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed")


def parse() -> ET.Element:
    return ET.fromstring(process.flowchart_svg().encode())  # noqa: S314 - our own dot output


def test_the_definition_covers_every_state_once() -> None:
    definition = process.review_process()
    assert [s.key for s in definition.steps] == [str(s) for s in ReviewState]
    assert [s.name for s in definition.steps] == [s.label for s in ReviewState]
    assert definition.start == ReviewState.PRELIMINARY
    submitted = definition.step(ReviewState.SUBMITTED)
    assert submitted.deadline is not None and submitted.deadline.days == 7
    assert submitted.deadline.text == "提交法制审核之日起7个工作日内"
    assert definition.limits_text == "情况复杂的，审核期限另加3个工作日"
    for move in process.MOVES:  # the roles that may act are real roles
        assert set(move.roles) <= set(Role.values)


def test_the_local_period_setting_is_what_the_chart_shows(settings: Any) -> None:
    settings.SANXIANG_DEADLINE_DAYS = {"legal_review": 5}
    deadline = process.review_process().step(ReviewState.SUBMITTED).deadline
    assert deadline is not None and deadline.days == 5


@needs_dot
def test_the_chart_has_exactly_the_definitions_states_by_their_chinese_names() -> None:
    definition = process.review_process()
    nodes = {title(n): texts(n) for n in groups(parse(), "node")}
    assert sorted(nodes) == sorted(s.key for s in definition.steps)
    for step in definition.steps:
        lines = nodes[step.key]
        assert lines[0] == step.name
        assert "由" + "、".join(step.role_names) + "办理" in lines
    assert "时限：提交法制审核之日起7个工作日内" in nodes[ReviewState.SUBMITTED]


@needs_dot
def test_the_chart_has_exactly_the_definitions_transitions_by_their_chinese_names() -> None:
    edges = {title(e): texts(e) for e in groups(parse(), "edge")}
    assert sorted(edges) == sorted(f"{m.source}->{m.target}" for m in process.MOVES)
    for move in process.MOVES:
        assert edges[f"{move.source}->{move.target}"][0] == move.name
    svg = ET.tostring(parse(), encoding="unicode")
    assert SVG.strip("{}") in svg  # a real SVG document
    assert "情况复杂的，审核期限另加3个工作日" in svg


# --- each service moves a review along exactly one transition of the definition ------------------------------------


def _fresh(w: CaseWorld) -> LegalReview:
    return review_request(actor=w.bureau.officer, case=to_review(w))


def _head(w: CaseWorld) -> LegalReview:
    b = w.bureau
    return review_preliminary(actor=b.preliminary_reviewer, review=_fresh(w), approve=True, opinion="同意")


def _submitted(w: CaseWorld) -> LegalReview:
    b = w.bureau
    qualify(w)
    review = review_head_sign(actor=b.head, review=_head(w), opinion="同意")
    return review_take(actor=b.reviewer, review=review)


def _decided(w: CaseWorld, outcome: str) -> LegalReview:
    faults = {} if outcome == "pass" else {"facts_clear": "事实不清"}
    return review_decide(
        actor=w.bureau.reviewer, review=_submitted(w), checklist=all_ok(**faults), outcome=outcome, opinion="意见"
    )


def _escalated(w: CaseWorld) -> LegalReview:
    return review_disagree(actor=w.bureau.head, review=_decided(w, "fail"), opinion="不同意")


def _decide_as(outcome: str) -> Callable[[CaseWorld, LegalReview], LegalReview]:
    def call(w: CaseWorld, r: LegalReview) -> LegalReview:
        checklist = all_ok() if outcome == "pass" else all_ok(evidence_sufficient="证据不足")
        return review_decide(actor=w.bureau.reviewer, review=r, checklist=checklist, outcome=outcome, opinion="意见")

    return call


def _coordinate_as(outcome: str) -> Callable[[CaseWorld, LegalReview], LegalReview]:
    def call(w: CaseWorld, r: LegalReview) -> LegalReview:
        return review_coordinate(actor=w.bureau.leader, review=r, outcome=outcome, opinion="协调意见")

    return call


Step = tuple[str, Callable[[CaseWorld], LegalReview], Callable[[CaseWorld, LegalReview], LegalReview]]

SERVICE_TABLE: list[Step] = [
    (
        "review_preliminary",
        _fresh,
        lambda w, r: review_preliminary(actor=w.bureau.preliminary_reviewer, review=r, approve=True, opinion="同意"),
    ),
    (
        "review_preliminary",
        _fresh,
        lambda w, r: review_preliminary(actor=w.bureau.preliminary_reviewer, review=r, approve=False, opinion="补正"),
    ),
    (
        "review_head_sign",
        _head,
        lambda w, r: review_head_sign(actor=w.bureau.head, review=r, opinion=""),
    ),
    *[("review_decide", _submitted, _decide_as(outcome)) for outcome in ("pass", "return", "fail")],
    (
        "review_disagree",
        lambda w: _decided(w, "return"),
        lambda w, r: review_disagree(actor=w.bureau.head, review=r, opinion="不同意"),
    ),
    (
        "review_disagree",
        lambda w: _decided(w, "fail"),
        lambda w, r: review_disagree(actor=w.bureau.head, review=r, opinion="不同意"),
    ),
    *[("review_coordinate", _escalated, _coordinate_as(outcome)) for outcome in ("pass", "return", "fail")],
]


@pytest.mark.parametrize(
    ("service", "before", "call"), SERVICE_TABLE, ids=[f"{i}-{row[0]}" for i, row in enumerate(SERVICE_TABLE)]
)
def test_each_service_moves_along_a_transition_of_the_definition(
    case_world: CaseWorld, service: str, before: Any, call: Any
) -> None:
    review = before(case_world)
    source = review.state
    target = call(case_world, review).state
    moves = [m for m in process.MOVES if (m.source, m.target) == (source, target)]
    assert len(moves) == 1, f"{service}: {source} -> {target} is not in the definition"
    assert moves[0].service == service


def test_the_table_exercises_every_transition_of_the_definition() -> None:
    # The parametrised cases above, as (service, source, target): every move of the definition is made by one of them.
    made = {
        ("review_preliminary", "preliminary", "head"),
        ("review_preliminary", "preliminary", "returned"),
        ("review_head_sign", "head", "submitted"),
        ("review_decide", "submitted", "passed"),
        ("review_decide", "submitted", "returned"),
        ("review_decide", "submitted", "failed"),
        ("review_disagree", "returned", "escalated"),
        ("review_disagree", "failed", "escalated"),
        ("review_coordinate", "escalated", "passed"),
        ("review_coordinate", "escalated", "returned"),
        ("review_coordinate", "escalated", "failed"),
    }
    assert {(m.service, str(m.source), str(m.target)) for m in process.MOVES} == made


def test_take_consult_and_adviser_opinion_do_not_change_the_state(case_world: CaseWorld) -> None:
    from sanxiang.review.services import review_adviser_opinion, review_consult

    w, b = case_world, case_world.bureau
    review = _submitted(w)
    review = review_consult(actor=b.reviewer, review=review, adviser=b.adviser, question="是否适用从轻")
    review = review_adviser_opinion(actor=b.adviser, review=review, opinion="不适用")
    assert review.state == ReviewState.SUBMITTED


@needs_dot
def test_the_chart_is_published_on_the_portal(client: Client) -> None:
    page = client.get(reverse("portal:flowchart-review"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "重大执法决定法制审核流程图" in body and "科室初审" in body
    svg = client.get(reverse("portal:flowchart-review-svg"))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    index = client.get(reverse("portal:flowcharts")).content.decode()
    assert reverse("portal:flowchart-review") in index
