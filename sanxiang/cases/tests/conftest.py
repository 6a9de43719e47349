"""A bureau ready to run cases: published items of every kind, two officers with accounts and body cameras, a
recorded interview room; and helpers that do what officers do on site (show certificates, record, upload)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer
from sanxiang.cases.onsite import case_certificate_shown, case_recording_add
from sanxiang.cases.services import case_open
from sanxiang.conftest import Bureau, make_user
from sanxiang.ledger.evidence import blob_store
from sanxiang.ledger.models import Blob
from sanxiang.org.models import Role, User
from sanxiang.registry.models import Device, EnforcementItem, Officer, RecordingPlace
from sanxiang.registry.services import device_assign, device_register
from sanxiang.registry.tests import factories as f

COMPANY = {
    "kind": "organisation",
    "name": "盘锦示例化工有限公司",
    "uscc": "91110000802100433B",
    "legal_representative": "周示例",
    "address": "盘锦市兴隆台区示例路1号",
    "phone": "0427-2825000",
}
PERSON = {"kind": "person", "name": "刘示例", "id_number": "21110319800101123X", "address": "盘锦市兴隆台区"}
ALL_CATEGORIES = ["penalty", "coercion", "inspection", "licence"]


@dataclass
class CaseWorld:
    bureau: Bureau
    items: dict[str, EnforcementItem]  # by process kind
    wang: Officer  # bureau.officer's certificate
    li: Officer  # officer2's certificate
    officer2: User
    cameras: dict[int, Device]  # by officer pk
    room: RecordingPlace

    def open(self, process_key: str = "penalty-general", **changes: Any) -> Case:
        kind = process_key.split("-")[0]
        arguments: dict[str, Any] = {
            "actor": self.bureau.officer,
            "agency": self.bureau.agency,
            "process_key": process_key,
            "item": self.items[kind],
            "title": "盘锦示例化工有限公司未按规定开展安全生产教育和培训案",
            "place_region": "211103",
            "place_address": "盘锦市兴隆台区示例路1号",
            "officers": [self.wang, self.li],
            "parties": [COMPANY],
            **changes,
        }
        return case_open(**arguments)

    def show_certificates(self, case: Case, *, at: dt.datetime | None = None, **extra: Any) -> dt.datetime:
        """Both officers show their certificates (ten seconds apart); returns the first moment.

        The cameras were assigned when the fixture ran, so on-site moments default to now (clocks may run up to five
        minutes ahead of the server's, which the services accept)."""
        first = at or timezone.now()
        for index, officer in enumerate((self.wang, self.li)):
            case_certificate_shown(
                actor=self.bureau.officer,
                case=case,
                officer=officer,
                shown_at=first + dt.timedelta(seconds=10 * index),
                place=case.place_address,
                **extra,
            )
        return first

    def record(
        self,
        case: Case,
        *,
        start: dt.datetime,
        minutes: int = 2,
        full_process: bool = False,
        content: bytes | None = None,
        **extra: Any,
    ) -> Any:
        blob = upload(self.bureau.officer, content or f"footage {case.pk} {start.isoformat()}".encode())
        arguments: dict[str, Any] = {
            "actor": self.bureau.officer,
            "case": case,
            "sha256": blob.sha256,
            "officer": self.wang,
            "device": self.cameras[self.wang.pk],
            "place": case.place_address,
            "started_at": start,
            "ended_at": start + dt.timedelta(minutes=minutes),
            "full_process": full_process,
            **extra,
        }
        return case_recording_add(**arguments)

    def on_site(self, case: Case, *, full_process: bool = False) -> None:
        """Certificates shown and the action recorded, as an on-site step needs."""
        start = self.show_certificates(case)
        self.record(case, start=start, minutes=2, full_process=full_process)


def upload(actor: Any, content: bytes, content_type: str = "video/mp4") -> Blob:
    """What the evidence upload API ends with: a stored, hashed blob (the API itself is tested in the ledger)."""
    return blob_store(
        actor=actor,
        fileobj=io.BytesIO(content),
        content_type=content_type,
        declared_sha256=hashlib.sha256(content).hexdigest(),
    )


def _officer(bureau: Bureau, name: str, number: str, user: User) -> Officer:
    data = f.officer_data(bureau, name=name, certificate_number=number, categories=ALL_CATEGORIES, user_id=user.pk)
    officer: Officer = f.publish("officers", bureau=bureau, data=data)
    return officer


@pytest.fixture
def case_world(bureau: Bureau) -> CaseWorld:
    items = {
        "penalty": f.publish("items", bureau=bureau, data=f.item_data(bureau)),
        "coercion": f.publish(
            "items",
            bureau=bureau,
            data=f.item_data(
                bureau,
                code="XZQZ-001",
                category="coercion",
                name="对有根据认为不符合保障安全生产的国家标准或者行业标准的设施、设备、器材予以查封或者扣押",
                legal_basis=[{"law": "中华人民共和国安全生产法", "article": "第六十五条第一款第（四）项"}],
                discretion_benchmark=[],
            ),
        ),
        "inspection": f.publish(
            "items",
            bureau=bureau,
            data=f.item_data(
                bureau,
                code="XZJC-001",
                category="inspection",
                name="对生产经营单位执行安全生产法律法规情况的监督检查",
                legal_basis=[{"law": "中华人民共和国安全生产法", "article": "第六十五条"}],
                discretion_benchmark=[],
            ),
        ),
        "licence": f.publish(
            "items",
            bureau=bureau,
            data=f.item_data(
                bureau,
                code="XZXK-001",
                category="licence",
                name="危险化学品经营许可",
                legal_basis=[{"law": "危险化学品安全管理条例", "article": "第三十三条"}],
                discretion_benchmark=[],
                time_limit_days=20,
                time_limit_kind="working",
            ),
        ),
    }
    officer2 = make_user("officer2", bureau.agency, Role.OFFICER)
    wang = _officer(bureau, "王建国", "21110320190001", bureau.officer)
    li = _officer(bureau, "李明", "21110320190002", officer2)
    cameras = {}
    for number, officer in enumerate((wang, li), start=1):
        device = device_register(
            actor=bureau.office_clerk,
            agency=bureau.agency,
            data=f.device_data(asset_number=f"XLT-JLY-00{number}", serial_number=f"SN2026000{number}"),
        )
        cameras[officer.pk] = device_assign(actor=bureau.office_clerk, device=device, officer=officer)
    room = f.publish("recording-places", bureau=bureau, data=f.recording_place_data())
    return CaseWorld(bureau=bureau, items=items, wang=wang, li=li, officer2=officer2, cameras=cameras, room=room)


def active_officer_names(case: Case) -> list[str]:
    return [row.officer.name for row in CaseOfficer.objects.filter(case=case, active=True).select_related("officer")]
