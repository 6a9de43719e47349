"""The document templates: every one renders, documents exactly its variables, and is what the build writes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from sanxiang.registry.docx import build
from sanxiang.registry.docx.placeholders import COMMON, TEMPLATES, placeholders_for
from sanxiang.registry.docx.render import SAMPLE, render, sample_context, template_path, template_variables

CODES = list(TEMPLATES)
DOMAIN_NAMES = [
    "行政处罚决定书",
    "立案审批表",
    "询问通知书",
    "询问笔录",
    "勘验笔录",
    "抽样取证凭证",
    "先行登记保存证据审批表",
    "先行登记保存证据通知书",
    "先行登记保存证据处理审批表",
    "先行登记保存证据处理决定书",
    "现场检查记录",
    "责令限期整改指令书",
    "整改复查意见书",
    "强制措施决定书",
    "鉴定委托书",
    "行政处罚告知书",
    "当事人陈述申辩笔录",
    "听证告知书",
    "听证会通知书",
    "听证笔录",
    "听证会报告书",
    "案件处理呈批表",
    "集体讨论记录",
    "催缴罚款通知书",
    "延期（分期）缴纳罚款审批表",
    "送达回执",
    "强制执行申请书",
    "结案审批表",
]


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_work_safety_set_in_case_file_order():
    assert [info.name for info in TEMPLATES.values()] == DOMAIN_NAMES
    assert [info.order for info in TEMPLATES.values()] == list(range(1, len(DOMAIN_NAMES) + 1))
    for code in CODES:
        assert template_path(code).is_file(), code


@pytest.mark.parametrize("code", CODES)
def test_template_renders_with_every_value(code):
    context = sample_context(code)
    text = docx_text(render(template_path(code), context))
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert TEMPLATES[code].name in text
    for name, value in context.items():
        if isinstance(value, str):
            assert value in text, (code, name)
        else:
            for entry in value:
                # Every item's first value is printed (officer names, item names, questions, speakers).
                assert str(next(iter(entry.values()))) in text, (code, name)


@pytest.mark.parametrize("code", CODES)
def test_documented_placeholders_are_exactly_the_template_variables(code):
    documented = [p["name"] for p in placeholders_for(code)]
    assert len(documented) == len(set(documented))
    assert set(documented) == template_variables(template_path(code))
    assert {"agency_name", "document_number"} <= set(documented)


def test_docs_page_lists_exactly_each_templates_placeholders():
    page = Path(build.DOCS_PATH).read_text(encoding="utf-8")
    assert page == build.docs_markdown(), (
        "docs/templates.md is stale: run python -m sanxiang.registry.docx.build --docs"
    )
    sections = re.split(r"^### \d+\. ", page, flags=re.MULTILINE)[1:]
    assert len(sections) == len(TEMPLATES)
    for section in sections:
        match = re.search(r"（`(\w+)`）", section)
        assert match is not None
        code = match.group(1)
        names = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)
        assert set(names) == template_variables(template_path(code)), code
    for name in COMMON:
        assert f"| `{name}` |" in page


def test_committed_templates_are_what_the_build_writes(tmp_path):
    build.build_all(tmp_path)
    for code in CODES:
        assert (tmp_path / f"{code}.docx").read_bytes() == template_path(code).read_bytes(), code


def test_build_is_reproducible():
    assert build.build_one("penalty_decision") == build.build_one("penalty_decision")
    with zipfile.ZipFile(io.BytesIO(build.build_one("penalty_decision"))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2019, 6, 28, 0, 0, 0)}


def test_decision_states_rights_and_remedies():
    text = docx_text(render(template_path("penalty_decision"), sample_context("penalty_decision")))
    assert "六十日内依法向盘锦市兴隆台区人民政府申请行政复议" in text
    assert "六个月内依法向盘锦市兴隆台区人民法院提起行政诉讼" in text
    assert "百分之三加处罚款" in text
    notice = docx_text(render(template_path("penalty_notice"), sample_context("penalty_notice")))
    assert "陈述和申辩" in notice and "五日内" in notice
    hearing = docx_text(render(template_path("hearing_rights_notice"), sample_context("hearing_rights_notice")))
    assert "听证" in hearing and "五日内" in hearing


def test_values_are_escaped_and_line_breaks_kept():
    context = sample_context("penalty_decision") | {"party_name": "A&B <示例> 公司", "facts": "第一行\n第二行"}
    data = render(template_path("penalty_decision"), context)
    text = docx_text(data)
    assert "A&B <示例> 公司" in text
    assert "第一行\n第二行" in text


def test_officers_render_one_paragraph_each():
    document = Document(io.BytesIO(render(template_path("inquiry_record"), sample_context("inquiry_record"))))
    lines = [p.text for p in document.paragraphs if "执法证号" in p.text]
    assert lines == [f"{o['name']}　执法证号：{o['certificate_number']}" for o in SAMPLE["officers"]]


def test_fonts_are_cjk():
    document = Document(str(template_path("penalty_decision")))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert fonts.get(qn("w:ascii")) == "SimSun"
