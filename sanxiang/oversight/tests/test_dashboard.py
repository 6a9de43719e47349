"""The oversight dashboards: every figure against counts computed here from the rows the test wrote (Python over the
records, not the dashboard's SQL), the scopes each persona may see, the CSV downloads and the query bound.

The world is written with the ORM in bulk, like bench/dashboard.py: the dashboard reads records, not the workflow
(tested in the cases, review, disclosure and complaints apps)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases import models as cm
from sanxiang.cases.processes import KIND_LABELS, PROCESSES, Kind
from sanxiang.complaints.models import Complaint
from sanxiang.conftest import Bureau
from sanxiang.core import calendar as core_calendar
from sanxiang.disclosure.models import Publication, PublicationTask
from sanxiang.inspections import models as im
from sanxiang.ledger.models import Blob
from sanxiang.org.models import Agency, Department, DepartmentKind
from sanxiang.oversight.dashboard.chart import Chart, rate
from sanxiang.oversight.dashboard.page import CHART_KEYS, charts_for
from sanxiang.oversight.dashboard.scopes import Scope, Window, scope_for, scopes_for, window
from sanxiang.oversight.dashboard.summary.refresh import rebuild
from sanxiang.oversight.models import CaseEvaluation, EvaluationChecklist
from sanxiang.registry.models import EnforcementItem, Officer
from sanxiang.review.models import LegalReview, MajorAssessment

ZONE = timezone.get_default_timezone()
PROCESS_KEYS = ["penalty-general", "penalty-general", "penalty-summary", "coercion-seizure", "inspection", "licence"]
DECISION_CODE = {"penalty-general": "penalty_decision", "penalty-summary": "penalty_decision",
                 "coercion-seizure": "coercive_measure_decision"}  # fmt: skip


def local(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(ZONE).date()


def day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZONE).date()


def month(moment: dt.datetime) -> str:
    day = moment.astimezone(ZONE)
    return f"{day.year}-{day.month:02d}"


@dataclass
class World:
    bureau: Bureau
    today: dt.date
    cases: list[dict[str, Any]] = field(default_factory=list)  # what each case is, as written
    complaints: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    departments: dict[int, Department] = field(default_factory=dict)


def _agency_setup(
    agency: Agency, rng: random.Random, n: int, tag: str
) -> tuple[list[Department], list[Officer], dict[str, Any]]:
    suffix = "" if tag[1:] == "8" else tag[1:]
    squads = [
        Department.objects.create(agency=agency, name=f"执法{c}中队{suffix}", kind=DepartmentKind.SQUAD) for c in "一二"
    ]
    today = timezone.localdate()
    officers = []
    for i in range(n):
        offset = [-5, 10, 45, 75, 200, 400][i % 6]
        officers.append(
            Officer.objects.create(
                agency=agency,
                department=squads[i % 2],
                name=f"{tag}执法员{i}",
                post="科员",
                certificate_number=f"{tag}-{i:04d}",
                categories=["penalty"],
                region="211103",
                valid_from=today - dt.timedelta(days=1000),
                valid_until=today + dt.timedelta(days=offset),
                status="published",
            )
        )
    items = {
        category: EnforcementItem.objects.create(
            agency=agency,
            code=f"{tag}-{category}",
            category=category,
            name=f"{category}事项",
            handling_department=squads[0],
            time_limit_days=90,
            time_limit_kind="calendar",
            status="published",
        )
        for category in ("penalty", "coercion", "inspection", "licence")
    }
    return squads, officers, items


def build_world(bureau: Bureau, *, seed: int = 8) -> World:
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    w = World(bureau=bureau, today=today)
    blob, _ = Blob.objects.get_or_create(
        sha256="0" * 64, defaults={"sm3": "0" * 64, "size": 0, "storage_name": "x", "created_at": now}
    )
    checklist_points = [
        {"key": "documents", "label": "文书", "weight": 20, "basis": ""},
        {"key": "recordings", "label": "音像记录", "weight": 15, "basis": ""},
    ]
    checklist = EvaluationChecklist.objects.create(agency=None, version=seed, points=checklist_points, created_at=now)
    serial = seed * 1000
    for agency, count, tag in ((bureau.agency, 60, f"A{seed}"), (bureau.other_agency, 30, f"B{seed}")):
        squads, officers, items = _agency_setup(agency, rng, 8, tag)
        w.officers.extend(officers)
        for s in squads:
            w.departments[s.pk] = s
        for _ in range(count):
            serial += 1
            process_key = rng.choice(PROCESS_KEYS)
            process = PROCESSES[process_key]
            opened = now - dt.timedelta(days=rng.randint(0, 420), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            decided = None
            if process_key in DECISION_CODE and rng.random() < 0.75:
                decided = opened + dt.timedelta(
                    days=rng.choice([0, 5, 40, 88, 89, 90, 91, 120]), hours=rng.randint(0, 9)
                )
                decided = min(decided, now - dt.timedelta(minutes=1))
            closed = None
            if rng.random() < 0.6 and (decided is not None or process_key in ("inspection", "licence")):
                closed = min((decided or opened) + dt.timedelta(days=rng.randint(1, 30)), now - dt.timedelta(seconds=1))
            amount = Decimal(rng.choice([0, 200, 5000, 60000])) if process_key.startswith("penalty") else None
            major = process_key == "penalty-general" and amount is not None and amount >= 50000
            pair = rng.sample(officers, 2)
            case = cm.Case.objects.create(
                agency=agency,
                process_key=process_key,
                process_digest=process.digest,
                item=items[
                    {"penalty-general": "penalty", "penalty-summary": "penalty", "coercion-seizure": "coercion"}.get(
                        process_key, process_key
                    )
                ],
                year=opened.year,
                serial=serial,
                number=f"测{serial}",
                title=f"案件{serial}",
                place_region="211103",
                place_address="某地",
                state=process.ends[0] if closed else process.start,
                opened_at=opened,
                opened_by=bureau.officer,
                amount_proposed=amount,
                sanctions=["fine"] if amount else [],
                major=major,
                closed_at=closed,
            )
            for officer in pair:
                cm.CaseOfficer.objects.create(case=case, officer=officer, assigned_at=opened, assigned_by=bureau.head)
            extension = 0
            if process_key == "penalty-general" and rng.random() < 0.15:
                extension = 30
                cm.DeadlineExtension.objects.create(
                    case=case,
                    deadline_key="case_decision",
                    days=30,
                    reason="复杂",
                    approved_by=bureau.leader,
                    approved_at=opened,
                )
            served = None
            if decided is not None:
                doc = cm.IssuedDocument.objects.create(
                    agency=agency, template_code=DECISION_CODE[process_key], template_name="决定书", template_sha256="0" * 64,
                    kind="罚", year=decided.year, serial=serial, number=f"测决{serial}", docx=blob, pdf=blob,
                    issued_by=bureau.officer, issued_at=decided, subject="x", context_sha256="0" * 64,
                )  # fmt: skip
                cm.CaseDocument.objects.create(
                    case=case, step_key="decide", visit=1, recorded_by=bureau.officer, recorded_at=decided, document=doc
                )
                if rng.random() < 0.8:
                    served = decided + dt.timedelta(days=rng.choice([0, 3, 8, 9, 12, 20]))
                    served = min(served, now - dt.timedelta(seconds=1))
                    for extra in (0, 2):  # a second service later: the first one counts
                        cm.DocumentService.objects.create(
                            document=doc, method="direct", served_at=served + dt.timedelta(days=extra), recipient="当事人",
                            recorded_by=bureau.officer, recorded_at=served,
                        )  # fmt: skip
            reviewed = False
            if major and decided is not None:
                MajorAssessment.objects.create(
                    case=case, proposal_digest="d", major=True, assessed_by=bureau.head, assessed_at=opened
                )
                reviewed = serial % 2 == 0  # about half: the exceptions list has rows
                if reviewed:
                    LegalReview.objects.create(
                        case=case, round=1, proposal_digest="d", state="passed", requested_by=bureau.officer,
                        requested_at=opened, outcome="pass", decided_at=decided - dt.timedelta(hours=1), overdue=False,
                    )  # fmt: skip
            decision_moment = (
                decided if process_key in DECISION_CODE else (closed if process_key == "inspection" else None)
            )
            w.cases.append(
                {
                    "pk": case.pk, "agency": agency.pk, "process": process_key, "kind": process.kind, "opened": opened,
                    "decided": decision_moment, "closed": closed, "amount": amount, "extension": extension,
                    "served": served, "major": major, "reviewed": reviewed, "officers": pair,
                }
            )  # fmt: skip
            if decision_moment is not None and rng.random() < 0.7:
                decided_on = local(decision_moment)
                assert decided_on is not None
                due_on = decided_on + dt.timedelta(days=9)
                published_on = (
                    decided_on + dt.timedelta(days=rng.choice([1, 9, 10, 15])) if rng.random() < 0.8 else None
                )
                if published_on is not None and published_on > today:
                    published_on = None
                task = PublicationTask.objects.create(
                    case=case, agency=agency, decision_kind="penalty", decided_on=decided_on, due_on=due_on,
                    state="published" if published_on else "due", source_text="", created_at=decision_moment,
                )  # fmt: skip
                if published_on:
                    Publication.objects.create(
                        task=task, agency=agency, agency_name=agency.name, decision_kind="penalty", title="t", party="p",
                        decided_on=decided_on, published_on=published_on, text="t", state="published",
                        expires_on=published_on + dt.timedelta(days=1000),
                    )  # fmt: skip
                w.tasks.append({"agency": agency.pk, "decided_on": decided_on, "due_on": due_on, "published_on": published_on, "case": case.pk})  # fmt: skip
            if closed is not None:
                rec = rng.choice(["pass", "fail", "na"])
                points = [
                    {"key": "documents", "label": "文书", "weight": "20", "result": rng.choice(["pass", "fail"])},
                    {"key": "recordings", "label": "音像记录", "weight": "15", "result": rec},
                ]
                score = Decimal(rng.randint(50, 100))
                CaseEvaluation.objects.create(
                    case=case, agency=agency, department=pair[0].department, year=closed.year, checklist=checklist,
                    points=points, score=score, max_score=Decimal(100), failed=sum(p["result"] == "fail" for p in points),
                    evaluated_at=closed,
                )  # fmt: skip
                w.evaluations.append({"agency": agency.pk, "department": pair[0].department_id, "points": points, "score": score, "closed": closed})  # fmt: skip
        for n in range(12):
            received = now - dt.timedelta(days=rng.randint(0, 400))
            due_on = day(received) + dt.timedelta(days=15)
            replied = received + dt.timedelta(days=rng.choice([3, 15, 20])) if rng.random() < 0.7 else None
            if replied is not None and replied > now:
                replied = None
            refused = replied is None and n % 5 == 0
            Complaint.objects.create(
                agency=agency, kind="violation", text="举报", code_hash=f"{agency.pk}-{n}-{seed}".rjust(64, "0"),
                state="refused" if refused else ("replied" if replied else "accepted"), received_at=received,
                due_on=due_on, replied_at=replied, department=squads[n % 2], refused_at=received if refused else None,
            )  # fmt: skip
            w.complaints.append({"agency": agency.pk, "received": received, "due_on": due_on, "replied": replied, "refused": refused, "department": squads[n % 2].pk})  # fmt: skip
        for n in range(3):
            decided_at = now - dt.timedelta(days=rng.randint(1, 300))
            overdue = n == 0
            case_pk = w.cases[-1 - n]["pk"]
            LegalReview.objects.create(
                case_id=case_pk, round=2, proposal_digest="e", state="passed", requested_by=bureau.officer,
                requested_at=decided_at, outcome="return", decided_at=decided_at, overdue=overdue,
            )  # fmt: skip
            w.reviews.append({"agency": agency.pk, "decided_at": decided_at, "overdue": overdue})
        # random inspections: a plan of this year, quotas 3 (A) and half of B
        targets = [
            im.Target.objects.create(agency=agency, uscc=f"{tag}{i:016d}", name=f"对象{i}", address="地址", region="211103",
                                     sector="工贸", risk="A" if i < 4 else "B", updated_at=now)
            for i in range(10)
        ]  # fmt: skip
        plan = im.SamplingPlan.objects.create(
            agency=agency, code=f"P-{tag}", title="年度计划", year=today.year, case_item=items["inspection"],
            classes=[{"risk": "A", "count": 3}, {"risk": "B", "ratio": "0.5"}], frequency="每半年", state="published",
            created_at=now, created_by=bureau.leader,
        )  # fmt: skip
        secret = im.DrawSecret.objects.create(bureau_seed="0" * 64)
        for number, state in ((1, "drawn"), (2, "committed")):
            draw = im.Draw.objects.create(
                plan=plan, agency=agency, number=number, draw_on=today, state=state, seed_sha256="0" * 64,
                targets_sha256="0" * 64, inspectors_sha256="0" * 64, plan_sha256="0" * 64,
                commitment=f"{tag}{number}{seed}".rjust(64, "0"), plan_document={}, secret=secret, target_count=10,
                inspector_count=8, committed_at=now, committed_by=bureau.leader,
            )  # fmt: skip
            if state == "drawn":
                for position, target in enumerate(targets[:6], start=1):
                    im.DrawnTarget.objects.create(
                        draw=draw, position=position, target=target, inspectors=[],
                        result="none_found" if position <= 4 else "",
                    )  # fmt: skip
    return w


@pytest.fixture
def world(bureau: Bureau) -> World:
    return build_world(bureau)


PAGE_QUERIES = 30


def scope_of(*agencies: Agency) -> Scope:
    return Scope("test", "test", "test", tuple(a.pk for a in agencies))


def charts(scope: Scope) -> dict[str, Chart]:
    return {c.key: c for c in charts_for(scope)}


# --- expected figures, from the rows written -------------------------------------------------------------------------


def in_window(moment: dt.datetime | None, w: Window) -> bool:
    return moment is not None and w.start <= moment < w.end


def expected_case_rows(world: World, ids: set[int], what: str) -> list[list[Any]]:
    w = window()
    kinds = list(Kind)
    rows = []
    for first in w.months:
        label = f"{first.year}-{first.month:02d}"
        counts = [
            sum(
                1
                for c in world.cases
                if c["agency"] in ids and c["kind"] == k and in_window(c[what], w) and month(c[what]) == label
            )
            for k in kinds
        ]
        rows.append([label, *counts, sum(counts)])
    return rows


@pytest.mark.django_db
def test_cases_and_fines_by_month_and_kind(world: World) -> None:
    a, b = world.bureau.agency, world.bureau.other_agency
    got = charts(scope_of(a))
    for key, what in (("cases_opened", "opened"), ("cases_decided", "decided"), ("cases_closed", "closed")):
        assert got[key].rows == expected_case_rows(world, {a.pk}, what), key
        assert got[key].header == ["月份", *(KIND_LABELS[k] for k in Kind), "合计"]
    both = charts(scope_of(a, b))
    assert both["cases_opened"].rows == expected_case_rows(world, {a.pk, b.pk}, "opened")
    assert sum(r[-1] for r in both["cases_opened"].rows) > sum(r[-1] for r in got["cases_opened"].rows)
    w = window()
    fines = []
    for first in w.months:
        label = f"{first.year}-{first.month:02d}"
        fined = [
            c
            for c in world.cases
            if c["agency"] == a.pk
            and c["kind"] == Kind.PENALTY
            and c["amount"]
            and in_window(c["decided"], w)
            and month(c["decided"]) == label
        ]
        fines.append([label, len(fined), f"{sum((c['amount'] for c in fined), Decimal(0)):.2f}"])
    assert got["fines"].rows == fines
    assert any(row[1] for row in fines)


@pytest.mark.django_db
def test_on_time_rates(world: World) -> None:
    a = world.bureau.agency
    w = window()
    rows = {row[0]: row[1:5] for row in charts(scope_of(a))["timeliness"].rows}
    today = world.today
    # the 90-day decision limit: general-procedure penalties opened in the window
    counts = {"on_time": 0, "late": 0, "overdue": 0, "running": 0}
    for c in world.cases:
        if c["agency"] != a.pk or c["process"] != "penalty-general" or not in_window(c["opened"], w):
            continue
        due = day(c["opened"]) + dt.timedelta(days=90 + c["extension"])
        if c["decided"] is not None:
            counts["on_time" if local(c["decided"]) <= due else "late"] += 1  # type: ignore[operator]
        elif c["closed"] is None:
            counts["overdue" if today > due else "running"] += 1
    assert rows["行政处罚九十日内作出决定"] == list(counts.values())
    assert counts["late"] and counts["on_time"]
    # service within 7 working days of the decision
    calendar = core_calendar.current()
    counts = {"on_time": 0, "late": 0, "overdue": 0, "running": 0}
    for c in world.cases:
        if c["agency"] != a.pk or c["process"] != "penalty-general" or not in_window(c["decided"], w):
            continue
        due = calendar.add_working_days(local(c["decided"]), 7).date  # type: ignore[arg-type]
        if c["served"] is not None:
            counts["on_time" if local(c["served"]) <= due else "late"] += 1  # type: ignore[operator]
        else:
            counts["overdue" if today > due else "running"] += 1
    assert rows["处罚决定书七个工作日内送达"] == list(counts.values())
    assert counts["late"] and counts["on_time"]
    # publication
    counts = {"on_time": 0, "late": 0, "overdue": 0, "running": 0}
    for t in world.tasks:
        if t["agency"] != a.pk or not (w.first_day <= t["decided_on"] <= today):
            continue
        if t["published_on"] is not None:
            counts["on_time" if t["published_on"] <= t["due_on"] else "late"] += 1
        else:
            counts["overdue" if t["due_on"] < today else "running"] += 1
    assert rows["执法决定按期公示"] == list(counts.values())
    # legal reviews decided in the window (the passes written with the major cases are on time)
    decided = [r for r in world.reviews if r["agency"] == a.pk and in_window(r["decided_at"], w)]
    passes = [
        c
        for c in world.cases
        if c["agency"] == a.pk and c["reviewed"] and in_window(c["decided"] - dt.timedelta(hours=1), w)
    ]
    assert rows["法制审核按期完成"] == [
        len(passes) + sum(not r["overdue"] for r in decided),
        sum(r["overdue"] for r in decided),
        0,
        0,
    ]
    # complaints
    counts = {"on_time": 0, "late": 0, "overdue": 0, "running": 0}
    for c in world.complaints:
        if c["agency"] != a.pk or not in_window(c["received"], w) or c["refused"]:
            continue
        if c["replied"] is not None:
            counts["on_time" if day(c["replied"]) <= c["due_on"] else "late"] += 1
        else:
            counts["overdue" if c["due_on"] < today else "running"] += 1
    assert rows["投诉举报按期答复"] == list(counts.values())


@pytest.mark.django_db
def test_major_decisions_reviewed_and_exceptions_linked(world: World) -> None:
    a = world.bureau.agency
    w = window()
    majors = [c for c in world.cases if c["agency"] == a.pk and c["major"] and in_window(c["decided"], w)]
    missing = sorted((c for c in majors if not c["reviewed"]), key=lambda c: (c["decided"], c["pk"]))
    got = {c.key: c for c in charts_for(scope_of(a), case_url=lambda pk: f"/case/{pk}/")}
    total, reviewed = len(majors), len(majors) - len(missing)
    assert got["major_review"].rows == [["重大执法决定", total, reviewed, len(missing), rate(reviewed, total)]]
    assert missing, "the world has a major decision without review"
    assert [row[0] for row in got["major_exceptions"].rows] == [cm.Case.objects.get(pk=c["pk"]).number for c in missing]
    assert got["major_exceptions"].links == {i: f"/case/{c['pk']}/" for i, c in enumerate(missing)}


@pytest.mark.django_db
def test_recordings_and_evaluation_by_department(world: World) -> None:
    a = world.bureau.agency
    w = window()
    got = charts(scope_of(a))
    evaluations = [e for e in world.evaluations if e["agency"] == a.pk and in_window(e["closed"], w)]
    rec: dict[str, list[int]] = {}
    for e in evaluations:
        result = next(p["result"] for p in e["points"] if p["key"] == "recordings")
        if result != "na":
            rec.setdefault(world.departments[e["department"]].name, [0, 0])[result == "fail"] += 1
    expected = sorted([name, p + f, p, f, rate(p, p + f)] for name, (p, f) in rec.items())
    passed, failed = sum(v[0] for v in rec.values()), sum(v[1] for v in rec.values())
    assert got["recordings"].rows == [
        *expected,
        ["合计", passed + failed, passed, failed, rate(passed, passed + failed)],
    ]
    assert failed and passed
    scores: dict[str, list[Any]] = {}
    for e in evaluations:
        s = scores.setdefault(world.departments[e["department"]].name, [0, Decimal(0), 0])
        s[0] += 1
        s[1] += e["score"]
        s[2] += sum(p["result"] == "fail" for p in e["points"])
    assert got["evaluation"].rows == sorted(
        [name, n, rate(int(total * 100), n * 100 * 100), failed_points]
        for name, (n, total, failed_points) in scores.items()
    )


@pytest.mark.django_db
def test_overdue_by_department_and_officer(world: World) -> None:
    a = world.bureau.agency
    today = world.today
    got = charts(scope_of(a))
    per_officer: dict[str, list[int]] = {}
    per_dept: dict[str, list[int]] = {}
    late_tasks = {t["case"] for t in world.tasks if t["published_on"] is None and t["due_on"] < today}
    for c in world.cases:
        if c["agency"] != a.pk:
            continue
        due = day(c["opened"]) + dt.timedelta(days=90 + c["extension"])
        late_case = c["process"] == "penalty-general" and c["decided"] is None and c["closed"] is None and due < today
        for officer in c["officers"]:
            for column, hit in ((0, late_case), (1, c["pk"] in late_tasks)):
                if hit:
                    per_officer.setdefault(officer.name, [0, 0, 0])[column] += 1
                    per_dept.setdefault(officer.department.name, [0, 0, 0])[column] += 1
    for c in world.complaints:
        if c["agency"] == a.pk and c["replied"] is None and not c["refused"] and c["due_on"] < today:
            per_dept.setdefault(world.departments[c["department"]].name, [0, 0, 0])[2] += 1
            per_officer.setdefault("（未交办）", [0, 0, 0])[2] += 1
    assert {r[0]: r[1:4] for r in got["overdue_departments"].rows} == per_dept
    assert {r[0]: r[1:4] for r in got["overdue_officers"].rows} == per_officer
    assert any(v[0] for v in per_dept.values()) and any(v[2] for v in per_dept.values())
    totals = [r[-1] for r in got["overdue_departments"].rows]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.django_db
def test_certificate_expiries(world: World) -> None:
    a = world.bureau.agency
    today = world.today
    got = charts(scope_of(a))
    by_dept: dict[str, list[int]] = {}
    for o in world.officers:
        if o.agency_id != a.pk:
            continue
        left = (o.valid_until - today).days
        row = by_dept.setdefault(o.department.name, [0, 0, 0])  # type: ignore[union-attr]
        row[0] += 0 <= left <= 60
        row[1] += 0 <= left <= 90
        row[2] += left < 0
    assert {r[0]: r[1:] for r in got["certificates"].rows} == {k: v for k, v in by_dept.items() if v[1] or v[2]}
    listed = sorted(
        (o for o in world.officers if o.agency_id == a.pk and 0 <= (o.valid_until - today).days <= 90),
        key=lambda o: (o.valid_until, o.name, o.pk),
    )
    assert [r[1] for r in got["certificates_list"].rows] == [o.certificate_number for o in listed]
    assert listed


@pytest.mark.django_db
def test_inspection_coverage(world: World) -> None:
    a, b = world.bureau.agency, world.bureau.other_agency
    single = charts(scope_of(a))["inspections"].rows
    # quotas: 3 of risk A (4 in the pool) + ceil(0.5 × 6 of risk B) = 6 a draw, two draws not cancelled
    assert single == [["P-A8 年度计划", 12, 6, 4, rate(4, 12)]]
    both = charts(scope_of(a, b))["inspections"].rows
    assert both == sorted([[a.name, 12, 6, 4, rate(4, 12)], [b.name, 12, 6, 4, rate(4, 12)]])


@pytest.mark.django_db
def test_inspection_quota_counts_only_the_plans_sectors(world: World) -> None:
    """A ratio quota is taken over the targets the plan's regions and sectors select, as the draw takes it."""
    a = world.bureau.agency
    moved = list(im.Target.objects.filter(agency=a, risk="B").order_by("pk").values_list("pk", flat=True)[:2])
    im.Target.objects.filter(pk__in=moved).update(sector="危险化学品")
    im.SamplingPlan.objects.filter(agency=a).update(sectors=["工贸"])
    # 3 of risk A + ceil(0.5 × 4 of risk B in 工贸) = 5 a draw, two draws not cancelled
    assert charts(scope_of(a))["inspections"].rows[0][1] == 10
    im.SamplingPlan.objects.filter(agency=a).update(sectors=[], regions=["211104"])  # no target in that region
    assert charts(scope_of(a))["inspections"].rows[0][1] == 0


# --- scopes, pages, CSV, query bound ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scopes_follow_roles(bureau: Bureau) -> None:
    a, b = bureau.agency, bureau.other_agency
    assert [s.key for s in scopes_for(bureau.leader)] == [f"agency:{a.pk}"]
    supervisor = scopes_for(bureau.supervisor)
    body = bureau.supervisor.role_assignments.get().agency_id
    assert [(s.key, s.agency_ids) for s in supervisor] == [(f"supervised:{body}", (a.pk,)), (f"agency:{a.pk}", (a.pk,))]
    assert [s.key for s in scopes_for(bureau.outsider)] == [f"agency:{b.pk}"]
    admin = scopes_for(bureau.superuser)
    assert admin[0].key == "all" and set(admin[0].agency_ids) == {a.pk, b.pk}
    assert scope_for(bureau.leader, f"agency:{b.pk}") is None
    assert scope_for(bureau.supervisor, "all") is None


@pytest.mark.django_db
def test_pages_by_scope(world: World) -> None:
    bureau = world.bureau
    a, b = bureau.agency, bureau.other_agency
    url = reverse("oversight:dashboard")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    leader = Client()
    leader.force_login(bureau.leader)
    page = leader.get(url)
    assert page.status_code == 200
    assert page.context["scope"].agency_ids == (a.pk,)
    opened = page.context["charts"][0]["chart"]
    assert opened.rows == expected_case_rows(world, {a.pk}, "opened")
    assert leader.get(url, {"scope": f"agency:{b.pk}"}).status_code == 404
    assert leader.get(url, {"scope": "all"}).status_code == 404
    html = page.content.decode()
    assert 'id="chart-cases_opened-data"' in html and "echarts.common.min.js" in html and "<script>" not in html
    supervisor = Client()
    supervisor.force_login(bureau.supervisor)
    page = supervisor.get(url)
    assert page.status_code == 200 and page.context["scope"].agency_ids == (a.pk,)
    assert page.context["scope"].kind == "supervised"
    assert supervisor.get(url, {"scope": f"agency:{b.pk}"}).status_code == 404
    admin = Client()
    admin.force_login(bureau.superuser)
    page = admin.get(url)
    assert page.context["scope"].key == "all"
    assert page.context["charts"][0]["chart"].rows == expected_case_rows(world, {a.pk, b.pk}, "opened")


@pytest.mark.django_db
def test_csv_equals_the_table(world: World) -> None:
    client = Client()
    client.force_login(world.bureau.leader)
    scope = f"agency:{world.bureau.agency.pk}"
    page = client.get(reverse("oversight:dashboard"), {"scope": scope})
    tables = {item["chart"].key: item["chart"] for item in page.context["charts"]}
    assert set(tables) == set(CHART_KEYS)
    html = page.content.decode()
    for key, chart in tables.items():
        assert f"{reverse('oversight:dashboard_csv', args=[key])}?scope={scope.replace(':', '%3A')}" in html
        response = client.get(reverse("oversight:dashboard_csv", args=[key]), {"scope": scope})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == chart.header
        assert rows[1:] == [[str(cell) for cell in row] for row in chart.rows], key
    other = client.get(
        reverse("oversight:dashboard_csv", args=["fines"]), {"scope": f"agency:{world.bureau.other_agency.pk}"}
    )
    assert other.status_code == 404
    assert client.get(reverse("oversight:dashboard_csv", args=["nothing"])).status_code == 404


@pytest.mark.django_db
def test_query_count_is_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    """Once the monthly summary is there, a page reads it and a few live lists: the same number of queries whatever
    the number of records."""
    client = Client()
    client.force_login(world.bureau.superuser)
    assert client.get(reverse("oversight:dashboard")).status_code == 200  # the first view computes the summary
    with django_assert_max_num_queries(PAGE_QUERIES) as first:
        assert client.get(reverse("oversight:dashboard")).status_code == 200
    build_world(world.bureau, seed=9)  # twice the records, written outside the services
    rebuild()
    with django_assert_max_num_queries(PAGE_QUERIES) as second:
        assert client.get(reverse("oversight:dashboard")).status_code == 200
    assert len(second) == len(first)


@pytest.mark.django_db
def test_decisions_counted_as_the_annual_statistics_count_them(bureau: Bureau) -> None:
    """Cases whose step history is in the ledger (the annual statistics' prepared cases): licences decided when they
    enter 送达、颁证, penalties at their first decision document, inspections when closed — the dashboard's decided
    counts equal ``annual.decided_cases`` over the same period, kind by kind."""
    from sanxiang.oversight import annual
    from sanxiang.oversight.tests.conftest import Spec, prepare

    now = timezone.now().astimezone(ZONE)
    ago = lambda days, hour=10: (now - dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)  # noqa: E731
    specs = [
        Spec("a", "licence", ago(40), ago(30)),
        Spec("a", "licence", ago(20), ago(10)),
        Spec("a", "licence", ago(500), ago(480)),  # decided before the period
        Spec("a", "licence", ago(5)),  # not decided
        Spec("a", "penalty-general", ago(100), ago(60), ago(50), ("fine",), Decimal("3000")),
        Spec("a", "penalty-summary", ago(3), ago(3, 11), None, ("fine",), Decimal("200")),
        Spec("a", "coercion-seizure", ago(70), ago(70, 15)),
        Spec("a", "inspection", ago(90), ago(80), ago(80)),
        Spec("b", "licence", ago(40), ago(30)),
    ]
    prepare(bureau, specs)
    w = window()
    period = annual.Period(year=0, start=w.start, end=w.end)
    expected = dict.fromkeys(Kind, 0)
    for case in annual.decided_cases(period, [bureau.agency.pk]):
        expected[PROCESSES[case.process_key].kind] += 1
    rows = charts(scope_of(bureau.agency))["cases_decided"].rows
    got = {k: sum(row[1 + i] for row in rows) for i, k in enumerate(Kind)}
    assert got == expected
    assert expected[Kind.LICENCE] == 2 and expected[Kind.PENALTY] == 2 and expected[Kind.INSPECTION] == 1
