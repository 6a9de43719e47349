"""The placeholders of the work-safety document templates (安全生产执法文书样本), defined once.

Every template is a docxtpl ``.docx`` file (``templates/<code>.docx``, written by ``build.py``). The variables it uses
are listed here, per template code, in the order the document uses them; ``docs/templates.md`` documents the same
tables and a test checks both against ``DocxTemplate.get_undeclared_template_variables``. The case workflow fills
them; the document template list (``DocumentTemplate.placeholders``) publishes them.

A placeholder is a string unless noted: ``officers`` is a list of ``{"name", "certificate_number"}`` (rendered with
``{%p for officer in officers %}``), and the other lists name their item keys in their label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


class PlaceholderDoc(TypedDict):
    name: str
    label: str
    required: bool


# The shared set: the same name means the same thing in every template.
COMMON: dict[str, str] = {
    "agency_name": "执法机关名称",
    "document_number": "文书编号（如 兴应急罚〔2026〕1号）",
    "party_name": "当事人（单位名称或姓名）",
    "party_address": "当事人地址（住所）",
    "party_uscc_or_id": "统一社会信用代码或居民身份证号码",
    "legal_representative": "法定代表人（负责人）",
    "case_title": "案由",
    "facts": "违法事实（或基本情况）",
    "evidence": "证据",
    "legal_basis": "法律依据（法律法规名称及条款）",
    "decision": "处理决定（或处理意见）",
    "fine_amount": "罚款金额（大写及小写）",
    "officers": "执法人员（列表，每项含 name 姓名、certificate_number 执法证号）",
    "date": "文书日期",
}

# Template-specific placeholders.
EXTRA: dict[str, str] = {
    "party_phone": "当事人联系电话",
    "review_body": "行政复议机关",
    "court": "人民法院",
    "payment_deadline_days": "缴纳罚款期限（日）",
    "payment_bank": "罚款缴纳银行",
    "payment_account": "罚款缴纳账号",
    "case_source": "案件来源",
    "inquiry_time": "接受询问的时间",
    "inquiry_place": "接受询问的地点",
    "materials_to_bring": "需携带的材料",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "start_time": "开始时间",
    "end_time": "结束时间",
    "place": "地点",
    "interviewee_name": "被询问人姓名",
    "interviewee_gender": "被询问人性别",
    "interviewee_age": "被询问人年龄",
    "interviewee_id_number": "被询问人身份证号码",
    "interviewee_post": "被询问人职务",
    "interviewee_address": "被询问人住址",
    "interviewee_phone": "被询问人电话",
    "recorder": "记录人",
    "qa_pairs": "问答（列表，每项含 q 问、a 答）",
    "weather": "天气情况",
    "witnesses": "见证人（姓名、单位）",
    "survey_findings": "勘验情况",
    "sampling_place": "抽样地点",
    "items": "物品清单（列表，每项含 name 名称、spec 规格型号、quantity 数量、note 备注）",
    "preservation_reason": "先行登记保存的理由",
    "preservation_place": "保存地点",
    "preservation_period": "保存期限（自—至）",
    "preservation_notice_number": "先行登记保存证据通知书文号",
    "disposal_proposal": "处理意见",
    "inspection_site": "检查场所",
    "inspection_findings": "检查情况",
    "site_person": "现场负责人",
    "rectification_deadline": "整改期限",
    "rectification_order_number": "责令限期整改指令书文号",
    "review_opinion": "复查意见",
    "measure": "强制措施种类（查封 / 扣押 / 停止供电等）",
    "measure_period": "强制措施期限",
    "appraiser": "鉴定机构",
    "appraisal_subject": "鉴定事项",
    "appraisal_requirements": "鉴定要求",
    "appraisal_deadline": "鉴定期限",
    "statements": "陈述、申辩或听证发言（列表，每项含 speaker 发言人、text 内容）",
    "hearing_time": "听证时间",
    "hearing_place": "听证地点",
    "hearing_public": "是否公开举行（公开 / 不公开）",
    "presiding_officer": "听证主持人",
    "hearing_officers": "听证员",
    "hearing_clerk": "书记员",
    "agents": "委托代理人",
    "hearing_summary": "听证基本情况",
    "party_opinion": "当事人的主要理由和意见",
    "presiding_opinion": "主持人意见及建议",
    "host": "主持人",
    "attendees": "出席人员",
    "non_voting_attendees": "列席人员",
    "discussion": "讨论记录",
    "penalty_decision_number": "行政处罚决定书文号",
    "payment_due_date": "原定缴纳期限",
    "late_fee_amount": "已加处罚款金额",
    "application_reason": "申请理由",
    "installment_plan": "延期（分期）缴纳方案",
    "served_document": "送达文书名称及文号",
    "service_place": "送达地点",
    "service_method": "送达方式",
    "server_names": "送达人",
    "execution_status": "执行情况",
    "closing_reason": "结案理由",
    "handler_opinion": "承办人意见",
}

# Placeholders that may be left empty (e.g. a natural person has no legal representative).
OPTIONAL = frozenset(
    {
        "legal_representative",
        "party_phone",
        "materials_to_bring",
        "weather",
        "witnesses",
        "interviewee_phone",
        "hearing_officers",
        "agents",
        "non_voting_attendees",
        "late_fee_amount",
        "handler_opinion",
    }
)

_PARTY = ("party_name", "party_address", "party_uscc_or_id", "legal_representative")
_REMEDY = ("review_body", "court")


@dataclass(frozen=True)
class TemplateInfo:
    code: str
    name: str
    order: int
    description: str
    placeholders: tuple[str, ...]

    def placeholder_docs(self) -> list[PlaceholderDoc]:
        return [{"name": name, "label": label_of(name), "required": name not in OPTIONAL} for name in self.placeholders]


def label_of(name: str) -> str:
    return COMMON.get(name) or EXTRA[name]


def _t(code: str, name: str, description: str, *names: str) -> TemplateInfo:
    order = len(_ALL) + 1
    info = TemplateInfo(code, name, order, description, ("agency_name", "document_number", *names))
    _ALL.append(info)
    return info


_ALL: list[TemplateInfo] = []

# In case-file order (DOMAIN.md, "Work-safety documents").
_t(
    "penalty_decision",
    "行政处罚决定书",
    "作出行政处罚决定时制作，载明违法事实、证据、处罚依据、履行方式和期限以及复议、诉讼的途径和期限（行政处罚法第五十九条）。",
    *_PARTY,
    "facts",
    "evidence",
    "legal_basis",
    "decision",
    "fine_amount",
    "payment_deadline_days",
    "payment_bank",
    "payment_account",
    *_REMEDY,
    "date",
)
_t(
    "case_opening_approval",
    "立案审批表",
    "发现违法行为需要立案调查时报请负责人审批。",
    "case_title",
    "case_source",
    *_PARTY,
    "party_phone",
    "facts",
    "legal_basis",
    "officers",
    "handler_opinion",
    "date",
)
_t(
    "inquiry_notice",
    "询问通知书",
    "通知当事人或有关人员在指定时间、地点接受询问调查。",
    "party_name",
    "case_title",
    "inquiry_time",
    "inquiry_place",
    "materials_to_bring",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "inquiry_record",
    "询问笔录",
    "询问当事人、证人的问答记录，由被询问人逐页核对签名。",
    "start_time",
    "end_time",
    "place",
    "interviewee_name",
    "interviewee_gender",
    "interviewee_age",
    "interviewee_id_number",
    "party_name",
    "interviewee_post",
    "interviewee_address",
    "interviewee_phone",
    "officers",
    "recorder",
    "qa_pairs",
)
_t(
    "survey_record",
    "勘验笔录",
    "对与案件有关的场所、设施、物品进行勘验的记录。",
    "case_title",
    "start_time",
    "end_time",
    "place",
    "weather",
    "officers",
    "recorder",
    "party_name",
    "legal_representative",
    "witnesses",
    "survey_findings",
)
_t(
    "sampling_voucher",
    "抽样取证凭证",
    "依法抽样取证时制作，列明样品名称、规格、数量。",
    *_PARTY,
    "sampling_place",
    "legal_basis",
    "items",
    "officers",
    "date",
)
_t(
    "preservation_approval",
    "先行登记保存证据审批表",
    "证据可能灭失或者以后难以取得时，报请负责人批准先行登记保存（行政处罚法第五十六条）。",
    "case_title",
    *_PARTY,
    "preservation_reason",
    "items",
    "officers",
    "handler_opinion",
    "date",
)
_t(
    "preservation_notice",
    "先行登记保存证据通知书",
    "经批准先行登记保存证据时交当事人，七日内作出处理决定。",
    *_PARTY,
    "case_title",
    "legal_basis",
    "items",
    "preservation_place",
    "preservation_period",
    "officers",
    "date",
)
_t(
    "preservation_disposal_approval",
    "先行登记保存证据处理审批表",
    "对先行登记保存的证据提出处理意见，报请负责人审批。",
    "case_title",
    *_PARTY,
    "preservation_notice_number",
    "items",
    "disposal_proposal",
    "officers",
    "handler_opinion",
    "date",
)
_t(
    "preservation_disposal_decision",
    "先行登记保存证据处理决定书",
    "在先行登记保存之日起七日内作出处理决定并送达当事人。",
    *_PARTY,
    "preservation_notice_number",
    "items",
    "decision",
    "legal_basis",
    *_REMEDY,
    "date",
)
_t(
    "site_inspection_record",
    "现场检查记录",
    "现场监督检查的记录，由被检查单位现场负责人签名。",
    *_PARTY,
    "inspection_site",
    "start_time",
    "end_time",
    "officers",
    "recorder",
    "site_person",
    "inspection_findings",
)
_t(
    "rectification_order",
    "责令限期整改指令书",
    "检查发现问题，责令生产经营单位限期整改。",
    "party_name",
    "facts",
    "legal_basis",
    "rectification_deadline",
    *_REMEDY,
    "date",
)
_t(
    "rectification_review",
    "整改复查意见书",
    "整改期限届满后复查整改情况并提出意见。",
    "party_name",
    "rectification_order_number",
    "review_opinion",
    "officers",
    "date",
)
_t(
    "coercive_measure_decision",
    "强制措施决定书",
    "依法实施查封、扣押等行政强制措施时当场交付（行政强制法第二十四条）。",
    *_PARTY,
    "facts",
    "legal_basis",
    "measure",
    "items",
    "place",
    "measure_period",
    *_REMEDY,
    "date",
)
_t(
    "appraisal_commission",
    "鉴定委托书",
    "委托有资质的机构对专门性问题进行检测、检验、鉴定。",
    "appraiser",
    "case_title",
    "appraisal_subject",
    "appraisal_requirements",
    "appraisal_deadline",
    "items",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "penalty_notice",
    "行政处罚告知书",
    "作出行政处罚决定前告知拟处罚的内容及事实、理由、依据，以及陈述、申辩的权利（行政处罚法第四十四条、第四十五条）。",
    *_PARTY,
    "facts",
    "evidence",
    "legal_basis",
    "decision",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "statement_defence_record",
    "当事人陈述申辩笔录",
    "记录当事人的陈述和申辩意见。",
    "case_title",
    "start_time",
    "end_time",
    "place",
    *_PARTY,
    "officers",
    "recorder",
    "statements",
)
_t(
    "hearing_rights_notice",
    "听证告知书",
    "拟作出较大数额罚款等决定前，告知当事人有要求听证的权利（行政处罚法第六十三条、第六十四条）。",
    *_PARTY,
    "facts",
    "legal_basis",
    "decision",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "hearing_meeting_notice",
    "听证会通知书",
    "当事人要求听证的，在举行听证的七日前通知当事人听证的时间、地点（行政处罚法第六十四条）。",
    "party_name",
    "case_title",
    "hearing_time",
    "hearing_place",
    "hearing_public",
    "presiding_officer",
    "hearing_officers",
    "hearing_clerk",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "hearing_record",
    "听证笔录",
    "听证会的全过程记录，交当事人核对后签字或者盖章。",
    "case_title",
    "start_time",
    "end_time",
    "hearing_place",
    "presiding_officer",
    "hearing_officers",
    "hearing_clerk",
    *_PARTY,
    "agents",
    "officers",
    "statements",
)
_t(
    "hearing_report",
    "听证会报告书",
    "听证结束后主持人向负责人报告听证情况并提出处理意见。",
    "case_title",
    "party_name",
    "hearing_time",
    "hearing_place",
    "presiding_officer",
    "hearing_officers",
    "hearing_clerk",
    "hearing_summary",
    "party_opinion",
    "presiding_opinion",
    "date",
)
_t(
    "case_handling_approval",
    "案件处理呈批表",
    "调查终结后，承办人提出处理意见，经法制审核后报请负责人审批。",
    "case_title",
    *_PARTY,
    "facts",
    "evidence",
    "legal_basis",
    "decision",
    "fine_amount",
    "officers",
    "handler_opinion",
    "date",
)
_t(
    "collective_discussion_record",
    "集体讨论记录",
    "情节复杂或者重大违法行为给予行政处罚，由负责人集体讨论决定（行政处罚法第五十七条）。",
    "case_title",
    "start_time",
    "end_time",
    "place",
    "host",
    "attendees",
    "non_voting_attendees",
    "recorder",
    "party_name",
    "facts",
    "discussion",
    "decision",
)
_t(
    "fine_payment_reminder",
    "催缴罚款通知书",
    "当事人到期不缴纳罚款的，催告履行并告知加处罚款（行政处罚法第七十二条，行政强制法第三十五条、第五十四条）。",
    *_PARTY,
    "penalty_decision_number",
    "fine_amount",
    "payment_due_date",
    "late_fee_amount",
    "payment_bank",
    "payment_account",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "fine_deferral_approval",
    "延期（分期）缴纳罚款审批表",
    "当事人确有经济困难申请延期或者分期缴纳罚款时报请负责人审批（行政处罚法第六十六条）。",
    *_PARTY,
    "penalty_decision_number",
    "fine_amount",
    "application_reason",
    "installment_plan",
    "officers",
    "handler_opinion",
    "date",
)
_t(
    "service_receipt",
    "送达回执",
    "送达执法文书的凭证，由受送达人签收。",
    "served_document",
    "party_name",
    "service_place",
    "service_method",
    "server_names",
)
_t(
    "enforcement_application",
    "强制执行申请书",
    "当事人在法定期限内不申请行政复议或者提起行政诉讼又不履行的，申请人民法院强制执行（行政强制法第五十三条、第五十五条）。",
    "court",
    *_PARTY,
    "penalty_decision_number",
    "facts",
    "decision",
    "execution_status",
    "legal_basis",
    "contact_person",
    "contact_phone",
    "date",
)
_t(
    "case_closing_approval",
    "结案审批表",
    "案件执行完毕或者依法终结后报请负责人批准结案。",
    "case_title",
    *_PARTY,
    "penalty_decision_number",
    "decision",
    "execution_status",
    "closing_reason",
    "officers",
    "handler_opinion",
    "date",
)

TEMPLATES: dict[str, TemplateInfo] = {info.code: info for info in _ALL}


def placeholders_for(code: str) -> list[PlaceholderDoc]:
    """``[{"name", "label", "required"}]`` for template ``code``, as stored on ``DocumentTemplate.placeholders``."""
    return TEMPLATES[code].placeholder_docs()
