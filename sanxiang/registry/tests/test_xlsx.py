"""Excel import and export of the published lists: all or nothing, row-numbered Chinese errors, lossless round trip."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Agency
from sanxiang.org.services import AGENCIES
from sanxiang.registry import services
from sanxiang.registry.models import (
    ComplaintChannel,
    EnforcementItem,
    InspectionItem,
    Officer,
    Power,
)
from sanxiang.registry.specs import ALL_LISTS, CHANNELS, INSPECTION_ITEMS, ITEMS, OFFICERS, POWERS, TEMPLATES
from sanxiang.registry.tests import factories
from sanxiang.registry.xlsx import (
    columns_for,
    entries_for_export,
    export_workbook,
    format_bands,
    format_legal_basis,
    import_workbook,
    parse_bands,
    parse_legal_basis,
)

ITEM_HEADERS = [
    "事项编码",
    "执法类别",
    "事项名称",
    "执法依据",
    "裁量基准",
    "承办机构",
    "办理时限（天）",
    "时限计算",
    "服务指南",
    "对应权责事项",
]
CHANNEL_HEADERS = ["渠道名称", "受理地址", "邮政编码", "举报电话", "电子邮箱", "受理时间", "受理反馈程序"]


def workbook(headers: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def channel_row(name: str, **changes: Any) -> list[Any]:
    values = {
        "渠道名称": name,
        "受理地址": "盘锦市兴隆台区泰山路1号",
        "邮政编码": "124010",
        "举报电话": "0427-2825000",
        "电子邮箱": "jubao@example.gov.cn",
        "受理时间": "工作日 8:30-17:00",
        "受理反馈程序": "收到举报后5个工作日内受理，30日内反馈。",
        **changes,
    }
    return [values[h] for h in CHANNEL_HEADERS]


def item_data(bureau: Any, code: str = "AQ-CF-001", **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "category": "penalty",
        "name": "对生产经营单位未按规定设置安全生产管理机构的处罚",
        "legal_basis": [{"law": "中华人民共和国安全生产法", "article": "第九十七条第一项"}],
        "discretion_benchmark": [
            {"circumstance": "首次违法，及时改正", "sanction": "责令限期改正", "fine_min": "", "fine_max": ""},
            {
                "circumstance": "逾期未改正",
                "sanction": "责令停产停业整顿，并处罚款",
                "fine_min": "100000",
                "fine_max": "200000.5",
            },
        ],
        "handling_department_id": bureau.section.pk,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
        "service_guide": "",
        "power_id": None,
        **changes,
    }


def publish(bureau: Any, spec: Any, obj: Any, editor: Any = None) -> Any:
    services.entry_submit(actor=editor or bureau.reviewer, spec=spec, obj=obj)
    return services.entry_approve(actor=bureau.reviewer, spec=spec, obj=obj)


# --- good input ----------------------------------------------------------------------------------------------------


def test_good_workbook_creates_drafts_with_structured_fields(bureau):
    data = workbook(
        ITEM_HEADERS,
        [
            [
                "AQ-CF-001",
                "行政处罚",
                "对未按规定设置安全生产管理机构的处罚",
                "《中华人民共和国安全生产法》第九十七条第一项\n安全生产违法行为行政处罚办法|第四十五条",
                "首次违法，及时改正|责令限期改正||\n逾期未改正|责令停产停业整顿|100,000|200000",
                "执法监察科",
                90,
                "自然日",
                None,
                None,
            ],
            ["AQ-JC-002", "inspection", "安全生产监督检查", "中华人民共和国安全生产法", None, "法规科", 30, "working"],
        ],
    )
    result = import_workbook(actor=bureau.head, spec_key="items", agency=bureau.agency, file=data)

    assert result.ok, result.messages
    assert (result.created, result.updated, result.unchanged, result.written) == (2, 0, 0, True)
    first = EnforcementItem.objects.get(code="AQ-CF-001")
    assert first.status == PublicationStatus.DRAFT
    assert first.category == "penalty"
    assert first.legal_basis == [
        {"law": "中华人民共和国安全生产法", "article": "第九十七条第一项"},
        {"law": "安全生产违法行为行政处罚办法", "article": "第四十五条"},
    ]
    assert first.discretion_benchmark[1] == {
        "circumstance": "逾期未改正",
        "sanction": "责令停产停业整顿",
        "fine_min": "100000",
        "fine_max": "200000",
    }
    assert first.handling_department == bureau.section
    assert first.time_limit_kind == "calendar"
    second = EnforcementItem.objects.get(code="AQ-JC-002")
    assert second.legal_basis == [{"law": "中华人民共和国安全生产法", "article": ""}]
    assert second.handling_department == bureau.legal
    assert list(Entry.objects.filter(subject_type__startswith="registry.").values_list("action", flat=True)) == [
        "item.create",
        "item.create",
    ]


def test_reference_cells_are_looked_up_once_per_import(bureau, django_assert_num_queries):
    from sanxiang.registry.xlsx import _Lookups

    lookups = _Lookups(bureau.agency)
    with django_assert_num_queries(1):
        assert lookups("department", "法规科") == lookups("department", "法规科") == bureau.legal.pk
    with pytest.raises(ValidationError, match="没有名为“无此科”的科室"):
        lookups("department", "无此科")


def test_officer_dates_categories_and_account_are_read(bureau):
    headers = [c.header for c in columns_for("officers")]
    row = {
        "科室": "执法监察科",
        "用户账号": "officer",
        "姓名": "张伟",
        "职务": "科员",
        "执法证号": "21110320230001",
        "执法类别": "行政处罚、行政检查",
        "执法区域": 211103,
        "执法区域名称": "兴隆台区",
        "发证机关": "盘锦市人民政府",
        "有效期起": dt.date(2023, 1, 1),
        "有效期至": "2028年12月31日",
        "最近审验年度": 2025,
        "年度审验": "审验合格",
    }
    result = import_workbook(
        actor=bureau.reviewer,
        spec_key="officers",
        agency=bureau.agency,
        file=workbook(headers, [[row[h] for h in headers]]),
    )
    assert result.ok, result.messages
    officer = Officer.objects.get()
    assert officer.user == bureau.officer
    assert officer.categories == ["penalty", "inspection"]
    assert officer.region == "211103"
    assert officer.valid_from == dt.date(2023, 1, 1)
    assert officer.valid_until == dt.date(2028, 12, 31)
    assert officer.annual_review_state == "passed"


def test_dry_run_reports_what_would_happen_and_writes_nothing(bureau):
    data = workbook(CHANNEL_HEADERS, [channel_row("局监督举报"), channel_row("纪检监察举报")])
    result = import_workbook(
        actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=data, dry_run=True
    )
    assert result.ok
    assert result.created == 2
    assert not result.written
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


# --- bad input -----------------------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_number_and_nothing_is_written(bureau):
    data = workbook(
        CHANNEL_HEADERS,
        [
            channel_row("局监督举报"),  # row 2: good
            channel_row("纪检监察举报", 举报电话="12"),  # row 3
            channel_row("局监督举报"),  # row 4: duplicate of row 2
            channel_row("来信", 邮政编码="abc", 电子邮箱="not-an-email"),  # row 5: two reasons
            channel_row("", 受理地址="某地"),  # row 6: no key
        ],
    )
    result = import_workbook(actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=data)

    assert not result.ok
    assert not result.written
    messages = result.messages
    assert "第3行：举报电话：电话号码“12”格式不正确（手机号11位，固定电话需带区号，如 0427-1234567）。" in messages
    assert "第4行：渠道名称：“局监督举报”与第2行重复。" in messages
    assert any(m.startswith("第5行：邮政编码：") and "邮政编码“abc”应为6位数字" in m for m in messages)
    assert any(m.startswith("第5行：电子邮箱：") for m in messages)
    assert "第6行：渠道名称：不能为空。" in messages
    assert not any(m.startswith("第2行") for m in messages)
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_bad_cells_of_structured_lists_are_reported_per_row(bureau):
    good = ["AQ-1", "行政处罚", "事项一", "《安全生产法》第九条", "", "执法监察科", 30, "工作日"]
    data = workbook(
        ITEM_HEADERS,
        [
            good,
            ["AQ-2", "罚款", "事项二", "《安全生产法》第九条", "", "执法监察科", 30, "工作日"],
            ["AQ-3", "行政处罚", "事项三", "", "", "不存在的科", "三十", "工作日"],
            ["AQ-4", "行政处罚", "事项四", "《安全生产法》第九条", "情形|罚款|500|100", "执法监察科", 30, "工作日"],
            ["AQ-5", "行政处罚", "事项五", "《安全生产法》第九条", "a|b|1|2|3", "执法监察科", 30, "工作日"],
            ["AQ-6", "行政许可", "事项六", "《安全生产法》第九条", "", "执法监察科", 30, "工作日"],
        ],
    )
    result = import_workbook(actor=bureau.reviewer, spec_key="items", agency=bureau.agency, file=data)
    by_row: dict[int | None, list[str]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(str(error))
    assert sorted(row or 0 for row in by_row) == [3, 4, 5, 6, 7]
    assert "第3行：执法类别：“罚款”无效，应为：行政处罚、行政强制、行政检查、行政许可、其他。" in by_row[3]
    assert "第4行：承办机构：本机构没有名为“不存在的科”的科室。" in by_row[4]
    assert "第4行：办理时限（天）：“三十”不是整数。" in by_row[4]
    assert "第5行：裁量基准：第1档罚款下限不能高于上限。" in by_row[5]
    assert any("第1档格式不正确" in m for m in by_row[6])
    assert "第7行：服务指南：行政许可事项须公示服务指南。" in by_row[7]
    assert not EnforcementItem.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_missing_legal_basis_is_the_services_own_message(bureau):
    data = workbook(ITEM_HEADERS, [["AQ-3", "行政处罚", "事项三", "", "", "执法监察科", 30, "工作日"]])
    result = import_workbook(actor=bureau.reviewer, spec_key="items", agency=bureau.agency, file=data)
    assert result.messages == ["第2行：执法依据：至少填写一项执法依据（法律法规名称及条款）。"]


def test_header_problems_and_unreadable_files_are_reported(bureau):
    unknown = workbook(["渠道名称", "备注"], [["局监督举报", "x"]])
    result = import_workbook(
        actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=unknown
    )
    assert result.messages[0].startswith("第1行：未知的列“备注”。")

    no_key = workbook(["受理地址"], [["某地"]])
    result = import_workbook(
        actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=no_key
    )
    assert result.messages == ["第1行：缺少“渠道名称”列。"]

    result = import_workbook(
        actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=b"not a workbook"
    )
    assert result.messages == ["无法读取文件：请上传 Excel 工作簿（.xlsx）。"]
    assert not ComplaintChannel.objects.exists()


def test_a_bad_row_rolls_back_the_good_rows_before_it(bureau):
    rows = [channel_row(f"渠道{i}") for i in range(5)] + [channel_row("坏行", 举报电话="000")]
    result = import_workbook(
        actor=bureau.office_clerk,
        spec_key="complaint-channels",
        agency=bureau.agency,
        file=workbook(CHANNEL_HEADERS, rows),
    )
    assert [e.row for e in result.errors] == [7]
    assert result.created == 5  # would have been created
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_templates_are_export_only(bureau):
    result = import_workbook(
        actor=bureau.reviewer,
        spec_key="templates",
        agency=bureau.agency,
        file=workbook(["文书编码", "文书名称"], [["T1", "立案审批表"]]),
    )
    assert result.messages == ["文书样本包含模板文件（.docx），不能通过表格导入，请在工作台逐个上传。"]


# --- permission ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "officer", "supervisor", "office_clerk"])
def test_an_actor_who_may_not_edit_the_list_writes_nothing(bureau, persona):
    data = workbook(
        ITEM_HEADERS, [["AQ-1", "行政处罚", "事项一", "《安全生产法》第九条", "", "执法监察科", 30, "工作日"]]
    )
    with pytest.raises(PermissionDenied) as excinfo:
        import_workbook(actor=getattr(bureau, persona), spec_key="items", agency=bureau.agency, file=data)
    assert "兴隆台区应急管理局的行政执法事项清单" in excinfo.value.message
    assert not EnforcementItem.objects.exists()
    assert not Entry.objects.filter(subject_type__startswith="registry.").exists()


def test_a_denied_row_in_the_agency_list_rolls_back_the_permitted_rows(bureau):
    headers = [c.header for c in columns_for("agencies")]
    data = export_workbook(spec_key="agencies", entries=[bureau.agency, bureau.other_agency])
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    address = headers.index("单位地址") + 1
    sheet.cell(row=2, column=address, value="盘锦市兴隆台区新地址1号")
    sheet.cell(row=3, column=address, value="盘锦市双台子区新地址2号")
    buffer = io.BytesIO()
    book.save(buffer)
    before = Entry.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        import_workbook(actor=bureau.reviewer, spec_key="agencies", agency=None, file=buffer.getvalue())
    assert excinfo.value.message.startswith("第3行：")
    bureau.agency.refresh_from_db()
    assert bureau.agency.pending is None
    assert Entry.objects.count() == before


# --- round trip and updates ----------------------------------------------------------------------------------------


def _build_list(bureau: Any, spec_key: str) -> list[Any]:
    """Two entries of a list through the services: one draft, one published."""
    agency, reviewer = bureau.agency, bureau.reviewer
    objs: list[Any]
    base: dict[str, Any]
    if spec_key == "powers":
        base = {
            "category": "penalty",
            "basis": "《安全生产法》",
            "responsibilities": "立案、调查、决定",
        }
        objs = [
            services.entry_create(
                actor=reviewer, spec=POWERS, agency=agency, data={**base, "code": f"P-{i}", "name": f"权力{i}"}
            )
            for i in (1, 2)
        ]
        objs[1] = publish(bureau, POWERS, objs[1])
        return objs
    if spec_key == "items":
        power = services.entry_create(
            actor=reviewer,
            spec=POWERS,
            agency=agency,
            data={"code": "P-1", "name": "权力", "category": "licence", "basis": "法", "responsibilities": "审批"},
        )
        objs = [
            services.entry_create(actor=reviewer, spec=ITEMS, agency=agency, data=item_data(bureau, "AQ-1")),
            services.entry_create(
                actor=reviewer,
                spec=ITEMS,
                agency=agency,
                data=item_data(
                    bureau,
                    "AQ-2",
                    category="licence",
                    service_guide="申请材料：\n1. 申请书\n=SUM(A1)",
                    power_id=power.pk,
                    discretion_benchmark=[],
                ),
            ),
        ]
        objs[1] = publish(bureau, ITEMS, objs[1])
        return objs
    if spec_key == "inspection-items":
        base = {
            "inspecting_body": "兴隆台区应急管理局",
            "basis": "《安全生产法》第六十五条",
            "target_type": "危险化学品经营单位",
            "content": "安全生产责任制落实情况",
            "method": "现场检查",
            "frequency": "每年一次",
            "category": "inspection",
        }
        objs = [
            services.entry_create(
                actor=reviewer,
                spec=INSPECTION_ITEMS,
                agency=agency,
                data={**base, "code": f"CC-{i}", "name": f"抽查{i}", "ratio_percent": decimal.Decimal(ratio)},
            )
            for i, ratio in ((1, "5"), (2, "12.5"))
        ]
        objs[1] = publish(bureau, INSPECTION_ITEMS, objs[1])
        return objs
    if spec_key == "officers":
        base = {
            "post": "科员",
            "categories": ["penalty", "inspection"],
            "region": "211103",
            "region_name": "兴隆台区",
            "issuing_authority": "盘锦市人民政府",
            "valid_from": dt.date(2023, 1, 1),
            "valid_until": dt.date(2028, 12, 31),
        }
        objs = [
            services.entry_create(
                actor=reviewer,
                spec=OFFICERS,
                agency=agency,
                data={**base, "name": "张伟", "certificate_number": "2111030001", "department_id": bureau.section.pk},
            ),
            services.entry_create(
                actor=reviewer,
                spec=OFFICERS,
                agency=agency,
                data={
                    **base,
                    "name": "李娜",
                    "certificate_number": "2111030002",
                    "user_id": bureau.officer.pk,
                    "annual_review_year": 2025,
                    "annual_review_state": "passed",
                },
            ),
        ]
        objs[1] = publish(bureau, OFFICERS, objs[1])
        return objs
    if spec_key == "complaint-channels":
        rows = [dict(zip(CHANNEL_HEADERS, channel_row(name), strict=True)) for name in ("局监督举报", "来信")]
        fields = ("name", "address", "postcode", "phone", "email", "hours", "procedure")
        objs = [
            services.entry_create(
                actor=bureau.office_clerk,
                spec=CHANNELS,
                agency=agency,
                data={f: row[h] for f, h in zip(fields, CHANNEL_HEADERS, strict=True)},
            )
            for row in rows
        ]
        objs[1] = publish(bureau, CHANNELS, objs[1], editor=bureau.office_clerk)
        return objs
    if spec_key in ("recording-rules", "recording-places"):
        spec = ALL_LISTS[spec_key]
        if spec_key == "recording-rules":
            data = [
                factories.recording_rule_data(),
                factories.recording_rule_data(
                    code="YX-002", process_key="coercion-seizure", step_key="release", scope="", basis="=本局清单"
                ),
            ]
        else:
            data = [
                factories.recording_place_data(),
                factories.recording_place_data(name="办案区", kind="case_area", cameras=""),
            ]
        objs = [services.entry_create(actor=reviewer, spec=spec, agency=agency, data=row) for row in data]
        objs[1] = publish(bureau, spec, objs[1])
        return objs
    assert spec_key == "agencies"
    return [bureau.agency]


IMPORTABLE = [key for key in ALL_LISTS if key != "templates"]


@pytest.mark.parametrize("spec_key", IMPORTABLE)
def test_export_reimports_unchanged(bureau, spec_key):
    entries = _build_list(bureau, spec_key)
    data = export_workbook(spec_key=spec_key, entries=entries_for_export(spec_key=spec_key, agency=bureau.agency))
    before = Entry.objects.count()

    result = import_workbook(actor=bureau.reviewer, spec_key=spec_key, agency=bureau.agency, file=data)

    assert result.ok, result.messages
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(entries))
    assert Entry.objects.count() == before


def test_export_has_chinese_headers_labels_and_real_dates(bureau):
    officers = _build_list(bureau, "officers")
    sheet = load_workbook(io.BytesIO(export_workbook(spec_key="officers", entries=officers))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("科室", "用户账号", "姓名", "职务", "执法证号")
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["科室"] == "执法监察科"
    assert first["执法类别"] == "行政处罚、行政检查"
    assert first["有效期起"] == dt.datetime(2023, 1, 1)  # an Excel date, not text
    assert first["年度审验"] == "待审验"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["用户账号"] == "officer"


def test_text_that_looks_like_a_formula_stays_text(bureau):
    items = _build_list(bureau, "items")
    sheet = load_workbook(io.BytesIO(export_workbook(spec_key="items", entries=items))).active
    guide = sheet.cell(row=3, column=ITEM_HEADERS.index("服务指南") + 1)
    assert guide.data_type == "s"
    assert guide.value.endswith("=SUM(A1)")


def test_templates_export_with_their_placeholders(bureau, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    template = services.entry_create(
        actor=bureau.reviewer,
        spec=TEMPLATES,
        agency=bureau.agency,
        data={
            "code": "LA-01",
            "name": "立案审批表",
            "order": 1,
            "file": SimpleUploadedFile("la.docx", b"PK"),
            "placeholders": [{"name": "party_name", "label": "当事人名称", "required": True}],
        },
    )
    sheet = load_workbook(io.BytesIO(export_workbook(spec_key="templates", entries=[template]))).active
    rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["文书编码"] == "LA-01"
    assert row["模板文件"].startswith("templates/la")
    assert row["占位符"] == "party_name|当事人名称|必填"


def test_changed_published_row_is_staged_for_review_not_applied(bureau):
    item = publish(
        bureau,
        ITEMS,
        services.entry_create(actor=bureau.reviewer, spec=ITEMS, agency=bureau.agency, data=item_data(bureau)),
    )
    book = load_workbook(io.BytesIO(export_workbook(spec_key="items", entries=[item])))
    sheet = book.active
    sheet.cell(row=2, column=ITEM_HEADERS.index("办理时限（天）") + 1, value=60)
    sheet.cell(row=2, column=ITEM_HEADERS.index("裁量基准") + 1, value="逾期未改正|罚款|1000|5000")
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_workbook(actor=bureau.head, spec_key="items", agency=bureau.agency, file=buffer.getvalue())

    assert result.ok, result.messages
    assert (result.created, result.updated, result.staged, result.unchanged) == (0, 1, 1, 0)
    item.refresh_from_db()
    assert item.time_limit_days == 90  # the public keeps the published version
    assert item.pending == {
        "time_limit_days": 60,
        "discretion_benchmark": [
            {"circumstance": "逾期未改正", "sanction": "罚款", "fine_min": "1000", "fine_max": "5000"}
        ],
    }
    assert Entry.objects.filter(action="item.change_submitted").count() == 1
    # The export now shows the change awaiting review, and re-imports unchanged.
    again = import_workbook(
        actor=bureau.head,
        spec_key="items",
        agency=bureau.agency,
        file=export_workbook(spec_key="items", entries=[item]),
    )
    assert (again.updated, again.unchanged) == (0, 1)


def test_changed_draft_row_is_updated_in_place(bureau):
    data = workbook(CHANNEL_HEADERS, [channel_row("局监督举报")])
    import_workbook(actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=data)
    changed = workbook(CHANNEL_HEADERS, [channel_row("局监督举报", 举报电话="0427 2825111"), channel_row("来信")])
    result = import_workbook(
        actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=changed
    )
    assert (result.created, result.updated, result.staged, result.unchanged) == (1, 1, 0, 0)
    assert ComplaintChannel.objects.get(name="局监督举报").phone == "0427-2825111"
    assert list(Entry.objects.filter(subject_type__startswith="registry.").values_list("action", flat=True)) == [
        "complaint_channel.create",
        "complaint_channel.update",
        "complaint_channel.create",
    ]


def test_a_submitted_entry_cannot_be_changed_by_import(bureau):
    channel = services.entry_create(
        actor=bureau.office_clerk,
        spec=CHANNELS,
        agency=bureau.agency,
        data=dict(
            zip(
                ("name", "address", "postcode", "phone", "email", "hours", "procedure"),
                channel_row("局监督举报"),
                strict=True,
            )
        ),
    )
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    data = workbook(CHANNEL_HEADERS, [channel_row("局监督举报", 受理时间="全天")])
    result = import_workbook(actor=bureau.office_clerk, spec_key="complaint-channels", agency=bureau.agency, file=data)
    assert result.messages == ["第2行：“待审核”状态的条目不能修改。"]


def test_officer_of_another_agency_is_not_matched_and_its_number_is_taken(bureau):
    _build_list(bureau, "officers")
    data = export_workbook(spec_key="officers", entries=entries_for_export(spec_key="officers", agency=bureau.agency))
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    for row in (2, 3):
        sheet.cell(row=row, column=1).value = None  # no department: another agency has none of ours
        sheet.cell(row=row, column=2).value = None
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_workbook(
        actor=bureau.outsider, spec_key="officers", agency=bureau.other_agency, file=buffer.getvalue()
    )
    assert [e.row for e in result.errors] == [2, 3], result.messages
    assert all(e.column == "执法证号" for e in result.errors)
    assert Officer.objects.filter(agency=bureau.other_agency).count() == 0


def test_agency_list_rows_are_limited_to_the_given_agency(bureau):
    data = export_workbook(spec_key="agencies", entries=[bureau.agency, bureau.other_agency])
    result = import_workbook(actor=bureau.reviewer, spec_key="agencies", agency=bureau.agency, file=data)
    assert result.messages == ["第3行：机构名称：只能导入兴隆台区应急管理局本身的信息。"]
    assert Agency.objects.count() == 3


def test_new_agency_rows_need_the_deployment_administrator(bureau):
    headers = [c.header for c in columns_for("agencies")]
    row = {"机构名称": "大洼区应急管理局", "机构性质": "行政机关", "主体类别": "法定行政机关", "执法层级": "县（区）级"}
    data = workbook(list(row), [list(row.values())])
    with pytest.raises(PermissionDenied):
        import_workbook(actor=bureau.reviewer, spec_key="agencies", agency=None, file=data)
    result = import_workbook(actor=bureau.superuser, spec_key="agencies", agency=None, file=data)
    assert result.ok, result.messages
    created = Agency.objects.get(name="大洼区应急管理局")
    assert created.status == PublicationStatus.DRAFT
    assert created.is_enforcement_body is True
    assert "执法主体" in headers  # the boolean column, 是/否


def test_power_spec_is_used_for_validation(bureau):
    # The power list has no clean function of its own: model validation (via the service) reports the blanks.
    data = workbook(["权力编码", "权力名称", "权力类别", "设定依据", "责任事项"], [["P-1", "", "行政处罚", "法", ""]])
    result = import_workbook(actor=bureau.reviewer, spec_key="powers", agency=bureau.agency, file=data)
    assert {(e.row, e.column) for e in result.errors} == {(2, "权力名称"), (2, "责任事项")}
    assert not Power.objects.exists()
    assert InspectionItem.objects.count() == 0


# --- properties ----------------------------------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from(
        "安全生产法中华人民共和国条例第一二三十百条款项情形逾期未改正责令罚款（）()、.-ABCxyz0123 "
    ),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip())
_MONEY = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def _bands(draw: Any) -> list[dict[str, Any]]:
    bands = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        band = {"circumstance": draw(_TEXT), "sanction": draw(st.one_of(st.just(""), _TEXT))}
        if draw(st.booleans()):
            low, high = sorted((draw(_MONEY), draw(_MONEY)))
            band |= {"fine_min": str(low), "fine_max": str(high)}
        bands.append(band)
    return bands


_BASES = st.lists(
    st.fixed_dictionaries({"law": _TEXT, "article": st.one_of(st.just(""), _TEXT)}), min_size=1, max_size=4
)


@given(bases=_BASES, bands=_bands())
def test_cell_encoding_round_trips(bases, bands):
    from sanxiang.registry.schemas import clean_discretion_benchmark, clean_legal_basis

    assert clean_legal_basis(parse_legal_basis(format_legal_basis(clean_legal_basis(bases)))) == clean_legal_basis(
        bases
    )
    cleaned = clean_discretion_benchmark(bands)
    assert clean_discretion_benchmark(parse_bands(format_bands(cleaned))) == cleaned


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bases=_BASES, bands=_bands())
def test_export_then_import_round_trips_generated_items(bureau, bases, bands):
    with transaction.atomic():
        item = services.entry_create(
            actor=bureau.reviewer,
            spec=ITEMS,
            agency=bureau.agency,
            data=item_data(bureau, legal_basis=bases, discretion_benchmark=bands),
        )
        data = export_workbook(spec_key="items", entries=[item])
        result = import_workbook(actor=bureau.reviewer, spec_key="items", agency=bureau.agency, file=data)
        assert result.ok, result.messages
        assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
        # The same cells create an identical entry in a fresh list.
        item.refresh_from_db()
        stored = (item.legal_basis, item.discretion_benchmark)
        transaction.set_rollback(True)
    with transaction.atomic():
        created = import_workbook(actor=bureau.reviewer, spec_key="items", agency=bureau.agency, file=data)
        assert created.created == 1
        fresh = EnforcementItem.objects.get()
        assert (fresh.legal_basis, fresh.discretion_benchmark) == stored
        transaction.set_rollback(True)


def test_agencies_spec_is_the_org_spec():
    assert ALL_LISTS["agencies"] is AGENCIES
