"""Is a proposed decision major? The catalogue (目录清单) evaluated on a case's current proposal.

A case's decision is major when any active rule in scope fires (by case kind, the agency's level and sector; blank is
any), when the proposed fine lies outside the discretion band (marked on the case by ``case_penalty_propose``), or,
with ``SANXIANG_REVIEW_ALL_GENERAL``, whenever a penalty is decided outside the summary procedure. The assessment
names every reason, so the person, the reviewer and the ledger all see why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q

from sanxiang.cases.models import Case, CaseDocument, Circumstance, Party, PartyKind, Sanction
from sanxiang.cases.processes import PROCESSES, Kind, Procedure
from sanxiang.cases.workflow import proposal_digest
from sanxiang.review.models import MajorDecisionRule


@dataclass(frozen=True)
class Assessment:
    major: bool
    digest: str
    reasons: list[dict[str, str]] = field(default_factory=list)  # [{code, name, reason}]

    @property
    def text(self) -> str:
        return "；".join(r["reason"] for r in self.reasons)


def hearing_held(case: Case) -> bool:
    return CaseDocument.objects.filter(case=case, document__template_code="hearing_record").exists()


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def rule_reasons(rule: MajorDecisionRule, case: Case, *, party_kinds: set[str], hearing: bool) -> list[str]:
    """Why ``rule`` fires for ``case`` (empty: it does not). Scope first, then any trigger."""
    agency = case.agency
    if rule.agency_id is not None and rule.agency_id != case.agency_id:
        return []
    process = PROCESSES[case.process_key]
    if (rule.case_kind and rule.case_kind != process.kind) or (rule.level and rule.level != agency.level):
        return []
    if rule.sector and rule.sector != agency.sector:
        return []
    reasons: list[str] = []
    amount = case.amount_proposed
    if amount is not None:
        if rule.fine_person_min is not None and PartyKind.PERSON in party_kinds and amount >= rule.fine_person_min:
            reasons.append(f"对公民拟罚款{_yuan(amount)}元，达到{_yuan(rule.fine_person_min)}元")
        if (
            rule.fine_organisation_min is not None
            and PartyKind.ORGANISATION in party_kinds
            and amount >= rule.fine_organisation_min
        ):
            reasons.append(f"对法人或者其他组织拟罚款{_yuan(amount)}元，达到{_yuan(rule.fine_organisation_min)}元")
    sanctions = sorted(set(rule.sanctions or []) & set(case.sanctions or []))
    if sanctions:
        reasons.append("拟" + "、".join(Sanction(s).label for s in sanctions if s in Sanction.values))
    if rule.hearing_held and hearing:
        reasons.append("经过听证程序")
    circumstances = sorted(set(rule.circumstances or []) & set(case.circumstances or []))
    if circumstances:
        reasons.append("、".join(Circumstance(c).label for c in circumstances if c in Circumstance.values))
    return reasons


def assess(case: Case, *, rules: list[MajorDecisionRule] | None = None) -> Assessment:
    """The assessment of ``case``'s current proposal."""
    reasons: list[dict[str, str]] = []
    process = PROCESSES[case.process_key]
    if case.major and case.major_reason:
        reasons.append({"code": "discretion", "name": "超出裁量基准", "reason": case.major_reason})
    if (
        getattr(settings, "SANXIANG_REVIEW_ALL_GENERAL", False)
        and process.kind == Kind.PENALTY
        and process.procedure != Procedure.SUMMARY
    ):
        reasons.append(
            {"code": "all_general", "name": "一般程序案件", "reason": "本机关对一般程序案件全部进行法制审核"}
        )
    if rules is None:
        rules = list(
            MajorDecisionRule.objects.filter(active=True)
            .filter(Q(agency__isnull=True) | Q(agency_id=case.agency_id))
            .order_by("code")
        )
    party_kinds = set(Party.objects.filter(case=case).values_list("kind", flat=True))
    hearing = any(rule.hearing_held for rule in rules) and hearing_held(case)
    for rule in rules:
        for reason in rule_reasons(rule, case, party_kinds=party_kinds, hearing=hearing):
            reasons.append({"code": rule.code, "name": rule.name, "reason": reason})
    return Assessment(major=bool(reasons), digest=proposal_digest(case), reasons=reasons)


def assessment_json(assessment: Assessment) -> list[dict[str, Any]]:
    return [dict(r) for r in assessment.reasons]
