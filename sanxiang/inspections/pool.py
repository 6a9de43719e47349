"""检查对象名录库: import and export of an agency's target pool as an Excel (.xlsx) workbook (issue 7).

The sheet has one header row with the Chinese column names of ``COLUMNS`` and one row per target. An import is
all-or-nothing, with the shape of ``sanxiang.registry.xlsx`` (``RowError``, ``ImportResult``, the same messages for
an unreadable file): every row is cleaned by ``services.target_clean`` and every problem is reported with its Excel
row number and column; if there is any problem (or on a dry run) the one transaction is rolled back and nothing is
written. Rows are written by the per-row services (``target_save``, ``target_remove``) inside that one outer
transaction, so the ledger entries are the services' own. An optional column 在库 (是/否) takes a target out of the
pool (``否``) with ``target_remove``'s semantics, or puts it back (``是``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.inspections import services
from sanxiang.inspections.models import Target
from sanxiang.org.access import has_role
from sanxiang.org.models import Agency
from sanxiang.registry.xlsx import ImportResult, RowError, _open, _text, first_sheet

__all__ = ["COLUMNS", "MAX_ROWS", "PoolImportResult", "targets_export", "targets_import"]

# Header → target field, in sheet order; 在库 is optional on import.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("统一社会信用代码", "uscc"),
    ("名称", "name"),
    ("法定代表人", "legal_representative"),
    ("地址", "address"),
    ("行政区划代码", "region"),
    ("行业", "sector"),
    ("风险分类", "risk"),
    ("在库", "active"),
)
REQUIRED = tuple(header for header, name in COLUMNS if name != "active")
HEADER_OF = {name: header for header, name in COLUMNS}
MAX_ROWS = 200_000
REMOVAL_REASON = "名录库导入：在库填“否”"
_YES = {"是", "在库", "1", "true", "yes", "y", "√"}
_NO = {"否", "不在库", "0", "false", "no", "n", "×"}


@dataclass
class PoolImportResult(ImportResult):
    """``ImportResult`` of ``registry.xlsx`` plus the targets taken out of the pool (在库=否)."""

    removed: int = 0

    def summary(self) -> str:
        verb = "已" if self.written else "将"
        return (
            f"{verb}新增{self.created}户，{verb}修改{self.updated}户，{verb}移出名录库{self.removed}户，"
            f"{self.unchanged}户无变化。"
        )


@dataclass
class _Row:
    number: int
    data: dict[str, str]
    active: bool | None


def _may_keep(actor: Any, agency: Agency) -> bool:
    return has_role(actor, agency, services.POOL_KEEPERS)


def _read(file: Any, errors: list[RowError]) -> list[_Row]:
    """Every data row of the first sheet; header and cell problems go to ``errors``."""
    by_header = dict(COLUMNS)
    workbook = _open(file)
    try:
        opened = first_sheet(workbook, errors)
        if opened is None:
            return []
        header, iterator = opened
        positions: list[tuple[int, str]] = []
        seen: set[str] = set()
        for index, raw in enumerate(header):
            name = _text(raw)
            if not name:
                continue
            field = by_header.get(name)
            if field is None:
                known = "、".join(h for h, _ in COLUMNS)
                errors.append(RowError(1, f"未知的列“{name}”。可用的列：{known}。"))
            elif field in seen:
                errors.append(RowError(1, f"“{name}”列重复。"))
            else:
                seen.add(field)
                positions.append((index, field))
        for header_name in REQUIRED:
            if by_header[header_name] not in seen:
                errors.append(RowError(1, f"缺少“{header_name}”列。"))
        if errors:
            return []
        rows: list[_Row] = []
        for number, values in enumerate(iterator, start=2):
            if all(_text(v) == "" for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(number, f"一次最多导入{MAX_ROWS}行，请分成几个文件导入。"))
                break
            data: dict[str, str] = {}
            active: bool | None = None
            for index, field in positions:
                text = _text(values[index] if index < len(values) else None)
                if field != "active":
                    data[field] = text
                elif text.lower() in _YES:
                    active = True
                elif text.lower() in _NO:
                    active = False
                elif text:
                    errors.append(RowError(number, f"“{text}”应填“是”或“否”。", HEADER_OF["active"]))
            rows.append(_Row(number, data, active))
        return rows
    finally:
        workbook.close()


def targets_import(*, actor: Any, agency: Agency, file: Any, dry_run: bool = False) -> PoolImportResult:
    """Import a workbook into ``agency``'s target pool, all or nothing.

    A new USCC is added, a changed row updates its target (one ``target.update`` entry), an unchanged row writes
    nothing, 在库=否 takes the target out of the pool (``target.remove``). Every bad row is returned in
    ``errors`` and nothing is written; a dry run reports the same counts and writes nothing either. Raises
    ``PermissionDenied`` (writing nothing) unless ``actor`` keeps ``agency``'s pool.
    """
    if not _may_keep(actor, agency):
        raise PermissionDenied(f"只有{agency.name}的执法人员、科室负责人或办公室可以导入检查对象名录库。")
    result = PoolImportResult(list_key="targets", dry_run=dry_run)
    try:
        rows = _read(file, result.errors)
    except ValidationError as exc:
        result.errors.extend(RowError(None, m) for msgs in exc.errors.values() for m in msgs)
        return result

    cleaned_rows: list[tuple[_Row, dict[str, str]]] = []
    first_row: dict[str, int] = {}
    bad_rows = {error.row for error in result.errors}
    for row in rows:
        cleaned, problems = services.target_clean(row.data)
        for field, messages in problems.items():
            for message in messages:
                result.errors.append(RowError(row.number, message, HEADER_OF.get(field, "")))
        if problems or row.number in bad_rows:
            continue
        uscc = cleaned["uscc"]
        if uscc in first_row:
            result.errors.append(RowError(row.number, f"“{uscc}”与第{first_row[uscc]}行重复。", HEADER_OF["uscc"]))
            continue
        first_row[uscc] = row.number
        cleaned_rows.append((row, cleaned))
    if result.errors:
        result.errors.sort(key=lambda error: error.row or 0)
        return result

    if dry_run:
        _classify(cleaned_rows, _existing(agency), result)
        result.errors.sort(key=lambda error: error.row or 0)
        return result
    with transaction.atomic():
        actions = _classify(cleaned_rows, _existing(agency), result)
        if result.errors:
            result.errors.sort(key=lambda error: error.row or 0)
            transaction.set_rollback(True)
            return result
        for action, current, cleaned in actions:
            if action == "remove":
                assert current is not None
                services.target_remove(actor=actor, target=current, reason=REMOVAL_REASON)
            elif action in ("create", "update"):
                services.target_save(actor=actor, agency=agency, data=cleaned)
        result.written = True
    return result


def _existing(agency: Agency) -> dict[str, Target]:
    return {t.uscc: t for t in Target.objects.filter(agency=agency)}


def _classify(
    rows: list[tuple[_Row, dict[str, str]]], existing: dict[str, Target], result: PoolImportResult
) -> list[tuple[str, Target | None, dict[str, str]]]:
    """What each good row does (create / update / unchanged / remove), counted into ``result``; 否 rows that cannot
    be removed go to ``result.errors``. Nothing is written: a dry run stops here and the import uses the same plan,
    so the preview's counts are the import's."""
    actions: list[tuple[str, Target | None, dict[str, str]]] = []
    for row, cleaned in rows:
        current = existing.get(cleaned["uscc"])
        same = current is not None and all(getattr(current, name) == value for name, value in cleaned.items())
        if row.active is False:
            if current is None:
                result.errors.append(
                    RowError(row.number, "名录库中没有该检查对象，不能填“否”移出。", HEADER_OF["active"])
                )
            elif not same:
                result.errors.append(
                    RowError(row.number, "在库填“否”时其他各列应与名录库中一致。", HEADER_OF["active"])
                )
            elif current.active:
                actions.append(("remove", current, cleaned))
                result.removed += 1
            else:
                actions.append(("unchanged", current, cleaned))
                result.unchanged += 1
        elif current is None:
            actions.append(("create", None, cleaned))
            result.created += 1
        elif same and current.active:  # services.target_save's own test: an unchanged row writes nothing
            actions.append(("unchanged", current, cleaned))
            result.unchanged += 1
        else:
            actions.append(("update", current, cleaned))
            result.updated += 1
    return actions


def targets_export(agency: Agency | None) -> bytes:
    """``agency``'s whole pool (in and out of it) as a workbook; ``None`` gives the empty import template."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("检查对象名录库")
    widths = [22, 30, 12, 36, 14, 16, 10, 8]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    if agency is not None:
        fields = [name for _, name in COLUMNS if name != "active"]
        for values in Target.objects.filter(agency=agency).order_by("uscc").values_list(*fields, "active"):
            row = []
            for value in values[:-1]:
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.data_type = "s"  # text, never a formula or a number (region codes keep their digits)
                row.append(cell)
            row.append(WriteOnlyCell(sheet, value="是" if values[-1] else "否"))
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
