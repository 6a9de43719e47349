"""Import an .xlsx (preview, then confirm; all rows or none) and export a list."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from sanxiang.conftest import client_for
from sanxiang.ledger.models import Entry
from sanxiang.registry.models import ComplaintChannel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name: str, *args: object) -> str:
    return reverse(f"registry:{name}", args=list(args))


def export(client, list_key: str) -> bytes:
    response = client.get(url("entry_export", list_key))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return response.content


def edited(content: bytes, edit) -> SimpleUploadedFile:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("channels.xlsx", buffer.getvalue(), content_type=XLSX)


def column(sheet, header: str) -> int:
    return next(cell.column for cell in sheet[1] if cell.value == header)


def test_export_has_the_agencys_entries_only(bureau, entries):
    content = export(client_for(bureau.reviewer), "complaint-channels")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    names = [row[0] for row in rows[1:]]
    assert "局监督举报" in names and "双台子举报" not in names


def test_preview_writes_nothing_then_confirm_imports(bureau, entries):
    client = client_for(bureau.office_clerk)
    content = export(client, "complaint-channels")

    def add_row(sheet):
        row = [cell.value for cell in sheet[2]]
        row[column(sheet, "渠道名称") - 1] = "信访窗口"
        sheet.append(row)

    before = Entry.objects.count()
    response = client.post(url("entry_import", "complaint-channels"), {"file": edited(content, add_row)})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged, result.written) == (1, 0, 1, False)
    assert "确认导入" in response.content.decode()
    assert not ComplaintChannel.objects.filter(name="信访窗口").exists()
    assert Entry.objects.count() == before

    token = response.context["token"]
    response = client.post(url("entry_import", "complaint-channels"), {"token": token})
    assert response.status_code == 302
    assert ComplaintChannel.objects.get(name="信访窗口").agency == bureau.agency
    # The preview cannot be confirmed twice.
    response = client.post(url("entry_import", "complaint-channels"), {"token": token})
    assert response.status_code == 400
    assert ComplaintChannel.objects.filter(name="信访窗口").count() == 1


def test_bad_rows_are_listed_in_chinese_and_nothing_is_written(bureau, entries):
    client = client_for(bureau.office_clerk)
    content = export(client, "complaint-channels")

    def break_rows(sheet):
        row = [cell.value for cell in sheet[2]]
        row[column(sheet, "渠道名称") - 1] = "信访窗口"
        sheet.append(row)
        sheet.cell(row=2, column=column(sheet, "举报电话"), value="12")

    before = Entry.objects.count()
    response = client.post(url("entry_import", "complaint-channels"), {"file": edited(content, break_rows)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "未写入任何内容" in page
    assert "第 2 行" in page and "电话号码" in page
    assert "token" not in response.context or not response.context["token"]
    assert not ComplaintChannel.objects.filter(name="信访窗口").exists()
    assert Entry.objects.count() == before


def test_a_file_that_is_not_xlsx_is_refused(bureau):
    client = client_for(bureau.office_clerk)
    upload = SimpleUploadedFile("list.csv", b"a,b\n", content_type="text/csv")
    response = client.post(url("entry_import", "complaint-channels"), {"file": upload})
    assert response.status_code == 400
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()


def test_a_confirmation_token_belongs_to_its_session_and_list(bureau, entries):
    client = client_for(bureau.office_clerk)
    content = export(client, "complaint-channels")
    response = client.post(
        url("entry_import", "complaint-channels"),
        {"file": SimpleUploadedFile("c.xlsx", content, content_type=XLSX)},
    )
    token = response.context["token"]
    other = client_for(bureau.reviewer)
    assert other.post(url("entry_import", "complaint-channels"), {"token": token}).status_code == 400


def test_import_is_offered_only_to_editors_and_not_for_templates(bureau):
    page = client_for(bureau.reviewer).get(url("entry_list", "items")).content.decode()
    assert url("entry_import", "items") in page
    page = client_for(bureau.reviewer).get(url("entry_list", "templates")).content.decode()
    assert url("entry_import", "templates") not in page
    page = client_for(bureau.officer).get(url("entry_list", "items")).content.decode()
    assert url("entry_import", "items") not in page
    assert url("entry_export", "items") in page
