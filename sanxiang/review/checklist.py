"""The review checklist (法制审核内容, plan 二(三)4; DOMAIN.md "Review checklist"): the reviewer states an opinion on
every point."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    key: str
    name: str


CHECKLIST: tuple[Point, ...] = (
    Point("legal_standing", "行政执法主体是否合法"),
    Point("officer_qualification", "行政执法人员是否具备执法资格"),
    Point("facts_clear", "案件事实是否清楚"),
    Point("evidence_sufficient", "证据是否确凿充分"),
    Point("law_applied", "适用法律、法规、规章是否准确"),
    Point("discretion_proper", "裁量基准运用是否适当"),
    Point("procedure_lawful", "执法程序是否合法"),
    Point("no_excess", "是否超越执法机关法定权限、滥用职权"),
    Point("documents_complete", "执法文书是否完备、规范"),
    Point("crime_transfer", "违法行为是否涉嫌犯罪、需要移送司法机关"),
    Point("other", "其他需要审核的内容"),
)
