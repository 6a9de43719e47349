"""Write the work-safety document templates (安全生产执法文书样本) as docxtpl ``.docx`` files.

    .venv/bin/python -m sanxiang.registry.docx.build            # rewrite sanxiang/registry/docx/templates/
    .venv/bin/python -m sanxiang.registry.docx.build --out DIR

The files are committed; a test rebuilds them into a temporary directory and compares bytes, so edit this script
(and ``placeholders.py`` when a template's variables change), run it, and commit both. The output is reproducible:
fixed document properties and fixed zip timestamps.

Layout of every template: the agency's name, the document title, the number line ``{{ document_number }}``, the body
with its placeholders (Jinja tags each inside one run, so docxtpl sees them whole), the party's rights and remedies
where the law requires them, and the signature block. Fonts: 宋体 (SimSun) for the body, 黑体 for titles, set for both
Latin and East Asian text so that Word and LibreOffice pick a CJK font.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from sanxiang.registry.docx.placeholders import COMMON, TEMPLATES, TemplateInfo, label_of
from sanxiang.registry.docx.render import SAMPLE, TEMPLATE_DIR

DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "templates.md"
BODY_FONT = "宋体"
BODY_FONT_LATIN = "SimSun"
TITLE_FONT = "黑体"
_FIXED_TIME = dt.datetime(2019, 6, 28, 0, 0, 0)  # the plan's date: reproducible files
_ZIP_TIME = (2019, 6, 28, 0, 0, 0)

# Rights and remedies (救济途径) printed on decisions that the party may challenge.
REMEDY = (
    "如不服本{kind}，可以在收到本{kind}之日起六十日内依法向{{{{ review_body }}}}申请行政复议，"
    "或者在六个月内依法向{{{{ court }}}}提起行政诉讼，但本{kind}不停止执行，法律另有规定的除外。"
)


def _set_fonts(element: Any, east_asia: str, latin: str) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


class Builder:
    """A small vocabulary for the documents: heading, paragraphs, labelled fields, form tables, loops, signatures."""

    def __init__(self, info: TemplateInfo) -> None:
        self.info = info
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.54)
        section.left_margin = section.right_margin = Cm(2.8)
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT_LATIN
        normal.font.size = Pt(12)
        _set_fonts(normal.element, BODY_FONT, BODY_FONT_LATIN)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.5
        props = self.doc.core_properties
        props.title = info.name
        props.subject = "安全生产执法文书样本"
        props.author = props.last_modified_by = "Sanxiang"
        props.keywords = info.code
        props.comments = "docxtpl 模板：占位符见 docs/templates.md"
        props.created = props.modified = _FIXED_TIME
        props.revision = 1
        self._heading()

    # -- text ------------------------------------------------------------------------------------------------------
    def _run(self, paragraph: Any, text: str, *, bold: bool = False, size: float | None = None, title: bool = False):
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if title:
            run.font.name = TITLE_FONT
            _set_fonts(run._element, TITLE_FONT, TITLE_FONT)
        return run

    def _heading(self) -> None:
        agency = self.doc.add_paragraph()
        agency.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(agency, "{{ agency_name }}", bold=True, size=16, title=True)
        title = self.doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(6)
        self._run(title, self.info.name, bold=True, size=22, title=True)
        number = self.doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        number.paragraph_format.space_after = Pt(12)
        self._run(number, "{{ document_number }}")

    def p(self, text: str, *, indent: bool = True, align: Any = None, bold: bool = False) -> Builder:
        """A body paragraph (first line indented by two characters)."""
        paragraph = self.doc.add_paragraph()
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(24)
        if align is not None:
            paragraph.alignment = align
        self._run(paragraph, text, bold=bold)
        return self

    def field(self, label: str, value: str) -> Builder:
        """``label：value`` with the label in bold."""
        paragraph = self.doc.add_paragraph()
        self._run(paragraph, f"{label}：", bold=True)
        self._run(paragraph, value)
        return self

    def party(self, *, representative: bool = True, id_number: bool = True) -> Builder:
        self.field("当事人", "{{ party_name }}")
        if id_number:
            self.field("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}")
        self.field("地址", "{{ party_address }}")
        if representative:
            self.field("法定代表人（负责人）", "{{ legal_representative }}")
        return self

    def loop(self, header: str | None, for_tag: str, *lines: str) -> Builder:
        """A paragraph loop (``{%p for … %}`` … ``{%p endfor %}``), each line its own paragraph."""
        if header:
            self.field(header, "")
        self.doc.add_paragraph(f"{{%p for {for_tag} %}}")
        for line in lines:
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(24)
            self._run(paragraph, line)
        self.doc.add_paragraph("{%p endfor %}")
        return self

    def officers(self, header: str = "执法人员") -> Builder:
        return self.loop(
            header,
            "officer in officers",
            "{{ officer.name }}　执法证号：{{ officer.certificate_number }}",
        )

    def items(self, header: str = "物品清单") -> Builder:
        return self.loop(
            header,
            "item in items",
            "{{ loop.index }}. {{ item.name }}　规格型号：{{ item.spec }}　数量：{{ item.quantity }}　{{ item.note }}",
        )

    def sign_agency(self, *, seal: bool = True) -> Builder:
        self.doc.add_paragraph()
        self.p("{{ agency_name }}" + ("（印章）" if seal else ""), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self.p("{{ date }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        return self

    def sign(self, *labels: str) -> Builder:
        """Signature lines that are filled by hand."""
        self.doc.add_paragraph()
        for label in labels:
            self.p(f"{label}（签名）：＿＿＿＿＿＿＿＿　　　　年　　月　　日", indent=False)
        return self

    def note(self, text: str) -> Builder:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(12)
        self._run(paragraph, text, size=10.5)
        return self

    # -- forms -----------------------------------------------------------------------------------------------------
    def table(self, rows: Iterable[tuple[str, str]]) -> Builder:
        """A two-column approval form; a value may hold several lines (``\\n``) and Jinja tags."""
        rows = list(rows)
        table = self.doc.add_table(rows=len(rows), cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].width, row.cells[1].width = Cm(3.6), Cm(11.8)
            label_paragraph = row.cells[0].paragraphs[0]
            label_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(label_paragraph, label, bold=True)
            lines = value.split("\n")
            self._run(row.cells[1].paragraphs[0], lines[0])
            for line in lines[1:]:
                paragraph = row.cells[1].add_paragraph()
                if line.startswith("签名"):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self._run(paragraph, line)
        return self

    def approvals(self, handler: bool = True) -> list[tuple[str, str]]:
        """The approval rows every 审批表 ends with."""
        signed = "签名：＿＿＿＿＿＿　　　　年　　月　　日"
        rows = []
        if handler:
            rows.append(
                (
                    "承办人意见",
                    "{{ handler_opinion }}\n签名：{{ officers|join('、', attribute='name') }}　　{{ date }}",
                )
            )
        rows += [("审核意见", f"\n{signed}"), ("审批意见", f"\n{signed}")]
        return rows

    # -- output ----------------------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        raw = io.BytesIO()
        self.doc.save(raw)
        return normalise_zip(raw.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a .docx with fixed timestamps and order, so the same input gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


# -- the documents -------------------------------------------------------------------------------------------------


def penalty_decision(b: Builder) -> None:
    b.party()
    b.p("{{ facts }}")
    b.p("以上事实有{{ evidence }}等证据为证。")
    b.p("你（单位）的上述行为违反了{{ legal_basis }}的规定，依据上述规定，本机关决定：{{ decision }}")
    b.p("罚款金额：{{ fine_amount }}。")
    b.p(
        "罚款限你（单位）自收到本决定书之日起{{ payment_deadline_days }}日内缴至{{ payment_bank }}，"
        "账号：{{ payment_account }}。到期不缴纳罚款的，本机关可以每日按罚款数额的百分之三加处罚款，"
        "加处罚款的数额不超过罚款的数额。"
    )
    b.p(REMEDY.format(kind="决定"))
    b.p("逾期不申请行政复议、不提起行政诉讼又不履行的，本机关将依法申请人民法院强制执行。")
    b.sign_agency()


def case_opening_approval(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("案件来源", "{{ case_source }}"),
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("联系电话", "{{ party_phone }}"),
            ("简要案情", "{{ facts }}"),
            ("立案依据", "{{ legal_basis }}"),
            ("承办人", "{{ officers|join('、', attribute='name') }}"),
            *b.approvals(),
        ]
    )


def inquiry_notice(b: Builder) -> None:
    b.p("{{ party_name }}：", indent=False)
    b.p(
        "为调查了解{{ case_title }}有关情况，依据《中华人民共和国安全生产法》第六十五条第一款第一项和"
        "《中华人民共和国行政处罚法》第五十五条的规定，请你（单位）于{{ inquiry_time }}到{{ inquiry_place }}"
        "接受询问调查。"
    )
    b.p("请携带：{{ materials_to_bring }}。")
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()
    b.sign("被通知人")


def inquiry_record(b: Builder) -> None:
    b.field("询问时间", "{{ start_time }} 至 {{ end_time }}")
    b.field("询问地点", "{{ place }}")
    b.field("被询问人", "{{ interviewee_name }}　性别：{{ interviewee_gender }}　年龄：{{ interviewee_age }}")
    b.field("身份证号码", "{{ interviewee_id_number }}")
    b.field("工作单位", "{{ party_name }}　职务：{{ interviewee_post }}")
    b.field("住址", "{{ interviewee_address }}　电话：{{ interviewee_phone }}")
    b.officers("询问人")
    b.field("记录人", "{{ recorder }}")
    b.p(
        "我们是{{ agency_name }}的执法人员，这是我们的执法证件（出示证件）。现依法向你询问调查，"
        "你应当如实回答问题，不得拒绝或者阻挠；你有陈述和申辩的权利，对与本案无关的问题有权拒绝回答。"
        "如果你认为执法人员与本案有直接利害关系或者其他关系可能影响公正执法，可以申请回避。你是否申请回避？"
    )
    b.loop(None, "qa in qa_pairs", "问：{{ qa.q }}", "答：{{ qa.a }}")
    b.p("以上笔录我看过（或者向我宣读过），与我说的相符。")
    b.sign("被询问人", "询问人", "记录人")


def survey_record(b: Builder) -> None:
    b.field("案由", "{{ case_title }}")
    b.field("勘验时间", "{{ start_time }} 至 {{ end_time }}")
    b.field("勘验地点", "{{ place }}")
    b.field("天气情况", "{{ weather }}")
    b.officers("勘验人")
    b.field("记录人", "{{ recorder }}")
    b.field("当事人", "{{ party_name }}　法定代表人（负责人）：{{ legal_representative }}")
    b.field("见证人", "{{ witnesses }}")
    b.field("勘验情况", "")
    b.p("{{ survey_findings }}")
    b.p("（现场图、照片附后）", indent=False)
    b.sign("当事人（见证人）", "勘验人", "记录人")


def sampling_voucher(b: Builder) -> None:
    b.party()
    b.p(
        "依据{{ legal_basis }}的规定，本机关执法人员于{{ date }}在{{ sampling_place }}对你（单位）的下列物品"
        "进行抽样取证："
    )
    b.items("样品清单")
    b.officers()
    b.p("当事人对抽样取证过程及样品无异议。", indent=False)
    b.sign("当事人", "执法人员")
    b.sign_agency()


def preservation_approval(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("先行登记保存理由", "{{ preservation_reason }}"),
        ]
    )
    b.items("拟先行登记保存的物品")
    b.table(b.approvals())


def preservation_notice(b: Builder) -> None:
    b.party()
    b.p(
        "因调查{{ case_title }}，在证据可能灭失或者以后难以取得的情况下，依据{{ legal_basis }}的规定，"
        "经本机关负责人批准，决定对你（单位）的下列物品予以先行登记保存："
    )
    b.items()
    b.p("保存地点：{{ preservation_place }}；保存期限：{{ preservation_period }}。")
    b.p(
        "本机关将在七日内作出处理决定。在此期间，当事人或者有关人员不得损毁、销毁或者转移证据。"
        "（《中华人民共和国行政处罚法》第五十六条）"
    )
    b.officers()
    b.sign("当事人")
    b.sign_agency()


def preservation_disposal_approval(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("先行登记保存证据通知书文号", "{{ preservation_notice_number }}"),
        ]
    )
    b.items("先行登记保存的物品")
    b.table([("处理意见", "{{ disposal_proposal }}"), *b.approvals()])


def preservation_disposal_decision(b: Builder) -> None:
    b.party()
    b.p("本机关于《先行登记保存证据通知书》（{{ preservation_notice_number }}）对你（单位）先行登记保存的下列物品：")
    b.items()
    b.p("依据{{ legal_basis }}的规定，现作出如下处理决定：{{ decision }}")
    b.p(REMEDY.format(kind="决定"))
    b.sign_agency()


def site_inspection_record(b: Builder) -> None:
    b.field("被检查单位", "{{ party_name }}")
    b.field("统一社会信用代码", "{{ party_uscc_or_id }}")
    b.field("地址", "{{ party_address }}")
    b.field("法定代表人（负责人）", "{{ legal_representative }}")
    b.field("检查场所", "{{ inspection_site }}")
    b.field("检查时间", "{{ start_time }} 至 {{ end_time }}")
    b.officers("检查人员")
    b.field("记录人", "{{ recorder }}")
    b.field("现场负责人", "{{ site_person }}")
    b.p(
        "我们是{{ agency_name }}的执法人员，已出示执法证件。依法对你单位进行现场检查，请予配合。",
    )
    b.field("检查情况", "")
    b.p("{{ inspection_findings }}")
    b.p("以上记录我已看过，与实际情况相符。", indent=False)
    b.sign("被检查单位现场负责人", "检查人员", "记录人")


def rectification_order(b: Builder) -> None:
    b.p("{{ party_name }}：", indent=False)
    b.p("经查，你单位存在下列问题：")
    b.p("{{ facts }}")
    b.p(
        "依据{{ legal_basis }}的规定，现责令你单位于{{ rectification_deadline }}前整改完毕，"
        "达到法律、法规、规章和国家标准或者行业标准规定的要求。整改期间，你单位应当采取措施，确保安全生产。"
    )
    b.p(REMEDY.format(kind="指令书"))
    b.sign_agency()
    b.sign("被检查单位负责人")


def rectification_review(b: Builder) -> None:
    b.p("{{ party_name }}：", indent=False)
    b.p(
        "本机关于《责令限期整改指令书》（{{ rectification_order_number }}）责令你单位限期整改的问题，"
        "经复查，提出如下意见："
    )
    b.p("{{ review_opinion }}")
    b.officers("复查人员")
    b.sign_agency()
    b.sign("被复查单位负责人")


def coercive_measure_decision(b: Builder) -> None:
    b.party()
    b.p("经查，{{ facts }}")
    b.p(
        "依据{{ legal_basis }}的规定，本机关决定对你（单位）的下列场所、设施或者财物采取{{ measure }}的行政强制措施，"
        "实施地点：{{ place }}，期限：{{ measure_period }}。"
    )
    b.items("场所、设施、财物清单")
    b.p(
        "查封、扣押的期限不得超过三十日；情况复杂的，经本机关负责人批准，可以延长，但延长期限不得超过三十日"
        "（《中华人民共和国行政强制法》第二十五条）。你（单位）对本决定享有陈述权和申辩权。"
    )
    b.p(REMEDY.format(kind="决定"))
    b.sign_agency()


def appraisal_commission(b: Builder) -> None:
    b.p("{{ appraiser }}：", indent=False)
    b.p("本机关在调查{{ case_title }}过程中，需对下列专门性问题进行检测、检验、鉴定，现委托你单位进行：")
    b.field("鉴定事项", "{{ appraisal_subject }}")
    b.field("鉴定要求", "{{ appraisal_requirements }}")
    b.items("送检物品")
    b.p("请于{{ appraisal_deadline }}前出具书面鉴定意见，并由鉴定人签名、鉴定机构盖章。")
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def penalty_notice(b: Builder) -> None:
    b.party()
    b.p("经查，{{ facts }}")
    b.p("以上事实有{{ evidence }}等证据为证。")
    b.p("你（单位）的上述行为违反了{{ legal_basis }}的规定，本机关拟作出如下行政处罚：{{ decision }}")
    b.p(
        "依据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩。"
        "请在收到本告知书之日起五日内向本机关提出陈述、申辩意见；逾期未提出的，视为放弃此权利。"
        "本机关不因你（单位）陈述、申辩而给予更重的处罚。"
    )
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def statement_defence_record(b: Builder) -> None:
    b.field("案由", "{{ case_title }}")
    b.field("时间", "{{ start_time }} 至 {{ end_time }}")
    b.field("地点", "{{ place }}")
    b.party()
    b.officers("承办人")
    b.field("记录人", "{{ recorder }}")
    b.loop("陈述申辩内容", "s in statements", "{{ s.speaker }}：{{ s.text }}")
    b.p("以上笔录我看过（或者向我宣读过），与我说的相符。")
    b.sign("陈述申辩人", "承办人", "记录人")


def hearing_rights_notice(b: Builder) -> None:
    b.party()
    b.p("经查，{{ facts }}")
    b.p("你（单位）的上述行为违反了{{ legal_basis }}的规定，本机关拟作出如下行政处罚：{{ decision }}")
    b.p(
        "依据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）有要求举行听证的权利。"
        "如要求听证，应当在收到本告知书之日起五日内向本机关提出；逾期未提出的，视为放弃听证权利。"
    )
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def hearing_meeting_notice(b: Builder) -> None:
    b.p("{{ party_name }}：", indent=False)
    b.p(
        "根据你（单位）的申请，本机关定于{{ hearing_time }}在{{ hearing_place }}"
        "对{{ case_title }}{{ hearing_public }}举行听证会。"
    )
    b.p(
        "听证主持人：{{ presiding_officer }}；听证员：{{ hearing_officers }}；书记员：{{ hearing_clerk }}。"
        "你（单位）认为主持人、听证员、书记员与本案有直接利害关系的，有权申请回避。"
    )
    b.p(
        "请你（单位）届时出席，可以委托一至二人代理参加听证，委托代理人应当提交授权委托书。"
        "无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利（《中华人民共和国行政处罚法》第六十四条）。"
    )
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def hearing_record(b: Builder) -> None:
    b.field("案由", "{{ case_title }}")
    b.field("听证时间", "{{ start_time }} 至 {{ end_time }}")
    b.field("听证地点", "{{ hearing_place }}")
    b.field("主持人", "{{ presiding_officer }}")
    b.field("听证员", "{{ hearing_officers }}")
    b.field("书记员", "{{ hearing_clerk }}")
    b.party()
    b.field("委托代理人", "{{ agents }}")
    b.officers("案件调查人员")
    b.loop("听证记录", "s in statements", "{{ s.speaker }}：{{ s.text }}")
    b.p("以上笔录经当事人核对无误。")
    b.sign("当事人（代理人）", "案件调查人员", "主持人", "书记员")


def hearing_report(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("当事人", "{{ party_name }}"),
            ("听证时间", "{{ hearing_time }}"),
            ("听证地点", "{{ hearing_place }}"),
            ("听证主持人", "{{ presiding_officer }}"),
            ("听证员", "{{ hearing_officers }}"),
            ("书记员", "{{ hearing_clerk }}"),
            ("听证基本情况", "{{ hearing_summary }}"),
            ("当事人的主要理由和意见", "{{ party_opinion }}"),
            ("主持人意见及建议", "{{ presiding_opinion }}\n签名：{{ presiding_officer }}　　{{ date }}"),
            ("负责人审批意见", "\n签名：＿＿＿＿＿＿　　　　年　　月　　日"),
        ]
    )


def case_handling_approval(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("违法事实", "{{ facts }}"),
            ("证据", "{{ evidence }}"),
            ("处理依据", "{{ legal_basis }}"),
            ("处理建议", "{{ decision }}\n罚款金额：{{ fine_amount }}"),
            *b.approvals(),
        ]
    )
    b.note("注：重大执法决定须经法规科法制审核；情节复杂或者重大违法行为给予行政处罚的，应当经负责人集体讨论决定。")


def collective_discussion_record(b: Builder) -> None:
    b.field("时间", "{{ start_time }} 至 {{ end_time }}")
    b.field("地点", "{{ place }}")
    b.field("主持人", "{{ host }}")
    b.field("出席人员", "{{ attendees }}")
    b.field("列席人员", "{{ non_voting_attendees }}")
    b.field("记录人", "{{ recorder }}")
    b.field("讨论案件", "{{ case_title }}（当事人：{{ party_name }}）")
    b.field("案件基本情况", "")
    b.p("{{ facts }}")
    b.field("讨论记录", "")
    b.p("{{ discussion }}")
    b.field("结论性意见", "")
    b.p("{{ decision }}")
    b.sign("出席人员", "主持人", "记录人")


def fine_payment_reminder(b: Builder) -> None:
    b.party()
    b.p(
        "本机关《行政处罚决定书》（{{ penalty_decision_number }}）对你（单位）作出罚款{{ fine_amount }}的行政处罚，"
        "你（单位）应当于{{ payment_due_date }}前缴纳，至今未履行。已加处罚款：{{ late_fee_amount }}。"
    )
    b.p(
        "依据《中华人民共和国行政处罚法》第七十二条和《中华人民共和国行政强制法》第四十五条、第五十四条的规定，"
        "现催告你（单位）自收到本通知书之日起十日内缴至{{ payment_bank }}，账号：{{ payment_account }}。"
        "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款的数额；"
        "逾期仍不履行的，本机关将依法申请人民法院强制执行。"
    )
    b.p("你（单位）有权进行陈述和申辩，请于收到本通知书之日起三日内提出。")
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def fine_deferral_approval(b: Builder) -> None:
    b.table(
        [
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("行政处罚决定书文号", "{{ penalty_decision_number }}"),
            ("罚款金额", "{{ fine_amount }}"),
            ("申请理由", "{{ application_reason }}"),
            ("延期（分期）缴纳方案", "{{ installment_plan }}"),
            *b.approvals(),
        ]
    )


def service_receipt(b: Builder) -> None:
    signed = "签名：＿＿＿＿＿＿　　　　年　　月　　日"
    b.table(
        [
            ("送达文书名称及文号", "{{ served_document }}"),
            ("受送达人", "{{ party_name }}"),
            ("送达地点", "{{ service_place }}"),
            ("送达方式", "{{ service_method }}"),
            ("送达人", "{{ server_names }}"),
            ("受送达人签收", f"\n{signed}"),
            ("代收人及代收理由", f"\n{signed}"),
            ("见证人（留置送达时）", f"\n{signed}"),
            ("备注", ""),
        ]
    )


def enforcement_application(b: Builder) -> None:
    b.p("{{ court }}：", indent=False)
    b.field("申请人", "{{ agency_name }}")
    b.field("被申请人", "{{ party_name }}")
    b.field("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}")
    b.field("地址", "{{ party_address }}")
    b.field("法定代表人（负责人）", "{{ legal_representative }}")
    b.p(
        "经查，{{ facts }}申请人依法作出《行政处罚决定书》（{{ penalty_decision_number }}），"
        "决定：{{ decision }}该决定书已依法送达被申请人。"
    )
    b.p(
        "被申请人在法定期限内未申请行政复议或者提起行政诉讼，经催告后仍未履行。履行情况：{{ execution_status }}。"
        "依据{{ legal_basis }}的规定，特申请人民法院强制执行。"
    )
    b.p("附：行政处罚决定书、催告书及送达回执、当事人的意见及申请人的书面记录、申请执行标的情况。", indent=False)
    b.p("联系人：{{ contact_person }}　联系电话：{{ contact_phone }}")
    b.sign_agency()


def case_closing_approval(b: Builder) -> None:
    b.table(
        [
            ("案由", "{{ case_title }}"),
            ("当事人", "{{ party_name }}"),
            ("统一社会信用代码（身份证号码）", "{{ party_uscc_or_id }}"),
            ("地址", "{{ party_address }}"),
            ("法定代表人（负责人）", "{{ legal_representative }}"),
            ("行政处罚决定书文号", "{{ penalty_decision_number }}"),
            ("处理决定", "{{ decision }}"),
            ("执行情况", "{{ execution_status }}"),
            ("结案理由", "{{ closing_reason }}"),
            *b.approvals(),
        ]
    )


LAYOUTS: dict[str, Callable[[Builder], None]] = {
    "penalty_decision": penalty_decision,
    "case_opening_approval": case_opening_approval,
    "inquiry_notice": inquiry_notice,
    "inquiry_record": inquiry_record,
    "survey_record": survey_record,
    "sampling_voucher": sampling_voucher,
    "preservation_approval": preservation_approval,
    "preservation_notice": preservation_notice,
    "preservation_disposal_approval": preservation_disposal_approval,
    "preservation_disposal_decision": preservation_disposal_decision,
    "site_inspection_record": site_inspection_record,
    "rectification_order": rectification_order,
    "rectification_review": rectification_review,
    "coercive_measure_decision": coercive_measure_decision,
    "appraisal_commission": appraisal_commission,
    "penalty_notice": penalty_notice,
    "statement_defence_record": statement_defence_record,
    "hearing_rights_notice": hearing_rights_notice,
    "hearing_meeting_notice": hearing_meeting_notice,
    "hearing_record": hearing_record,
    "hearing_report": hearing_report,
    "case_handling_approval": case_handling_approval,
    "collective_discussion_record": collective_discussion_record,
    "fine_payment_reminder": fine_payment_reminder,
    "fine_deferral_approval": fine_deferral_approval,
    "service_receipt": service_receipt,
    "enforcement_application": enforcement_application,
    "case_closing_approval": case_closing_approval,
}


def build_one(code: str) -> bytes:
    builder = Builder(TEMPLATES[code])
    LAYOUTS[code](builder)
    return builder.to_bytes()


def build_all(out: Path = TEMPLATE_DIR) -> list[Path]:
    if set(LAYOUTS) != set(TEMPLATES):
        raise RuntimeError(f"layouts and placeholders disagree: {sorted(set(LAYOUTS) ^ set(TEMPLATES))}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for code in TEMPLATES:
        path = out / f"{code}.docx"
        path.write_bytes(build_one(code))
        written.append(path)
    return written


DOCS_INTRO = """# 文书样本与占位符 / Document templates and placeholders

Sanxiang publishes the work-safety document set (安全生产执法文书, DOMAIN.md) as [docxtpl](https://docxtpl.readthedocs.io/)
`.docx` templates in `sanxiang/registry/docx/templates/<code>.docx`. The case workflow fills them; the public downloads
them from the 文书样本 list. This page is generated from `sanxiang/registry/docx/placeholders.py` (the single definition)
by `python -m sanxiang.registry.docx.build --docs`; a test checks that every table lists exactly the variables the
template uses (`DocxTemplate.get_undeclared_template_variables`) and that the committed files are what the build writes.

## Rendering

```python
from sanxiang.registry.docx.render import render, template_path
data = render(template_path("penalty_decision"), context)   # bytes of the filled .docx
```

`render` uses `autoescape=True` (a party named “A&B” cannot break the XML) and turns `\\n` in a value into a line
break. Every value is a string except the lists: `officers` (rendered with `{%p for officer in officers %}`, one
paragraph per officer; approval forms print `officers|join('、', attribute='name')`), `items`, `qa_pairs` and
`statements`, whose item keys are named in the tables below. A required placeholder must be filled; an optional one may
be an empty string. Money is passed already written out (大写及小写), dates as Chinese text (2026年11月20日).

## Layout

Each template has the agency's name (`{{ agency_name }}`) as the heading, the document title, the number line
(`{{ document_number }}`, right-aligned), the body, the party's rights and remedies where the law requires them
(decisions: 申请行政复议 within 60 days / 提起行政诉讼 within 6 months; notices: 陈述、申辩 and 听证 within 5 days;
coercive measures: the 30 + 30 day limit), and the signature block (agency and seal, date; hand-signed lines for the
party and officers). Fonts are 宋体 (SimSun) for the body and 黑体 for titles, declared for East Asian text, so install
a CJK font (e.g. `fonts-wqy-zenhei`) where documents are converted to PDF. To change a template, edit `build.py` (and
`placeholders.py` if its variables change), run `python -m sanxiang.registry.docx.build --docs`, and commit the result.

## The shared placeholders

The same name means the same thing in every template.

| 占位符 | 含义 |
|---|---|
"""


def docs_markdown() -> str:
    lines = [DOCS_INTRO.rstrip("\n")]
    lines += [f"| `{name}` | {label} |" for name, label in COMMON.items()]
    lines += ["", "## The templates, in case-file order", ""]
    for info in TEMPLATES.values():
        lines += [f"### {info.order}. {info.name}（`{info.code}`）", "", info.description, ""]
        lines += ["| 占位符 | 含义 | 必填 | 示例 |", "|---|---|---|---|"]
        for doc in info.placeholder_docs():
            sample = SAMPLE[doc["name"]]
            if isinstance(sample, list):
                sample = "、".join("/".join(str(v) for v in entry.values() if v) for entry in sample)
            required = "是" if doc["required"] else "否"
            lines.append(f"| `{doc['name']}` | {label_of(doc['name'])} | {required} | {sample} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the work-safety document templates (.docx).")
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR)
    parser.add_argument("--docs", action="store_true", help=f"also write {DOCS_PATH}")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(path)
    if args.docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(docs_markdown(), encoding="utf-8")
        print(DOCS_PATH)


if __name__ == "__main__":
    main()
