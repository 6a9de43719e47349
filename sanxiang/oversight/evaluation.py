"""案卷评查: the automatic checks of a closed case file, and the default checklist.

Each check reads the case's own rows and its ledger entries and answers one ``Outcome``: ``pass``, ``fail`` or
``na`` (the point does not apply to this case and does not count towards the maximum), a Chinese detail, and the
ledger sequence numbers the answer rests on (the entries that satisfied the point, or, where something is missing,
the entry of the step that went ahead without it). Checks only read; ``evaluation_services`` stores the outcomes.

The checks follow what the state machine enforces (``cases.gates``), but look back over the whole case: every step
the case passed, not only the current one, so that a case file imported or changed outside the services, or a
requirement the AV list added later, shows here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sanxiang.cases.deadlines import NAMES as DEADLINE_NAMES
from sanxiang.cases.deadlines import StepVisit, case_deadlines, step_history
from sanxiang.cases.gates import _full_process_gaps
from sanxiang.cases.models import (
    Case,
    CaseDocument,
    CaseFact,
    CaseOfficer,
    CertificateShown,
    FactKind,
    Recording,
)
from sanxiang.cases.processes import PROCESSES, Process, Step
from sanxiang.cases.processes import Recording as Level
from sanxiang.cases.rules import MIN_OFFICERS, officer_eligibility
from sanxiang.core.values import parse_yuan
from sanxiang.ledger.models import Entry
from sanxiang.registry.docx.placeholders import TEMPLATES

PASS, FAIL, NA = "pass", "fail", "na"
RESULT_LABELS = {PASS: "符合", FAIL: "不符合", NA: "不适用"}
LATE_STATUSES = ("late", "overdue", "early")


@dataclass(frozen=True)
class Outcome:
    result: str
    detail: str
    entries: tuple[int, ...] = ()


@dataclass
class CaseView:
    """What the checks read of one case, loaded once: its process, its step history and the ledger seqs of its
    transitions (``transitions[i]`` entered ``history[i]``)."""

    case: Case
    process: Process
    history: list[StepVisit]
    transitions: list[int]
    today: dt.date
    _entries: dict[tuple[str, str], dict[str, list[int]]] = field(default_factory=dict)

    @property
    def passed(self) -> list[tuple[int, StepVisit, Step]]:
        """The stays the case completed (left), with their index and step."""
        return [
            (i, stay, self.process.step(stay.step_key))
            for i, stay in enumerate(self.history)
            if stay.left_at is not None
        ]

    def left_by(self, index: int) -> list[int]:
        """The seq of the transition entry that left stay ``index`` (the step went ahead)."""
        return [self.transitions[index + 1]] if index + 1 < len(self.transitions) else []

    def entries(self, subject_type: str, ids: Iterable[Any], action: str) -> dict[str, list[int]]:
        """Seqs of ``action`` entries of the given subjects, by subject id."""
        ids = [str(i) for i in ids]
        found: dict[str, list[int]] = {i: [] for i in ids}
        if ids:
            rows = Entry.objects.filter(subject_type=subject_type, subject_id__in=ids, action=action).order_by("seq")
            for subject_id, seq in rows.values_list("subject_id", "seq"):
                found[subject_id].append(seq)
        return found

    def case_entries(self, action: str) -> list[int]:
        return self.entries("cases.case", [self.case.pk], action)[str(self.case.pk)]


def case_view(case: Case, *, today: dt.date | None = None) -> CaseView:
    rows = list(
        Entry.objects.filter(
            subject_type="cases.case", subject_id=str(case.pk), action__in=("case.open", "case.advance")
        )
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    if today is None:
        today = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    return CaseView(
        case=case, process=PROCESSES[case.process_key], history=step_history(case), transitions=rows, today=today
    )


def _seqs(groups: Iterable[list[int]]) -> tuple[int, ...]:
    return tuple(sorted({seq for group in groups for seq in group}))


# --- the checks -----------------------------------------------------------------------------------------------------


def check_documents(v: CaseView) -> Outcome:
    """Every document the steps the case passed require was issued, and in the order of the case file."""
    links = {
        (link.step_key, link.visit, link.document.template_code): link
        for link in CaseDocument.objects.filter(case=v.case).select_related("document")
    }
    issued = v.entries("cases.casedocument", [link.pk for link in links.values()], "case.document_add")
    problems: list[str] = []
    seqs: list[list[int]] = []
    order: list[tuple[dt.datetime, str]] = []
    required = 0
    for index, stay, step in v.passed:
        for code in step.documents:
            required += 1
            link = links.get((stay.step_key, stay.visit, code))
            name = TEMPLATES[code].name if code in TEMPLATES else code
            if link is None:
                problems.append(f"“{step.name}”环节未制发{name}")
                seqs.append(v.left_by(index))
                continue
            seqs.append(issued[str(link.pk)])
            order.append((link.document.issued_at, f"{name}（{link.document.number}）"))
    if not required:
        return Outcome(NA, "本案办理的环节没有必须制发的文书。")
    for (earlier, first), (later, second) in itertools.pairwise(order):
        if later < earlier:
            problems.append(f"{second}早于{first}制发，不符合案卷顺序")
    if problems:
        return Outcome(FAIL, "；".join(problems) + "。", _seqs(seqs))
    return Outcome(PASS, f"应制发的{required}份文书均已制发，顺序符合办案环节。", _seqs(seqs))


def check_two_officers(v: CaseView) -> Outcome:
    """At least two officers of the case held valid certificates for it on the day it was opened."""
    opened = timezone.localdate(v.case.opened_at)
    rows = list(CaseOfficer.objects.filter(case=v.case).select_related("officer").order_by("pk"))
    assigned = v.entries("cases.caseofficer", [row.pk for row in rows], "case.officer_assign")
    good = [
        row
        for row in rows
        if not officer_eligibility(officer=row.officer, item=v.case.item, place_region=v.case.place_region, on=opened)
        and (row.active or row.recusal_decided_at is not None)
    ]
    seqs = _seqs(assigned[str(row.pk)] for row in rows)
    names = "、".join(row.officer.name for row in good)
    if len(good) >= MIN_OFFICERS:
        return Outcome(PASS, f"立案时指派{len(good)}名持有效执法证件的执法人员（{names}）。", seqs)
    return Outcome(
        FAIL,
        f"立案时持有效执法证件的承办人员只有{len(good)}名，少于{MIN_OFFICERS}名（行政处罚法第四十二条）。",
        seqs or tuple(v.transitions[:1]),
    )


def check_certificate_shown(v: CaseView) -> Outcome:
    """At every on-site step passed, two or more officers showed their certificates."""
    on_site = [(i, stay, step) for i, stay, step in v.passed if step.on_site]
    if not on_site:
        return Outcome(NA, "本案没有现场执法环节。")
    shown = list(CertificateShown.objects.filter(case=v.case).select_related("officer"))
    entries = v.entries("cases.certificateshown", [row.pk for row in shown], "case.certificate_shown")
    problems: list[str] = []
    seqs: list[list[int]] = []
    for index, stay, step in on_site:
        rows = [row for row in shown if row.step_key == stay.step_key and row.visit == stay.visit]
        officers = {row.officer_id for row in rows}
        seqs.extend(entries[str(row.pk)] for row in rows)
        if len(officers) < MIN_OFFICERS:
            problems.append(f"“{step.name}”环节出示执法证件的执法人员{len(officers)}名，少于{MIN_OFFICERS}名")
            seqs.append(v.left_by(index))
    if problems:
        return Outcome(FAIL, "；".join(problems) + "。", _seqs(seqs))
    return Outcome(PASS, f"{len(on_site)}个现场执法环节均有{MIN_OFFICERS}名以上执法人员出示执法证件。", _seqs(seqs))


def check_recordings(v: CaseView) -> Outcome:
    """Every step passed that the process or the published AV list requires recorded has its recording."""
    from sanxiang.registry.selectors import recording_requirement

    recordings = list(Recording.objects.filter(case=v.case))
    entries = v.entries("cases.recording", [row.pk for row in recordings], "case.recording_add")
    shown = list(CertificateShown.objects.filter(case=v.case))
    needed = 0
    problems: list[str] = []
    seqs: list[list[int]] = []
    for index, stay, step in v.passed:
        level = recording_requirement(agency=v.case.agency_id, process_key=v.case.process_key, step_key=step.key)
        if level == Level.NONE.value:
            continue
        needed += 1
        rows = [row for row in recordings if row.step_key == stay.step_key and row.visit == stay.visit]
        seqs.extend(entries[str(row.pk)] for row in rows)
        if not rows:
            problems.append(f"“{step.name}”环节{Level(level).label}，没有音像记录")
            seqs.append(v.left_by(index))
        elif level == Level.FULL_PROCESS.value:
            moments = [s.shown_at for s in shown if s.step_key == stay.step_key and s.visit == stay.visit]
            gaps = _full_process_gaps(rows, moments)
            if gaps:
                problems.append(f"“{step.name}”环节：" + "".join(gaps).rstrip("。"))
                seqs.append(v.left_by(index))
    if not needed:
        return Outcome(NA, "本案办理的环节没有音像记录要求。")
    if problems:
        return Outcome(FAIL, "；".join(problems) + "。", _seqs(seqs))
    return Outcome(PASS, f"{needed}个须音像记录的环节均有音像记录。", _seqs(seqs))


def check_deadlines(v: CaseView) -> Outcome:
    """The case's legal time limits (cases.deadlines) were all met."""
    deadlines = [d for d in case_deadlines(v.case, today=v.today) if d.status != "pending"]
    if not deadlines:
        return Outcome(NA, "本案没有已起算的法定期限。")
    late = [d for d in deadlines if d.status in LATE_STATUSES]
    seqs: list[list[int]] = []
    for d in late or deadlines:
        stays = [i for i, stay in enumerate(v.history) if stay.step_key == d.step_key]
        if stays:
            seqs.append(v.left_by(stays[-1]) or v.transitions[stays[-1] : stays[-1] + 1])
    if late:
        parts = []
        for d in late:
            when = f"于{d.met_on:%Y年%m月%d日}完成" if d.met_on else "至今未完成"
            parts.append(f"{DEADLINE_NAMES.get(d.key, d.name)}（{d.basis}）应于{d.due:%Y年%m月%d日}前完成，{when}")
        return Outcome(FAIL, "；".join(parts) + "。", _seqs(seqs))
    names = "、".join(d.name for d in deadlines)
    return Outcome(PASS, f"{names}均按期完成。", _seqs(seqs))


def _decision_time(v: CaseView) -> tuple[dt.datetime | None, list[int]]:
    link = (
        CaseDocument.objects.filter(case=v.case, document__template_code="penalty_decision")
        .select_related("document")
        .order_by("pk")
        .first()
    )
    if link is not None:
        return link.document.issued_at, v.entries("cases.casedocument", [link.pk], "case.document_add")[str(link.pk)]
    for index, stay, _step in v.passed:
        if stay.step_key == "decide":
            return stay.left_at, v.left_by(index)
    return None, []


def _major(case: Case) -> tuple[bool, str]:
    from sanxiang.review.catalogue import assess

    assessment = assess(case)
    if assessment.major:
        return True, assessment.text or "属于重大执法决定"
    if case.major:
        return True, case.major_reason or "列为重大案件"
    return False, ""


def check_review(v: CaseView) -> Outcome:
    """A major decision passed legal review before it was made."""
    from sanxiang.review.models import LegalReview
    from sanxiang.review.models import Outcome as ReviewOutcome

    major, why = _major(v.case)
    if not major:
        return Outcome(NA, "本案不属于重大执法决定，无须法制审核。")
    decided_at, decision_seqs = _decision_time(v)
    reviews = list(LegalReview.objects.filter(case=v.case).order_by("round"))
    passed = [
        r
        for r in reviews
        if r.final_outcome == ReviewOutcome.PASS
        and (decided_at is None or (r.coordinated_at or r.decided_at or decided_at) <= decided_at)
    ]
    if passed:
        review = passed[-1]
        decided = v.entries("review.legalreview", [review.pk], "review.decide")[str(review.pk)]
        coordinated = v.entries("review.legalreview", [review.pk], "review.coordinate")[str(review.pk)]
        return Outcome(
            PASS, f"重大执法决定（{why}）经第{review.round}轮法制审核通过后作出。", _seqs([decided, coordinated])
        )
    propose = v.case_entries("case.penalty_propose")[-1:]
    return Outcome(
        FAIL,
        f"本案属于重大执法决定（{why}），作出决定前没有审核通过的法制审核记录（行政处罚法第五十八条）。",
        _seqs([decision_seqs, propose]),
    )


def check_collective(v: CaseView) -> Outcome:
    """Where required (a major case, or recorded as needing it), the leaders' collective discussion was held."""
    from sanxiang.review.models import CollectiveDiscussion

    facts = list(CaseFact.objects.filter(case=v.case, kind=FactKind.COLLECTIVE_REQUIRED))
    major, _why = _major(v.case)
    if not facts and not major:
        return Outcome(NA, "本案无须集体讨论。")
    discussions = list(CollectiveDiscussion.objects.filter(case=v.case).order_by("held_at"))
    fact_seqs = v.entries("cases.casefact", [f.pk for f in facts], "case.fact").values()
    if discussions:
        held = v.entries("review.collectivediscussion", [d.pk for d in discussions], "review.collective")
        last = discussions[-1]
        return Outcome(
            PASS,
            f"已于{timezone.localtime(last.held_at):%Y年%m月%d日}由行政机关负责人集体讨论决定。",
            _seqs([*held.values(), *fact_seqs]),
        )
    decided_seqs = _decision_time(v)[1]
    return Outcome(
        FAIL,
        "本案须经行政机关负责人集体讨论决定，没有集体讨论记录（行政处罚法第五十七条）。",
        _seqs([*fact_seqs, decided_seqs]),
    )


def check_publication(v: CaseView) -> Outcome:
    """Each decision of the case was published by its due date (行政执法公示)."""
    from sanxiang.disclosure.models import Publication, PublicationTask, TaskState

    tasks = list(PublicationTask.objects.filter(case=v.case).order_by("pk"))
    if not tasks:
        return Outcome(NA, "本案没有须公开的行政执法决定。")
    publications = {p.task_id: p for p in Publication.objects.filter(task__in=tasks)}
    created = v.entries("disclosure.publicationtask", [t.pk for t in tasks], "publication.task_create")
    published = v.entries("disclosure.publication", [p.pk for p in publications.values()], "publication.publish")
    problems: list[str] = []
    pending: list[str] = []
    seqs: list[list[int]] = []
    for task in tasks:
        publication = publications.get(task.pk)
        seqs.append(created[str(task.pk)])
        if publication is not None:
            seqs.append(published[str(publication.pk)])
            if publication.published_on > task.due_on:
                problems.append(
                    f"决定应于{task.due_on:%Y年%m月%d日}前公开，{publication.published_on:%Y年%m月%d日}才公开"
                )
        elif task.state == TaskState.DUE:
            if v.today > task.due_on:
                problems.append(f"决定应于{task.due_on:%Y年%m月%d日}前公开，至今未公开")
            else:
                pending.append(f"{task.due_on:%Y年%m月%d日}")
    if problems:
        return Outcome(FAIL, "；".join(problems) + "。", _seqs(seqs))
    if pending:
        return Outcome(NA, f"决定尚在公开期限内（{'、'.join(pending)}前公开），公开后重新评查。", _seqs(seqs))
    return Outcome(PASS, "决定均已按期公开（或依法不予公开）。", _seqs(seqs))


def check_discretion(v: CaseView) -> Outcome:
    """The fine lies within the discretion band applied, or the reason for leaving it is recorded."""
    case = v.case
    bands = case.item.discretion_benchmark if isinstance(case.item.discretion_benchmark, list) else []
    if case.amount_proposed is None or not bands:
        return Outcome(NA, "本案没有罚款，或执法事项没有裁量基准。")
    seqs = tuple(v.case_entries("case.penalty_propose")[-1:])
    band = case.discretion_band
    if band is None or not 1 <= band <= len(bands):
        return Outcome(FAIL, "拟罚款没有适用的裁量档次。", seqs)
    chosen = bands[band - 1]
    low, high = parse_yuan(chosen.get("fine_min") or ""), parse_yuan(chosen.get("fine_max") or "")
    amount = Decimal(case.amount_proposed)
    if low is None or high is None or low <= amount <= high:
        return Outcome(PASS, f"罚款{amount:,.2f}元在裁量基准第{band}档范围内。", seqs)
    outside = f"罚款{amount:,.2f}元超出裁量基准第{band}档（{low:,.2f}—{high:,.2f}元）"
    if case.discretion_reason.strip():
        return Outcome(PASS, f"{outside}，已记录理由：{case.discretion_reason.strip()}", seqs)
    return Outcome(FAIL, f"{outside}，没有记录理由。", seqs)


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    weight: int
    basis: str
    run: Callable[[CaseView], Outcome]


CHECKS: dict[str, Check] = {
    c.key: c
    for c in (
        Check(
            "documents",
            "文书齐全、按序制发",
            20,
            "行政处罚法第四十四条至第六十一条；实施方案二(二)2（文书制作规范）；案卷文书顺序",
            check_documents,
        ),
        Check(
            "two_officers", "两名以上持证执法人员", 10, "行政处罚法第四十二条；行政强制法第十八条", check_two_officers
        ),
        Check(
            "certificate_shown",
            "现场出示执法证件",
            10,
            "行政处罚法第五十五条；实施方案二(一)2（亮证执法）",
            check_certificate_shown,
        ),
        Check(
            "recordings",
            "音像记录",
            15,
            "实施方案二(二)1（执法全过程记录制度）；音像记录事项清单",
            check_recordings,
        ),
        Check("deadlines", "办案期限", 15, "行政处罚法第六十条、第六十一条、第八十五条", check_deadlines),
        Check("review", "重大执法决定法制审核", 10, "行政处罚法第五十八条；实施方案二(三)", check_review),
        Check("collective", "集体讨论", 5, "行政处罚法第五十七条第二款", check_collective),
        Check("publication", "按期公示", 10, "行政处罚法第四十八条；实施方案二(一)3（事后公开）", check_publication),
        Check("discretion", "裁量基准适用", 5, "行政处罚法第三十四条；裁量基准", check_discretion),
    )
}


def default_points() -> list[dict[str, Any]]:
    """The default checklist: every check, with its weight and basis."""
    return [{"key": c.key, "label": c.label, "weight": c.weight, "basis": c.basis} for c in CHECKS.values()]


def run_checks(case: Case, points: list[dict[str, Any]], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The outcome of each checklist point for ``case``, as stored in ``CaseEvaluation.points``."""
    view = case_view(case, today=today)
    results = []
    for point in points:
        outcome = CHECKS[point["key"]].run(view)
        results.append(
            {
                "key": point["key"],
                "label": point["label"],
                "weight": str(point["weight"]),
                "result": outcome.result,
                "detail": outcome.detail,
                "entries": list(outcome.entries),
            }
        )
    return results
