"""Rendering a document: the template source (the agency's published template or the packaged standard one), the
footer stamped with the verification URL and its QR code, the conversion to PDF with LibreOffice, and the check that
the text states the party's rights and remedies (告知权利和救济途径)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from django.conf import settings
from django.urls import reverse
from django.utils.encoding import uri_to_iri
from docx import Document
from docx.shared import Cm, Pt

from sanxiang.core.errors import SanxiangError, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.core.qr import qr_png
from sanxiang.org.models import Agency
from sanxiang.registry.docx.placeholders import TEMPLATES
from sanxiang.registry.docx.render import render, template_path
from sanxiang.registry.models import DocumentTemplate

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
CONVERT_TIMEOUT = 120  # seconds; a decision converts in ~1.5 s, a cold first start in ~3 s


class DocumentConversionError(SanxiangError):
    """LibreOffice is missing, timed out or produced no PDF."""


# --- rendering, stamping and conversion ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSource:
    code: str
    name: str
    data: bytes
    sha256: str
    placeholders: tuple[str, ...]
    required: tuple[str, ...]


def template_source(agency: Agency, code: str) -> TemplateSource:
    """The agency's published template of ``code`` (registry), else the packaged standard one."""

    published = DocumentTemplate.objects.filter(agency=agency, code=code, status=PublicationStatus.PUBLISHED).first()
    packaged = TEMPLATES.get(code)
    if published is not None and published.file:
        with published.file.open("rb") as fh:
            data = fh.read()
        names = tuple(str(p.get("name", "")) for p in published.placeholders if isinstance(p, dict))
        required = tuple(
            str(p.get("name", "")) for p in published.placeholders if isinstance(p, dict) and p.get("required")
        )
        name = published.name
    elif packaged is not None:
        data = template_path(code).read_bytes()
        names = packaged.placeholders
        required = tuple(p["name"] for p in packaged.placeholder_docs() if p["required"])
        name = packaged.name
    else:
        raise ValidationError({"template_code": [f"没有编码为“{code}”的文书样本，文书未制发。"]})
    return TemplateSource(code, name, data, hashlib.sha256(data).hexdigest(), names, required)


def verification_path(number: str) -> str:
    return reverse("portal:verify-document", args=[number])


def verification_url(number: str) -> str:
    """The address in the QR code (ASCII, percent-encoded)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + verification_path(number)


def verification_url_display(number: str) -> str:
    """The same address as printed for people (Chinese characters unescaped; browsers accept either)."""
    return uri_to_iri(verification_url(number))


def stamp_docx(data: bytes, *, line: str, qr_url: str) -> bytes:
    """Add to every page's footer a QR code of ``qr_url`` and the small-print ``line`` (python-docx)."""
    document = Document(io.BytesIO(data))
    png = qr_png(qr_url, scale=4, border=2)
    for index, section in enumerate(document.sections):
        footer = section.footer
        if footer.is_linked_to_previous and index > 0:
            continue  # shares the previous section's footer, already stamped
        footer.is_linked_to_previous = False
        paragraph = footer.add_paragraph()
        paragraph.add_run().add_picture(io.BytesIO(png), width=Cm(1.6))
        text = footer.add_paragraph().add_run(line)
        text.font.size = Pt(7)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_to_pdf(data: bytes, *, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert a .docx to PDF with LibreOffice (headless), in a private profile so conversions can run side by side."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DocumentConversionError(
            "服务器未安装 LibreOffice（Debian 软件包 libreoffice-writer-nogui），无法生成 PDF 文书；请运行 make 安装。"
        )
    with tempfile.TemporaryDirectory(prefix="sanxiang-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}
        # A new session, so that on timeout the whole group (oosplash and soffice.bin) is killed.
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise DocumentConversionError(f"PDF 转换超过 {timeout:g} 秒未完成，文书未制发。") from None
        result = work / "out" / "document.pdf"
        if process.returncode != 0 or not result.exists():
            detail = stderr.decode(errors="replace").strip()[-300:]
            raise DocumentConversionError(f"LibreOffice 未能生成 PDF（退出码 {process.returncode}）：{detail}")
        return result.read_bytes()


def render_template(source: TemplateSource, context: dict[str, Any]) -> bytes:
    try:
        return render(io.BytesIO(source.data), context)
    except (zipfile.BadZipFile, KeyError, ValueError, jinja2.TemplateError) as exc:
        raise ValidationError(
            {"template_code": [f"文书样本“{source.name}”的模板文件无法生成文书（{type(exc).__name__}），文书未制发。"]}
        ) from exc


# --- rights and remedies (告知权利和救济途径) ---------------------------------------------------------------------------

# What a document must tell the party, by template: a decision the party may challenge names the review body and the
# court (行政处罚法第五十九条, 行政强制法第二十四条); the penalty notice states the right to state a case and defend
# (第四十四条); the hearing notice the right to a hearing (第六十四条). Agencies may upload their own templates, so the
# rendered text is checked, not the template's name.
REMEDY_WORDING = ("申请行政复议", "提起行政诉讼")
RIGHTS_WORDING: dict[str, tuple[str, ...]] = {
    "penalty_notice": ("陈述", "申辩"),
    "hearing_rights_notice": ("听证",),
}


def docx_text(data: bytes) -> str:
    """The text of a .docx: its paragraphs, then its tables' cells, then its footers."""
    parsed = Document(io.BytesIO(data))
    parts = [p.text for p in parsed.paragraphs]
    parts += [cell.text for table in parsed.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in parsed.sections for p in section.footer.paragraphs]
    return "\n".join(parts)


def missing_wording(source: TemplateSource, context: dict[str, Any], data: bytes) -> list[str]:
    """The required statements of the party's rights and remedies that the rendered document lacks."""
    needed = list(RIGHTS_WORDING.get(source.code, ()))
    standard = TEMPLATES.get(source.code)  # what the law asks of a document of this code, whoever drew the template
    if standard is not None and {"review_body", "court"} <= set(standard.placeholders):
        needed += [*REMEDY_WORDING, str(context.get("review_body") or ""), str(context.get("court") or "")]
    text = docx_text(data)
    return [phrase for phrase in needed if phrase and phrase not in text]
