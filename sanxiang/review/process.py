"""The legal review's workflow as data (审核流程定义): its states, who acts in each, and the transitions the services
make, with their Chinese names. The published flowchart is drawn from it (``flowchart_svg``) and a test checks that
each service moves a review exactly along one of these transitions, so what is published is what is enforced.

The definition is drawn with the case flowcharts' renderer (``cases.flowcharts``): it is expressed as a
``cases.processes.Process`` (validated like the case kinds) whose steps are the review states. It is not one of the
case kinds (``PROCESSES``): no case runs under it; ``kind`` is the penalty kind only because the definition type
needs one, and ``procedure`` is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanxiang.cases.processes import DayCount, Deadline, Kind, Limit, Process, Step, Transition, validate
from sanxiang.org.models import Role
from sanxiang.review.models import ReviewState

KEY = "legal-review"
NAME = "重大执法决定法制审核"

OFFICER, HEAD, PRE, LEGAL, ADVISER, LEADER = (
    Role.OFFICER.value,
    Role.DEPARTMENT_HEAD.value,
    Role.PRELIMINARY_REVIEWER.value,
    Role.LEGAL_REVIEWER.value,
    Role.LEGAL_ADVISER.value,
    Role.LEADER.value,
)


@dataclass(frozen=True)
class Move:
    """A transition and the service that makes it (``services.<service>``), with who may call it."""

    source: str
    target: str
    name: str
    service: str
    roles: tuple[str, ...]
    condition: str = ""


MOVES: tuple[Move, ...] = (
    Move(ReviewState.PRELIMINARY, ReviewState.HEAD, "初审同意", "review_preliminary", (PRE,)),
    Move(
        ReviewState.PRELIMINARY,
        ReviewState.RETURNED,
        "初审退回",
        "review_preliminary",
        (PRE,),
        "初审发现问题的，退回承办人员补正，补正后重新送审（新一轮）。",
    ),
    Move(ReviewState.HEAD, ReviewState.SUBMITTED, "科室负责人签署送审", "review_head_sign", (HEAD,)),
    Move(
        ReviewState.SUBMITTED,
        ReviewState.PASSED,
        "审核通过",
        "review_decide",
        (LEGAL,),
        "各审核要点均无问题，且拟决定自送审后未变更。",
    ),
    Move(ReviewState.SUBMITTED, ReviewState.RETURNED, "退回补正", "review_decide", (LEGAL,)),
    Move(ReviewState.SUBMITTED, ReviewState.FAILED, "审核不通过", "review_decide", (LEGAL,)),
    Move(
        ReviewState.RETURNED,
        ReviewState.ESCALATED,
        "不同意审核意见，提请协调",
        "review_disagree",
        (HEAD,),
        "承办机构不同意法制审核意见的（初审退回的除外），将双方意见报局领导。",
    ),
    Move(
        ReviewState.FAILED,
        ReviewState.ESCALATED,
        "不同意审核意见，提请协调",
        "review_disagree",
        (HEAD,),
        "承办机构不同意法制审核意见的，将双方意见报局领导。",
    ),
    Move(ReviewState.ESCALATED, ReviewState.PASSED, "局领导协调：通过", "review_coordinate", (LEADER,)),
    Move(ReviewState.ESCALATED, ReviewState.RETURNED, "局领导协调：退回补正", "review_coordinate", (LEADER,)),
    Move(ReviewState.ESCALATED, ReviewState.FAILED, "局领导协调：不通过", "review_coordinate", (LEADER,)),
)

# Who acts in each state, and what happens there (the published text under the chart).
STATES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        ReviewState.PRELIMINARY,
        (PRE,),
        "承办人员或科室负责人送审后，由科室初审员审查送审材料和拟决定，提出初审意见。",
    ),
    (ReviewState.HEAD, (HEAD,), "科室负责人签署意见，提交法规科；审核期限自提交之日起算。"),
    (
        ReviewState.SUBMITTED,
        (LEGAL, ADVISER),
        "具备资格的法制审核人员承办，逐项审核11个审核要点并出具审核意见；可以征求法律顾问意见。",
    ),
    (ReviewState.PASSED, (LEGAL, LEADER), "审核通过，对送审的拟决定有效；拟决定此后变更的，原审核结论失效。"),
    (ReviewState.RETURNED, (OFFICER, HEAD), "承办人员补正后重新送审；或科室负责人不同意法制审核意见，提请协调。"),
    (ReviewState.FAILED, (HEAD,), "不得作出该决定；科室负责人不同意的，可以提请局领导协调。"),
    (ReviewState.ESCALATED, (LEADER,), "局领导研究双方意见，作出协调决定；改变审核意见的，记入审核人员责任记录。"),
)


def review_days() -> int:
    """The review period in working days: the Liaoning default, or the local override (``services.review_due``'s)."""
    from sanxiang.review.services import review_period_days

    return review_period_days()


def review_process() -> Process:
    """The review workflow as a ``Process`` for drawing and for the published step-by-step text."""
    from sanxiang.review.services import REVIEW_EXTRA_DAYS

    deadline = Deadline(
        key="legal_review",
        days=review_days(),
        count=DayCount.WORKING,
        start="提交法制审核之日",
        basis="辽宁省重大行政执法决定法制审核办法（默认7个工作日，情况复杂的另加3个工作日）",
    )
    steps = tuple(
        Step(
            key=str(state),
            name=ReviewState(state).label,
            roles=roles,
            deadline=deadline if state == ReviewState.SUBMITTED else None,
            description=description,
        )
        for state, roles, description in STATES
    )
    transitions = tuple(Transition(str(m.source), str(m.target), m.name, condition=m.condition) for m in MOVES)
    return validate(
        Process(
            key=KEY,
            name=NAME,
            kind=Kind.PENALTY,
            procedure=None,
            steps=steps,
            transitions=transitions,
            start=ReviewState.PRELIMINARY.value,
            ends=(ReviewState.PASSED.value,),
            description=(
                "属于重大执法决定目录清单情形的拟决定，作出决定前须经法制审核；未经审核或者审核未通过的，不得作出决定。"
            ),
            limits=(
                Limit(
                    key="complex_extra_days",
                    value=REVIEW_EXTRA_DAYS,
                    unit="个工作日",
                    description="情况复杂的，审核期限另加",
                    basis="辽宁省重大行政执法决定法制审核办法",
                ),
            ),
        )
    )


def transitions() -> set[tuple[str, str]]:
    return {(str(m.source), str(m.target)) for m in MOVES}


def flowchart_svg() -> str:
    """The review process drawn by Graphviz (``GraphvizMissing`` when ``dot`` is not installed)."""
    from sanxiang.cases.flowcharts import flowchart_svg as draw

    return draw(review_process())
