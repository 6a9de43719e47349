"""The implementation plan's own tasks as data (issue 8, rollout tracker): a parser of the plan's text.

``data/implementation-plan-2019.txt`` is 兴隆台区应急管理局's 《全面推行行政执法三项制度实施方案》 of 28 June 2019, kept
in the repository as published. ``plan_tasks()`` reads it into one ``TaskSpec`` for every numbered item of sections
二（任务措施）, 三（工作步骤） and 四（组织保障） whose text names a responsible unit — ``（责任单位：…）``. Items without
one (headings such as ``4.规范事中公示``, ``二(三)2(1)``, ``三(四)``) are not tasks of their own.

References (``ref``) follow the plan's numbering with ASCII parentheses throughout, whatever the plan's own mix of
full-width and ASCII: ``二(一)1``, ``二(一)3(2)``, ``三(三)2``, ``四(三)``. A sub-item ``(n)`` is always under the last
numbered item ``n.``; an unnumbered paragraph belongs to the item above it (三(一)'s text is its heading and the
paragraph below).

Units: the text inside ``（责任单位：…）`` is split on ``、``, ``，`` and ``,`` outside parentheses. A parenthesised note
stays with its unit (二(一)3(6): 执法科室 for the penalty flowchart, 法规科 for the coercion and inspection ones). The
description ``各具有行政处罚、行政强制、行政检查等职能的科室、单位`` contains the separator itself and is kept whole.
``同上文`` (三(二): lists and rules are made "by the units named above") is resolved to the units of the section-二 items
that make a rule or a list (``RULE_REFS``), in plan order, without their notes.

Phases and due dates (the plan's section 三):

====================  ==========================  ==========
工作步骤               items                        完成时限
====================  ==========================  ==========
三(一) 安排部署阶段      三(一); 四(一)                2019-06-30
三(二) 制修订相关制度阶段  三(二); 二 items of RULE_REFS  2019-07-31
三(三) 全面实施阶段      三(三)1–3; the other 二 items;  2019-09-30
                       四(二); 四(三) (due 2019-08-31)
三(四) 持续推动阶段      (no item names a unit)       2020-12-31
====================  ==========================  ==========

* Section 二 says what is to be done, section 三 when: lists, rules and flowcharts are made or revised in the
  制修订相关制度阶段 (三(二) names them: "对各项制度、清单、流程图、服务指南等文件进行制定或修订"), everything the
  departments do in their daily enforcement is the 全面实施阶段. ``RULE_REFS`` is the explicit list of the former.
* 四(一) (the leading group) is set up when the work is deployed; 四(二) (coordination) runs through implementation.
* 四(三) asks for the names of the responsible staff and the preliminary reviewers "于8月底前" (``STAFF_LIST_DUE``):
  its due date is 31 August 2019; the weekly reports to the legal section start "自9月起" (``WEEKLY_REPORTS_FROM``,
  the first Monday of September 2019).
* 三(四) "2019年以后" has no fixed date; ``SUSTAIN_DUE`` (2020-12-31, the end of the first year of 从2020年开始) is
  used for anything placed in it. No item of the 2019 plan is: 三(四) names no unit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PLAN_PATH = Path(__file__).resolve().parent / "data" / "implementation-plan-2019.txt"

DEPLOY, REVISE, IMPLEMENT, SUSTAIN = "deploy", "revise", "implement", "sustain"  # oversight.models.RolloutPhase
PHASE_DUE = {
    DEPLOY: dt.date(2019, 6, 30),
    REVISE: dt.date(2019, 7, 31),
    IMPLEMENT: dt.date(2019, 9, 30),
    SUSTAIN: dt.date(2020, 12, 31),  # 2019年以后: no date in the plan
}
SUSTAIN_DUE = PHASE_DUE[SUSTAIN]
STAFF_LIST_DUE = dt.date(2019, 8, 31)  # 四(三) "人员名单连同法制初审员名单于8月底前报至法规科"
WEEKLY_REPORTS_FROM = dt.date(2019, 9, 2)  # 四(三) "自9月起，每周向法规科报送": the first Monday of September

# Section-二 items that make a rule, a list or a flowchart (or publish one): 制修订相关制度阶段.
RULE_REFS = frozenset(
    {
        "二(一)1",
        "二(一)2",
        "二(一)3",
        "二(一)3(1)",
        "二(一)3(2)",
        "二(一)3(3)",
        "二(一)3(4)",
        "二(一)3(5)",
        "二(一)3(6)",
        "二(一)3(7)",
        "二(一)3(8)",
        "二(二)1",
        "二(二)3(1)",
        "二(二)3(2)",
        "二(三)1",
        "二(三)2(2)",
        "二(三)2(3)",
        "二(三)3(1)",
        "二(三)3(2)",
        "二(三)4",
        "二(三)5",
    }
)
# Phases of sections 三 and 四 (by ref prefix).
SECTION_PHASES = {"三(一)": DEPLOY, "三(二)": REVISE, "三(三)": IMPLEMENT, "三(四)": SUSTAIN}
ORGANISATION_PHASES = {"四(一)": DEPLOY, "四(二)": IMPLEMENT, "四(三)": IMPLEMENT}
DUE_OVERRIDES = {"四(三)": STAFF_LIST_DUE}
# Lead phrases that are not a title by themselves.
TITLE_OVERRIDES = {
    "二(一)5(1)": "公示行政执法决定及履行情况",
    "二(三)2(2)": "建立法制审核人员定期培训制度",
    "二(三)3(1)": "编制重大执法决定法制审核目录清单",
    "二(二)3(1)": "编制音像记录事项清单",
    "二(二)3(2)": "确定音像记录设备配备标准",
    "二(二)3(3)": "规范开展音像记录",
    "二(三)3(2)": "建立科室、单位初审制度",
    "三(三)1": "规范实施",
}

SAME_AS_ABOVE = "同上文"
UNIT_MARK = "（责任单位："
SEPARATORS = "、，,"
OPEN, CLOSE = "（(", "）)"

_SECTION = re.compile(r"^([一二三四五六七八九十])、(.*)$")
_SUBSECTION = re.compile(r"^[（(]([一二三四五六七八九十])[）)](.*)$")
_ITEM = re.compile(r"^(\d+)\s*[.．、](.*)$")
_SUBITEM = re.compile(r"^[（(](\d+)[）)](.*)$")


@dataclass(frozen=True)
class Unit:
    """A responsible unit as the plan names it, with its parenthesised note (what it answers for), if any."""

    name: str
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}（{self.note}）" if self.note else self.name


@dataclass(frozen=True)
class TaskSpec:
    ref: str
    section: str  # the section's title, e.g. "二、任务措施 （一）行政执法公示制度"
    title: str
    text: str
    units: tuple[Unit, ...]
    phase: str
    due_on: dt.date

    @property
    def unit_labels(self) -> list[str]:
        return [unit.label for unit in self.units]


@dataclass
class _Item:
    ref: str
    section: str
    lead: str
    lines: list[str]


def plan_text() -> str:
    return PLAN_PATH.read_text(encoding="utf-8")


def _close(text: str, start: int) -> int:
    """The index just after the parenthesis that closes the one opened at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] in OPEN:
            depth += 1
        elif text[index] in CLOSE:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def unit_annotations(text: str) -> list[str]:
    """The contents of every ``（责任单位：…）`` of ``text``, nested parentheses included."""
    found = []
    start = text.find(UNIT_MARK)
    while start >= 0:
        end = _close(text, start)
        found.append(text[start + len(UNIT_MARK) : end - 1].strip())
        start = text.find(UNIT_MARK, end)
    return found


def split_units(annotation: str) -> list[Unit]:
    """``执法科室（行政处罚流程图）、法规科（…）`` → the units with their notes (see the module's docstring)."""
    pieces: list[str] = []
    depth, current = 0, ""
    for char in annotation:
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth = max(depth - 1, 0)  # a stray closing parenthesis does not stop the splitting
        if char in SEPARATORS and depth == 0:
            pieces.append(current.strip())
            current = ""
        else:
            current += char
    pieces.append(current.strip())
    merged: list[str] = []
    for piece in (p for p in pieces if p):
        previous = merged[-1] if merged else ""
        # "各具有行政处罚、行政强制、…等职能的科室、单位" is one description, its 、 are not separators.
        if previous.startswith("各具有") and ("职能" not in previous or piece == "单位"):
            merged[-1] = f"{previous}、{piece}"
        else:
            merged.append(piece)
    units = []
    for piece in merged:
        if piece.endswith(tuple(CLOSE)) and any(c in piece for c in OPEN):
            cut = min(piece.index(c) for c in OPEN if c in piece)
            unit = Unit(piece[:cut].strip(), piece[cut + 1 : -1].strip())
            if unit.name or unit.note:  # "（）" names nobody
                units.append(unit)
        else:
            units.append(Unit(piece))
    return units


def _lead(ref: str, lead: str) -> str:
    if ref in TITLE_OVERRIDES:
        return TITLE_OVERRIDES[ref]
    title = re.split(r"[。；;，,]", lead, maxsplit=1)[0]
    title = re.sub(r"[（(][^（）()]*[）)]$", "", title.strip())  # 安排部署阶段（2019年6） → 安排部署阶段
    return title.strip(" .．")


def _items(text: str) -> list[_Item]:
    """Every numbered element of sections 二–四 with its text (continuation paragraphs included)."""
    items: list[_Item] = []
    section = subsection = ""
    top = sub = number = ""
    current: _Item | None = None
    active = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := _SECTION.match(line):
            active = m.group(1) in "二三四"
            top, section, sub, subsection, number, current = m.group(1), line, "", "", "", None
            continue
        if not active:
            continue
        if m := _SUBSECTION.match(line):
            sub, number = m.group(1), ""
            subsection = f"（{sub}）" + re.split(r"[。]", m.group(2), maxsplit=1)[0]
            current = _Item(f"{top}({sub})", section, m.group(2), [line])
        elif m := _ITEM.match(line):
            number = m.group(1)
            current = _Item(f"{top}({sub}){number}" if sub else f"{top}{number}", section, m.group(2), [line])
        elif (m := _SUBITEM.match(line)) and number:
            base = f"{top}({sub}){number}" if sub else f"{top}{number}"
            current = _Item(f"{base}({m.group(1)})", section, m.group(2), [line])
        elif current is not None and not line.startswith(("兴隆台区", "2019年6月28日")):
            current.lines.append(line)  # an unnumbered paragraph: part of the item above
            continue
        else:
            continue
        current.section = f"{section} {subsection}".strip() if sub else section
        items.append(current)
    return items


def _phase(ref: str) -> str:
    for prefixes in (SECTION_PHASES, ORGANISATION_PHASES):
        for prefix, phase in prefixes.items():
            if ref.startswith(prefix):
                return phase
    return REVISE if ref in RULE_REFS else IMPLEMENT


def parse_plan(text: str) -> list[TaskSpec]:
    items = [item for item in _items(text) if UNIT_MARK in "".join(item.lines)]
    above: list[Unit] = []
    for item in items:
        if item.ref in RULE_REFS:
            for annotation in unit_annotations("".join(item.lines)):
                for unit in split_units(annotation):
                    if unit.name != SAME_AS_ABOVE and all(u.name != unit.name for u in above):
                        above.append(Unit(unit.name))
    specs = []
    for item in items:
        full = "".join(item.lines)
        units: list[Unit] = []
        for annotation in unit_annotations(full):
            for unit in split_units(annotation):
                for resolved in above if unit.name == SAME_AS_ABOVE else [unit]:
                    if resolved not in units and all(u.name != resolved.name or u.note for u in units):
                        units.append(resolved)
        phase = _phase(item.ref)
        specs.append(
            TaskSpec(
                ref=item.ref,
                section=item.section,
                title=_lead(item.ref, item.lead),
                text="\n".join(item.lines),
                units=tuple(units),
                phase=phase,
                due_on=DUE_OVERRIDES.get(item.ref, PHASE_DUE[phase]),
            )
        )
    return specs


@cache
def plan_tasks() -> tuple[TaskSpec, ...]:
    """The tasks of the 2019 implementation plan, in plan order."""
    return tuple(parse_plan(plan_text()))


__all__ = [
    "PHASE_DUE",
    "RULE_REFS",
    "STAFF_LIST_DUE",
    "SUSTAIN_DUE",
    "WEEKLY_REPORTS_FROM",
    "TaskSpec",
    "Unit",
    "parse_plan",
    "plan_tasks",
    "split_units",
    "unit_annotations",
]
