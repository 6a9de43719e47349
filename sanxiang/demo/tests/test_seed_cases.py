"""The demo cases: one of each kind, run through the case services, in the states the demo shows (the major one at
legal review, taken by the reviewer); a re-run writes nothing. One seed for all the checks (the documents take LibreOffice some twenty seconds)."""

from __future__ import annotations

import datetime as dt
import io
import wave
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from sanxiang.cases.gates import step_blockers
from sanxiang.cases.models import Case, CaseFile, CertificateShown, DocumentService, IssuedDocument, Recording
from sanxiang.complaints.models import Complaint
from sanxiang.demo import data
from sanxiang.demo.cases import WAV_RATE, wav_bytes
from sanxiang.disclosure.models import Publication, PublicationTask
from sanxiang.inspections import demo as inspections_demo
from sanxiang.inspections.models import Conflict, Draw, DrawnTarget, DrawState
from sanxiang.inspections.services import draw_verify
from sanxiang.ledger.evidence import evidence_storage
from sanxiang.ledger.models import Blob, Entry
from sanxiang.org.models import Agency, User
from sanxiang.oversight.models import CaseEvaluation, ProgressReport, RolloutTask, SupervisionFinding
from sanxiang.oversight.rollout import plan_tasks
from sanxiang.oversight.rollout_services import missing_reports, week_start
from sanxiang.review.catalogue import assess
from sanxiang.review.gates import review_blocker
from sanxiang.review.models import LegalReview, MajorAssessment, ReviewerQualification, ReviewerTraining, ReviewState
from sanxiang.review.selectors import due_status, queues_for
from sanxiang.review.services import reviewer_refusal


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "data" / "keys"
    return Path(settings.DATA_DIR)


def stored(blob: Blob) -> bytes:
    with evidence_storage().open(blob.storage_name, "rb") as fh:
        return fh.read()


def case(spec: dict[str, Any]) -> Case:
    return Case.objects.select_related("agency").get(agency__name=data.XLT, title=spec["title"])


def counts() -> dict[str, int]:
    models: tuple[type[Any], ...] = (Case, Entry, Blob, IssuedDocument, Recording, DocumentService, CaseFile)
    models += (LegalReview, MajorAssessment, ReviewerQualification, ReviewerTraining)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_the_demo_cases_in_every_state_and_a_rerun_writes_nothing(data_dir: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    seeded_at = timezone.now()

    penalty, seizure = case(data.PENALTY_CASE), case(data.SEIZURE_CASE)
    inspection, licence = case(data.INSPECTION_CASE), case(data.LICENCE_CASE)
    assert (penalty.process_key, penalty.state) == ("penalty-general", "archive")
    assert penalty.closed_at is not None and penalty.amount_proposed == 20000
    assert (seizure.process_key, seizure.state, seizure.closed_at) == ("coercion-seizure", "custody", None)
    assert (inspection.process_key, inspection.state) == ("inspection", "reinspect")
    assert (licence.process_key, licence.state) == ("licence", "examine")
    for open_case in (seizure, inspection, licence):
        assert open_case.closed_at is None
    # The officers on each case are demo users' certificates, and only they and the head acted on it.
    for spec in data.DEMO_CASES:
        seeded = case(spec)
        assert set(seeded.officers.values_list("officer__user__username", flat=True)) == set(spec["officers"])
        actors = Entry.objects.filter(subject_type="cases.case", subject_id=str(seeded.pk)).values_list(
            "actor_id", flat=True
        )
        acting = set(User.objects.filter(pk__in=list(actors)).values_list("username", flat=True))
        assert acting <= {"officer1", "head"}, spec["title"]

    # The archived case: a sealed case file with its documents (served where the law wants it) and recordings.
    case_file = CaseFile.objects.get(case=penalty)
    kinds = [entry["kind"] for entry in case_file.manifest]
    codes = [entry["template_code"] for entry in case_file.manifest if entry["kind"] == "document"]
    assert set(codes) == {
        "case_opening_approval",
        "case_handling_approval",
        "penalty_notice",
        "penalty_decision",
        "service_receipt",
        "case_closing_approval",
    }
    assert kinds.count("recording") == Recording.objects.filter(case=penalty).count() >= 2
    served = {entry["template_code"] for entry in case_file.manifest if entry.get("services")}
    assert served == {"penalty_notice", "penalty_decision"}
    assert Entry.objects.filter(action="case.file_seal", subject_id=str(case_file.pk)).count() == 1
    for document in IssuedDocument.objects.filter(subject=f"cases.case:{penalty.pk}").select_related("docx", "pdf"):
        assert document.number.startswith("兴应急罚〔")
        assert zipfile.is_zipfile(io.BytesIO(stored(document.docx)))
        assert stored(document.pdf).startswith(b"%PDF")

    # The seizure and the inspection: full-process recordings (the process and the AV list) covering the showing.
    for seeded, steps in ((seizure, {"implement", "deliver"}), (inspection, {"inspect"})):
        recordings = Recording.objects.filter(case=seeded).select_related("blob", "device", "officer")
        assert {r.step_key for r in recordings} == steps
        assert all(r.full_process for r in recordings)
        for step in steps:
            shown = CertificateShown.objects.filter(case=seeded, step_key=step)
            assert shown.count() == 2
            spans = [(r.started_at, r.ended_at) for r in recordings if r.step_key == step]
            assert all(any(s <= c.shown_at <= e for s, e in spans) for c in shown)
    assert IssuedDocument.objects.get(subject=f"cases.case:{seizure.pk}").template_code == "coercive_measure_decision"
    order = IssuedDocument.objects.get(subject=f"cases.case:{inspection.pk}", template_code="rectification_order")
    assert order.services.count() == 1
    # What the re-inspection still needs is what the workspace shows: its document, certificates and a recording.
    assert any("整改复查意见书" in reason for reason in step_blockers(inspection))

    # The major case: at 案件审查, major by the catalogue only (ZD-001: 80,000 yuan on a company, inside band 2), its
    # review past 初审 and the head's signature and taken by the qualified reviewer: 法制审核中, the period running.
    major = case(data.MAJOR_CASE)
    assert (major.process_key, major.state, major.closed_at) == ("penalty-general", "review", None)
    assert major.amount_proposed == 80000 and major.discretion_band == 2 and major.sanctions == ["fine"]
    assert not major.major  # inside the band: no discretion reason
    assessment = assess(major)
    assert assessment.major and [r["code"] for r in assessment.reasons] == ["ZD-001"]
    assert "对法人或者其他组织拟罚款80,000元，达到50,000元" in assessment.text
    review = LegalReview.objects.select_related("reviewer", "preliminary_by", "head_by").get(case=major)
    assert (review.round, review.state, review.outcome, review.decided_at) == (1, ReviewState.SUBMITTED, "", None)
    assert review.proposal_digest == assessment.digest and all(m["ok"] for m in review.materials)
    assert review.reviewer is not None and review.reviewer.username == "legal" and review.taken_at is not None
    assert review.preliminary_by is not None and review.preliminary_by.username == "prelim"
    assert review.head_by is not None and review.head_by.username == "head"
    assert review.submitted_at is not None and review.due_on is not None
    assert review.due_on > timezone.localdate(review.submitted_at)
    assert due_status(review, timezone.localdate()) in ("ok", "due")
    assert reviewer_refusal(review.reviewer, major.agency) is None
    # What the reviewer sees first: the review in their own queue; the decision is still barred.
    queues = {queue.key: queue for queue in queues_for(review.reviewer, major.agency)}
    assert [r.pk for r in queues["mine"].reviews] == [review.pk] and not queues["untaken"].reviews
    assert review_blocker(major, assessment) is not None
    actions = list(
        Entry.objects.filter(subject_type="review.legalreview", subject_id=str(review.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["review.request", "review.preliminary", "review.submit", "review.take"]
    xlt = Agency.objects.get(name=data.XLT)
    assert ReviewerQualification.objects.get(user=review.reviewer, agency=xlt).qualified
    assert ReviewerTraining.objects.filter(user=review.reviewer, agency=xlt).count() == 1

    # Every recording is a real WAV, made with the camera its officer held, not before it was assigned, and at most
    # a minute ahead of the clock (the services allow five).
    for recording in Recording.objects.select_related("blob", "device", "officer"):
        assert recording.device is not None and recording.device.officer_id == recording.officer_id
        assert recording.device.assigned_at is not None and recording.started_at >= recording.device.assigned_at
        assert recording.ended_at <= seeded_at + dt.timedelta(minutes=1)
        assert recording.blob.content_type == "audio/wav"
        with wave.open(io.BytesIO(stored(recording.blob)), "rb") as clip:
            seconds = clip.getnframes() / clip.getframerate()
        assert seconds == (recording.ended_at - recording.started_at).total_seconds()

    # 事后公开: the archived penalty's decision is published (the legal representative's name hidden) with its
    # fulfilment; the seizure's decision awaits publication within 20 working days.
    publication = Publication.objects.get(task__case=penalty)
    assert publication.state == "published" and publication.fulfilment
    assert data.PENALTY_CASE["party"]["legal_representative"] not in publication.text
    assert PublicationTask.objects.get(case=seizure).state == "due"
    # 监督举报: the demo complaints, filed through the public service.
    assert Complaint.objects.exists()
    # 双随机抽查: the plan's draw made with the observer's value, verifiable, one inspection case per drawn target with
    # two inspectors, never the officer with the declared conflict on that target.
    draw = Draw.objects.get(plan__code=inspections_demo.PLAN_CODE)
    assert draw.state == DrawState.DRAWN and draw_verify(draw).ok
    drawn = list(DrawnTarget.objects.filter(draw=draw).select_related("case", "target"))
    assert len(drawn) == len(draw.selection) >= 4
    assert {d.target.risk for d in drawn} >= {"C", "D"}
    for row in drawn:
        assert row.case is not None and row.case.process_key == "inspection"
        assert len(row.inspectors) == 2 == row.case.officers.count()
    conflict = Conflict.objects.get(agency=draw.agency)
    assert [conflict.officer.certificate_number, conflict.target.uscc] in draw.plan_document["conflicts"]
    # 推行工作台账: every task of the plan that names a responsible unit, some done with evidence; weekly reports with
    # one department missing this week; the supervising bodies' findings. 案卷评查: every archived case scored.
    assert RolloutTask.objects.filter(agency=draw.agency).count() == len(plan_tasks())
    assert RolloutTask.objects.filter(agency=draw.agency, status="done").exclude(evidence_url="").exists()
    assert ProgressReport.objects.filter(agency=draw.agency).exists()
    assert missing_reports(draw.agency, week_start(timezone.localdate()))
    assert SupervisionFinding.objects.filter(agency=draw.agency).count() >= 2
    archived = Case.objects.filter(agency=draw.agency, closed_at__isnull=False)
    assert archived.exists()
    assert set(archived.values_list("pk", flat=True)) <= set(
        CaseEvaluation.objects.filter(current=True).values_list("case_id", flat=True)
    )

    # Re-run: found by title, nothing written (no row, no ledger entry, no file).
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "未作修改" in out.getvalue()

    call_command("ledger", "checkpoint", stdout=io.StringIO())
    report = io.StringIO()
    call_command("ledger", "verify", "--files", stdout=report, stderr=io.StringIO())  # CommandError on a problem
    assert "校验通过" in report.getvalue()


def test_the_demo_recordings_are_small_valid_and_distinct() -> None:
    one, other = wav_bytes("a", 20), wav_bytes("b", 20)
    assert one != other and wav_bytes("a", 20) == one
    with wave.open(io.BytesIO(one), "rb") as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 1, WAV_RATE)
        assert clip.getnframes() == 20 * WAV_RATE
    assert len(one) < 100_000
