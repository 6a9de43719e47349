"""Case kinds as declarative process definitions (DESIGN.md rule 4, "Processes are data").

One ``Process`` per case kind and procedure: its steps (who may act, which documents each needs, whether audio-video
recording is required, whether officers act on site and must show their certificates, time limits, gates) and the
transitions between them. The same definition is

* enforced by the case state machine (a case moves only along a ``Transition`` whose gates hold, by a user holding
  one of the target step's roles, and a step completes only with its documents and recordings), and
* drawn as the published flowchart (公示流程图, plan 二(一)3(6)) by ``sanxiang.cases.flowcharts``,

so what is published is what is enforced. Definitions are checked when this module is imported (``validate``): a
broken definition stops the deployment from starting rather than reaching a case.

Gates are named predicates (``GATES``); this module only names them. The state machine evaluates them: the legal
review issue supplies ``legal_review_passed``, the calendar supplies the periods, and so on. Day counts follow
DOMAIN.md: art. 85 of the penalty law makes 二/三/五/七日 working days, licence periods are working days, longer periods
(the 90-day case limit, the 30-day seizure) are calendar days.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cached_property

from sanxiang.org.models import Role
from sanxiang.registry.docx.placeholders import TEMPLATES


class Kind(StrEnum):
    """The case kinds (the values of ``registry.models.EnforcementCategory`` that have a process)."""

    PENALTY = "penalty"
    COERCION = "coercion"
    INSPECTION = "inspection"
    LICENCE = "licence"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.PENALTY: "行政处罚",
    Kind.COERCION: "行政强制",
    Kind.INSPECTION: "行政检查",
    Kind.LICENCE: "行政许可",
}


class Procedure(StrEnum):
    GENERAL = "general"
    SUMMARY = "summary"


class Recording(StrEnum):
    """Audio-video recording a step needs before it can complete (118号; the AV list may add more)."""

    NONE = "none"
    REQUIRED = "required"  # at least one recording of the step
    FULL_PROCESS = "full_process"  # the whole on-site action, start to end, without gaps

    @property
    def label(self) -> str:
        return {"none": "不要求", "required": "应当音像记录", "full_process": "全过程音像记录"}[self.value]


class DayCount(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"

    @property
    def label(self) -> str:
        return "个工作日" if self is DayCount.WORKING else "日"


class Direction(StrEnum):
    WITHIN = "within"  # the step must be done within N days after the event
    AT_LEAST = "at_least"  # at least N days must pass after the event before the step (e.g. hearing notice)


@dataclass(frozen=True)
class Deadline:
    """A legal time limit of a step. ``key`` names the setting that may override ``days`` (DESIGN.md rule 5)."""

    key: str
    days: int
    count: DayCount
    start: str  # the event the period counts from, in Chinese ("立案之日")
    basis: str  # the legal basis, in Chinese
    extension_days: int = 0  # a single extension with the head's approval; 0: none, -1: as approved (no fixed cap)
    direction: Direction = Direction.WITHIN

    @property
    def text(self) -> str:
        period = f"{self.days}{self.count.label}"
        at_least = self.direction is Direction.AT_LEAST
        line = f"{self.start}起至少{period}" if at_least else f"{self.start}起{period}内"
        if self.extension_days > 0:
            line += f"（经批准可延长{self.extension_days}{self.count.label}）"
        elif self.extension_days < 0:
            line += "（经批准可延长）"
        return line


@dataclass(frozen=True)
class Limit:
    """A number the process imposes on its cases (e.g. the summary procedure's fine ceilings)."""

    key: str
    value: int
    unit: str
    description: str
    basis: str


@dataclass(frozen=True)
class Gate:
    key: str
    name: str  # short, for the chart
    description: str


# The gates a definition may name. A gate on a step must hold before the step completes; a gate on a transition must
# hold for the case to take it (branches are told apart by their gates).
GATES: dict[str, Gate] = {
    gate.key: gate
    for gate in (
        Gate("head_approved", "负责人批准", "经行政机关负责人批准。"),
        Gate(
            "legal_review_passed",
            "重大决定经法制审核通过",
            "属于重大执法决定的（行政处罚法第五十八条、重大执法决定目录清单），法制审核通过；未经审核或审核未通过的，不得作出决定。",
        ),
        Gate(
            "collective_discussion_required",
            "须集体讨论",
            "情节复杂或者重大违法行为，应当由行政机关负责人集体讨论决定。",
        ),
        Gate(
            "collective_discussion_held",
            "须集体讨论的已讨论",
            "须集体讨论的案件，已由行政机关负责人集体讨论决定（行政处罚法第五十七条）。",
        ),
        Gate("violation_established", "违法事实成立", "违法事实清楚、证据确凿，拟给予行政处罚。"),
        Gate(
            "violation_not_established",
            "不予处罚",
            "违法事实不能成立，或者依法不予行政处罚、移送司法机关等，不再作出处罚决定。",
        ),
        Gate("hearing_requested", "申请听证", "当事人在告知后五日内要求听证。"),
        Gate(
            "statement_period_over",
            "告知期限届满",
            "陈述、申辩和要求听证的期限届满，或者当事人明确放弃；陈述申辩的意见已经复核。",
        ),
        Gate(
            "within_summary_limits",
            "符合简易程序",
            "违法事实确凿并有法定依据，对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告（行政处罚法第五十一条）。",
        ),
        Gate("measure_extended_once", "未曾延长", "查封、扣押期限只能延长一次（行政强制法第二十五条）。"),
        Gate(
            "extension_approved",
            "延长已批准",
            "行政机关负责人已批准延长查封、扣押期限（不超过三十日），延长决定及理由已记录。",
        ),
        Gate("confiscation_due", "依法应当没收", "查封、扣押的财物依法应当没收或者销毁，移交行政处罚程序处理。"),
        Gate("no_violation_found", "未发现问题", "检查未发现违法行为或者事故隐患。"),
        Gate("hazard_found", "发现隐患", "检查发现事故隐患或者违法行为，可以责令限期整改。"),
        Gate("penalty_due", "应予处罚", "发现依法应当给予行政处罚的违法行为，或者逾期未整改、整改不合格。"),
        Gate("rectified", "整改合格", "复查确认已经整改完毕。"),
        Gate(
            "application_complete",
            "材料齐全",
            "申请事项依法属于本机关职权范围，申请材料齐全、符合法定形式（行政许可法第三十二条）。",
        ),
        Gate("application_refused", "不予受理", "申请事项依法不需要取得许可，或者不属于本机关职权范围。"),
    )
}


@dataclass(frozen=True)
class Step:
    key: str  # an identifier: the state's value and the flowchart's node id
    name: str  # Chinese, as published
    roles: tuple[str, ...]  # ``org.models.Role`` values of the users who may act at this step
    documents: tuple[str, ...] = ()  # template codes (``registry.docx.placeholders``) the step must issue
    optional_documents: tuple[str, ...] = ()  # template codes the step may issue when the case needs them
    recording: Recording = Recording.NONE
    on_site: bool = False  # officers act on site: showing the certificate (出示执法证件) must be recorded
    deadline: Deadline | None = None
    gates: tuple[str, ...] = ()  # must hold before the step completes
    description: str = ""
    basis: str = ""  # legal basis of the step itself

    @property
    def role_names(self) -> list[str]:
        return [Role(role).label for role in self.roles]

    @property
    def document_names(self) -> list[str]:
        return [TEMPLATES[code].name for code in self.documents]

    @property
    def optional_document_names(self) -> list[str]:
        return [TEMPLATES[code].name for code in self.optional_documents]

    @property
    def gate_names(self) -> list[str]:
        return [GATES[gate].name for gate in self.gates]


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    name: str  # the action, in Chinese ("申请听证")
    gates: tuple[str, ...] = ()  # must hold to take this transition
    condition: str = ""  # when, in Chinese; defaults to the gates' descriptions

    @property
    def condition_text(self) -> str:
        return self.condition or "".join(GATES[gate].description for gate in self.gates if gate in GATES)

    @property
    def gate_names(self) -> list[str]:
        return [GATES[gate].name for gate in self.gates]


@dataclass(frozen=True)
class Process:
    key: str  # URL-safe: ``/flowcharts/<key>.svg``; stored on cases
    name: str
    kind: Kind
    procedure: Procedure | None
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...]
    start: str
    ends: tuple[str, ...]
    description: str = ""
    limits: tuple[Limit, ...] = field(default=())

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def exits(self, key: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == key]

    @property
    def limits_text(self) -> str:
        return "；".join(f"{limit.description}{limit.value:,}{limit.unit}" for limit in self.limits)

    def limit(self, key: str) -> Limit:
        for limit in self.limits:
            if limit.key == key:
                return limit
        raise KeyError(key)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the definition's canonical JSON: its version (a case can record which one it ran under)."""
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()


class InvalidProcess(ValueError):
    """A process definition that cannot be enforced or drawn; ``problems`` lists every fault found."""

    def __init__(self, key: str, problems: list[str]) -> None:
        self.key = key
        self.problems = problems
        super().__init__(f"流程定义 {key!r} 无效 / invalid process definition: " + "; ".join(problems))


def _is_identifier(value: str) -> bool:
    return value.isidentifier() and value.isascii()


def validate(process: Process) -> Process:
    """Check ``process`` and return it, or raise ``InvalidProcess`` naming every problem."""
    problems: list[str] = []
    keys = [step.key for step in process.steps]
    known = set(keys)
    if not process.key or not all(c.isascii() and (c.isalnum() or c == "-") for c in process.key):
        problems.append(f"process key {process.key!r} must be ASCII letters, digits and hyphens")
    if process.kind not in set(Kind):
        problems.append(f"unknown kind {process.kind!r}")
    if process.procedure is not None and process.procedure not in set(Procedure):
        problems.append(f"unknown procedure {process.procedure!r}")
    if not process.steps:
        problems.append("no steps")
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        problems.append(f"duplicate step keys {duplicates}")
    roles, recordings = set(Role.values), set(Recording)
    for step in process.steps:
        where = f"step {step.key!r}"
        if not _is_identifier(step.key):
            problems.append(f"{where}: key must be an ASCII identifier")
        if not step.name.strip():
            problems.append(f"{where}: no name")
        if not step.roles:
            problems.append(f"{where}: nobody may act")
        problems += [f"{where}: unknown role {r!r}" for r in step.roles if r not in roles]
        for code in (*step.documents, *step.optional_documents):
            if code not in TEMPLATES:
                problems.append(f"{where}: unknown document template {code!r}")
        problems += [f"{where}: unknown gate {g!r}" for g in step.gates if g not in GATES]
        if step.recording not in recordings:
            problems.append(f"{where}: unknown recording requirement {step.recording!r}")
        if step.deadline is not None:
            d = step.deadline
            if d.days <= 0 or d.count not in set(DayCount) or d.direction not in set(Direction):
                problems.append(f"{where}: bad deadline {d!r}")
            if not d.basis.strip() or not d.start.strip() or not _is_identifier(d.key):
                problems.append(f"{where}: a deadline needs a key, the event it counts from and its legal basis")
    if process.start not in known:
        problems.append(f"start {process.start!r} is not a step")
    if not process.ends:
        problems.append("no end step")
    problems += [f"end {end!r} is not a step" for end in process.ends if end not in known]
    pairs = [(t.source, t.target) for t in process.transitions]
    problems += [f"duplicate transition {s}->{t}" for s, t in sorted({p for p in pairs if pairs.count(p) > 1})]
    for t in process.transitions:
        where = f"transition {t.source}->{t.target}"
        if t.source not in known:
            problems.append(f"{where}: source {t.source!r} is not a step")
        if t.target not in known:
            problems.append(f"{where}: target {t.target!r} is not a step")
        if t.source == t.target:
            problems.append(f"{where}: a step cannot lead to itself")
        if t.source in process.ends:
            problems.append(f"{where}: an end step has no exit")
        if not t.name.strip():
            problems.append(f"{where}: no name")
        problems += [f"{where}: unknown gate {g!r}" for g in t.gates if g not in GATES]
    for step in process.steps:
        if step.key not in process.ends and not process.exits(step.key):
            problems.append(f"step {step.key!r} has no exit and is not an end")
    if process.start in known:
        reachable = _reachable(process.start, ((t.source, t.target) for t in process.transitions))
        problems += [f"step {k!r} is not reachable from the start" for k in keys if k not in reachable]
        finishing = set()
        for end in process.ends:
            finishing |= _reachable(end, ((t.target, t.source) for t in process.transitions))
        problems += [f"no end is reachable from step {k!r}" for k in keys if k in reachable and k not in finishing]
    for limit in process.limits:
        if limit.value <= 0 or not limit.basis.strip():
            problems.append(f"limit {limit.key!r}: needs a positive value and its legal basis")
    if problems:
        raise InvalidProcess(process.key, problems)
    return process


def _reachable(start: str, edges: Iterable[tuple[str, str]]) -> set[str]:
    following: dict[str, list[str]] = {}
    for a, b in edges:
        following.setdefault(a, []).append(b)
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in following.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# --- the definitions ---------------------------------------------------------------------------------------------

OFFICER, HEAD, PRE, LEGAL, LEADER, OFFICE = (
    Role.OFFICER.value,
    Role.DEPARTMENT_HEAD.value,
    Role.PRELIMINARY_REVIEWER.value,
    Role.LEGAL_REVIEWER.value,
    Role.LEADER.value,
    Role.OFFICE.value,
)

PENALTY_GENERAL = Process(
    key="penalty-general",
    name="行政处罚（一般程序）",
    kind=Kind.PENALTY,
    procedure=Procedure.GENERAL,
    description="除可以当场作出的行政处罚外，行政机关发现公民、法人或者其他组织有依法应当给予行政处罚的行为的，"
    "应当全面、客观、公正地调查，收集有关证据（行政处罚法第五章第三节）。",
    start="open",
    ends=("archive",),
    steps=(
        Step(
            "open",
            "立案",
            (OFFICER, HEAD),
            documents=("case_opening_approval",),
            gates=("head_approved",),
            description="执法人员填写立案审批表，报行政机关负责人批准立案；承办案件的执法人员不少于两人。",
            basis="行政处罚法第五十四条",
        ),
        Step(
            "investigate",
            "调查取证",
            (OFFICER,),
            optional_documents=(
                "inquiry_notice",
                "inquiry_record",
                "survey_record",
                "sampling_voucher",
                "preservation_approval",
                "preservation_notice",
                "preservation_disposal_approval",
                "preservation_disposal_decision",
                "appraisal_commission",
            ),
            recording=Recording.REQUIRED,
            on_site=True,
            description="两名以上执法人员出示执法证件，询问、检查、勘验、抽样取证；证据可能灭失的，经批准先行登记保存。",
            basis="行政处罚法第四十二条、第五十五条、第五十六条",
        ),
        Step(
            "review",
            "案件审查（法制审核）",
            (OFFICER, HEAD, PRE, LEGAL),
            documents=("case_handling_approval",),
            deadline=Deadline(
                "legal_review",
                7,
                DayCount.WORKING,
                "法制审核机构收到送审材料之日",
                "辽宁省法制审核时限规定（本地规定，默认七个工作日，情况复杂的经批准延长三个工作日）",
                extension_days=3,
            ),
            description="调查终结，承办人提出处理意见；科室初审后，重大执法决定由法规科按审核清单进行法制审核。",
            basis="行政处罚法第五十七条、第五十八条",
        ),
        Step(
            "notify",
            "告知（陈述申辩、听证告知）",
            (OFFICER,),
            documents=("penalty_notice",),
            optional_documents=("hearing_rights_notice", "statement_defence_record"),
            deadline=Deadline(
                "hearing_request",
                5,
                DayCount.WORKING,
                "告知书送达之日",
                "行政处罚法第六十四条、第八十五条（当事人要求听证的期限）",
            ),
            description="告知拟作出的行政处罚内容及事实、理由、依据，以及陈述、申辩、要求听证的权利；当事人的意见应当复核。",
            basis="行政处罚法第四十四条、第四十五条、第六十三条",
        ),
        Step(
            "hearing",
            "听证",
            (OFFICER, HEAD, LEGAL),
            documents=("hearing_meeting_notice", "hearing_record", "hearing_report"),
            recording=Recording.REQUIRED,
            deadline=Deadline(
                "hearing_notice",
                7,
                DayCount.WORKING,
                "听证会通知书送达之日",
                "行政处罚法第六十四条、第八十五条（举行听证的七日前通知）",
                direction=Direction.AT_LEAST,
            ),
            description="由非本案调查人员主持，当事人可以申辩和质证；听证结束后，依据听证笔录作出决定。",
            basis="行政处罚法第六十四条、第六十五条",
        ),
        Step(
            "collective",
            "集体讨论",
            (LEADER,),
            documents=("collective_discussion_record",),
            description="情节复杂或者重大违法行为给予行政处罚，由行政机关负责人集体讨论决定。",
            basis="行政处罚法第五十七条",
        ),
        Step(
            "decide",
            "决定",
            (HEAD, LEADER),
            documents=("penalty_decision",),
            gates=("legal_review_passed", "collective_discussion_held"),
            deadline=Deadline(
                "case_decision",
                90,
                DayCount.CALENDAR,
                "立案之日",
                "行政处罚法第六十条",
                extension_days=-1,
            ),
            description="行政机关负责人审查后作出行政处罚决定，制作行政处罚决定书。",
            basis="行政处罚法第五十七条、第五十九条",
        ),
        Step(
            "serve",
            "送达",
            (OFFICER,),
            documents=("service_receipt",),
            deadline=Deadline(
                "decision_service", 7, DayCount.WORKING, "作出决定之日", "行政处罚法第六十一条、第八十五条"
            ),
            description="决定书当场交付；当事人不在场的，七日内依照民事诉讼法的有关规定送达；当事人同意的可以电子送达。",
            basis="行政处罚法第六十一条",
        ),
        Step(
            "execute",
            "执行",
            (OFFICER, HEAD),
            optional_documents=("fine_payment_reminder", "fine_deferral_approval", "enforcement_application"),
            deadline=Deadline("fine_payment", 15, DayCount.CALENDAR, "收到行政处罚决定书之日", "行政处罚法第六十七条"),
            description="当事人履行处罚决定；逾期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，并可以申请人民法院强制执行。",
            basis="行政处罚法第六十六条、第六十七条、第七十二条",
        ),
        Step(
            "close",
            "结案",
            (OFFICER, HEAD),
            documents=("case_closing_approval",),
            gates=("head_approved",),
            description="执行完毕或者依法终结，报负责人批准结案。",
        ),
        Step(
            "archive",
            "归档",
            (OFFICER, OFFICE),
            description="案卷按规定顺序装订归档，永久保存；归档后不得修改。",
            basis="安全生产执法程序规定",
        ),
    ),
    transitions=(
        Transition("open", "investigate", "批准立案"),
        Transition("investigate", "review", "调查终结，提出处理意见"),
        Transition("review", "investigate", "退回补充调查"),
        Transition("review", "notify", "审查通过，拟予处罚", ("violation_established", "legal_review_passed")),
        Transition("review", "close", "不予处罚或移送", ("violation_not_established", "head_approved")),
        Transition("notify", "hearing", "申请听证", ("hearing_requested",)),
        Transition(
            "notify",
            "collective",
            "提交集体讨论",
            ("statement_period_over", "collective_discussion_required"),
        ),
        Transition("notify", "decide", "作出决定", ("statement_period_over",)),
        Transition("hearing", "collective", "听证后提交集体讨论", ("collective_discussion_required",)),
        Transition("hearing", "decide", "听证结束，作出决定"),
        Transition("collective", "decide", "集体讨论决定"),
        Transition("decide", "serve", "送达决定书"),
        Transition("serve", "execute", "执行"),
        Transition("execute", "close", "执行完毕，申请结案"),
        Transition("close", "archive", "立卷归档"),
    ),
)

PENALTY_SUMMARY = Process(
    key="penalty-summary",
    name="行政处罚（简易程序）",
    kind=Kind.PENALTY,
    procedure=Procedure.SUMMARY,
    description="违法事实确凿并有法定依据，对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告的，"
    "可以当场作出行政处罚决定（行政处罚法第五十一条）；不需要法制审核。",
    start="identify",
    ends=("archive",),
    limits=(
        Limit("fine_max_person", 200, "元", "对公民处以罚款的上限", "行政处罚法第五十一条"),
        Limit("fine_max_organisation", 3000, "元", "对法人或者其他组织处以罚款的上限", "行政处罚法第五十一条"),
    ),
    steps=(
        Step(
            "identify",
            "当场认定违法事实",
            (OFFICER,),
            recording=Recording.REQUIRED,
            on_site=True,
            description="执法人员出示执法证件，当场认定违法事实，告知拟作出处罚的事实、理由、依据及陈述、申辩的权利。",
            basis="行政处罚法第四十四条、第五十二条",
        ),
        Step(
            "decide",
            "当场决定",
            (OFFICER,),
            documents=("penalty_decision",),
            recording=Recording.REQUIRED,
            on_site=True,
            gates=("within_summary_limits",),
            description="听取当事人的陈述、申辩后，填写预定格式、编有号码的行政处罚决定书，由执法人员签名或者盖章。",
            basis="行政处罚法第五十一条、第五十二条",
        ),
        Step(
            "deliver",
            "当场交付",
            (OFFICER,),
            recording=Recording.REQUIRED,
            on_site=True,
            description="行政处罚决定书当场交付当事人，当事人拒绝签收的，应当在决定书上注明。",
            basis="行政处罚法第五十二条",
        ),
        Step(
            "execute",
            "执行",
            (OFFICER,),
            optional_documents=("fine_payment_reminder",),
            deadline=Deadline("fine_payment", 15, DayCount.CALENDAR, "收到行政处罚决定书之日", "行政处罚法第六十七条"),
            description="当事人到指定银行或者通过电子支付系统缴纳罚款；依法可以当场收缴的，出具专用票据。",
            basis="行政处罚法第六十七条、第六十八条、第七十条",
        ),
        Step(
            "file",
            "备案",
            (OFFICER, HEAD),
            description="执法人员当场作出的行政处罚决定，报所属行政机关备案。",
            basis="行政处罚法第五十二条",
        ),
        Step(
            "archive",
            "归档",
            (OFFICER, OFFICE),
            description="归档，永久保存；归档后不得修改。",
            basis="安全生产执法程序规定",
        ),
    ),
    transitions=(
        Transition("identify", "decide", "当场作出处罚决定", ("within_summary_limits",)),
        Transition("decide", "deliver", "交付决定书"),
        Transition("deliver", "execute", "执行"),
        Transition("execute", "file", "报所属机关备案"),
        Transition("file", "archive", "归档"),
    ),
)

COERCION_SEIZURE = Process(
    key="coercion-seizure",
    name="行政强制（查封、扣押）",
    kind=Kind.COERCION,
    procedure=None,
    description="查封、扣押场所、设施或者财物（行政强制法第三章），实施全过程音像记录。",
    start="approve",
    ends=("close",),
    steps=(
        Step(
            "approve",
            "审批",
            (OFFICER, HEAD),
            gates=("head_approved",),
            description="实施前报行政机关负责人批准；情况紧急需要当场实施的，在二十四小时内报告并补办批准手续。",
            basis="行政强制法第十八条、第十九条",
        ),
        Step(
            "implement",
            "现场实施",
            (OFFICER,),
            recording=Recording.FULL_PROCESS,
            on_site=True,
            description="两名以上执法人员实施，出示执法证件，通知当事人到场，告知理由、依据和权利、救济途径，听取陈述申辩，制作现场笔录。",
            basis="行政强制法第十八条、第二十四条",
        ),
        Step(
            "deliver",
            "决定书当场交付",
            (OFFICER,),
            documents=("coercive_measure_decision",),
            recording=Recording.FULL_PROCESS,
            on_site=True,
            description="制作并当场交付查封、扣押决定书和清单。",
            basis="行政强制法第二十四条",
        ),
        Step(
            "custody",
            "查封扣押期间",
            (OFFICER, HEAD),
            deadline=Deadline(
                "seizure_period",
                30,
                DayCount.CALENDAR,
                "实施查封、扣押之日",
                "行政强制法第二十五条",
                extension_days=30,
            ),
            description="妥善保管查封、扣押的财物；需要检测、检验、检疫或者技术鉴定的，期间不计入查封、扣押期限。",
            basis="行政强制法第二十五条、第二十六条",
        ),
        Step(
            "extend",
            "延长",
            (OFFICER, HEAD),
            gates=("extension_approved",),
            description="情况复杂的，经行政机关负责人批准可以延长，但延长期限不得超过三十日；延长决定应当及时书面告知当事人，并说明理由。",
            basis="行政强制法第二十五条",
        ),
        Step(
            "release",
            "解除",
            (OFFICER, HEAD),
            recording=Recording.REQUIRED,
            on_site=True,
            gates=("head_approved",),
            description="违法事实不成立、与违法行为无关、已作出处理决定不再需要查封扣押或者期限届满的，及时解除并退还财物。",
            basis="行政强制法第二十七条、第二十八条",
        ),
        Step(
            "dispose",
            "处理（没收移交处罚）",
            (OFFICER, HEAD),
            optional_documents=("case_opening_approval",),
            gates=("confiscation_due",),
            description="查封、扣押的财物依法应当没收或者销毁的，移交行政处罚程序立案处理。",
            basis="行政强制法第二十八条",
        ),
        Step(
            "close",
            "结案",
            (OFFICER, HEAD),
            documents=("case_closing_approval",),
            gates=("head_approved",),
            description="报负责人批准结案，立卷归档。",
        ),
    ),
    transitions=(
        Transition("approve", "implement", "批准实施"),
        Transition("approve", "close", "不予批准"),
        Transition("implement", "deliver", "当场交付决定书和清单"),
        Transition("deliver", "custody", "保管"),
        Transition("custody", "extend", "申请延长", ("measure_extended_once",)),
        Transition("custody", "release", "解除查封扣押"),
        Transition("custody", "dispose", "依法没收，移交处罚", ("confiscation_due",)),
        Transition("extend", "release", "解除查封扣押"),
        Transition("extend", "dispose", "依法没收，移交处罚", ("confiscation_due",)),
        Transition("release", "close", "财物退还完毕"),
        Transition("dispose", "close", "移交完毕"),
    ),
)

INSPECTION = Process(
    key="inspection",
    name="行政检查",
    kind=Kind.INSPECTION,
    procedure=None,
    description="对生产经营单位的现场监督检查；只能检查已公示的检查事项（国办发〔2024〕54号）。",
    start="prepare",
    ends=("close",),
    steps=(
        Step(
            "prepare",
            "检查准备",
            (OFFICER, HEAD),
            description="确定检查对象、事项和两名以上检查人员，审查回避情形，制定检查方案。",
        ),
        Step(
            "inspect",
            "现场检查",
            (OFFICER,),
            documents=("site_inspection_record",),
            recording=Recording.REQUIRED,
            on_site=True,
            description="出示执法证件，依照检查事项进行检查，制作现场检查记录，由被检查单位现场负责人签名。",
            basis="中华人民共和国安全生产法第六十五条、第六十六条",
        ),
        Step(
            "order",
            "责令限期整改",
            (OFFICER, HEAD),
            documents=("rectification_order",),
            description="检查发现事故隐患或者违法行为的，责令立即排除或者限期整改。",
            basis="中华人民共和国安全生产法第六十五条",
        ),
        Step(
            "reinspect",
            "整改复查",
            (OFFICER,),
            documents=("rectification_review",),
            recording=Recording.REQUIRED,
            on_site=True,
            deadline=Deadline(
                "rectification_review",
                10,
                DayCount.CALENDAR,
                "整改期限届满或者收到整改完毕申请之日",
                "安全生产违法行为行政处罚办法第十五条",
            ),
            description="整改期限届满后进行复查，制作整改复查意见书。",
        ),
        Step(
            "handover",
            "移交行政处罚立案",
            (OFFICER, HEAD),
            optional_documents=("case_opening_approval",),
            gates=("head_approved",),
            description="发现依法应当给予行政处罚的违法行为，移交行政处罚程序立案调查。",
        ),
        Step("close", "结案", (OFFICER, HEAD), description="检查结束，检查结果按规定公示。"),
    ),
    transitions=(
        Transition("prepare", "inspect", "实施检查"),
        Transition("inspect", "order", "责令限期整改", ("hazard_found",)),
        Transition("inspect", "handover", "移交立案", ("penalty_due",)),
        Transition("inspect", "close", "检查结束", ("no_violation_found",)),
        Transition("order", "reinspect", "整改期限届满，复查"),
        Transition("reinspect", "close", "整改合格", ("rectified",)),
        Transition("reinspect", "handover", "逾期未整改，移交立案", ("penalty_due",)),
        Transition("handover", "close", "移交完毕"),
    ),
)

LICENCE = Process(
    key="licence",
    name="行政许可",
    kind=Kind.LICENCE,
    procedure=None,
    description="公民、法人或者其他组织申请行政许可的办理流程（行政许可法第四章）。",
    start="apply",
    ends=("archive",),
    steps=(
        Step(
            "apply",
            "申请",
            (OFFICER, OFFICE),
            deadline=Deadline(
                "licence_completion_notice",
                5,
                DayCount.WORKING,
                "收到申请材料之日",
                "行政许可法第三十二条、第八十二条（材料不齐全的一次告知补正）",
            ),
            description="申请人提交申请材料；材料不齐全或者不符合法定形式的，当场或者五日内一次告知需要补正的全部内容。",
            basis="行政许可法第二十九条、第三十二条",
        ),
        Step(
            "accept",
            "受理",
            (OFFICER, HEAD),
            description="出具加盖本机关专用印章和注明日期的书面凭证。",
            basis="行政许可法第三十二条",
        ),
        Step(
            "reject",
            "不予受理",
            (OFFICER, HEAD),
            description="作出不予受理的决定，出具书面凭证并告知申请人向有关行政机关申请。",
            basis="行政许可法第三十二条",
        ),
        Step(
            "examine",
            "审查",
            (OFFICER, HEAD),
            description="审查申请材料；需要核实实质内容的，指派两名以上工作人员进行核查。",
            basis="行政许可法第三十四条、第三十六条",
        ),
        Step(
            "decide",
            "决定",
            (HEAD, LEADER),
            gates=("head_approved",),
            deadline=Deadline(
                "licence_decision",
                20,
                DayCount.WORKING,
                "受理之日",
                "行政许可法第四十二条、第八十二条",
                extension_days=10,
            ),
            description="作出准予或者不予行政许可的书面决定；不予许可的，说明理由并告知复议、诉讼的权利。",
            basis="行政许可法第三十八条、第四十二条",
        ),
        Step(
            "issue",
            "送达、颁证",
            (OFFICER,),
            deadline=Deadline(
                "licence_issue", 10, DayCount.WORKING, "作出决定之日", "行政许可法第四十四条、第八十二条"
            ),
            description="准予许可的颁发、送达许可证件；不予许可的送达书面决定。",
            basis="行政许可法第三十九条、第四十四条",
        ),
        Step("archive", "归档", (OFFICER, OFFICE), description="许可档案归档保存。"),
    ),
    transitions=(
        Transition("apply", "accept", "受理", ("application_complete",)),
        Transition("apply", "reject", "不予受理", ("application_refused",)),
        Transition("accept", "examine", "审查"),
        Transition("examine", "decide", "提出审查意见"),
        Transition("decide", "issue", "送达决定或颁证"),
        Transition("issue", "archive", "归档"),
        Transition("reject", "archive", "归档"),
    ),
)

PROCESSES: dict[str, Process] = {
    p.key: validate(p) for p in (PENALTY_GENERAL, PENALTY_SUMMARY, COERCION_SEIZURE, INSPECTION, LICENCE)
}


def process_for(kind: str, procedure: str | None = None) -> Process:
    """The definition for a case of ``kind`` (and ``procedure``, for penalties); ``LookupError`` if there is none."""
    for process in PROCESSES.values():
        if process.kind == kind and process.procedure == procedure:
            return process
    raise LookupError(
        f"没有 {kind!r}（{procedure!r}）的流程定义 / no process for kind {kind!r}, procedure {procedure!r}"
    )
