"""Demo complaints for the demo seed: one in each state the staff list shows, filed and handled through the services.

``seed`` is idempotent: a complaint whose demo text is already on file for the agency is not filed again. It returns
the tracking codes of the complaints it filed this time (a code is shown once and never stored, so a second run has
none to return), for the seed to print so that the public tracking page can be tried.
"""

from __future__ import annotations

from typing import Any

from sanxiang.complaints import services
from sanxiang.complaints.models import Complaint
from sanxiang.core.models import PublicationStatus
from sanxiang.org.models import Agency, Department, User
from sanxiang.registry.models import Officer

# (key, data, what the office does with it)
DEMO: list[tuple[str, dict[str, str], str]] = [
    (
        "received",
        {
            "kind": "conduct",
            "text": "【演示】今天上午两名执法人员到我店检查消防和安全生产情况，没有出示执法证件，要求查看证件时态度生硬。",
            "complainant_name": "刘桂芳",
            "complainant_contact": "13940000001",
        },
        "",
    ),
    (
        "assigned",
        {
            "kind": "violation",
            "reported_party": "兴隆台区某加油站",
            "reported_place": "兴隆台区惠宾街道",
            "text": "【演示】该加油站夜间在站外用塑料桶散装销售汽油，存在重大安全隐患。",
        },
        "assign",
    ),
    (
        "replied",
        {
            "kind": "violation",
            "reported_party": "某化工仓储公司",
            "reported_place": "兴隆台区石油大街附近",
            "text": "【演示】该公司仓库堆放危险化学品，未见任何警示标志，员工称未经过安全培训。",
            "complainant_name": "王先生",
        },
        "reply",
    ),
    (
        "refused",
        {
            "kind": "violation",
            "reported_party": "某小区物业",
            "text": "【演示】小区物业费上涨，未经业主同意。",
        },
        "refuse",
    ),
]


def seed(
    *,
    actor_for_staff: User,
    agency: Agency,
    department: Department | None = None,
    assignee: User | None = None,
) -> dict[str, str]:
    """File the demo complaints to ``agency`` and handle them as its office (``actor_for_staff``, with the office
    role there) would; ``department``/``assignee`` receive the assigned ones (default: the agency's first enforcement
    department). Returns ``{state key: tracking code}`` for the complaints filed by this call."""
    if department is None:
        department = Department.objects.filter(agency=agency, active=True, kind="enforcement").order_by("pk").first()
    officer = Officer.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED).order_by("pk").first()
    codes: dict[str, str] = {}
    for n, (key, values, action) in enumerate(DEMO, start=1):
        if Complaint.objects.filter(agency=agency, text=values["text"]).exists():
            continue
        data: dict[str, Any] = {"agency": agency.pk, **values}
        if key == "received" and officer is not None:
            data["officer"] = officer.certificate_number
        filed = services.complaint_file(data=data, client_address=f"demo-seed-{n}")
        codes[key] = filed.code
        complaint = filed.complaint
        if action == "refuse":
            services.complaint_refuse(
                actor=actor_for_staff,
                complaint=complaint,
                reason="物业收费问题不属于本机关职责，请向住房和城乡建设部门或街道反映。",
            )
            continue
        if not action:
            continue
        complaint = services.complaint_accept(actor=actor_for_staff, complaint=complaint)
        if department is not None or assignee is not None:
            complaint = services.complaint_assign(
                actor=actor_for_staff,
                complaint=complaint,
                department=department,
                assignee=assignee,
                note="请核查处理。",
            )
        services.complaint_note_add(actor=actor_for_staff, complaint=complaint, text="已电话联系举报人了解情况。")
        if action == "reply":
            complaint = services.complaint_reply(
                actor=actor_for_staff,
                complaint=complaint,
                text="经现场核查，该公司存在危险化学品储存场所未设置警示标志、从业人员未经安全培训等问题，"
                "我局已依法立案调查并责令限期改正。感谢您的监督。",
            )
            services.complaint_close(actor=actor_for_staff, complaint=complaint, note="已回访。")
    return codes
