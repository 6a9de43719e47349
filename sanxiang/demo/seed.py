"""Seed the demo deployment, idempotently and through the services.

Only the bootstrap superuser ``admin`` is created directly (``User.objects.create_superuser``): a service needs an
actor; it gets a ``user.bootstrap`` ledger entry instead, so that ``sanxiang ledger verify`` finds no row without an
entry. Everything after it goes through the services (``agency_create``, ``department_create``, ``user_create``,
``role_assign``, the list workflow ``entry_create``/``entry_submit``/``entry_approve``, ``officer_certificate_suspend``,
the legal reviewers' ``reviewer_qualify``/``reviewer_training_add`` …; the demo cases through the case and review
services, ``sanxiang.demo.cases``), so each row has its ledger entries. A second run finds every row by its natural
key and calls no service, so it adds no ledger entry; a changed document template file is the one thing it updates (a
reviewed change).

Demo passwords are random (``secrets``), generated on the first run and kept in ``<DATA_DIR>/demo-logins.txt``
(mode 0600, never in the repository); later runs reuse them.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from sanxiang.complaints import demo as complaints_demo
from sanxiang.core.canonical import to_json_value
from sanxiang.core.models import PublicationStatus
from sanxiang.demo import data
from sanxiang.demo.cases import CaseSeeder
from sanxiang.inspections import demo as inspections_demo
from sanxiang.ledger.selectors import entries_for
from sanxiang.ledger.services import record
from sanxiang.org.listing import ListSpec
from sanxiang.org.models import Agency, Department, Role, RoleAssignment, User
from sanxiang.org.services import (
    AGENCIES,
    agency_create,
    agency_district_review_record,
    agency_supervision_set,
    department_create,
    role_assign,
    user_create,
)
from sanxiang.oversight import demo as oversight_demo
from sanxiang.registry.docx.placeholders import TEMPLATES as TEMPLATE_INFO
from sanxiang.registry.docx.placeholders import placeholders_for
from sanxiang.registry.docx.render import template_path
from sanxiang.registry.models import Device, DocumentTemplate, Officer
from sanxiang.registry.services import (
    device_assign,
    device_register,
    device_repair,
    device_return,
    entry_approve,
    entry_create,
    entry_submit,
    entry_update,
    officer_certificate_suspend,
)
from sanxiang.registry.specs import (
    CHANNELS,
    INSPECTION_ITEMS,
    ITEMS,
    OFFICERS,
    POWERS,
    RECORDING_PLACES,
    RECORDING_RULES,
    TEMPLATES,
)
from sanxiang.review.models import ReviewerQualification, ReviewerTraining
from sanxiang.review.services import reviewer_qualify, reviewer_training_add

LOGINS_FILE = "demo-logins.txt"
# Shown instead of a password for a demo user that exists while demo-logins.txt was lost.
UNKNOWN = "（密码未知 password unknown）"
ROLE_EN: dict[str, str] = {
    Role.OFFICER: "officer",
    Role.DEPARTMENT_HEAD: "department head",
    Role.PRELIMINARY_REVIEWER: "preliminary reviewer",
    Role.LEGAL_REVIEWER: "legal reviewer",
    Role.LEGAL_ADVISER: "legal adviser",
    Role.LEADER: "bureau leader",
    Role.OFFICE: "office",
    Role.EVALUATOR: "case-file evaluator",
    Role.SUPERVISOR: "supervisor",
    Role.ADMINISTRATOR: "administrator",
}


@dataclass
class Login:
    username: str
    role: str
    agency: str
    password: str | None


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    logins_path: Path | None = None

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


# -- demo-logins.txt -----------------------------------------------------------------------------------------------


def logins_path() -> Path:
    return Path(settings.DATA_DIR) / LOGINS_FILE


def read_passwords(path: Path) -> dict[str, str]:
    """``username → password`` from an earlier run's file (first column and last column of each data row)."""
    known = {username for username, *_ in data.USERS}
    passwords: dict[str, str] = {}
    if not path.exists():
        return passwords
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in known and UNKNOWN not in line:
            passwords[parts[0]] = parts[-1]
    return passwords


def _pad(text: str, width: int) -> str:
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def logins_table(logins: list[Login]) -> str:
    lines = [
        "Sanxiang 演示账号 / demo logins — 仅供演示 / demo only（http://127.0.0.1:8000/）",
        _pad("用户名 username", 18) + _pad("角色 role", 52) + "密码 password",
    ]
    for login in logins:
        role = f"{Role(login.role).label} {ROLE_EN[login.role]}（{login.agency}）"
        password = login.password or f"{UNKNOWN}：sanxiang changepassword {login.username}"
        lines.append(_pad(login.username, 18) + _pad(role, 52) + password)
    return "\n".join(lines) + "\n"


def _new_password() -> str:
    return secrets.token_urlsafe(12)


# -- the seed ------------------------------------------------------------------------------------------------------


class Seeder:
    def __init__(self, *, cases: bool = True) -> None:
        self.cases = cases
        self.result = SeedResult()
        self.passwords = read_passwords(logins_path())
        self.admin = self._bootstrap_admin()
        self.agencies: dict[str, Agency] = {}
        self.users: dict[str, User] = {}

    def _bootstrap_admin(self) -> User:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            password = self.passwords.setdefault("admin", _new_password())
            admin = User.objects.create_superuser(username="admin", email="", password=password, full_name="系统管理员")
            self.result.count("user")
        if not entries_for(admin).exists():
            # No service made this user (a service needs an actor): its bootstrap entry, so `ledger verify` holds.
            record(actor=None, action="user.bootstrap", subject=admin)
        return admin

    def run(self) -> SeedResult:
        self.seed_agencies()
        self.seed_departments()
        self.seed_users()
        self.publish_agencies()
        self.seed_supervision()
        xlt, stz = self.agencies[data.XLT], self.agencies[data.STZ]
        legal = self.users["legal"]
        self.seed_items(xlt, data.ITEMS, editor=self.users["head"], reviewer=legal)
        self.seed_items(stz, data.STZ_ITEMS, editor=self.admin, reviewer=self.admin)
        for item in data.INSPECTION_ITEMS:
            self.ensure(INSPECTION_ITEMS, xlt, {"code": item["code"]}, item, legal, legal)
        self.seed_officers(xlt, data.OFFICERS, legal)
        self.seed_officers(stz, data.STZ_OFFICERS, self.admin)
        self.seed_suspension(xlt, legal)
        self.seed_templates(xlt, legal)
        self.ensure(
            CHANNELS,
            xlt,
            {"name": data.CHANNELS[data.XLT]["name"]},
            data.CHANNELS[data.XLT],
            self.users["office"],
            legal,
        )
        self.ensure(
            CHANNELS, stz, {"name": data.CHANNELS[data.STZ]["name"]}, data.CHANNELS[data.STZ], self.admin, self.admin
        )
        self.seed_recording(xlt, legal)
        self.seed_devices(xlt, self.users["office"])
        for _code in complaints_demo.seed(
            actor_for_staff=self.users["office"], agency=xlt, assignee=self.users["head"]
        ):
            self.result.count("complaint")
        self.seed_reviewers(xlt)  # before the cases: only a qualified reviewer can take the major case's review
        if self.cases:
            CaseSeeder(agency=xlt, users=self.users, count=self.result.count).run()
            inspections_demo.seed(agency=xlt, users=self.users, count=self.result.count)
            oversight_demo.seed(agency=xlt, users=self.users, count=self.result.count)
        self.result.logins = self.logins()
        return self.result

    # -- generic -----------------------------------------------------------------------------------------------------
    def ensure(
        self,
        spec: ListSpec[Any],
        agency: Agency,
        lookup: dict[str, Any],
        values: dict[str, Any],
        editor: User,
        reviewer: User,
    ) -> Any:
        """The entry found by ``lookup``, created if missing, and submitted and approved until it is published."""
        obj = spec.model._default_manager.filter(agency=agency, **lookup).first()
        if obj is None:
            obj = entry_create(actor=editor, spec=spec, agency=agency, data=values)
            self.result.count(spec.key)
        return self.publish(spec, obj, editor, reviewer)

    def publish(self, spec: ListSpec[Any], obj: Any, editor: User, reviewer: User) -> Any:
        if obj.status in (PublicationStatus.DRAFT, PublicationStatus.RETURNED):
            obj = entry_submit(actor=editor, spec=spec, obj=obj)
        if obj.status == PublicationStatus.SUBMITTED or obj.pending is not None:
            obj = entry_approve(actor=reviewer, spec=spec, obj=obj, note="演示数据：经法规科审核，同意公示。")
        return obj

    # -- who is who --------------------------------------------------------------------------------------------------
    def seed_agencies(self) -> None:
        for name, values in data.AGENCIES.items():
            self.agencies[name] = self._agency(name, values)
        values = {**data.ENTRUSTED, "entrusted_by_id": self.agencies[data.XLT].pk}
        if not Agency.objects.filter(name=data.STREET).exists():
            values["entrustment_agreement"] = default_storage.save(
                "agreements/entrustment-demo.docx", ContentFile(agreement_docx())
            )
        self.agencies[data.STREET] = self._agency(data.STREET, values)

    def _agency(self, name: str, values: dict[str, Any]) -> Agency:
        agency = Agency.objects.filter(name=name).first()
        if agency is None:
            agency = agency_create(actor=self.admin, data={**values, "name": name})
            self.result.count("agency")
        return agency

    def seed_departments(self) -> None:
        for agency_name, departments in data.DEPARTMENTS.items():
            agency = self.agencies[agency_name]
            for name, kind in departments:
                if not Department.objects.filter(agency=agency, name=name).exists():
                    department_create(actor=self.admin, agency=agency, name=name, kind=kind)
                    self.result.count("department")

    def department(self, agency: Agency, name: str | None) -> Department | None:
        return Department.objects.get(agency=agency, name=name) if name else None

    def seed_users(self) -> None:
        for username, full_name, role, agency_name, department_name in data.USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = self.passwords.setdefault(username, _new_password())
                user = user_create(actor=self.admin, username=username, full_name=full_name, password=password)
                self.result.count("user")
            agency = self.agencies[agency_name]
            department = self.department(agency, department_name)
            if not RoleAssignment.objects.filter(
                user=user, role=role, agency=agency, department=department, active=True
            ).exists():
                role_assign(actor=self.admin, user=user, role=role, agency=agency, department=department)
                self.result.count("role")
            self.users[username] = user

    def publish_agencies(self) -> None:
        street = self.agencies[data.STREET]
        if not street.district_reviewed_at:
            self.agencies[data.STREET] = agency_district_review_record(
                actor=self.users["legal"], agency=street, reference=data.DISTRICT_REVIEW_REFERENCE
            )
        for name in data.PUBLISHED_AGENCIES:
            reviewer = self.users["legal"] if name in (data.XLT, data.STREET) else self.admin
            self.agencies[name] = self.publish(AGENCIES, self.agencies[name], self.admin, reviewer)

    def seed_supervision(self) -> None:
        for supervisor_name, supervised_names in data.SUPERVISION.items():
            supervisor = self.agencies[supervisor_name]
            supervised = [self.agencies[name] for name in supervised_names]
            if set(supervisor.supervises.values_list("pk", flat=True)) != {a.pk for a in supervised}:
                agency_supervision_set(actor=self.admin, supervisor=supervisor, supervised=supervised)
                self.result.count("supervision")

    # -- lists -------------------------------------------------------------------------------------------------------
    def seed_items(self, agency: Agency, items: list[dict[str, Any]], *, editor: User, reviewer: User) -> None:
        for spec_item in items:
            values = dict(spec_item)
            department = self.department(agency, values.pop("department"))
            assert department is not None
            power = self.ensure(
                POWERS,
                agency,
                {"code": values["code"]},
                {
                    "code": values["code"],
                    "name": values["name"],
                    "category": values["category"],
                    "basis": "；".join(f"《{b['law']}》{b['article']}" for b in values["legal_basis"]),
                    "responsibilities": data.RESPONSIBILITIES[values["category"]],
                    "accountability": data.ACCOUNTABILITY,
                },
                reviewer,
                reviewer,
            )
            values.setdefault("service_guide", "")
            values.update(handling_department_id=department.pk, power_id=power.pk)
            self.ensure(ITEMS, agency, {"code": values["code"]}, values, editor, reviewer)

    def seed_officers(self, agency: Agency, officers: list[Any], keeper: User) -> None:
        for index, (name, post, department_name, categories, username, valid_until) in enumerate(officers, start=1):
            number = data.certificate_number(agency.region, index)
            expired = valid_until < data.VALID_FROM
            values = {
                "department_id": getattr(self.department(agency, department_name), "pk", None),
                "user_id": self.users[username].pk if username else None,
                "name": name,
                "post": post,
                "certificate_number": number,
                "categories": categories,
                "region": agency.region,
                "region_name": "盘锦市兴隆台区" if agency.region == "211103" else "盘锦市双台子区",
                "issuing_authority": "辽宁省人民政府",
                "valid_from": valid_until.replace(year=valid_until.year - 5) if expired else data.VALID_FROM,
                "valid_until": valid_until,
                "annual_review_year": 2023 if expired else 2025,
                "annual_review_state": "passed",
            }
            self.ensure(OFFICERS, agency, {"certificate_number": number}, values, keeper, keeper)

    def seed_suspension(self, agency: Agency, keeper: User) -> None:
        officer = Officer.objects.get(agency=agency, name=data.SUSPENDED_OFFICER)
        if officer.suspended_at is None:
            officer_certificate_suspend(actor=keeper, officer=officer, reason=data.SUSPENSION_REASON)
            self.result.count("suspension")

    def seed_templates(self, agency: Agency, keeper: User) -> None:
        for code, info in TEMPLATE_INFO.items():
            content = template_path(code).read_bytes()
            sha256 = hashlib.sha256(content).hexdigest()
            placeholders = placeholders_for(code)
            existing = DocumentTemplate.objects.filter(agency=agency, code=code).first()

            def store(content: bytes = content, code: str = code) -> str:
                return default_storage.save(f"templates/{agency.pk}/{code}.docx", ContentFile(content))

            if existing is None:
                values = {
                    "code": code,
                    "name": info.name,
                    "order": info.order,
                    "description": info.description,
                    "file": store(),
                    "file_sha256": sha256,
                    "placeholders": placeholders,
                }
                self.ensure(TEMPLATES, agency, {"code": code}, values, keeper, keeper)
                continue
            current = existing.pending or {}
            if current.get("file_sha256", existing.file_sha256) != sha256 or to_json_value(
                current.get("placeholders", existing.placeholders)
            ) != to_json_value(placeholders):
                # The packaged template changed since the last seed: a reviewed change, like any other.
                changed = {"file": store(), "file_sha256": sha256, "placeholders": placeholders}
                # Staged for review when published, changed in place while a draft (``entry_update``).
                existing = entry_update(actor=keeper, spec=TEMPLATES, obj=existing, data=changed)
                self.result.count("template_update")
            self.publish(TEMPLATES, existing, keeper, keeper)

    def seed_recording(self, agency: Agency, keeper: User) -> None:
        """The AV list (音像记录事项清单): the steps and the places that are recorded."""
        for code, name, process_key, step_key, requirement, scope in data.RECORDING_RULES:
            values: dict[str, Any] = {
                "code": code,
                "name": name,
                "process_key": process_key,
                "step_key": step_key,
                "requirement": requirement,
                "scope": scope,
                "basis": data.AV_BASIS,
            }
            self.ensure(RECORDING_RULES, agency, {"code": code}, values, keeper, keeper)
        for name, kind, address, full_process, cameras in data.RECORDING_PLACES:
            place: dict[str, Any] = {
                "name": name,
                "kind": kind,
                "address": address,
                "full_process": full_process,
                "cameras": cameras,
            }
            self.ensure(RECORDING_PLACES, agency, {"name": name}, place, keeper, keeper)

    def seed_devices(self, agency: Agency, office: User) -> None:
        """Body cameras, registered and handled by the office; a device's history is played once, when it is new."""
        for asset_number, model_name, serial, storage, history in data.DEVICES:
            if Device.objects.filter(asset_number=asset_number).exists():
                continue
            device = device_register(
                actor=office,
                agency=agency,
                data={
                    "asset_number": asset_number,
                    "model_name": model_name,
                    "serial_number": serial,
                    "storage_gb": storage,
                },
            )
            self.result.count("device")
            for action, argument in history:
                if action == "assign":
                    officer = Officer.objects.get(agency=agency, name=argument)
                    device = device_assign(actor=office, device=device, officer=officer)
                elif action == "return":
                    device_return(actor=office, device=device, note=argument)
                else:
                    device = device_repair(actor=office, device=device, reason=argument)

    # -- legal reviewers (法制审核人员) ------------------------------------------------------------------------------------
    def seed_reviewers(self, agency: Agency) -> None:
        """Each demo legal reviewer registered as qualified by the leader, with one training record; a reviewer's
        qualification row (qualified or not) and a training of the same day and topic are left as they are."""
        leader = self.users[data.REVIEWER_QUALIFIER]
        for username, number, appointed_on, first_time, training in data.REVIEWERS:
            user = self.users[username]
            if not ReviewerQualification.objects.filter(user=user, agency=agency).exists():
                reviewer_qualify(
                    actor=leader,
                    user=user,
                    agency=agency,
                    qualified=True,
                    first_time=first_time,
                    appointed_on=appointed_on,
                    legal_qualification_number=number,
                    note="演示数据：法律职业资格证书编号为虚构。",
                )
                self.result.count("reviewer_qualification")
            if not ReviewerTraining.objects.filter(
                user=user, agency=agency, held_on=training["held_on"], topic=training["topic"]
            ).exists():
                reviewer_training_add(actor=leader, user=user, agency=agency, **training)
                self.result.count("reviewer_training")

    # -- logins ------------------------------------------------------------------------------------------------------
    def logins(self) -> list[Login]:
        return [
            Login(username, role, agency_name, self.passwords.get(username))
            for username, _full_name, role, agency_name, _dept in data.USERS
        ]


def agreement_docx() -> bytes:
    """The (demo) entrustment agreement between the bureau and the street's safety station."""
    from docx import Document

    document = Document()
    document.add_heading("行政执法委托协议书（演示）", level=1)
    document.add_paragraph("编号：兴应急委〔2024〕1号")
    document.add_paragraph(f"委托机关：{data.XLT}（甲方）")
    document.add_paragraph(f"受委托组织：{data.STREET}（乙方）")
    document.add_paragraph(data.ENTRUSTED["entrustment_summary"])
    document.add_paragraph(
        "乙方在委托范围内以甲方名义实施行政执法，甲方对乙方实施的行为负责监督，并对该行为的后果承担法律责任"
        "（《中华人民共和国行政处罚法》第二十条）。本协议经兴隆台区司法局审核（兴司法审〔2024〕3号）后公示。"
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_logins(result: SeedResult) -> Path:
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(logins_table(result.logins), encoding="utf-8")
    path.chmod(0o600)
    return path


def seed(*, cases: bool = True) -> SeedResult:
    """Seed everything in one transaction (a failure leaves nothing half-seeded), then write demo-logins.txt.

    ``cases=False`` leaves out the demo cases (their documents take LibreOffice some twenty seconds): for tests of
    the rest of the seed."""
    with transaction.atomic():
        result = Seeder(cases=cases).run()
    result.logins_path = write_logins(result)
    return result
