"""The demo deployment's data: 兴隆台区应急管理局 as the 2019 plan describes it, its neighbours and supervisors.

Names of people, addresses, phone numbers and e-mail addresses are invented for the demo. Legal bases cite the
中华人民共和国安全生产法 as revised in 2021 and the State Council regulations in force.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanxiang.org.models import AgencyNature, DepartmentKind, EnforcementLevel, Role, SubjectCategory

AQSCF = "中华人民共和国安全生产法"
XZCF = "中华人民共和国行政处罚法"
XZQZ = "中华人民共和国行政强制法"
WHP = "危险化学品安全管理条例"
YHBZ = "烟花爆竹安全管理条例"

XLT = "兴隆台区应急管理局"
STZ = "双台子区应急管理局"
CITY = "盘锦市应急管理局"
JUSTICE = "兴隆台区司法局"
STREET = "兴隆台区兴隆街道安全生产监督管理站"

AGENCIES: dict[str, dict[str, Any]] = {
    XLT: {
        "short_name": "兴隆台应急",
        "nature": AgencyNature.ADMINISTRATIVE,
        "funding_source": "财政全额拨款",
        "staffing": "行政编制12名、事业编制8名（应急管理保障中心），现有持证执法人员20名",
        "enforcement_staff_count": 20,
        "subject_category": SubjectCategory.STATUTORY,
        "duties": (
            "负责全区安全生产综合监督管理和工矿商贸行业安全生产监督管理工作；依法对生产经营单位执行安全生产法律、"
            "法规和国家标准或者行业标准的情况进行监督检查，实施行政处罚、行政强制和行政检查；负责危险化学品经营"
            "（不带储存设施）许可、烟花爆竹经营（零售）许可；组织指导全区应急预案体系建设和应急救援工作；"
            "依法组织或者参与一般生产安全事故调查处理。"
        ),
        "legal_representative": "王立新",
        "address": "辽宁省盘锦市兴隆台区惠宾街道示例路1号（演示地址）",
        "postcode": "124010",
        "complaint_phone": "12345",
        "level": EnforcementLevel.DISTRICT,
        "sector": "应急管理",
        "region": "211103",
        "document_prefix": "兴应急",
        "is_enforcement_body": True,
    },
    STZ: {
        "short_name": "双台子应急",
        "nature": AgencyNature.ADMINISTRATIVE,
        "funding_source": "财政全额拨款",
        "staffing": "行政编制10名，现有持证执法人员8名",
        "enforcement_staff_count": 8,
        "subject_category": SubjectCategory.STATUTORY,
        "duties": "负责全区安全生产综合监督管理和工矿商贸行业安全生产监督管理，依法实施行政处罚、行政强制和行政检查。",
        "legal_representative": "李振华",
        "address": "辽宁省盘锦市双台子区示例街2号（演示地址）",
        "postcode": "124000",
        "complaint_phone": "12345",
        "level": EnforcementLevel.DISTRICT,
        "sector": "应急管理",
        "region": "211102",
        "document_prefix": "双应急",
        "is_enforcement_body": True,
    },
    CITY: {
        "short_name": "盘锦应急",
        "nature": AgencyNature.ADMINISTRATIVE,
        "funding_source": "财政全额拨款",
        "staffing": "行政编制30名",
        "enforcement_staff_count": 25,
        "subject_category": SubjectCategory.STATUTORY,
        "duties": "负责全市安全生产综合监督管理，指导、监督县（区）应急管理部门的行政执法工作。",
        "legal_representative": "赵海峰",
        "address": "辽宁省盘锦市兴隆台区示例大街3号（演示地址）",
        "postcode": "124010",
        "complaint_phone": "12345",
        "level": EnforcementLevel.CITY,
        "sector": "应急管理",
        "region": "211100",
        "document_prefix": "盘应急",
        "is_enforcement_body": True,
    },
    JUSTICE: {
        "short_name": "兴隆台司法",
        "nature": AgencyNature.ADMINISTRATIVE,
        "funding_source": "财政全额拨款",
        "staffing": "行政编制15名",
        "subject_category": SubjectCategory.STATUTORY,
        "duties": "区政府法制机构：审核行政执法主体资格和委托执法，监督全区行政执法三项制度的实施。",
        "legal_representative": "孙文博",
        "address": "辽宁省盘锦市兴隆台区示例路5号（演示地址）",
        "postcode": "124010",
        "complaint_phone": "12345",
        "level": EnforcementLevel.DISTRICT,
        "sector": "司法行政",
        "region": "211103",
        "is_enforcement_body": False,
    },
}

ENTRUSTED: dict[str, Any] = {
    "name": STREET,
    "short_name": "兴隆街道安监站",
    "nature": AgencyNature.PUBLIC_INSTITUTION,
    "funding_source": "财政全额拨款",
    "staffing": "事业编制5名，持证执法人员3名",
    "enforcement_staff_count": 3,
    "subject_category": SubjectCategory.ENTRUSTED,
    "duties": "受兴隆台区应急管理局委托，在兴隆街道辖区内对小微企业和“九小场所”实施安全生产行政检查。",
    "legal_representative": "周明",
    "address": "辽宁省盘锦市兴隆台区兴隆街道示例路6号（演示地址）",
    "postcode": "124010",
    "complaint_phone": "12345",
    "level": EnforcementLevel.TOWNSHIP,
    "sector": "应急管理",
    "region": "211103",
    "document_prefix": "兴隆安监",
    "is_enforcement_body": True,
    "entrustment_summary": (
        "委托机关：兴隆台区应急管理局；委托事项：兴隆街道辖区内小微企业和“九小场所”安全生产行政检查；"
        "委托期限：2024年1月1日至2026年12月31日；委托协议：兴应急委〔2024〕1号。"
        "受委托组织以委托机关名义实施检查，不得再委托其他组织或者个人。"
    ),
}
DISTRICT_REVIEW_REFERENCE = "兴司法审〔2024〕3号"

SUPERVISION = {JUSTICE: [XLT, STREET], CITY: [XLT, STZ]}
PUBLISHED_AGENCIES = (XLT, STZ, CITY, STREET)

DEPARTMENTS: dict[str, list[tuple[str, str]]] = {
    XLT: [
        ("法规科", DepartmentKind.LEGAL),
        ("危险化学品安全监督管理科", DepartmentKind.ENFORCEMENT),
        ("工贸行业安全监督管理科", DepartmentKind.ENFORCEMENT),
        ("执法监察一中队", DepartmentKind.SQUAD),
        ("执法监察二中队", DepartmentKind.SQUAD),
        ("办公室", DepartmentKind.OFFICE),
        ("应急管理保障中心", DepartmentKind.OTHER),
    ],
    STZ: [
        ("法规科", DepartmentKind.LEGAL),
        ("执法监察科", DepartmentKind.ENFORCEMENT),
        ("办公室", DepartmentKind.OFFICE),
    ],
}

HAZCHEM = "危险化学品安全监督管理科"
INDUSTRY = "工贸行业安全监督管理科"
SQUAD1 = "执法监察一中队"
SQUAD2 = "执法监察二中队"

# Demo users: username → (full name, role, agency, department). Every role has one.
USERS: list[tuple[str, str, str, str, str | None]] = [
    ("admin", "系统管理员", Role.ADMINISTRATOR, XLT, None),
    ("leader", "王立新", Role.LEADER, XLT, None),
    ("head", "陈志刚", Role.DEPARTMENT_HEAD, XLT, HAZCHEM),
    ("officer1", "张明远", Role.OFFICER, XLT, HAZCHEM),
    ("officer2", "李晓东", Role.OFFICER, XLT, HAZCHEM),
    ("prelim", "刘佳", Role.PRELIMINARY_REVIEWER, XLT, HAZCHEM),
    ("legal", "杨帆", Role.LEGAL_REVIEWER, XLT, "法规科"),
    ("adviser", "郑律师", Role.LEGAL_ADVISER, XLT, None),
    ("office", "吴静", Role.OFFICE, XLT, "办公室"),
    ("evaluator", "冯建华", Role.EVALUATOR, XLT, "法规科"),
    ("supervisor", "孙文博", Role.SUPERVISOR, JUSTICE, None),
    ("city-supervisor", "赵海峰", Role.SUPERVISOR, CITY, None),
]

VALID_FROM = dt.date(2024, 1, 1)
VALID_UNTIL = dt.date(2029, 12, 31)
ALL_CATEGORIES = ["penalty", "coercion", "inspection"]

# 兴隆台区应急管理局's officers: (name, post, department, categories, user, valid_until).
OFFICERS: list[tuple[str, str, str | None, list[str], str | None, dt.date]] = [
    ("王立新", "局长", None, ALL_CATEGORIES, "leader", VALID_UNTIL),
    ("陈志刚", "危险化学品安全监督管理科科长", HAZCHEM, [*ALL_CATEGORIES, "licence"], "head", VALID_UNTIL),
    ("张明远", "科员", HAZCHEM, [*ALL_CATEGORIES, "licence"], "officer1", VALID_UNTIL),
    ("李晓东", "科员", HAZCHEM, ALL_CATEGORIES, "officer2", VALID_UNTIL),
    ("刘佳", "副科长", HAZCHEM, ALL_CATEGORIES, "prelim", VALID_UNTIL),
    ("杨帆", "法规科科长", "法规科", ALL_CATEGORIES, "legal", VALID_UNTIL),
    ("何建军", "副局长", None, ALL_CATEGORIES, None, VALID_UNTIL),
    ("高峰", "工贸行业安全监督管理科科长", INDUSTRY, ALL_CATEGORIES, None, VALID_UNTIL),
    ("林雪", "科员", INDUSTRY, ["penalty", "inspection"], None, VALID_UNTIL),
    ("马骏", "科员", INDUSTRY, ["penalty", "inspection"], None, dt.date(2028, 6, 30)),
    ("罗文", "中队长", SQUAD1, ALL_CATEGORIES, None, VALID_UNTIL),
    ("梁爽", "队员", SQUAD1, ALL_CATEGORIES, None, VALID_UNTIL),
    ("宋佳琪", "队员", SQUAD1, ["inspection"], None, dt.date(2028, 6, 30)),
    ("唐磊", "中队长", SQUAD2, ALL_CATEGORIES, None, VALID_UNTIL),
    ("韩冰", "队员", SQUAD2, ALL_CATEGORIES, None, VALID_UNTIL),
    ("曹阳", "队员", SQUAD2, ["penalty", "inspection"], None, VALID_UNTIL),
    ("许诺", "科员", "法规科", ["penalty", "inspection"], None, VALID_UNTIL),
    ("邓超", "科员", INDUSTRY, ["inspection"], None, VALID_UNTIL),
    # The certificate that ran out (on the public list, marked 已过期) and the one suspended below.
    ("彭涛", "队员", SQUAD2, ["penalty", "inspection"], None, dt.date(2023, 12, 31)),
    ("蒋伟", "队员", SQUAD1, ["penalty", "inspection"], None, VALID_UNTIL),
]
EXPIRED_OFFICER = "彭涛"
SUSPENDED_OFFICER = "蒋伟"
SUSPENSION_REASON = "执法过程中未按规定出示执法证件，经调查核实，暂扣执法证三个月（演示数据）。"

STZ_OFFICERS: list[tuple[str, str, str | None, list[str], str | None, dt.date]] = [
    ("李振华", "局长", None, ALL_CATEGORIES, None, VALID_UNTIL),
    ("黄海", "执法监察科科长", "执法监察科", ALL_CATEGORIES, None, VALID_UNTIL),
    ("谢婷", "科员", "执法监察科", ["penalty", "inspection"], None, VALID_UNTIL),
]


def certificate_number(region: str, index: int) -> str:
    return f"{region}{index:06d}"


def _basis(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"law": law, "article": article} for law, article in pairs]


def _band(circumstance: str, sanction: str, fine_min: str = "", fine_max: str = "") -> dict[str, str]:
    return {"circumstance": circumstance, "sanction": sanction, "fine_min": fine_min, "fine_max": fine_max}


RESPONSIBILITIES = {
    "penalty": (
        "1. 立案责任：发现违法行为，予以审查，决定是否立案。2. 调查责任：两名以上执法人员调查取证，出示执法证件，"
        "允许当事人辩解陈述。3. 审查责任：审理案件事实、证据、依据、程序，提出处理意见；重大案件进行法制审核。"
        "4. 告知责任：作出决定前告知拟处罚的事实、理由、依据及陈述、申辩、听证权利。5. 决定责任：依法作出处罚决定。"
        "6. 送达责任：依法送达行政处罚决定书。7. 执行责任：监督当事人履行，依法申请强制执行。8. 公示责任：依法公开处罚决定。"
    ),
    "coercion": (
        "1. 审批责任：实施前向负责人报告并经批准。2. 实施责任：两名以上执法人员实施，出示证件，通知当事人到场，"
        "告知理由、依据和权利，听取陈述申辩，制作现场笔录。3. 决定责任：制作并当场交付强制措施决定书和清单。"
        "4. 处理责任：在法定期限内作出处理决定，及时解除。5. 其他法律法规规章规定应履行的责任。"
    ),
    "inspection": (
        "1. 检查责任：按照年度监督检查计划和“双随机”抽查结果实施检查，出示执法证件。2. 处置责任：发现问题责令改正，"
        "依法作出现场处理措施。3. 信息公开责任：依法公开检查结果。4. 其他法律法规规章规定应履行的责任。"
    ),
    "licence": (
        "1. 受理责任：公示申请条件、材料和程序，一次性告知补正材料。2. 审查责任：审查申请材料，组织现场核查。"
        "3. 决定责任：作出许可或者不予许可的决定，不予许可的说明理由。4. 送达责任：颁发许可证件。"
        "5. 事后监管责任：对被许可人实施监督检查。6. 其他法律法规规章规定应履行的责任。"
    ),
}
ACCOUNTABILITY = (
    "因不履行或者不正确履行行政职责，有下列情形之一的，行政机关及相关工作人员应当承担相应责任：1. 没有法律依据"
    "或者违反法定程序实施的；2. 玩忽职守、滥用职权的；3. 索取或者收受他人财物、谋取其他利益的；4. 其他违反法律法规"
    "规章规定的行为。"
)

WHP_GUIDE = """一、事项名称：危险化学品经营许可（不带储存设施的其他危险化学品经营）
二、设定依据：《危险化学品安全管理条例》第三十三条、第三十五条；《危险化学品经营许可证管理办法》。
三、申请条件：（一）经营场所和储存设施符合国家标准、行业标准；（二）从业人员经过专业技术培训并经考核合格；（三）有健全的安全管理规章制度；（四）有专职安全管理人员；（五）有符合国家规定的危险化学品事故应急预案和必要的应急救援器材、设备；（六）法律、法规规定的其他条件。
四、申请材料：1. 危险化学品经营许可证申请书；2. 安全生产规章制度和岗位操作规程目录清单；3. 主要负责人、分管安全负责人、安全生产管理人员安全资格证或者相关培训合格证明；4. 经营场所产权证明或者租赁证明；5. 事故应急救援预案；6. 工商营业执照。
五、办理流程：申请—受理（材料齐全当场受理，不齐全一次性告知补正）—审查及现场核查—决定—发证。
六、办理时限：法定30个工作日（自受理之日起）。
七、收费标准：不收费。
八、办理地点：兴隆台区政务服务中心应急管理窗口（演示地址）。
九、咨询电话：12345。"""

FIREWORKS_GUIDE = """一、事项名称：烟花爆竹经营（零售）许可
二、设定依据：《烟花爆竹安全管理条例》第十九条；《烟花爆竹经营许可实施办法》。
三、申请条件：符合所在地县级应急管理部门零售经营布点规划；主要负责人经过安全培训合格；实行专店或者专柜销售，设专人负责安全管理；经营场所配备必要的消防器材，张贴明显的安全警示标志；法律、法规规定的其他条件。
四、申请材料：1. 烟花爆竹经营（零售）许可证申请书；2. 营业执照；3. 经营场所产权证明或者租赁证明；4. 主要负责人安全培训合格证明；5. 经营场所平面示意图。
五、办理流程：申请—受理—审查及现场核查—决定—发证。
六、办理时限：法定20个工作日（自受理之日起）。
七、收费标准：不收费。
八、办理地点：兴隆台区政务服务中心应急管理窗口（演示地址）。
九、咨询电话：12345。"""

# 兴隆台区应急管理局's enforcement items; each also becomes a 权责清单 entry with the same code.
ITEMS: list[dict[str, Any]] = [
    {
        "code": "XZCF-001",
        "category": "penalty",
        "name": "对生产经营单位未按照规定设置安全生产管理机构或者配备安全生产管理人员、未按照规定对从业人员进行安全生产教育和培训等行为的行政处罚",
        "legal_basis": _basis((AQSCF, "第九十七条")),
        "discretion_benchmark": [
            _band("有第九十七条所列一项情形，责令限期改正的", "责令限期改正，罚款", "10000", "30000"),
            _band("有第九十七条所列两项情形的", "责令限期改正，罚款", "30000", "60000"),
            _band("有第九十七条所列三项以上情形的", "责令限期改正，罚款", "60000", "100000"),
            _band("逾期未改正的", "责令停产停业整顿，并处罚款", "100000", "200000"),
            _band("逾期未改正的，对直接负责的主管人员和其他直接责任人员", "罚款", "20000", "50000"),
        ],
        "department": HAZCHEM,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZCF-002",
        "category": "penalty",
        "name": "对生产经营单位安全设备的安装、使用、检测、改造和报废不符合国家标准或者行业标准，未对安全设备进行经常性维护、保养和定期检测等行为的行政处罚",
        "legal_basis": _basis((AQSCF, "第九十九条")),
        "discretion_benchmark": [
            _band("有第九十九条所列一项情形，责令限期改正的", "责令限期改正，罚款", "5000", "20000"),
            _band("有第九十九条所列两项以上情形的", "责令限期改正，罚款", "20000", "50000"),
            _band("逾期未改正的", "罚款；情节严重的，责令停产停业整顿", "50000", "200000"),
            _band("逾期未改正的，对直接负责的主管人员和其他直接责任人员", "罚款", "10000", "20000"),
        ],
        "department": INDUSTRY,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZCF-003",
        "category": "penalty",
        "name": "对生产、经营、储存、使用危险物品未建立专门安全管理制度、未采取可靠的安全措施，对重大危险源未登记建档等行为的行政处罚",
        "legal_basis": _basis((AQSCF, "第一百零一条")),
        "discretion_benchmark": [
            _band("有第一百零一条所列一项情形，责令限期改正的", "责令限期改正，罚款", "10000", "50000"),
            _band("有第一百零一条所列两项以上情形的", "责令限期改正，罚款", "50000", "100000"),
            _band("逾期未改正的", "责令停产停业整顿，并处罚款", "100000", "200000"),
            _band("逾期未改正的，对直接负责的主管人员和其他直接责任人员", "罚款", "20000", "50000"),
        ],
        "department": HAZCHEM,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZCF-004",
        "category": "penalty",
        "name": "对生产经营单位未采取措施消除事故隐患的行政处罚",
        "legal_basis": _basis((AQSCF, "第一百零二条")),
        "discretion_benchmark": [
            _band("一般事故隐患，责令立即消除或者限期消除的", "罚款", "5000", "20000"),
            _band("重大事故隐患，责令立即消除或者限期消除的", "罚款", "20000", "50000"),
            _band("拒不执行的", "责令停产停业整顿"),
            _band("拒不执行的，对直接负责的主管人员和其他直接责任人员", "罚款", "50000", "100000"),
        ],
        "department": INDUSTRY,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZCF-005",
        "category": "penalty",
        "name": "对生产经营单位主要负责人在本单位发生生产安全事故时不立即组织抢救、擅离职守或者逃匿，以及对事故隐瞒不报、谎报或者迟报的行政处罚",
        "legal_basis": _basis((AQSCF, "第一百一十条")),
        "discretion_benchmark": [
            _band("迟报事故的", "处上一年年收入百分之六十至百分之七十的罚款"),
            _band("不立即组织抢救、擅离职守或者谎报事故的", "处上一年年收入百分之七十至百分之九十的罚款"),
            _band("逃匿或者瞒报事故的", "处上一年年收入百分之九十至百分之一百的罚款；对逃匿的移送公安机关"),
        ],
        "department": INDUSTRY,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZCF-006",
        "category": "penalty",
        "name": "对发生一般生产安全事故负有责任的生产经营单位的行政处罚",
        "legal_basis": _basis((AQSCF, "第一百一十四条第一款第一项")),
        "discretion_benchmark": [
            _band("发生一般事故，造成3人以下重伤或者直接经济损失300万元以下的", "罚款", "300000", "500000"),
            _band("发生一般事故，造成1人死亡的", "罚款", "500000", "700000"),
            _band("发生一般事故，造成2人死亡的", "罚款", "700000", "1000000"),
        ],
        "department": INDUSTRY,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZQZ-001",
        "category": "coercion",
        "name": "查封、扣押不符合保障安全生产的国家标准或者行业标准的设施、设备、器材以及违法生产、储存、使用、经营、运输的危险物品",
        "legal_basis": _basis((AQSCF, "第六十五条第一款第四项"), (XZQZ, "第二十五条")),
        "discretion_benchmark": [],
        "department": HAZCHEM,
        "time_limit_days": 30,
        "time_limit_kind": "calendar",
    },
    {
        "code": "XZQZ-002",
        "category": "coercion",
        "name": "对拒不执行停产停业、停止施工、停止使用相关设施或者设备决定，有发生生产安全事故现实危险的生产经营单位，通知有关单位停止供电、停止供应民用爆炸物品",
        "legal_basis": _basis((AQSCF, "第七十条")),
        "discretion_benchmark": [],
        "department": INDUSTRY,
        "time_limit_days": 3,
        "time_limit_kind": "working",
    },
    {
        "code": "XZJC-001",
        "category": "inspection",
        "name": "对生产经营单位执行有关安全生产的法律、法规和国家标准或者行业标准情况的监督检查",
        "legal_basis": _basis((AQSCF, "第六十五条")),
        "discretion_benchmark": [],
        "department": SQUAD1,
        "time_limit_days": 20,
        "time_limit_kind": "working",
    },
    {
        "code": "XZJC-002",
        "category": "inspection",
        "name": "对危险化学品经营单位安全生产条件的监督检查",
        "legal_basis": _basis((WHP, "第六条第一项"), (WHP, "第七条")),
        "discretion_benchmark": [],
        "department": HAZCHEM,
        "time_limit_days": 20,
        "time_limit_kind": "working",
    },
    {
        "code": "XZXK-001",
        "category": "licence",
        "name": "危险化学品经营许可（不带储存设施的其他危险化学品经营）",
        "legal_basis": _basis((WHP, "第三十三条"), (WHP, "第三十五条")),
        "discretion_benchmark": [],
        "department": HAZCHEM,
        "time_limit_days": 30,
        "time_limit_kind": "working",
        "service_guide": WHP_GUIDE,
    },
    {
        "code": "XZXK-002",
        "category": "licence",
        "name": "烟花爆竹经营（零售）许可",
        "legal_basis": _basis((YHBZ, "第十九条")),
        "discretion_benchmark": [],
        "department": HAZCHEM,
        "time_limit_days": 20,
        "time_limit_kind": "working",
        "service_guide": FIREWORKS_GUIDE,
    },
]

STZ_ITEMS: list[dict[str, Any]] = [
    {**ITEMS[0], "department": "执法监察科"},
    {**ITEMS[3], "department": "执法监察科"},
    {**ITEMS[8], "department": "执法监察科"},
]

INSPECTION_ITEMS: list[dict[str, Any]] = [
    {
        "code": "SJCC-001",
        "name": "危险化学品经营企业安全生产监督检查",
        "inspecting_body": "兴隆台区应急管理局（危险化学品安全监督管理科）",
        "basis": "《中华人民共和国安全生产法》第六十五条；《危险化学品安全管理条例》第六条、第七条",
        "target_type": "辖区内危险化学品经营企业（不带储存设施）",
        "content": "安全生产责任制落实情况、经营许可证及其有效期、安全管理制度和操作规程、从业人员培训、经营场所安全条件、应急预案及演练",
        "method": "双随机抽查，现场检查、查阅资料",
        "ratio_percent": "10",
        "frequency": "每年不少于1次",
    },
    {
        "code": "SJCC-002",
        "name": "工贸企业安全生产监督检查",
        "inspecting_body": "兴隆台区应急管理局（工贸行业安全监督管理科、执法监察中队）",
        "basis": "《中华人民共和国安全生产法》第六十五条",
        "target_type": "辖区内冶金、有色、建材、机械、轻工、纺织、烟草、商贸企业",
        "content": "安全生产管理机构和人员配备、教育培训、事故隐患排查治理、有限空间作业和粉尘防爆等重点环节安全管理",
        "method": "双随机抽查，现场检查",
        "ratio_percent": "5",
        "frequency": "每年1次",
    },
    {
        "code": "SJCC-003",
        "name": "烟花爆竹零售经营单位安全检查",
        "inspecting_body": "兴隆台区应急管理局（危险化学品安全监督管理科）",
        "basis": "《烟花爆竹安全管理条例》第四条、第十九条",
        "target_type": "辖区内烟花爆竹零售经营单位",
        "content": "经营许可证、专店专柜销售、储存限量、消防器材配备、安全警示标志",
        "method": "双随机抽查，现场检查",
        "ratio_percent": "20",
        "frequency": "每年春节前1次",
    },
]

CHANNELS: dict[str, dict[str, str]] = {
    XLT: {
        "name": "兴隆台区应急管理局行政执法监督举报",
        "address": "辽宁省盘锦市兴隆台区惠宾街道示例路1号 办公室（演示地址）",
        "postcode": "124010",
        "phone": "12345",
        "email": "jubao@xlt-yjj.example.org",
        "hours": "工作日 8:30—11:30，13:30—17:00",
        "procedure": (
            "1. 受理：办公室接到举报后当日登记，不属于本局职责的告知举报人向有权机关反映。2. 转办：2个工作日内转有关科室、"
            "单位调查核实。3. 办理：承办科室、单位15个工作日内查清事实，依法处理。4. 反馈：办结后5个工作日内将处理结果"
            "告知实名举报人。5. 监督：对办理结果不满意的，可以向兴隆台区司法局或者盘锦市应急管理局反映。"
        ),
    },
    STZ: {
        "name": "双台子区应急管理局行政执法监督举报",
        "address": "辽宁省盘锦市双台子区示例街2号（演示地址）",
        "postcode": "124000",
        "phone": "12345",
        "email": "jubao@stz-yjj.example.org",
        "hours": "工作日 8:30—17:00",
        "procedure": "登记受理—转办—调查处理—15个工作日内答复实名举报人。",
    },
}


# -- audio-video recording (音像记录事项清单; 执法记录仪) ---------------------------------------------------------------

AV_BASIS = "《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》（国办发〔2018〕118号）"
# (code, name, process key, step key, requirement, scope)
RECORDING_RULES: list[tuple[str, str, str, str, str, str]] = [
    (
        "YX-01",
        "危险化学品企业现场检查",
        "inspection",
        "inspect",
        "full_process",
        "进入现场至离开现场，出示执法证件、检查过程、告知事项",
    ),
    ("YX-02", "调查取证", "penalty-general", "investigate", "required", "现场勘验、抽样取证、询问当事人和证人"),
    ("YX-03", "听证", "penalty-general", "hearing", "full_process", "听证会开始至结束，含当事人陈述、申辩和质证"),
    ("YX-04", "直接送达", "penalty-general", "serve", "required", "当面送达文书；当事人拒绝签收的留置送达过程"),
    ("YX-05", "当场处罚", "penalty-summary", "decide", "required", "当场作出处罚决定、告知权利和交付决定书"),
    (
        "YX-06",
        "查封、扣押现场实施",
        "coercion-seizure",
        "implement",
        "full_process",
        "通知当事人到场、清点财物、制作现场笔录和清单",
    ),
    ("YX-07", "解除查封、扣押", "coercion-seizure", "release", "full_process", "解除现场和退还财物的清点、交接"),
    ("YX-08", "整改复查", "inspection", "reinspect", "required", "复查整改情况，查看隐患整改前后对比"),
]
# (name, kind, address, full process, cameras)
RECORDING_PLACES: list[tuple[str, str, str, bool, str]] = [
    (
        "一号询问室",
        "interview_room",
        "盘锦市兴隆台区泰山路1号办公楼三层301室",
        True,
        "高清摄像头2个（正面、侧面），拾音器1个",
    ),
    ("执法办案区", "case_area", "盘锦市兴隆台区泰山路1号办公楼三层东侧", True, "走廊和候问区摄像头4个，出入口1个"),
    ("听证室", "hearing_room", "盘锦市兴隆台区泰山路1号办公楼二层205室", True, "全景摄像头1个，发言席拾音器3个"),
    ("涉案财物保管室", "property_room", "盘锦市兴隆台区泰山路1号院内东侧库房", True, "库房内外摄像头各1个"),
]
# (asset number, model, serial, storage GB, history): history is what the office did with the device, in order:
# ("assign", officer name) / ("return", note) / ("repair", reason).
DEVICES: list[tuple[str, str, str, int, list[tuple[str, str]]]] = [
    ("XLT-JLY-001", "DSJ-V9", "V9A2024110301", 128, [("assign", "张明远")]),
    ("XLT-JLY-002", "DSJ-V9", "V9A2024110302", 128, [("assign", "李晓东")]),
    ("XLT-JLY-003", "DSJ-V9", "V9A2024110303", 128, [("assign", "梁爽"), ("return", "专项检查结束，数据已导入")]),
    ("XLT-JLY-004", "DSJ-A8", "A8B2022060118", 64, [("repair", "按键失灵，送厂家维修")]),
]


# -- demo cases (办案), run through the case services by ``sanxiang.demo.cases`` -----------------------------------------
# Parties are invented; their codes only pass the checksums. Each case is found again by its title (案由), so a
# second run leaves it alone.

CASE_PLACE_REGION = "211103"
REVIEW_BODY = "盘锦市兴隆台区人民政府"
COURT = "盘锦市兴隆台区人民法院"

PENALTY_PARTY: dict[str, str] = {
    "kind": "organisation",
    "name": "盘锦兴瑞化工销售有限公司（演示）",
    "uscc": "91211103MA0Y8K2D52",
    "legal_representative": "赵广平",
    "address": "盘锦市兴隆台区示例工业园区8号（演示地址）",
    "phone": "0427-2830001",
}
SEIZURE_PARTY: dict[str, str] = {
    "kind": "organisation",
    "name": "盘锦恒通燃气设备有限公司（演示）",
    "uscc": "91211103MA0Y3P7L4Q",
    "legal_representative": "钱立军",
    "address": "盘锦市兴隆台区示例路66号（演示地址）",
    "phone": "0427-2830002",
}
INSPECTION_PARTY: dict[str, str] = {
    "kind": "organisation",
    "name": "盘锦安泰危化品经营部（演示）",
    "uscc": "91211103MA0Y6R1N28",
    "legal_representative": "孙海涛",
    "address": "盘锦市兴隆台区示例大街120号（演示地址）",
    "phone": "0427-2830003",
}
LICENCE_PARTY: dict[str, str] = {
    "kind": "organisation",
    "name": "盘锦新程化工贸易有限公司（演示）",
    "uscc": "91211103MA0YBT9Q88",
    "legal_representative": "李新程",
    "address": "盘锦市兴隆台区示例街18号（演示地址）",
    "phone": "0427-2830004",
}

PENALTY_CASE: dict[str, Any] = {
    "process_key": "penalty-general",
    "item": "XZCF-001",
    "title": "盘锦兴瑞化工销售有限公司未按规定对从业人员进行安全生产教育和培训案（演示）",
    "place_address": PENALTY_PARTY["address"],
    "party": PENALTY_PARTY,
    "officers": ("officer1", "officer2"),
    "case_source": "日常监督检查发现",
    "facts": (
        "2026年执法检查中发现，该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排其上岗作业，"
        "违反了《中华人民共和国安全生产法》第二十八条第一款的规定。"
    ),
    "evidence": "现场检查记录、询问笔录、员工花名册、安全生产教育和培训档案、现场音像记录",
    "amount": "20000",
    "band": 1,
    "proposal": "拟处罚款人民币贰万元",
    "decision": "罚款人民币贰万元",
    "payment_bank": "中国工商银行盘锦兴隆台支行（演示）",
    "payment_account": "0712 0000 0000 0000 001（演示账号）",
}
SEIZURE_CASE: dict[str, Any] = {
    "process_key": "coercion-seizure",
    "item": "XZQZ-001",
    "title": "扣押盘锦恒通燃气设备有限公司不符合国家标准的液化石油气钢瓶（演示）",
    "place_address": SEIZURE_PARTY["address"],
    "party": SEIZURE_PARTY,
    "officers": ("officer1", "officer2"),
    "facts": (
        "该公司库房内存放的12只液化石油气钢瓶已超过检验有效期且无检验合格标志，不符合《气瓶安全技术规程》的要求，"
        "有根据认为不符合保障安全生产的国家标准或者行业标准。"
    ),
    "items": [
        {"name": "液化石油气钢瓶", "spec": "YSP35.5（50公斤）", "quantity": "8只", "note": "超期未检"},
        {"name": "液化石油气钢瓶", "spec": "YSP118（15公斤）", "quantity": "4只", "note": "无检验合格标志"},
    ],
    "measure": "扣押",
    "place": "兴隆台区应急管理局涉案财物保管室",
    "measure_period": "三十日",
}
INSPECTION_CASE: dict[str, Any] = {
    "process_key": "inspection",
    "item": "XZJC-002",
    "title": "盘锦安泰危化品经营部安全生产条件监督检查（演示）",
    "place_address": INSPECTION_PARTY["address"],
    "party": INSPECTION_PARTY,
    "officers": ("officer1", "officer2"),
    "inspection_site": "经营场所及其周边",
    "site_person": "孙海涛（负责人）",
    "findings": (
        "1. 经营场所未配备与经营规模相适应的灭火器材（仅有4公斤干粉灭火器1具，且已过期）；"
        "2. 危险化学品安全技术说明书不全；3. 从业人员安全培训记录缺失。"
    ),
    "facts": "经营场所灭火器材配备不足且已过期，危险化学品安全技术说明书不全，从业人员安全培训记录缺失。",
    "rectification_deadline": "自收到本指令书之日起十五日内",
}
LICENCE_CASE: dict[str, Any] = {
    "process_key": "licence",
    "item": "XZXK-001",
    "title": "盘锦新程化工贸易有限公司申请危险化学品经营许可（不带储存设施）（演示）",
    "place_address": LICENCE_PARTY["address"],
    "party": LICENCE_PARTY,
    # The two officers whose certificates include licences.
    "officers": ("officer1", "head"),
}
MAJOR_PARTY: dict[str, str] = {
    "kind": "organisation",
    "name": "盘锦德隆石化储运有限公司（演示）",
    "uscc": "91211103MA0YD6H3RK",
    "legal_representative": "周德隆",
    "address": "盘锦市兴隆台区示例石化产业园区21号（演示地址）",
    "phone": "0427-2830005",
}
# A major decision (重大执法决定): a fine of 80,000 yuan on a company, inside band 2 of XZCF-003 (50,000–100,000
# yuan), so major only by the catalogue's threshold (ZD-001: 50,000 yuan on an organisation). It waits at 案件审查
# with its review taken by the legal reviewer, the period running: what 杨帆 (legal) sees first after logging in.
MAJOR_CASE: dict[str, Any] = {
    "process_key": "penalty-general",
    "item": "XZCF-003",
    "title": "盘锦德隆石化储运有限公司未对重大危险源登记建档、未采取可靠安全措施案（演示）",
    "place_address": MAJOR_PARTY["address"],
    "party": MAJOR_PARTY,
    "officers": ("officer1", "officer2"),
    "case_source": "危险化学品企业专项执法检查发现",
    "facts": (
        "2026年危险化学品企业专项执法检查中发现，该公司储罐区（液化石油气储罐2座，总容积400立方米）构成三级重大危险源，"
        "未进行登记建档和定期检测、评估、监控；装卸作业区可燃气体检测报警装置已停用三个月未修复，未采取可靠的安全措施，"
        "违反了《中华人民共和国安全生产法》第三十九条第一款、第四十条第一款的规定。"
    ),
    "evidence": "现场检查记录、询问笔录、重大危险源辨识报告、储罐区设备台账、报警装置维修记录、现场音像记录",
    "amount": "80000",
    "band": 2,
    "proposal": "拟处罚款人民币捌万元，责令限期改正",
    "review_note": "拟对法人罚款捌万元，属于重大执法决定，送法制审核。",
    "preliminary_opinion": "事实清楚，证据材料齐全，适用裁量基准第二档，同意报科室负责人签署后送审。",
    "head_opinion": "同意送法规科法制审核。",
}
DEMO_CASES = (PENALTY_CASE, SEIZURE_CASE, INSPECTION_CASE, LICENCE_CASE, MAJOR_CASE)

# Legal reviewers (法制审核人员), registered as qualified by the bureau leader, each with one training record:
# (username, legal-profession certificate number (invented), appointed on, first time, training).
REVIEWERS: list[tuple[str, str, dt.date, bool, dict[str, Any]]] = [
    (
        "legal",
        "A20192101000123",
        dt.date(2024, 3, 1),
        True,
        {
            "held_on": dt.date(2025, 11, 20),
            "hours": "8",
            "topic": "重大执法决定法制审核制度和《中华人民共和国行政处罚法》适用专题培训（演示）",
            "organiser": "盘锦市司法局",
        },
    ),
]
REVIEWER_QUALIFIER = "leader"
