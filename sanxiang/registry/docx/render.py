"""Render a document template with docxtpl, and a complete set of sample values (for tests, previews and docs)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from docxtpl import DocxTemplate

from sanxiang.registry.docx.placeholders import TEMPLATES

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def template_path(code: str) -> Path:
    """The packaged template file of ``code`` (``KeyError`` for an unknown code)."""
    if code not in TEMPLATES:
        raise KeyError(code)
    return TEMPLATE_DIR / f"{code}.docx"


def template_variables(source: str | Path | IO[bytes]) -> set[str]:
    """The variables a template uses (docxtpl's ``get_undeclared_template_variables``)."""
    return set(DocxTemplate(source).get_undeclared_template_variables())


def render(source: str | Path | IO[bytes], context: dict[str, Any]) -> bytes:
    """Render ``source`` with ``context`` and return the .docx bytes.

    Values are XML-escaped (``autoescape=True``: a party called “A&B” must not break the file); a ``\\n`` in a value
    becomes a line break.
    """
    template = DocxTemplate(source)
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


SAMPLE: dict[str, Any] = {
    "agency_name": "兴隆台区应急管理局",
    "document_number": "兴应急罚〔2026〕12号",
    "party_name": "盘锦示例化工贸易有限公司",
    "party_address": "辽宁省盘锦市兴隆台区示例路88号",
    "party_uscc_or_id": "91211103MA0XXXXX1X",
    "legal_representative": "王示例",
    "party_phone": "0427-2800000",
    "case_title": "未按规定对从业人员进行安全生产教育和培训案",
    "facts": "2026年10月15日，执法人员检查发现你单位3名从业人员未经安全生产教育和培训即上岗作业。",
    "evidence": "现场检查记录、询问笔录、培训档案复印件、现场照片",
    "legal_basis": "《中华人民共和国安全生产法》第二十八条第一款、第九十七条第三项",
    "decision": "责令限期改正，处罚款人民币叁万元整。",
    "fine_amount": "人民币叁万元整（¥30,000.00）",
    "officers": [
        {"name": "张执法", "certificate_number": "211103000101"},
        {"name": "李检查", "certificate_number": "211103000102"},
    ],
    "date": "2026年11月20日",
    "review_body": "盘锦市兴隆台区人民政府",
    "court": "盘锦市兴隆台区人民法院",
    "payment_deadline_days": "十五",
    "payment_bank": "中国工商银行盘锦兴隆台支行",
    "payment_account": "0711000000000000000",
    "case_source": "监督检查",
    "inquiry_time": "2026年10月20日9时",
    "inquiry_place": "兴隆台区应急管理局三楼询问室",
    "materials_to_bring": "营业执照副本、授权委托书、安全生产教育和培训档案",
    "contact_person": "张执法",
    "contact_phone": "0427-2823456",
    "start_time": "2026年10月20日9时05分",
    "end_time": "2026年10月20日10时10分",
    "place": "兴隆台区应急管理局三楼询问室",
    "interviewee_name": "赵被询",
    "interviewee_gender": "男",
    "interviewee_age": "45",
    "interviewee_id_number": "211103198101010000",
    "interviewee_post": "安全生产管理人员",
    "interviewee_address": "辽宁省盘锦市兴隆台区示例小区3号楼",
    "interviewee_phone": "13800000000",
    "recorder": "孙记录",
    "qa_pairs": [
        {"q": "你单位是否对新入职员工进行了安全生产教育和培训？", "a": "有3名员工还没来得及培训。"},
        {"q": "上述员工是否已经上岗作业？", "a": "已经上岗一周了。"},
    ],
    "weather": "晴",
    "witnesses": "钱见证（示例社区工作人员）",
    "survey_findings": "仓库东侧货架存放危险化学品约2吨，未设置安全警示标志。",
    "sampling_place": "公司仓库",
    "items": [
        {"name": "甲醇", "spec": "200L桶装", "quantity": "2桶", "note": "已封样"},
        {"name": "培训记录本", "spec": "A4", "quantity": "1本", "note": ""},
    ],
    "preservation_reason": "培训档案可能被篡改，以后难以取得",
    "preservation_place": "公司办公室档案柜（已加贴封条）",
    "preservation_period": "2026年10月15日至2026年10月22日",
    "preservation_notice_number": "兴应急先保〔2026〕3号",
    "disposal_proposal": "解除先行登记保存，复印件作为证据附卷。",
    "inspection_site": "生产车间、危险化学品仓库",
    "inspection_findings": "1. 3名从业人员未经安全生产教育和培训上岗作业；2. 仓库未设置安全警示标志。",
    "site_person": "赵被询",
    "rectification_deadline": "2026年11月5日",
    "rectification_order_number": "兴应急责改〔2026〕21号",
    "review_opinion": "经复查，指令书所列问题已全部整改完毕。",
    "measure": "扣押",
    "measure_period": "三十日（2026年10月15日至2026年11月13日）",
    "appraiser": "辽宁省示例安全技术检测中心",
    "appraisal_subject": "储罐安全阀是否符合国家标准",
    "appraisal_requirements": "依据GB/T 12241出具检测报告",
    "appraisal_deadline": "2026年10月30日",
    "statements": [
        {"speaker": "当事人", "text": "我公司已立即组织培训，请求从轻处罚。"},
        {"speaker": "承办人", "text": "你单位的陈述已记录在案。"},
    ],
    "hearing_time": "2026年11月10日9时",
    "hearing_place": "兴隆台区应急管理局听证室",
    "hearing_public": "公开",
    "presiding_officer": "周主持",
    "hearing_officers": "吴听证、郑听证",
    "hearing_clerk": "冯书记",
    "agents": "陈代理（示例律师事务所律师）",
    "hearing_summary": "听证会按程序进行，案件调查人员提出了违法事实、证据和处罚建议，当事人进行了申辩和质证。",
    "party_opinion": "当事人认为已及时改正，请求减轻处罚。",
    "presiding_opinion": "建议维持拟处罚意见。",
    "host": "刘局长",
    "attendees": "刘局长、陈副局长、杨副局长、法规科科长",
    "non_voting_attendees": "承办人张执法",
    "discussion": "与会人员认为事实清楚、证据确凿，处罚适当。",
    "penalty_decision_number": "兴应急罚〔2026〕12号",
    "payment_due_date": "2026年12月5日",
    "late_fee_amount": "人民币玖仟元整",
    "application_reason": "受经营困难影响，一次性缴纳确有困难。",
    "installment_plan": "分三期缴纳，每期人民币壹万元，2027年3月31日前缴清。",
    "served_document": "行政处罚决定书（兴应急罚〔2026〕12号）",
    "service_place": "当事人办公场所",
    "service_method": "直接送达",
    "server_names": "张执法、李检查",
    "execution_status": "当事人未缴纳罚款",
    "closing_reason": "罚款已全部缴纳，行政处罚决定执行完毕。",
    "handler_opinion": "事实清楚，证据确凿，建议按处理建议办理。",
}


def sample_context(code: str) -> dict[str, Any]:
    """Sample values for exactly the placeholders of template ``code``."""
    return {name: SAMPLE[name] for name in TEMPLATES[code].placeholders}
