"""The case gates the legal review owns (registered in ``ReviewConfig.ready``).

* ``legal_review_passed`` — a major decision needs a review whose (final) outcome is a pass, on the proposal as it is
  now: a pass on an earlier proposal is void.
* ``collective_discussion_required`` — major cases go to the leaders' collective discussion, and so do cases where
  a head or legal reviewer recorded that they must (``CaseFact``).
* ``collective_discussion_held`` — where required, a collective discussion concluded on the current proposal.
"""

from __future__ import annotations

from sanxiang.cases.gates import GateContext
from sanxiang.cases.models import Case, CaseFact, FactKind
from sanxiang.review.catalogue import Assessment, assess
from sanxiang.review.models import CollectiveDiscussion, LegalReview, Outcome


def passed_review(case: Case, digest: str) -> LegalReview | None:
    """The review that passed ``case``'s proposal ``digest`` (the leaders' coordinated pass counts), if any."""
    for review in LegalReview.objects.filter(case=case, proposal_digest=digest).order_by("-round"):
        if review.final_outcome == Outcome.PASS:
            return review
    return None


def review_blocker(case: Case, assessment: Assessment) -> str | None:
    if not assessment.major:
        return None
    if passed_review(case, assessment.digest) is not None:
        return None
    earlier = [r for r in LegalReview.objects.filter(case=case) if r.final_outcome == Outcome.PASS]
    why = f"本案属于重大执法决定（{assessment.text}），须经法制审核通过后方可作出决定"
    if earlier:
        return why + "；审核通过后拟决定已变更，原审核结论失效，应重新送审。"
    return why + "（尚无审核通过的记录）。"


def _assessment(ctx: GateContext) -> Assessment:
    """The proposal's assessment, once per evaluation of a case's gates."""
    assessment: Assessment = ctx.remember("review.assessment", lambda: assess(ctx.case))
    return assessment


def legal_review_passed(ctx: GateContext) -> str | None:
    return review_blocker(ctx.case, _assessment(ctx))


def collective_required(case: Case, assessment: Assessment | None = None) -> bool:
    if CaseFact.objects.filter(case=case, kind=FactKind.COLLECTIVE_REQUIRED).exists():
        return True
    return (assessment or assess(case)).major


def collective_discussion_required(ctx: GateContext) -> str | None:
    return (
        None if collective_required(ctx.case, _assessment(ctx)) else "本案不属于重大执法决定，也没有须集体讨论的记录。"
    )


def collective_discussion_held(ctx: GateContext) -> str | None:
    assessment = _assessment(ctx)
    if not collective_required(ctx.case, assessment):
        return None
    if CollectiveDiscussion.objects.filter(case=ctx.case, proposal_digest=assessment.digest).exists():
        return None
    return "本案须经行政机关负责人集体讨论决定（尚无对现拟决定的集体讨论结论）。"
