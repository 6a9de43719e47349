"""Redaction of decisions before publication (事后公开, issue 6): an automatic proposal that staff confirm.

``propose`` returns the spans to hide, each with its replacement and whether it is hidden by default; ``apply`` writes
the published text from the spans and the confirmer's choices. Pure Python, no database: the disclosure app stores the
proposal (``spans_to_json``) and the choices, and this module stays measurable on a corpus (``measure``; run
``python -m sanxiang.core.redaction --measure sanxiang/core/tests/data/redaction_corpus.json``).

What is hidden (docs/redaction.md says why and where it stops):

- names the case knows, replaced exactly wherever they occur, longest first (``known_name``);
- resident ID numbers whose check digit and birth date are valid, 18 characters, or 15 digits after an ID label
  (``id_number``); bank cards of 13–19 digits passing Luhn (``bank_card``); mainland mobile numbers and landlines with
  an area code (``phone``); home addresses of natural persons given by the case or written after a label such as
  住址 (``address``);
- other person names found by segmentation (jieba's ``nr`` tags) or after a person label (证人、负责人、电工 …):
  ``likely_name``, hidden by default, restorable by the confirmer.

What wins: the strings in ``keep`` (organisations, their codes and business addresses, officers, the agency, place
names) and the known names claim the text first, longest first; nothing inside a kept string is hidden. Every other
detector only takes text nobody claimed (an address is cut around the kept parts inside it, so "盘锦市兴隆台区" stays
when it is kept and the rest of the address goes).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import rjieba
from stdnum import luhn
from stdnum.cn import ric, uscc

CATEGORIES = ("known_name", "id_number", "bank_card", "phone", "address", "likely_name")
ROLES = ("party", "legal_representative", "witness", "other")

ID_REPLACEMENT = "[身份证号码已隐去]"
CARD_REPLACEMENT = "[银行卡号已隐去]"
PHONE_REPLACEMENT = "[电话号码已隐去]"
ADDRESS_REPLACEMENT = "[住址已隐去]"


@dataclass(frozen=True)
class KnownName:
    """A person the case knows by name: the party if a natural person, the legal representative, a witness, other."""

    name: str
    role: str  # "party" | "legal_representative" | "witness" | "other"


@dataclass(frozen=True)
class Span:
    """One proposed change: ``text[start:end]`` (== ``original``) becomes ``replacement`` when redacted."""

    start: int
    end: int
    category: str
    original: str
    replacement: str
    default: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            category=str(data["category"]),
            original=str(data["original"]),
            replacement=str(data["replacement"]),
            default=bool(data["default"]),
        )


def spans_to_json(spans: Iterable[Span]) -> list[dict[str, Any]]:
    return [span.as_dict() for span in spans]


def spans_from_json(data: Iterable[dict[str, Any]]) -> list[Span]:
    return [Span.from_dict(item) for item in data]


# --- names -------------------------------------------------------------------------------------------------------

# The common two-character surnames (复姓). A name starting with one of them keeps both characters: 欧阳明华 → 欧阳某某.
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "令狐",
    "夏侯",
    "轩辕",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "百里",
    "呼延",
    "澹台",
    "公冶",
    "太史",
    "申屠",
    "闻人",
    "赫连",
    "钟离",
    "宗政",
    "濮阳",
    "淳于",
    "拓跋",
    "左丘",
    "东郭",
    "第五",
    "万俟",
)

# Common single surnames: a likely name must start with one (or with a compound surname). jieba tags words such as
# 丽 or 红旗 ``nr``; the surname anchor drops most of them.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛"
    "樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗"
    "瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼满闻位厉伊仝郜阚权强帅屠豆朴盖练廉禹井祖漆巴丰支卿狄计索宣晋相初门云容敬扈晁芮普阙浦戈平"
    "伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜逯隆茹战慕危玉银亢嵇湛宾戎勾茅於揭干但尉斯元束檀衣展阴昝智幸奉植衡富尧"
    "贝邴笪鄂扶弓贡滑怀宦暨赖郦禄宓钮谯荀萧竺仰山秋"
)

# Words that are also common names (高明 "brilliant", 文静 "quiet", 方正 "upright", 金山 a place, 钟表 a clock …).
# Found alone they are words; found in a person context (after 证人、负责人、电工 …, or before 称、证实、签字 …) they
# are names.
COMMON_WORD_NAMES = frozenset(
    [
        "高明",
        "文静",
        "方正",
        "金山",
        "钟表",
        "武功",
        "雷雨",
        "常青",
        "白雪",
        "江海",
        "黄河",
        "林立",
        "杜鹃",
        "高升",
        "高峰",
        "高山",
        "高达",
        "向阳",
        "华锦",
        "红旗",
        "于洋",
        "白云",
        "平安",
        "安康",
        "和平",
        "宁静",
        "温和",
        "温暖",
        "明亮",
        "金华",
        "金鱼",
        "石油",
        "黄金",
        "方便",
        "贺喜",
        "钱财",
        "马路",
        "马上",
        "朱红",
        "江山",
        "田野",
        "海洋",
        "海燕",
        "龙门",
        "夏天",
        "秋实",
        "春雨",
        "于是",
        "高超",
        "成功",
        "严格",
        "任意",
        "常年",
        "安全",
        "文明",
        "连续",
        "毕业",
        "章程",
        "应急",
        "辛勤",
        "胜利",
        "万一",
        "关键",
    ]
)
# Place words of Panjin that jieba tags as names and that are never a person here.
NEVER_NAMES = frozenset(
    ["盘锦", "兴隆台", "双台子", "大洼", "盘山", "辽河", "辽宁", "辽东湾", "欢喜岭", "曙光", "兴隆", "渤海"]
)

# Characters common in given names. jieba's dictionary tags many ordinary words ``nr`` (陈述, 顾客, 许可证,
# 安全带 …); a dictionary word, or a name read after a label, counts only if every given-name character is one of
# these (陈述: 述 is not; 王建军: 建 and 军 are).
GIVEN_CHARS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉萍红志文辉鹏飞云海林波斌宇浩凯健俊帆帅旭宁琳颖琪晶婷雪梅"
    "欣怡佳慧莹倩雯瑶璐露茜蕾薇燕丹凤玲芬芝娥春秋冬夏晨阳光亮东南西北峰岩石山川江河湖泽淼鑫森楠桐松柏杨柳梓涵轩昊然博武"
    "彬彪豪峻骏腾龙虎鹤麟德仁义礼智信忠孝诚善良美贤淑惠捷聪睿哲思远宏力坚定安康泰福禄寿喜庆祥瑞吉利顺和正清荣耀煌新立成"
    "功胜达通广厚宽容修齐治邦家兴旺发富贵昌盛茂繁浪潮涌溪泉源冰霜雨雷电虹彩晴朗晖曦晓昕昭晗月星辰宸泓洪鸿弘彤青蓝绿翠碧"
    "珍珠宝琼瑛瑾瑜璇璋琦琛琨珊珂珑环佩金银铁钢铭锋锐钧铮镇长久永恒常竹菊莲荷芸苑萱蓉茵莉莎娅娇婉婵媛嫣妍姝娴婕妮琴棋书"
    "画诗词歌舞乐音韵振中卫向学爱民娣男招亚胜小晓一二三大少子之元天心仲伯叔季孟维继承传世纪宗培植树桦杉柯梧楷范章律兵"
    "士艺丰满盈余裕实怀谷友朋伴情意志愿望希冀盼期迎守护保周密严谨慎敬尊崇岭峦岳巍峨嵩岱屹嵘坤乾彦炎焱烨煜熠灿炳炜焕照熙"
    "鹃鹂莺鸽雁鹰凰鸾麒骐骥驹驰骋跃翔翱翩舒展扬昂宙洲淳渊深沉雅婧娉嫦姣姿妙好如悦愉欢笑颜双百千亿京仙桃杏梨樱枫槐榕棠蕊"
    "芙葵蔚芷若菲芊芮茹萌蒙蓓蕴蓬勤奋俭朴素纯洁贞烈毅贤能才英雄伦逸凡超群卓越冠帆舟航渡津涯际霖沛滨潇洒汐沁泠湘漪澜瀚浚"
    "涓淇淞滢澄瀛铎锡钰铠锦镕锴键钊钦鉴乔栋梁柱材卿郎君相侯公多宝根福满囤喜旺财生花令梦爽升可墨甜鸣设高畅"
)
# Not in a given name read from a label (人员三百 …); 一、二、三 are, as in 张三.
_NUMERALS = frozenset("零〇百万亿角分整")
# Never in a name: amounts in capitals (伍佰元, jieba's 伍佰 is a singer).
_AMOUNT_CHARS = frozenset("壹贰叁肆伍陆柒捌玖拾佰仟万亿")

# Characters that end a name: what follows a name in these texts (称、说、于、在、和 …).
_NAME_STOP = frozenset("称说于在和与及等向对被把将从到也都已未曾是系的了因并即经所之其为由自各另不均亦又再就便仍还")
# A candidate followed by one of these is a place or an organisation, not a person: 高升镇, 金山区, 华锦集团.
_PLACE_SUFFIX = re.compile(
    r"(?:镇|乡|村|屯|街|路|道|巷|区|县|市|省|旗|港|桥|湾|河|江|湖|岭|山|园|楼|号|里|站|厂|店|场|库|所|局|院|校|馆|"
    r"集团|公司|化工|石化|商贸|物流|有限|中心|广场|花园|大厦|小区|社区|油田|牌|型|式|科|队|组织)"
)
# Person labels: the name after them is a person's (证人高明, 电工孙立新, 现场负责人：文静). Besides this list, any
# title ending in 员、工、长、人、师 (押运员, 学徒工, 段长, 监火人, 厨师) is a label for names that are not also words.
_LABELS = (
    "当事人|法定代表人|负责人|实际控制人|联系人|经办人|证人|见证人|代理人|监护人|被询问人|被检查人|受害人|伤者|死者|户主|"
    "业主|店主|车主|老板|经理|主任|总监|董事|监事|股东|会计|出纳|学徒|雇员|雇工|租户|房东|邻居|妻子|丈夫|之子|之女|儿子|女儿|"
    "侄子|父亲|母亲|同事|同学|朋友|亲属|工友|顾客|群众|村民|居民|姓名|司机|驾驶员|押运员|安全员|管理员|保管员|库管员|调度员|"
    "质检员|操作员|操作工|电工|焊工|电焊工|维修工|学徒工|信号工|充装工|装卸工|搬运工|叉车工|店员|店长|服务员|护理员|值班员|"
    "收银员|门卫|保安|厨师|监火人|班长|组长|队长|站长|厂长|矿长|段长|工人|员工|职工"
)
_LABEL_WORD = re.compile(_LABELS)
_LABEL_AT_END = re.compile(rf"(?:{_LABELS})[：:]?[ \u3000]?$")
_PERSON_LABEL_ANYWHERE = re.compile(rf"(?:{_LABELS}|[员工长人师])[：:]?[ \u3000]?")
_PERSON_LABEL_AT_END = re.compile(rf"(?:{_LABELS}|[员工长人师])[：:]?[ \u3000]?$")
# What may follow a name and makes it a person (称、证实、签字、同志 …, or "，男，").
_PERSON_CUE = re.compile(
    r"(?:称|说|证实|证明|表示|陈述|供述|承认|反映|介绍|签字|签名|捺印|确认|同志|先生|女士|师傅|在场|到场|本人|"
    r"[，,（(][男女][，,）)]|[，,（(]\d{1,3}岁|[，,（(]系)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _surname_of(name: str) -> str:
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(name: str) -> str:
    """The surname and one 某 per remaining character: 张三 → 张某, 王小明 → 王某某, 欧阳明华 → 欧阳某某.

    A name starting with a compound surname (``COMPOUND_SURNAMES``) keeps both characters when it is longer than two
    characters (欧阳修 → 欧阳某; a two-character 司马 is read as 司 + 马 → 司某). Separators in transliterated names
    stay (阿依古丽·买买提 → 阿某某某·某某某); spaces are dropped from the ends.
    """
    name = name.strip()
    if not name:
        return ""
    surname = _surname_of(name)
    rest = "".join(char if char in "·• -" else "某" for char in name[len(surname) :])
    return surname + (rest or "某")


# --- helpers over the text ---------------------------------------------------------------------------------------


def _occurrences(text: str, needle: str) -> Iterable[int]:
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


class _Claims:
    """Who owns each character of the text: nobody yet, a kept string, or a redacted span."""

    def __init__(self, length: int) -> None:
        self.owner: list[int] = [0] * length  # 0 free, 1 kept, 2 redacted

    def free(self, start: int, end: int) -> bool:
        return not any(self.owner[start:end])

    def take(self, start: int, end: int, value: int) -> None:
        for index in range(start, end):
            self.owner[index] = value

    def free_pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        pieces: list[tuple[int, int]] = []
        piece_start: int | None = None
        for index in range(start, end):
            if self.owner[index] == 0:
                if piece_start is None:
                    piece_start = index
            elif piece_start is not None:
                pieces.append((piece_start, index))
                piece_start = None
        if piece_start is not None:
            pieces.append((piece_start, end))
        return pieces


# --- ID numbers, bank cards, phones ------------------------------------------------------------------------------

_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_ID_LABEL = re.compile(r"(?:身份证|身份号码|证件号|公民身份)[^\n。；]{0,12}$")
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
# Contiguous digits, or digits in groups of 4 with one kind of separator (6222 0212 3456 7890 123).
_CARD = re.compile(r"(?<![\dA-Za-z])(?:\d{13,19}|\d{4}(?:([ \-])\d{4}){2,3}(?:\1\d{1,4})?)(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(
    r"(?<![\d\-])(?:[（(]0(?:10|2\d|[3-9]\d{2})[）)][ \-]?|0(?:10|2\d|[3-9]\d{2})[ \-－—])"
    r"[2-9]\d{6,7}(?:(?:转|分机|[\-－—]|ext\.?|x)\d{1,6})?(?!\d)"
)
_LOCAL_PHONE = re.compile(
    r"(?:电话|座机|手机|联系方式|联系电话|电话号码)(?:号码)?[：:为是]?[ \u3000]?([2-9]\d{6,7})(?!\d)",
)


def id_birth_date(number: str) -> dt.date | None:
    """The birth date a resident ID number carries (18 characters or 15 digits), or None if it is not a date."""
    digits = number.strip().upper()
    try:
        if len(digits) == 18:
            return dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        if len(digits) == 15:
            return dt.date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return None
    return None


def is_resident_id(number: str, *, today: dt.date | None = None) -> bool:
    """An 18-character resident ID number whose check digit (GB 11643, stdnum) and birth date are valid.

    The place code is not checked (DESIGN.md: real IDs of people born before a county was renamed carry the new code).
    """
    number = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    birth = id_birth_date(number)
    if birth is None or birth.year < 1900 or birth > (today or dt.date.today()):
        return False
    return ric.calc_check_digit(number) == number[-1]


def is_bank_card(digits: str) -> bool:
    """13–19 digits passing Luhn, starting as payment cards do (3, 4, 5, 6 or 9: 62… UnionPay, 95… passbooks)."""
    return 13 <= len(digits) <= 19 and digits[0] in "34569" and luhn.is_valid(digits)


def is_minor(birth_date: dt.date, on: dt.date) -> bool:
    """Under 18 on ``on`` (the date of the violation): such a party's decision is never published."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return age < 18


def _ids(text: str) -> Iterable[tuple[int, int]]:
    for match in _ID18.finditer(text):
        if is_resident_id(match.group()):
            yield match.span()
    for match in _ID15.finditer(text):
        number = match.group()
        birth = id_birth_date(number)
        if birth and number[:2] in _PROVINCES and _ID_LABEL.search(text[max(0, match.start() - 16) : match.start()]):
            yield match.span()


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not is_bank_card(digits) or is_resident_id(digits):
            continue
        if len(digits) == 18 and uscc.is_valid(digits):
            continue
        yield match.span()


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for match in _MOBILE.finditer(text):
        yield match.span()
    for match in _LANDLINE.finditer(text):
        yield match.span()
    for match in _LOCAL_PHONE.finditer(text):
        yield match.span(1)


# --- addresses ---------------------------------------------------------------------------------------------------

_ADDRESS_LABEL = re.compile(
    r"(?:家庭住址|家庭地址|现住址|现住所|现居住地|现居住|现住|家住|居住地址|居住地|户籍地址|户籍所在地|户籍地|户口所在地|身份证住址|"
    r"住址|住所地|住所|送达地址|联系地址|通讯地址|通信地址|地址)[：:]?[ \u3000]?"
    r"|(?:(?<=[，,、；;（(])|^)(?:家住|现住|住)(?=[\u4e00-\u9fff])"
)
# An address label after one of these belongs to an organisation or a place (经营地址, 单位住所, 检查地址).
_ORG_LABEL_PREFIX = re.compile(
    r"(?:经营|注册|单位|公司|企业|生产|办公|仓储|营业|执照|检查|场所|实施|工厂|厂区|门店|机关|本机关|项目|仓库|储存|存放|复议|法院)$"
)
_ADDRESS_END = re.compile(r"[，,。；;\n\r（(：:、）)]|联系|电话|手机|身份|邮编|$")
_ADDRESS_WORD = re.compile(r"省|市|区|县|旗|镇|乡|村|屯|街|路|道|巷|胡同|小区|号|楼|单元|室|组|社区|公寓|宿舍")


def _labelled_addresses(text: str) -> Iterable[tuple[int, int]]:
    for match in _ADDRESS_LABEL.finditer(text):
        if _ORG_LABEL_PREFIX.search(text[max(0, match.start() - 4) : match.start()]):
            continue
        start = match.end()
        end_match = _ADDRESS_END.search(text, start, min(len(text), start + 60))
        end = end_match.start() if end_match else min(len(text), start + 60)
        value = text[start:end].rstrip()
        if len(value) >= 4 and _ADDRESS_WORD.search(value):
            yield start, start + len(value)


# --- likely names ------------------------------------------------------------------------------------------------


@dataclass
class _Tokens:
    words: list[tuple[str, str]]
    starts: list[int]
    at: dict[int, int]  # text offset → token index


def _tokens(text: str) -> _Tokens:
    words = [(word, tag) for word, tag in rjieba.tag(text)]
    starts: list[int] = []
    offset = 0
    for word, _ in words:
        starts.append(offset)
        offset += len(word)
    if offset != len(text):  # never seen; segmentation must cover the text exactly or offsets would be wrong
        return _Tokens([], [], {})
    return _Tokens(words, starts, {start: index for index, start in enumerate(starts)})


def _name_char(char: str) -> bool:
    return bool(_HAN.match(char)) and char not in _NAME_STOP and char != "某"


def _given_name_length(text: str, first: int, tokens: _Tokens) -> int:
    """How many characters of given name follow a surname ending at ``first`` (0, 1 or 2), read from the characters
    and the segmentation: a stop character (称、于、在 …) or a dictionary word starting after the first character ends
    the name (王伟无证 → 王伟); a word starting at the first character and running past the second is no name
    (向当事人)."""
    if first >= len(text) or not _name_char(text[first]):
        return 0
    index = tokens.at.get(first)
    if index is not None and len(tokens.words[index][0]) > 2:
        return 0
    second = first + 1
    if second >= len(text) or not _name_char(text[second]):
        return 1
    index = tokens.at.get(second)
    if index is not None:
        word = tokens.words[index][0]
        if len(word) >= 2 and rjieba.has_word(word):
            return 1
    return 2


_COMPOUND = frozenset(COMPOUND_SURNAMES)


def _surname_at(text: str, position: int) -> str:
    if text[position : position + 2] in _COMPOUND:
        return text[position : position + 2]
    return text[position] if text[position] in SURNAMES else ""


def _labelled(text: str, start: int, *, strict: bool = False) -> bool:
    """After a person label; ``strict``: one of the listed labels, not just a title ending in 员、工 …"""
    pattern = _LABEL_AT_END if strict else _PERSON_LABEL_AT_END
    return bool(pattern.search(text, max(0, start - 8), start))


def _accept(text: str, start: int, end: int, *, source: str) -> bool:
    """Whether ``text[start:end]`` is a likely person name; ``source`` says how it was found: ``jieba`` (an ``nr``
    token as segmented), ``extension`` (a surname token and the characters after it), ``label`` (after a person
    label), ``list`` (after a found name and 、和及与)."""
    name = text[start:end]
    surname = _surname_at(text, start)
    given = name[len(surname) :]
    if not surname or not given or not all(_name_char(c) for c in given) or name in NEVER_NAMES:
        return False
    if len(given) > (2 if len(surname) == 1 else 3) or _PLACE_SUFFIX.match(text, end):
        return False
    if any(c in _AMOUNT_CHARS for c in given) or text.startswith("元", end):
        return False
    cue = bool(_PERSON_CUE.match(text, end))
    if name in COMMON_WORD_NAMES:  # a word unless a listed label or a cue says person (作业人员安全技术 stays)
        return cue or _labelled(text, start, strict=True)
    plausible = all(c in GIVEN_CHARS for c in given)
    if not plausible and cue and (source in ("label", "list") or _labelled(text, start)):
        plausible = any(c in GIVEN_CHARS for c in given)  # a label and a cue: 负责人魏长征称
    if _LABEL_WORD.fullmatch(name):  # 班长 in "慕容雪和班长东方红" is a title
        return False
    if rjieba.has_word(name):  # a dictionary word: only after a label, in a list or before a cue (陈述 stays)
        return plausible and (cue or source in ("label", "list") or _labelled(text, start))
    if source == "jieba":  # jieba's own name, not a word: one ordinary given-name character is enough (封样 is not)
        return any(c in GIVEN_CHARS for c in given)
    return plausible and not any(c in _NUMERALS for c in given)


def _trim(text: str, start: int, end: int, surname: str) -> int:
    while end - start > len(surname) + 1 and text[end - 1] in _NAME_STOP:  # 张三于 → 张三, 马丽称 → 马丽
        end -= 1
    return end


def _one_more(text: str, start: int, end: int, surname: str, tokens: _Tokens) -> int:
    """jieba cuts 吕梓萱 into 吕梓 + 萱 and 欧阳明华 into 欧阳明 + 华: take the next character when it is a one-character
    token that is common in given names and the name ends after it (or, after a compound surname, when what follows
    is no dictionary word: 欧阳明 + 华称)."""
    following = tokens.at.get(end)
    if following is None or not _name_char(text[end]) or end - start - len(surname) >= (2 if len(surname) == 1 else 3):
        return end
    after = tokens.words[following][0]
    if len(surname) == 2 and end - start == 3 and (len(after) == 1 or not rjieba.has_word(after)):
        return end + 1
    if len(after) == 1 and text[end] in GIVEN_CHARS and end - start - len(surname) == 1:
        nxt = end + 1
        if nxt >= len(text) or not _name_char(text[nxt]) or _PERSON_CUE.match(text, nxt):
            return end + 1
    return end


def _likely_names(text: str, tokens: _Tokens) -> list[tuple[int, int]]:
    words, starts = tokens.words, tokens.starts
    found: set[tuple[int, int]] = set()
    for index, (word, tag) in enumerate(words):  # jieba's person names, boundaries repaired
        if not tag.startswith("nr"):
            continue
        start = starts[index]
        if index and 1 <= len(word) <= 2 and all(c in GIVEN_CHARS for c in word):
            before = words[index - 1][0]  # 司徒 + 永辉: the surname is the token before
            if before in _COMPOUND or (len(before) == 1 and before in SURNAMES):
                end = start + len(word)
                if _accept(text, start - len(before), end, source="extension"):
                    found.add((start - len(before), end))
                    continue
        surname = _surname_at(text, start)
        if not surname:
            continue
        if len(word) <= len(surname):  # the surname alone (赵, 诸葛): the given name follows
            end = start + len(surname) + _given_name_length(text, start + len(surname), tokens)
            source = "extension"
        else:
            end = _trim(text, start, start + len(word), surname)
            source = "jieba"
            if end == start + len(word) and end < len(text):
                end = _one_more(text, start, end, surname, tokens)
        if _accept(text, start, end, source=source):
            found.add((start, end))
    after_labels = sorted({m.end() for m in _PERSON_LABEL_ANYWHERE.finditer(text) if m.end() < len(text)})
    for position in after_labels:  # names after a person label: 电工孙立新, 工友平安、 (jieba may glue 员于)
        surname = _surname_at(text, position)
        if not surname or not _labelled(text, position):
            continue
        at = tokens.at.get(position)
        if at is None:  # inside a token: jieba glued the label to the surname (员于, 工人马), or a word (工程中)
            inside = words[bisect.bisect_right(starts, position) - 1][0]
            if rjieba.has_word(inside) and not _labelled(text, position, strict=True):
                continue
        word, tag = words[at] if at is not None else ("", "")
        if tag.startswith("nr") and len(word) > len(surname) and not rjieba.has_word(word):
            end = _trim(text, position, position + len(word), surname)
            end = _one_more(text, position, end, surname, tokens) if end == position + len(word) else end
        else:
            end = position + len(surname) + _given_name_length(text, position + len(surname), tokens)
        if _accept(text, position, end, source="label"):
            found.add((position, end))
    # Names in a list (欧阳娜娜、慕容雪和东方红): what follows a found name and 、和及与 is read like a labelled name.
    queue = sorted(found)
    while queue:
        _, end = queue.pop()
        position = end + 1
        if end >= len(text) or text[end] not in "、和及与" or position >= len(text):
            continue
        surname = _surname_at(text, position)
        if not surname or tokens.at.get(position) is None:
            continue
        stop = position + len(surname) + _given_name_length(text, position + len(surname), tokens)
        if (position, stop) not in found and _accept(text, position, stop, source="list"):
            found.add((position, stop))
            queue.append((position, stop))
    # A name found once stands for the same person wherever it recurs (王建军称 … 王建军系临时顶岗), except the
    # names that are also words.
    for start, end in list(found):
        name = text[start:end]
        if name in COMMON_WORD_NAMES:
            continue
        for other in _occurrences(text, name):
            if not _PLACE_SUFFIX.match(text, other + len(name)):
                found.add((other, other + len(name)))
    return sorted(found, key=lambda r: (r[0], -r[1]))


# --- the proposal ------------------------------------------------------------------------------------------------

_KEPT, _REDACTED = 1, 2


def propose(
    text: str,
    *,
    known_names: Sequence[KnownName] = (),
    keep: Sequence[str] = (),
    person_addresses: Sequence[str] = (),
) -> list[Span]:
    """The automatic proposal for ``text``: spans sorted by position, never overlapping."""
    claims = _Claims(len(text))
    spans: list[Span] = []

    def add(start: int, end: int, category: str, replacement: str, *, default: bool = True) -> None:
        claims.take(start, end, _REDACTED)
        spans.append(Span(start, end, category, text[start:end], replacement, default))

    # 1. Kept strings and known names claim first, longest first (a kept 张三五金店 protects 张三 inside it; a known
    #    name 高明华 is hidden even if 高明 is kept). Names under two characters would hide every such character.
    wanted: list[tuple[int, int, str]] = [(len(s), _KEPT, s) for s in {k.strip() for k in keep} if s]
    names = {k.name.strip() for k in known_names}
    wanted += [(len(n), _REDACTED, n) for n in names if len(n) >= 2]
    wanted.sort(key=lambda item: (-item[0], item[1]))  # keep before a known name of the same length
    for length, kind, needle in wanted:
        for start in _occurrences(text, needle):
            if claims.free(start, start + length):
                if kind == _KEPT:
                    claims.take(start, start + length, _KEPT)
                else:
                    add(start, start + length, "known_name", mask_name(needle))

    # 2. Numbers: ID numbers, then bank cards, then phones.
    for finder, category, replacement in (
        (_ids, "id_number", ID_REPLACEMENT),
        (_cards, "bank_card", CARD_REPLACEMENT),
        (_phones, "phone", PHONE_REPLACEMENT),
    ):
        for start, end in sorted(finder(text)):
            if claims.free(start, end):
                add(start, end, category, replacement)

    # 3. Home addresses: the ones the case knows exactly, then those after a label; kept parts inside stay.
    regions = [(s, s + len(a)) for a in {a.strip() for a in person_addresses} if a for s in _occurrences(text, a)]
    regions += list(_labelled_addresses(text))
    for start, end in sorted(regions, key=lambda r: (r[0], -r[1])):
        for piece_start, piece_end in claims.free_pieces(start, end):
            piece = text[piece_start:piece_end]
            if re.search(r"[\u4e00-\u9fff0-9A-Za-z]", piece) and (piece_end - piece_start >= 2 or piece.isdigit()):
                add(piece_start, piece_end, "address", ADDRESS_REPLACEMENT)

    # 4. Remaining likely person names: hidden by default, restorable.
    tokens = _tokens(text)
    for start, end in _likely_names(text, tokens):
        if claims.free(start, end):
            add(start, end, "likely_name", mask_name(text[start:end]))

    spans.sort(key=lambda s: s.start)
    return spans


def warm_up() -> None:
    """Load jieba's dictionary (about 0.1 s, done lazily by the first segmentation of real text)."""
    propose("证人王建军称，当事人张三于2026年3月5日在现场。")


def apply(text: str, spans: Sequence[Span], *, redact: Callable[[int, Span], bool] | None = None) -> str:
    """The text with each span replaced when ``redact(index, span)`` says so (``None``: each span's default).

    ``index`` is the span's position in ``spans`` as given (the proposal's numbering, which the confirmer's choices
    use). Raises ``ValueError`` when spans overlap, fall outside the text or no longer match it (a stale proposal).
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    parts: list[str] = []
    position = 0
    for index in order:
        span = spans[index]
        if span.start < position or span.end > len(text) or span.start > span.end:
            raise ValueError(f"建议第{index}项的位置无效或与其他项重叠。")
        if text[span.start : span.end] != span.original:
            raise ValueError(f"建议第{index}项与原文不符，请重新生成处理建议。")
        hidden = span.default if redact is None else redact(index, span)
        parts.append(text[position : span.start])
        parts.append(span.replacement if hidden else span.original)
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


# --- measurement -------------------------------------------------------------------------------------------------


def _covered(mask: list[bool], start: int, end: int) -> bool:
    return all(mask[start:end])


def measure(corpus: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recall and keep rates of the automatic proposal (defaults only) on a gold corpus (format: docs/redaction.md).

    A hide entry counts as hidden when every character of every occurrence (outside a must-keep string) lies in a span
    redacted by default and the text no longer appears in the output; a must-keep entry counts as kept when no
    redacted span touches any of its occurrences and it survives in the output.
    """
    hide_total: dict[str, int] = {}
    hide_found: dict[str, int] = {}
    misses: list[dict[str, str]] = []
    keep_total = keep_found = 0
    broken: list[dict[str, str]] = []
    extra: list[dict[str, str]] = []
    span_count = 0
    minors = 0
    slowest = 0.0
    warm_up()
    for item in corpus:
        text = item["text"]
        started = time.perf_counter()
        spans = propose(
            text,
            known_names=[KnownName(k["name"], k["role"]) for k in item.get("known_names", [])],
            keep=item.get("keep", []),
            person_addresses=item.get("person_addresses", []),
        )
        slowest = max(slowest, time.perf_counter() - started)
        output = apply(text, spans)
        span_count += len(spans)
        mask = [False] * len(text)
        for span in spans:
            if span.default:
                for i in range(span.start, span.end):
                    mask[i] = True
        keep_zones = [(s, s + len(k)) for k in item.get("must_keep", []) for s in _occurrences(text, k)]
        for entry in item.get("hide", []):
            category = entry["category"]
            hide_total[category] = hide_total.get(category, 0) + 1
            needle = entry["text"]
            places = [
                s for s in _occurrences(text, needle) if not any(a <= s and s + len(needle) <= b for a, b in keep_zones)
            ]
            if places and all(_covered(mask, s, s + len(needle)) for s in places):
                hide_found[category] = hide_found.get(category, 0) + 1
            else:
                misses.append({"id": item["id"], "text": needle, "category": category})
        golds = [(s, s + len(e["text"])) for e in item.get("hide", []) for s in _occurrences(text, e["text"])]
        for needle in item.get("must_keep", []):
            keep_total += 1
            places = [
                s for s in _occurrences(text, needle) if not any(a <= s and s + len(needle) <= b for a, b in golds)
            ]
            if places and not any(any(mask[s : s + len(needle)]) for s in places) and needle in output:
                keep_found += 1
            else:
                broken.append({"id": item["id"], "text": needle})
        for span in spans:
            if span.default and not any(a < span.end and span.start < b for a, b in golds):
                extra.append({"id": item["id"], "text": span.original, "category": span.category})
        birth = item.get("party_birth_date")
        if birth and is_minor(dt.date.fromisoformat(birth), dt.date.fromisoformat(item["violation_on"])):
            minors += 1

    def ratio(found: int, total: int) -> float:
        return round(found / total, 4) if total else 1.0

    strict = ("known_name", "id_number", "bank_card")
    return {
        "documents": len(corpus),
        "minors": minors,
        "spans": span_count,
        "recall": {c: ratio(hide_found.get(c, 0), hide_total.get(c, 0)) for c in CATEGORIES if c in hide_total},
        "hide_entries": {c: hide_total[c] for c in CATEGORIES if c in hide_total},
        "recall_strict": ratio(sum(hide_found.get(c, 0) for c in strict), sum(hide_total.get(c, 0) for c in strict)),
        "recall_all": ratio(sum(hide_found.values()), sum(hide_total.values())),
        "kept": ratio(keep_found, keep_total),
        "keep_entries": keep_total,
        "false_hides": len(extra),
        "misses": misses,
        "broken_keeps": broken,
        "extra_spans": extra,
        "slowest_document_ms": round(slowest * 1000, 2),
    }


def load_corpus(path: str | Path) -> list[dict[str, Any]]:
    return list(json.loads(Path(path).read_text(encoding="utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sanxiang.core.redaction", description="脱敏规则的语料测量")
    parser.add_argument("--measure", metavar="CORPUS", required=True, help="语料文件（JSON）")
    args = parser.parse_args(argv)
    result = measure(load_corpus(args.measure))
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
