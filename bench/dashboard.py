#!/usr/bin/env python
"""Oversight dashboard benchmark (issue 8): every dashboard page rendered in full, caches cleared, on a year of data.

    python bench/dashboard.py [--quick] [--json] [--generate-only]

1. Data: one year of records for 50 agencies (``--quick``: 10,000 cases instead of ≈100,000) — departments, 10–30
   certified officers each (some certificates expiring within 60 days, a few expired), published enforcement items of
   each kind and audio-video rules, cases of every process spread over the twelve months before generation with their
   parties, two officers each, approvals, certificates shown, recordings (a few missing where the AV list requires
   them), decisions issued and served, fines, major decisions with their legal reviews (a few missing) and collective
   discussions, publication tasks and publications (on time, late, overdue), complaints and replies, sampling plans
   with draws and drawn targets, and a case-file evaluation for every closed case. Written in bulk (``bulk_create``
   with explicit keys, not through the services) into a freshly migrated database; the ledger tables stay empty
   (the dashboard does not read them). Cached: SQLite in ``var/bench/dashboard-v1/db.sqlite3`` (quick:
   ``dashboard-v1-quick``), reused while the generator version is the same; with ``DATABASE_URL`` set, generated
   once into that PostgreSQL database, marked by the table ``bench_dashboard_marker``. Generation is not timed.
2. The dashboard's monthly summary (``oversight.dashboard.summary``) is computed from the generated records, as
   ``sanxiang dashboard-rebuild`` does (the bulk-written records went around the services, so nothing noted them):
   timed and reported on its own line, not part of a page's time.
3. Timing: for three signed-in staff members — a leader of one agency, a supervisor of a body supervising 10
   agencies, the deployment administrator — every page the dashboard exposes (the named routes of
   ``sanxiang/oversight/dashboard/urls.py`` without arguments, found through the root urlconf; while there are none,
   the annual statistics page ``/staff/oversight/annual/``), each run with every Django cache cleared (and the
   dashboard's ``clear_memo()`` hook if it has one), rendered through ``django.test.Client`` (GET, status 200): best
   and median of 3 runs, the number of SQL queries (``CaptureQueriesContext``) and the bytes. Goal: every page < 500 ms.
4. The administrator's page right after 20 cases of different agencies changed (noted as the ledger's record listener
   notes them), so that the page first recomputes the months they touch: reported, no goal.

``--json`` prints ``{"slowest_ms": <the slowest page's best run>, "queries": <number of pages timed>, "pages": [...]}``.
Results and the commands are recorded in docs/performance.md ("Dashboards (issue 8)").
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from report import Report, log, machine  # bench/report.py: the table every benchmark prints

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = "2"
GOAL_MS = 500.0
RUNS = 3
_FOREIGN_ENV = ("SANXIANG_EVIDENCE_DIR", "SANXIANG_UPLOAD_DIR", "SANXIANG_TASK_BACKEND", "SANXIANG_DATA_DIR")
MARKER_TABLE = "bench_dashboard_marker"


@dataclass(frozen=True)
class Sizes:
    agencies: int
    cases: int
    name: str


QUICK = Sizes(agencies=50, cases=10_000, name="dashboard-v1-quick")
FULL = Sizes(agencies=50, cases=100_000, name="dashboard-v1")

# Processes by share of the cases (a work-safety bureau's year: many inspections, penalties, few seizures).
PROCESS_MIX = [
    ("inspection", 0.42),
    ("penalty-general", 0.30),
    ("penalty-summary", 0.13),
    ("licence", 0.10),
    ("coercion-seizure", 0.05),
]
ITEM_CATEGORY = {
    "inspection": "inspection",
    "penalty-general": "penalty",
    "penalty-summary": "penalty",
    "licence": "licence",
    "coercion-seizure": "coercion",
}
DISCLOSURE_KIND = {
    "inspection": "inspection",
    "penalty-general": "penalty",
    "penalty-summary": "penalty",
    "licence": "licence",
    "coercion-seizure": "coercion",
}
DECISION_DOCUMENT = {
    "penalty-general": ("penalty_decision", "行政处罚决定书", "罚", "decide"),
    "penalty-summary": ("penalty_decision", "当场行政处罚决定书", "罚", "decide"),
    "coercion-seizure": ("coercive_measure_decision", "查封、扣押决定书", "强", "deliver"),
}
# The step a case is on while still open (its process's own steps), by process.
OPEN_STEPS = {
    "penalty-general": ["investigate", "investigate", "review", "notify", "decide", "serve", "execute", "close"],
    "penalty-summary": ["execute", "file"],
    "coercion-seizure": ["implement", "custody", "custody", "release", "dispose"],
    "inspection": ["prepare", "inspect", "order", "order", "reinspect"],
    "licence": ["accept", "examine", "examine", "decide"],
}
ON_SITE_STEP = {
    "penalty-general": "investigate",
    "penalty-summary": "identify",
    "coercion-seizure": "implement",
    "inspection": "inspect",
}
APPROVAL_STEPS = {
    "penalty-general": ["open", "review", "decide", "close"],
    "coercion-seizure": ["approve", "close"],
    "licence": ["decide"],
}
SANCTION_SETS = [["warning"], ["fine"], ["fine"], ["fine"], ["warning", "fine"], ["fine", "confiscation"],
                 ["fine", "stop_production"], ["licence_suspension", "fine"], ["closure"]]  # fmt: skip
FINES = [2000, 5000, 10000, 20000, 30000, 50000, 80000, 100000, 200000]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "桂兰", "建华"]  # fmt: skip
PLACES = ["兴隆台", "双台子", "大洼", "盘山", "辽河", "田家", "高升", "东郭", "新开", "唐家", "胡家", "羊圈子"]
FIRMS = ["恒达", "宏远", "鑫源", "华信", "金石", "瑞丰", "中顺", "泰和", "永安", "新兴", "东方", "利民", "兴盛", "博远"]
TRADES = ["化工", "石油化工", "物流", "建材", "燃气", "机械制造", "食品", "仓储", "建筑工程", "油品销售", "冶金"]
SECTORS = ["危险化学品", "工贸", "烟花爆竹", "非煤矿山", "建筑施工"]
CHECK_POINTS = [  # oversight.evaluation.CHECKS: its keys, labels and weights, in its order
    ("documents", "文书齐全、按序制发", 20),
    ("two_officers", "两名以上持证执法人员", 10),
    ("certificate_shown", "现场出示执法证件", 10),
    ("recordings", "音像记录", 15),
    ("deadlines", "办案期限", 15),
    ("review", "重大执法决定法制审核", 10),
    ("collective", "集体讨论", 5),
    ("publication", "按期公示", 10),
    ("discretion", "裁量基准适用", 5),
]


def data_dir_for(sizes: Sizes) -> Path:
    return REPO / "var" / "bench" / sizes.name


# --- set-up ------------------------------------------------------------------------------------------------------


def setup_django(db_file: Path | None) -> None:
    for name in _FOREIGN_ENV:
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.dashboard_settings"
    if db_file is not None:
        os.environ["BENCH_DASHBOARD_DB"] = str(db_file)
        os.environ["SANXIANG_DATA_DIR"] = str(db_file.parent)
    os.environ["SANXIANG_ENV"] = "development"
    os.environ["SANXIANG_DEBUG"] = "0"  # DEBUG keeps every query in connection.queries: not what production runs
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _stored_version() -> str | None:
    from django.db import connection

    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, cases FROM {MARKER_TABLE}")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return None if row is None else f"{row[0]}:{row[1]}"


def _mark(sizes: Sizes, today: dt.date) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (version varchar(20), cases integer, generated_on varchar(10))")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (version, cases, generated_on) VALUES (%s, %s, %s)",  # noqa: S608 - a constant
            [GENERATOR_VERSION, sizes.cases, today.isoformat()],
        )


# --- generation ----------------------------------------------------------------------------------------------------


class Ids:
    """Explicit primary keys, so rows can name each other before they are written."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        self.next[name] = self.next.get(name, 0) + 1
        return self.next[name]


class Writer:
    """Collects model instances per model and writes them with ``bulk_create`` in batches."""

    def __init__(self, batch: int = 5000) -> None:
        self.batch = batch
        self.pending: dict[Any, list[Any]] = {}
        self.written: dict[str, int] = {}

    def add(self, obj: Any) -> Any:
        rows = self.pending.setdefault(type(obj), [])
        rows.append(obj)
        if len(rows) >= self.batch:
            self.flush()  # every model, in the order first seen: rows are written after the rows they name
        return obj

    def flush(self, model: Any = None) -> None:
        from django.db import transaction

        models = [model] if model is not None else list(self.pending)
        with transaction.atomic():
            for m in models:
                rows = self.pending.get(m) or []
                if rows:
                    m.objects.bulk_create(rows, batch_size=1000)
                    self.written[m.__name__] = self.written.get(m.__name__, 0) + len(rows)
                    self.pending[m] = []


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _firm(rng: random.Random) -> str:
    return rng.choice(PLACES) + rng.choice(FIRMS) + rng.choice(TRADES) + "有限公司"


def _uscc(rng: random.Random) -> str:
    return "91211103" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))


def _sha(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def generate(sizes: Sizes, today: dt.date) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from sanxiang.cases import models as cm
    from sanxiang.cases.processes import PROCESSES
    from sanxiang.complaints.models import Complaint
    from sanxiang.demo.data import RECORDING_RULES
    from sanxiang.disclosure.models import Publication, PublicationTask
    from sanxiang.inspections import models as im
    from sanxiang.ledger.models import Blob
    from sanxiang.org.models import Agency, Department, Role, RoleAssignment, User
    from sanxiang.oversight.models import CaseEvaluation, EvaluationChecklist
    from sanxiang.registry.models import EnforcementItem, Officer, RecordingRule
    from sanxiang.review.models import CollectiveDiscussion, LegalReview, MajorAssessment

    rng = random.Random(20261124)
    zone = timezone.get_default_timezone()
    now = dt.datetime.combine(today, dt.time(9), tzinfo=zone)
    first_day = today - dt.timedelta(days=365)
    ids = Ids()
    w = Writer()
    started = time.perf_counter()

    def at(day: dt.date, hour: int | None = None) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour if hour is not None else rng.randint(8, 17), rng.randint(0, 59)))\
            .replace(tzinfo=zone)  # fmt: skip

    unusable = make_password(None)

    def user(username: str, full_name: str, **extra: Any) -> Any:
        return w.add(User(pk=ids("user"), username=username, full_name=full_name, password=unusable, **extra))

    user("bench-admin", "部署管理员", is_superuser=True, is_staff=True)
    blob = w.add(
        Blob(sha256="0" * 64, sm3="0" * 64, size=0, storage_name="bench-empty", content_type="", created_at=now)
    )
    published = {"status": "published", "published_at": now, "first_published_at": now}

    agencies: list[Any] = []
    for n in range(1, sizes.agencies + 1):
        place = PLACES[n % len(PLACES)]
        agencies.append(
            w.add(
                Agency(
                    pk=ids("agency"),
                    name=f"基准第{n:02d}{place}应急管理局",
                    short_name=f"基准{n:02d}",
                    document_prefix=f"基{n:02d}",
                    nature="administrative",
                    subject_category="statutory",
                    level="district",
                    sector="应急管理",
                    region="211103",
                    **published,
                )
            )
        )
    body = w.add(
        Agency(
            pk=ids("agency"),
            name="基准区司法局",
            short_name="基准司法",
            nature="administrative",
            subject_category="statutory",
            level="district",
            region="211103",
            is_enforcement_body=False,
            **published,
        )
    )
    w.flush()
    body.supervises.set(agencies[:10])
    supervisor = user("bench-supervisor", "监督员")
    w.add(RoleAssignment(user=supervisor, role=Role.SUPERVISOR, agency=body))
    checklist = w.add(
        EvaluationChecklist(
            pk=ids("checklist"),
            agency=None,
            version=1,
            points=[{"key": k, "label": label, "weight": wt, "basis": ""} for k, label, wt in CHECK_POINTS],
            created_at=now,
        )
    )
    secret = w.add(im.DrawSecret(pk=ids("secret"), bureau_seed="0" * 64))

    leaders: dict[int, Any] = {}
    staff: dict[int, dict[str, Any]] = {}
    for agency in agencies:
        a = agency.pk
        legal = w.add(Department(pk=ids("dept"), agency=agency, name="法规科", kind="legal"))
        w.add(Department(pk=ids("dept"), agency=agency, name="办公室", kind="office"))
        squads = [
            w.add(Department(pk=ids("dept"), agency=agency, name=f"执法{c}中队", kind="squad")) for c in "一二三四"
        ]
        leader = user(f"bench-leader-{a}", _person(rng))
        reviewer = user(f"bench-reviewer-{a}", _person(rng))
        leaders[a] = leader
        w.add(RoleAssignment(user=leader, role=Role.LEADER, agency=agency))
        w.add(RoleAssignment(user=reviewer, role=Role.LEGAL_REVIEWER, agency=agency, department=legal))
        heads = []
        for squad in squads:
            head = user(f"bench-head-{squad.pk}", _person(rng))
            w.add(RoleAssignment(user=head, role=Role.DEPARTMENT_HEAD, agency=agency, department=squad))
            heads.append(head)
        officers = []
        for i in range(rng.randint(10, 30)):
            squad = squads[i % len(squads)]
            u = user(f"bench-officer-{a}-{i}", _person(rng))
            w.add(RoleAssignment(user=u, role=Role.OFFICER, agency=agency, department=squad))
            roll = rng.random()
            until = (
                today - dt.timedelta(days=rng.randint(1, 60))
                if roll < 0.03
                else today + dt.timedelta(days=rng.randint(1, 60))
                if roll < 0.13
                else today + dt.timedelta(days=rng.randint(90, 1500))
            )
            officers.append(
                w.add(
                    Officer(
                        pk=ids("officer"),
                        agency=agency,
                        department=squad,
                        user=u,
                        name=u.full_name,
                        post="执法人员",
                        certificate_number=f"21{a:03d}{i:05d}",
                        categories=["行政处罚", "行政检查"],
                        region="211103",
                        valid_from=until - dt.timedelta(days=5 * 365),
                        valid_until=until,
                        **published,
                    )
                )
            )
        items = {}
        for k, category in enumerate(("penalty", "coercion", "inspection", "licence"), start=1):
            items[category] = w.add(
                EnforcementItem(
                    pk=ids("item"),
                    agency=agency,
                    code=f"BENCH-{category}-{k}",
                    category=category,
                    name=f"基准{category}事项",
                    handling_department=squads[0],
                    time_limit_days=90 if category != "licence" else 20,
                    time_limit_kind="calendar" if category != "licence" else "working",
                    **published,
                )
            )
        for code, name, process_key, step_key, requirement, scope in RECORDING_RULES:
            w.add(
                RecordingRule(
                    pk=ids("rule"),
                    agency=agency,
                    code=code,
                    name=name,
                    process_key=process_key,
                    step_key=step_key,
                    requirement=requirement,
                    scope=scope,
                    basis="国办发〔2018〕118号",
                    **published,
                )
            )
        staff[a] = {
            "agency": agency,
            "leader": leader,
            "reviewer": reviewer,
            "heads": heads,
            "squads": squads,
            "officers": officers,
            "items": items,
        }
    w.flush()
    log(
        f"  agencies, {sum(len(s['officers']) for s in staff.values())} officers ({time.perf_counter() - started:.0f} s)"
    )

    required = {(p, s) for _c, _n, p, s, _r, _sc in RECORDING_RULES}
    # Agencies of different sizes: weights 1–4, so the biggest handles about four times the smallest's cases.
    weights = [rng.uniform(1, 4) for _ in agencies]
    total_weight = sum(weights)
    processes = [p for p, _ in PROCESS_MIX]
    shares = [s for _, s in PROCESS_MIX]
    serials: dict[tuple[int, int], int] = {}
    doc_serials: dict[tuple[int, int, str], int] = {}
    closed_cases: list[tuple[Any, Any, int]] = []
    inspection_cases: dict[int, list[int]] = {a.pk: [] for a in agencies}
    span = (today - first_day).days
    for index, agency in enumerate(agencies):
        s = staff[agency.pk]
        n_cases = round(sizes.cases * weights[index] / total_weight)
        for _ in range(n_cases):
            process_key = rng.choices(processes, shares)[0]
            process = PROCESSES[process_key]
            opened_on = first_day + dt.timedelta(days=int(span * rng.random() ** 0.9))
            opened = at(opened_on)
            age = (today - opened_on).days
            duration = {"penalty-summary": 1, "inspection": 25, "licence": 18}.get(process_key, 70)
            duration = max(1, int(rng.gauss(duration, duration / 3)))
            is_closed = age > duration and rng.random() < 0.93
            closed_at = at(opened_on + dt.timedelta(days=duration)) if is_closed else None
            state = process.ends[0] if is_closed else rng.choice(OPEN_STEPS[process_key])
            key = (agency.pk, opened_on.year)
            serials[key] = serials.get(key, 0) + 1
            pair = rng.sample(s["officers"], 2)
            opener = pair[0].user
            sanctions: list[str] = []
            amount = None
            major = False
            decided = process_key in DECISION_DOCUMENT and (
                is_closed or state in ("serve", "execute", "close", "custody", "release", "dispose", "file")
            )
            if process_key.startswith("penalty"):
                sanctions = rng.choice(SANCTION_SETS) if process_key == "penalty-general" else ["fine"]
                if "fine" in sanctions:
                    amount = Decimal(rng.choice(FINES) if process_key == "penalty-general" else rng.choice((50, 200)))
                major = process_key == "penalty-general" and (
                    (amount or 0) >= 50000 or bool({"closure", "licence_suspension"} & set(sanctions))
                )
            case = w.add(
                cm.Case(
                    pk=ids("case"),
                    agency=agency,
                    process_key=process_key,
                    process_digest=process.digest,
                    item=s["items"][ITEM_CATEGORY[process_key]],
                    year=opened_on.year,
                    serial=serials[key],
                    number=f"{agency.document_prefix}案〔{opened_on.year}〕{serials[key]}号",
                    title=f"{_firm(rng)}案",
                    place_region="211103",
                    place_address=f"盘锦市{rng.choice(PLACES)}路{rng.randint(1, 300)}号",
                    state=state,
                    step_entered_at=closed_at or opened + dt.timedelta(days=min(age, duration) // 2),
                    opened_at=opened,
                    opened_by=opener,
                    amount_proposed=amount,
                    sanctions=sanctions,
                    major=major,
                    major_reason="罚款数额较大" if major else "",
                    closed_at=closed_at,
                )
            )
            party = _firm(rng) if rng.random() < 0.85 else _person(rng)
            w.add(cm.Party(pk=ids("party"), case=case, kind="organisation", name=party, uscc=_uscc(rng)))
            for officer in pair:
                w.add(
                    cm.CaseOfficer(
                        pk=ids("caseofficer"),
                        case=case,
                        officer=officer,
                        assigned_at=opened,
                        assigned_by=s["leader"],
                    )
                )
            for step in APPROVAL_STEPS.get(process_key, []):
                if step == process.start or is_closed or rng.random() < 0.4:
                    w.add(
                        cm.CaseApproval(
                            pk=ids("approval"),
                            case=case,
                            step_key=step,
                            visit=1,
                            recorded_by=s["leader"],
                            recorded_at=opened,
                        )
                    )
            site = ON_SITE_STEP.get(process_key)
            if site and (is_closed or state != process.start):
                for officer in pair:
                    if rng.random() < 0.97:
                        w.add(
                            cm.CertificateShown(
                                pk=ids("shown"),
                                case=case,
                                step_key=site,
                                visit=1,
                                recorded_by=opener,
                                recorded_at=opened,
                                officer=officer,
                                shown_at=opened,
                                place=case.place_address,
                            )
                        )
            for p_key, step_key in required:
                if p_key == process_key and (is_closed or step_key == site) and rng.random() < 0.95:
                    w.add(
                        cm.Recording(
                            pk=ids("recording"),
                            case=case,
                            step_key=step_key,
                            visit=1,
                            recorded_by=opener,
                            recorded_at=opened,
                            blob=blob,
                            officer=pair[0],
                            place=case.place_address,
                            started_at=opened,
                            ended_at=opened + dt.timedelta(minutes=rng.randint(5, 90)),
                            full_process=True,
                        )
                    )
            decided_on = None
            if decided:
                code, template_name, kind, step_key = DECISION_DOCUMENT[process_key]
                decided_at = (closed_at - dt.timedelta(days=rng.randint(0, 20))) if closed_at else opened
                decided_at = max(decided_at, opened)
                decided_on = decided_at.astimezone(zone).date()
                dkey = (agency.pk, decided_on.year, kind)
                doc_serials[dkey] = doc_serials.get(dkey, 0) + 1
                doc = w.add(
                    cm.IssuedDocument(
                        pk=ids("document"),
                        agency=agency,
                        template_code=code,
                        template_name=template_name,
                        template_sha256="0" * 64,
                        kind=kind,
                        year=decided_on.year,
                        serial=doc_serials[dkey],
                        number=f"{agency.document_prefix}{kind}〔{decided_on.year}〕{doc_serials[dkey]}号",
                        docx=blob,
                        pdf=blob,
                        issued_by=opener,
                        issued_at=decided_at,
                        subject=party,
                        context_sha256="0" * 64,
                    )
                )
                w.add(
                    cm.CaseDocument(
                        pk=ids("casedoc"),
                        case=case,
                        step_key=step_key,
                        visit=1,
                        recorded_by=opener,
                        recorded_at=decided_at,
                        document=doc,
                    )
                )
                if is_closed or rng.random() < 0.7:
                    w.add(
                        cm.DocumentService(
                            pk=ids("service"),
                            document=doc,
                            method=rng.choice(("direct", "direct", "left", "post", "electronic")),
                            served_at=decided_at + dt.timedelta(days=rng.choice((0, 1, 2, 3, 5, 9))),
                            recipient=party,
                            recorded_by=opener,
                            recorded_at=decided_at,
                        )
                    )
            elif process_key in ("inspection", "licence") and is_closed:
                decided_on = closed_at.astimezone(zone).date() if closed_at else None
            if major and (decided or state in ("decide", "serve")):
                digest = _sha(case.pk)
                w.add(
                    MajorAssessment(
                        pk=ids("assessment"),
                        case=case,
                        proposal_digest=digest,
                        major=True,
                        reasons=["罚款数额较大"],
                        assessed_by=s["heads"][0],
                        assessed_at=opened + dt.timedelta(days=30),
                    )
                )
                if rng.random() < 0.97:  # a few decided without a review: the dashboard must show < 100 %
                    requested = opened + dt.timedelta(days=rng.randint(20, 40))
                    overdue = rng.random() < 0.06
                    w.add(
                        LegalReview(
                            pk=ids("review"),
                            case=case,
                            round=1,
                            proposal_digest=digest,
                            reasons=["罚款数额较大"],
                            state="passed",
                            requested_by=opener,
                            requested_at=requested,
                            submitted_at=requested,
                            due_on=(requested + dt.timedelta(days=7)).date(),
                            reviewer=s["reviewer"],
                            taken_at=requested,
                            outcome="pass",
                            opinion="同意。",
                            decided_at=requested
                            + dt.timedelta(days=rng.randint(9, 14) if overdue else rng.randint(1, 6)),
                            overdue=overdue,
                        )
                    )
                w.add(
                    CollectiveDiscussion(
                        pk=ids("discussion"),
                        case=case,
                        proposal_digest=digest,
                        held_at=opened + dt.timedelta(days=45),
                        place="局会议室",
                        host=s["leader"].full_name,
                        attendees=[s["leader"].full_name],
                        conclusion="同意处罚意见。",
                        recorded_by=s["heads"][0],
                        recorded_at=opened + dt.timedelta(days=45),
                    )
                )
            if decided_on is not None:
                due_on = decided_on + dt.timedelta(days=9)
                roll = rng.random()
                task_state = "published" if roll < 0.95 else "due" if roll < 0.98 else "withheld"
                task = w.add(
                    PublicationTask(
                        pk=ids("task"),
                        case=case,
                        agency=agency,
                        decision_kind=DISCLOSURE_KIND[process_key],
                        decided_on=decided_on,
                        due_on=due_on,
                        state=task_state,
                        withhold_reason="minor" if task_state == "withheld" else "",
                        source_text="",
                        created_at=at(decided_on),
                    )
                )
                if task_state == "published":
                    late = rng.random() < 0.08
                    on = decided_on + dt.timedelta(days=rng.randint(10, 25) if late else rng.randint(1, 9))
                    w.add(
                        Publication(
                            pk=task.pk,
                            task=task,
                            agency=agency,
                            agency_name=agency.name,
                            decision_kind=task.decision_kind,
                            decision_number=case.number,
                            title=case.title,
                            party=party,
                            sanctions=sanctions,
                            amount=amount,
                            decided_on=decided_on,
                            published_on=min(on, today),
                            text="（基准测试）",
                            state="published",
                            expires_on=decided_on + dt.timedelta(days=5 * 365),
                        )
                    )
            if is_closed:
                closed_cases.append((case, pair[0].department, len(closed_cases)))
            if process_key == "inspection":
                inspection_cases[agency.pk].append(case.pk)
        w.flush()
        if (index + 1) % 10 == 0:
            log(f"  {index + 1} agencies' cases ({time.perf_counter() - started:.0f} s)")

    for case, department, _n in closed_cases:
        failed = [k for k, _label, _wt in CHECK_POINTS if rng.random() < 0.06]
        points: list[dict[str, Any]] = [
            {"key": k, "label": label, "weight": wt, "result": "fail" if k in failed else "pass", "detail": "", "entries": []}
            for k, label, wt in CHECK_POINTS
        ]  # fmt: skip
        score = sum(wt for k, _l, wt in CHECK_POINTS if k not in failed)
        w.add(
            CaseEvaluation(
                pk=ids("evaluation"),
                case=case,
                agency_id=case.agency_id,
                department=department,
                year=case.closed_at.astimezone(zone).year,
                checklist=checklist,
                points=points,
                score=Decimal(score),
                max_score=Decimal(100),
                failed=len(failed),
                evaluated_at=case.closed_at,
            )
        )
    w.flush()
    log(f"  {len(closed_cases):,} evaluations ({time.perf_counter() - started:.0f} s)")

    complaint_serial = 0
    for agency in agencies:
        s = staff[agency.pk]
        targets = []
        for t in range(200):
            targets.append(
                w.add(
                    im.Target(
                        pk=ids("target"),
                        agency=agency,
                        uscc=f"91{agency.pk:04d}{t:012d}",
                        name=_firm(rng),
                        address=f"盘锦市{rng.choice(PLACES)}路{rng.randint(1, 300)}号",
                        region="211103",
                        sector=rng.choice(SECTORS),
                        risk=rng.choice("AABBBCCCD"),
                        updated_at=now,
                    )
                )
            )
        for n in range(rng.randint(40, 160)):
            complaint_serial += 1
            received_on = first_day + dt.timedelta(days=rng.randrange(span))
            due_on = received_on + dt.timedelta(days=15)
            roll = rng.random()
            replied_on = (
                None
                if roll < 0.06 and (today - received_on).days < 60
                else received_on + dt.timedelta(days=rng.randint(16, 30) if roll < 0.15 else rng.randint(2, 14))
            )
            replied_on = None if replied_on and replied_on > today else replied_on
            kind = rng.choice(("conduct", "violation", "violation"))
            w.add(
                Complaint(
                    pk=ids("complaint"),
                    agency=agency,
                    kind=kind,
                    officer=rng.choice(s["officers"]) if kind == "conduct" else None,
                    text="（基准测试）反映执法问题。",
                    code_hash=_sha("complaint", complaint_serial),
                    state="replied" if replied_on else "accepted",
                    received_at=at(received_on),
                    due_on=due_on,
                    accepted_at=at(received_on),
                    accepted_by=s["heads"][0],
                    department=s["squads"][n % len(s["squads"])],
                    assignee=s["heads"][n % len(s["heads"])],
                    reply="已核查处理。" if replied_on else "",
                    replied_at=at(replied_on) if replied_on else None,
                    replied_by=s["heads"][0] if replied_on else None,
                )
            )
        for q in range(2):
            plan = w.add(
                im.SamplingPlan(
                    pk=ids("plan"),
                    agency=agency,
                    code=f"BENCH-{today.year}-{q + 1}",
                    title=f"{today.year}年度双随机抽查计划（{'一二'[q]}）",
                    year=today.year,
                    case_item=s["items"]["inspection"],
                    frequency="每季度",
                    state="published",
                    created_at=at(first_day),
                    created_by=s["leader"],
                    published_at=at(first_day),
                    published_by=s["leader"],
                )
            )
            for number in range(1, 5):
                draw_on = first_day + dt.timedelta(days=90 * number - 30)
                drawn = draw_on <= today
                draw = w.add(
                    im.Draw(
                        pk=ids("draw"),
                        plan=plan,
                        agency=agency,
                        number=number,
                        draw_on=draw_on,
                        state="drawn" if drawn else "committed",
                        seed_sha256="0" * 64,
                        targets_sha256="0" * 64,
                        inspectors_sha256="0" * 64,
                        plan_sha256="0" * 64,
                        commitment=_sha("draw", plan.pk, number),
                        plan_document={},
                        secret=secret,
                        target_count=10,
                        inspector_count=len(s["officers"]),
                        committed_at=at(draw_on - dt.timedelta(days=3)),
                        committed_by=s["leader"],
                        drawn_at=at(draw_on) if drawn else None,
                        drawn_by=s["leader"] if drawn else None,
                    )
                )
                if not drawn:
                    continue
                for position, target in enumerate(rng.sample(targets, 10), start=1):
                    # An inspection case answers one drawn target (``DrawnTarget.case`` is one-to-one).
                    done = rng.random() < 0.8 and bool(inspection_cases[agency.pk])
                    w.add(
                        im.DrawnTarget(
                            pk=ids("drawn"),
                            draw=draw,
                            position=position,
                            target=target,
                            inspectors=[o.certificate_number for o in rng.sample(s["officers"], 2)],
                            case_id=inspection_cases[agency.pk].pop() if done else None,
                            result=rng.choice(("none_found", "rectified", "handed_over")) if done else "",
                            result_on=draw_on + dt.timedelta(days=rng.randint(5, 40)) if done else None,
                        )
                    )
    w.flush()
    if connection.vendor == "postgresql":
        from django.apps import apps
        from django.core.management.color import no_style

        touched = [m for m in apps.get_models() if m.__name__ in w.written or m.__name__ in ("User", "Agency")]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), touched):
                cursor.execute(sql)
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _mark(sizes, today)
    log(f"generated in {time.perf_counter() - started:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in w.written.items()))


# --- timing --------------------------------------------------------------------------------------------------------

FALLBACK_PAGES = ["oversight:annual"]  # timed while the dashboard has no routes yet


def _dashboard_routes() -> list[str]:
    """``namespace:name`` of every argument-free named route of sanxiang/oversight/dashboard/urls.py (as mounted)."""
    try:
        import sanxiang.oversight.dashboard.urls as dashboard_urls  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver: URLResolver, namespaces: list[str]) -> list[str]:
        found: list[str] = []
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = [*namespaces, entry.namespace] if entry.namespace else namespaces
                if getattr(entry.urlconf_module, "__name__", None) == dashboard_urls.__name__ or (
                    entry.urlconf_module is dashboard_urls
                ):
                    for pattern in entry.url_patterns:
                        if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
                            found.append(":".join([*ns, pattern.name]))
                else:
                    found.extend(walk(entry, ns))
        return found

    return walk(get_resolver(), [])


def _scopes(sizes: Sizes) -> list[tuple[str, Any]]:
    from sanxiang.org.models import User

    agency_leader = User.objects.get(username="bench-leader-1")
    return [
        ("agency (leader)", agency_leader),
        ("supervised 10 (supervisor)", User.objects.get(username="bench-supervisor")),
        ("deployment (admin)", User.objects.get(username="bench-admin")),
    ]


def _clear_caches() -> None:
    import importlib

    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    for module_name in ("sanxiang.oversight.dashboard.page", "sanxiang.oversight.dashboard.views"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        hook = getattr(module, "clear_memo", None)
        if callable(hook):
            hook()


def bench_pages(report: Report, sizes: Sizes, only: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    routes = _dashboard_routes()
    fallback = not routes
    if fallback:
        log("sanxiang/oversight/dashboard/urls.py has no routes yet: timing the annual statistics page instead")
        routes = list(FALLBACK_PAGES)
    if only:
        routes = [r for r in routes if any(o in r for o in only)]
    pages: list[dict[str, Any]] = []
    for scope, user in _scopes(sizes):
        client = Client()
        client.force_login(user)
        for route in routes:
            url = reverse(route)
            times = []
            queries = 0
            size = 0
            for _ in range(RUNS):
                _clear_caches()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    content = response.content
                    elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, f"{url} as {scope}: HTTP {response.status_code}"
                times.append(elapsed)
                queries = len(captured.captured_queries)
                size = len(content)
            page: dict[str, Any] = {
                "route": route,
                "url": url,
                "scope": scope,
                "best_ms": round(min(times), 1),
                "median_ms": round(statistics.median(times), 1),
                "sql_queries": queries,
                "bytes": size,
            }
            pages.append(page)
            log(f"  {route} {scope}: {page['best_ms']} / {page['median_ms']} ms, {queries} queries, {size:,} bytes")
            report.add(
                f"{route} — {scope}",
                f"{page['best_ms']:.0f} / {page['median_ms']:.0f} ms",
                f"{queries} queries, {size:,} B",
                "",
                f"< {GOAL_MS:.0f} ms",
                page["best_ms"] < GOAL_MS,
            )
    slowest = max(pages, key=lambda p: p["best_ms"])
    report.data.update(
        slowest_ms=slowest["best_ms"],
        queries=len(pages),
        slowest_page=f"{slowest['route']} ({slowest['scope']})",
        slowest_median_ms=max(p["median_ms"] for p in pages),
        goal_ms=GOAL_MS,
        goal_met=all(p["best_ms"] < GOAL_MS for p in pages),
        fallback_annual_page=fallback,
        pages=pages,
    )


def build_summary() -> float:
    """The dashboard's monthly summary (oversight.dashboard.summary), computed from the generated records as
    ``sanxiang dashboard-rebuild`` does: the bulk-written records went around the services, so nothing noted them.
    Timed and reported, not part of a page's time (a deployment keeps the summary up to date as records change)."""
    from sanxiang.oversight.dashboard.summary.refresh import rebuild

    started = time.perf_counter()
    months = rebuild()
    elapsed = time.perf_counter() - started
    log(f"monthly summary: {months:,} agency-months computed in {elapsed:.1f} s")
    return elapsed


CHANGED_CASES = 20


def bench_after_changes(report: Report) -> None:
    """The administrator's page right after ``CHANGED_CASES`` cases of different agencies changed (their changes
    noted as the ledger's record listener notes them): the page first recomputes the months those cases count in."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from sanxiang.cases.models import Case
    from sanxiang.org.models import User
    from sanxiang.oversight.dashboard.dates import month_of
    from sanxiang.oversight.models import DashboardChange

    rng = random.Random(7)
    pks = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    month = month_of(timezone.localdate())
    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    times = []
    for _ in range(RUNS):
        DashboardChange.objects.bulk_create(
            [DashboardChange(kind="case", ref=pk, month=month) for pk in rng.sample(pks, CHANGED_CASES)],
            ignore_conflicts=True,
        )
        _clear_caches()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(reverse("oversight:dashboard"))
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        times.append(elapsed)
    log(f"  after {CHANGED_CASES} changed cases (admin): {min(times):.1f} ms, {len(captured.captured_queries)} queries")
    report.add(
        f"oversight:dashboard — deployment (admin), after {CHANGED_CASES} cases changed",
        f"{min(times):.0f} / {statistics.median(times):.0f} ms",
        f"{len(captured.captured_queries)} queries",
    )
    report.data["after_changes_ms"] = round(min(times), 1)


def _counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in ("cases_case", "org_agency", "registry_officer", "review_legalreview", "disclosure_publication",
                      "complaints_complaint", "inspections_drawntarget", "oversight_caseevaluation"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            out[table] = int(cursor.fetchone()[0])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 cases instead of about 100,000")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--generate-only", action="store_true", help="generate (or check) the data and stop")
    parser.add_argument("--only", action="append", default=[], help="time only routes containing this text")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    db_file: Path | None = None
    if not os.environ.get("DATABASE_URL"):
        data_dir = data_dir_for(sizes)
        data_dir.mkdir(parents=True, exist_ok=True)
        db_file = data_dir / "db.sqlite3"
        version_file = data_dir / "generator-version"
        wanted = f"{GENERATOR_VERSION}:{sizes.cases}"
        if not version_file.exists() or version_file.read_text().strip() != wanted:
            for stale in data_dir.glob("db.sqlite3*"):  # nothing yet, an older generator's, or an interrupted run
                stale.unlink()
            version_file.unlink(missing_ok=True)
    log(f"data: {db_file or 'DATABASE_URL'}")
    setup_django(db_file)
    stored = _stored_version()
    wanted = f"{GENERATOR_VERSION}:{sizes.cases}"
    if stored == wanted:
        log("reusing the generated data")
    elif stored is not None or _counts()["cases_case"]:
        raise SystemExit(f"the database holds other data (generator {stored}): give the bench an empty database")
    else:
        log(f"generating {sizes.cases:,} cases for {sizes.agencies} agencies (once; not timed)")
        generate(sizes, dt.date.today())
        if db_file is not None:
            (db_file.parent / "generator-version").write_text(wanted + "\n")
    summary_s = build_summary()
    if args.generate_only:
        return 0
    report = Report()
    report.add(
        "monthly summary computed from the records (sanxiang dashboard-rebuild; not part of a page)",
        f"{summary_s:.1f} s",
        "",
    )
    bench_pages(report, sizes, args.only)
    bench_after_changes(report)
    from django.db import connection

    report.data.update(
        quick=args.quick,
        database=connection.vendor,
        rows=_counts(),
        runs_per_page=RUNS,
        machine=machine(),
        seconds=round(time.perf_counter() - started, 1),
    )
    report.emit(
        as_json=args.json,
        summary=f"{'quick' if args.quick else 'full'} run on {connection.vendor}, {report.data['rows']['cases_case']:,} "
        f"cases; {len(report.data['pages'])} pages timed, slowest {report.data['slowest_ms']} ms; "
        f"{report.data['seconds']} s, {os.cpu_count()} CPUs",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
