"""Demo cases (办案), run through the case services as the officers would: one of each kind, in a telling state, and a
major penalty case at legal review.

* a general-procedure penalty case (行政处罚一般程序) run to 归档: documents issued (.docx and PDF) and served,
  certificates shown, recordings at 调查取证 and 送达, the case file sealed;
* a seizure (查封、扣押) in 查封扣押期间, with full-process recordings of 现场实施 and 决定书当场交付;
* an inspection (行政检查) whose rectification order (责令限期整改指令书) was issued and served, now at 整改复查;
* a licence application (行政许可) accepted and under examination (审查);
* a major penalty case (重大执法决定: a fine of 80,000 yuan on a company) at 案件审查, its legal review request past
  初审 (刘佳, prelim) and the head's signature and taken by the legal reviewer (杨帆, legal): 法制审核中, the period
  running, not decided — what the reviewer finds first after logging in. The reviewer's qualification is seeded
  before the cases (``Seeder.seed_reviewers``): an unqualified reviewer could not take it.

Who acts is who may: 张明远 (officer1) and 李晓东 (officer2) are the officers on the case, each with the body camera
the office assigned to them; 陈志刚 (head) approves, signs review requests and decides. The recordings are small,
valid WAV files made here (the sound of a camera's microphone would do no better in a demo).

Timing: the events happen now. The body cameras may have been assigned only seconds ago (a fresh seed), so an
on-site step starts now and its recording runs for some twenty seconds: the latest moment is under a minute ahead of
the server's clock, well within the five minutes the services accept for device clocks. Within one case every
on-site step starts after the previous one ended.

A case is found again by its title (案由): a second run leaves it alone and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import wave
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from sanxiang.cases.models import Case, FactKind, IssuedDocument
from sanxiang.cases.onsite import case_certificate_shown, case_recording_add
from sanxiang.cases.services import case_open
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_document_issue,
    case_document_serve,
    case_fact_record,
    case_penalty_propose,
)
from sanxiang.demo import data
from sanxiang.disclosure.models import PublicationTask
from sanxiang.disclosure.services import publication_fulfil, publication_publish
from sanxiang.ledger.evidence import blob_store
from sanxiang.org.models import Agency, User
from sanxiang.registry.models import Device, EnforcementItem, Officer
from sanxiang.review.services import review_head_sign, review_preliminary, review_request, review_take

WAV_RATE = 4000  # Hz, 8-bit mono: 4 KB a second
CLIP = dt.timedelta(seconds=20)  # one recording


def wav_bytes(label: str, seconds: float) -> bytes:
    """A valid, deterministic WAV of ``seconds``: a quiet tone whose pitch and beeps depend on ``label``."""
    digest = hashlib.sha256(label.encode()).digest()
    pitch = 300 + digest[0] * 2  # 300–810 Hz
    period = [
        int(128 + 40 * math.sin(2 * math.pi * pitch * n / WAV_RATE)) if n < WAV_RATE // 4 else 128
        for n in range(WAV_RATE)
    ]  # a quarter-second beep each second
    second = bytes(period)
    frames = int(seconds * WAV_RATE)
    body = (second * (frames // WAV_RATE + 1))[:frames]
    # the label's hash in the last frames, so that no two recordings are the same file
    body = body[: max(frames - 32, 0)] + bytes(128 + (b & 0x0F) for b in digest)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(WAV_RATE)
        w.writeframes(body)
    return out.getvalue()


class CaseSeeder:
    """Runs the demo cases of the bureau that do not exist yet; ``count`` is told of each case it opens."""

    def __init__(self, *, agency: Agency, users: dict[str, User], count: Callable[[str], None]) -> None:
        self.agency = agency
        self.users = users
        self.count = count
        self.officer1 = users["officer1"]
        self.head = users["head"]
        self.clock = timezone.now()  # the end of the last on-site action of the case being run

    def run(self) -> None:
        for spec, play in (
            (data.PENALTY_CASE, self.penalty),
            (data.SEIZURE_CASE, self.seizure),
            (data.INSPECTION_CASE, self.inspection),
            (data.LICENCE_CASE, self.licence),
            (data.MAJOR_CASE, self.major),
        ):
            if Case.objects.filter(agency=self.agency, title=spec["title"]).exists():
                continue
            play(spec, self.open(spec))
            self.count("case")

    # -- helpers -----------------------------------------------------------------------------------------------------
    def officer(self, username: str) -> Officer:
        return Officer.objects.get(agency=self.agency, user=self.users[username])

    def open(self, spec: dict[str, Any]) -> Case:
        self.clock = timezone.now()  # on-site moments of this case never go back in time
        return case_open(
            actor=self.officer1,
            agency=self.agency,
            process_key=spec["process_key"],
            item=EnforcementItem.objects.get(agency=self.agency, code=spec["item"]),
            title=spec["title"],
            place_region=data.CASE_PLACE_REGION,
            place_address=spec["place_address"],
            officers=[self.officer(username) for username in spec["officers"]],
            parties=[spec["party"]],
        )

    def advance(self, case: Case, target: str, actor: User | None = None) -> Case:
        return case_advance(actor=actor or self.officer1, case=case, target=target)

    def issue(self, case: Case, code: str, actor: User | None = None, **fields: Any) -> IssuedDocument:
        return case_document_issue(actor=actor or self.officer1, case=case, template_code=code, fields=fields)

    def serve(self, case: Case, document: IssuedDocument, recipient: str) -> None:
        served_at = max(timezone.now(), self.clock)
        case_document_serve(
            actor=self.officer1, case=case, document=document, method="direct", served_at=served_at, recipient=recipient
        )

    def on_site(self, case: Case, label: str, *, show: bool = True, full_process: bool = False) -> None:
        """Both officers record with their body cameras from the start; each shows the certificate (if ``show``).

        Every recording spans the whole action, so a full-process step has no gap and covers the showing."""
        start = max(timezone.now(), self.clock)
        end = start + CLIP
        officers = [row.officer for row in case.officers.filter(active=True).select_related("officer").order_by("pk")]
        for index, officer in enumerate(officers):
            content = wav_bytes(f"{case.title} {label} {officer.name}", CLIP.total_seconds())
            blob = blob_store(
                actor=self.officer1,
                fileobj=io.BytesIO(content),
                content_type="audio/wav",
                declared_sha256=hashlib.sha256(content).hexdigest(),
                note=f"{label}（演示音像记录）",
            )
            case_recording_add(
                actor=self.officer1,
                case=case,
                sha256=blob.sha256,
                officer=officer,
                device=Device.objects.get(agency=self.agency, officer=officer),
                place=case.place_address,
                started_at=start,
                ended_at=end,
                full_process=full_process,
                note=f"{label}，{officer.name}佩戴执法记录仪全程记录（演示）",
            )
            if show:
                case_certificate_shown(
                    actor=self.officer1,
                    case=case,
                    officer=officer,
                    shown_at=start + dt.timedelta(seconds=2 + 5 * index),
                    place=case.place_address,
                )
        self.clock = end + dt.timedelta(seconds=1)

    # -- the cases ---------------------------------------------------------------------------------------------------
    def penalty(self, spec: dict[str, Any], case: Case) -> None:
        facts = {"facts": spec["facts"], "evidence": spec["evidence"]}
        party = spec["party"]["legal_representative"]
        self.issue(case, "case_opening_approval", case_source=spec["case_source"], **facts)
        case_approve(actor=self.head, case=case, note="同意立案，由张明远、李晓东承办。")
        case = self.advance(case, "investigate")

        self.on_site(case, "调查取证：现场检查、询问当事人")
        case_penalty_propose(actor=self.officer1, case=case, amount=spec["amount"], band=spec["band"])
        case = self.advance(case, "review")

        self.issue(case, "case_handling_approval", decision=spec["proposal"], **facts)
        case = self.advance(case, "notify")

        notice = self.issue(
            case,
            "penalty_notice",
            decision=spec["proposal"],
            contact_person="张明远",
            contact_phone="0427-2825001",
            **facts,
        )
        self.serve(case, notice, party)
        case_fact_record(
            actor=self.officer1, case=case, kind=FactKind.STATEMENT_WAIVED, note="当事人书面表示放弃陈述、申辩和听证。"
        )
        case = self.advance(case, "decide")

        decision = self.issue(
            case,
            "penalty_decision",
            actor=self.head,
            decision=spec["decision"],
            payment_deadline_days="15",
            payment_bank=spec["payment_bank"],
            payment_account=spec["payment_account"],
            review_body=data.REVIEW_BODY,
            court=data.COURT,
            **facts,
        )
        # 事后公开: the legal section confirms the proposed redaction and publishes within 7 working days.
        publication = publication_publish(
            actor=self.users["legal"], task=PublicationTask.objects.get(document=decision)
        )
        case = self.advance(case, "serve", actor=self.head)

        self.on_site(case, "直接送达行政处罚决定书", show=False)  # the AV list (YX-04) records direct service
        self.issue(
            case,
            "service_receipt",
            service_place="当事人住所",
            service_method="直接送达",
            server_names="张明远、李晓东",
        )
        self.serve(case, decision, party)
        case = self.advance(case, "execute")
        if publication is not None:
            publication_fulfil(
                actor=self.users["legal"],
                publication=publication,
                on=timezone.localdate(),
                text="当事人已按期足额缴纳罚款，履行完毕。",
            )
        case = self.advance(case, "close")

        self.issue(
            case,
            "case_closing_approval",
            decision=spec["decision"],
            execution_status="当事人已按期足额缴纳罚款",
            closing_reason="执行完毕",
        )
        case_approve(actor=self.head, case=case, note="同意结案。")
        self.advance(case, "archive")  # seals the case file

    def major(self, spec: dict[str, Any], case: Case) -> None:
        """Opened, investigated on site, proposed inside the band, at 案件审查 with its handling form; sent to review,
        past 初审 and the head's signature, and taken by the legal reviewer: 法制审核中, not decided."""
        facts = {"facts": spec["facts"], "evidence": spec["evidence"]}
        self.issue(case, "case_opening_approval", case_source=spec["case_source"], **facts)
        case_approve(actor=self.head, case=case, note="同意立案，由张明远、李晓东承办。")
        case = self.advance(case, "investigate")

        self.on_site(case, "调查取证：重大危险源现场检查、询问当事人")
        case = case_penalty_propose(
            actor=self.officer1, case=case, amount=spec["amount"], band=spec["band"], sanctions=["fine"]
        )
        case = self.advance(case, "review")
        self.issue(case, "case_handling_approval", decision=spec["proposal"], **facts)

        review = review_request(actor=self.officer1, case=case, note=spec["review_note"])
        review = review_preliminary(
            actor=self.users["prelim"], review=review, approve=True, opinion=spec["preliminary_opinion"]
        )
        review = review_head_sign(actor=self.head, review=review, opinion=spec["head_opinion"])
        review_take(actor=self.users["legal"], review=review)

    def seizure(self, spec: dict[str, Any], case: Case) -> None:
        case_approve(actor=self.head, case=case, note="同意实施扣押。")
        case = self.advance(case, "implement")
        self.on_site(case, "扣押现场实施：通知当事人到场、清点财物", full_process=True)
        case = self.advance(case, "deliver")
        self.issue(
            case,
            "coercive_measure_decision",
            facts=spec["facts"],
            measure=spec["measure"],
            items=spec["items"],
            place=spec["place"],
            measure_period=spec["measure_period"],
            review_body=data.REVIEW_BODY,
            court=data.COURT,
        )
        self.on_site(case, "当场交付扣押决定书和清单", full_process=True)
        self.advance(case, "custody")

    def inspection(self, spec: dict[str, Any], case: Case) -> None:
        case = self.advance(case, "inspect")
        start = max(timezone.now(), self.clock)
        self.on_site(case, "危险化学品经营单位现场检查", full_process=True)  # full process: the AV list (YX-01)
        self.issue(
            case,
            "site_inspection_record",
            inspection_site=spec["inspection_site"],
            start_time=f"{timezone.localtime(start):%Y年%m月%d日 %H:%M}",
            end_time=f"{timezone.localtime(start + CLIP):%Y年%m月%d日 %H:%M}",
            recorder="李晓东",
            site_person=spec["site_person"],
            inspection_findings=spec["findings"],
        )
        case = self.advance(case, "order")
        order = self.issue(
            case,
            "rectification_order",
            facts=spec["facts"],
            rectification_deadline=spec["rectification_deadline"],
            review_body=data.REVIEW_BODY,
            court=data.COURT,
        )
        self.serve(case, order, spec["party"]["legal_representative"])
        self.advance(case, "reinspect")

    def licence(self, spec: dict[str, Any], case: Case) -> None:
        case = self.advance(case, "accept")
        self.advance(case, "examine")
