"""Excel (.xlsx) import and export of the published lists (issue 2, "Imports and bad input").

Staff keep the lists in Excel. A workbook has one sheet with one header row (the model fields' Chinese verbose
names) and one row per entry. Columns are derived from each list's ``ListSpec.fields``, so every list in
``ALL_LISTS`` has the same behaviour. Structured fields use a readable cell encoding that round-trips:

============================  =====================================================================================
field                          cell
============================  =====================================================================================
执法依据 (legal basis)          one law per line: ``《中华人民共和国安全生产法》第九十九条`` (or ``法律名称|条款``)
裁量基准 (discretion bands)      one band per line: ``违法情形|处罚种类和幅度|罚款下限|罚款上限`` (fines may be empty)
执法类别 (officer categories)    Chinese labels joined by "、" (codes are accepted too)
choices                        the Chinese label (the code is accepted too)
departments / powers / users   the department's name in the agency / the power's code / the username
dates                          real Excel dates (text ``2026-01-31`` or ``2026年1月31日`` is accepted)
============================  =====================================================================================

An import is all-or-nothing. Every row goes through the list's services (``entry_create`` for a new key,
``entry_update`` for a changed one, which stages a change to a published entry for review; unchanged rows are
skipped), so validation is the services' own and nothing is duplicated here. All rows run inside one transaction,
each in its own savepoint so that every bad row is reported; if any row is bad (or on a dry run) the whole
transaction is rolled back: no rows and no ledger entries are written.

An export shows each entry as staff are editing it: a published entry with a change awaiting review shows the
change. Exporting a list and importing the file again changes nothing.

Limits of the encoding: a law name cannot contain "》" together with "|", and a circumstance or sanction cannot
contain "|" or a line break. Files (document templates, entrustment agreements) are exported by name only and are
never imported: templates are uploaded one by one in the workspace.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from typing import IO, Any

from django.db import models, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from sanxiang.core.canonical import to_json_value
from sanxiang.core.errors import PermissionDenied, SanxiangError, ValidationError
from sanxiang.core.models import PublicationStatus, Reviewed
from sanxiang.core.validators import parse_date
from sanxiang.org.listing import ListSpec, can_edit, entry_create, entry_update
from sanxiang.org.models import Agency, Department, User
from sanxiang.org.services import agency_create
from sanxiang.registry.models import EnforcementCategory, Power
from sanxiang.registry.specs import ALL_LISTS

__all__ = [
    "NATURAL_KEYS",
    "Column",
    "ImportResult",
    "RowError",
    "columns_for",
    "entries_for_export",
    "export_workbook",
    "format_bands",
    "format_legal_basis",
    "import_workbook",
    "parse_bands",
    "parse_legal_basis",
]

# The column that identifies an entry within its agency (agencies: across the deployment).
NATURAL_KEYS: dict[str, str] = {
    "agencies": "name",
    "powers": "code",
    "items": "code",
    "inspection-items": "code",
    "officers": "certificate_number",
    "templates": "code",
    "complaint-channels": "name",
    "recording-rules": "code",
    "recording-places": "name",
}

# Lists that hold files and so cannot be imported from a sheet.
EXPORT_ONLY = {"templates": "文书样本包含模板文件（.docx），不能通过表格导入，请在工作台逐个上传。"}

MAX_ROWS = 10_000

_STRUCTURED = {
    "legal_basis": "basis",
    "discretion_benchmark": "bands",
    "categories": "categories",
    "placeholders": "placeholders",
}
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_BAND_SHAPE = "违法情形|处罚种类和幅度|罚款下限|罚款上限"
_TRUE = {"是", "true", "1", "yes", "y", "√"}
_FALSE = {"否", "false", "0", "no", "n", "×"}


# --------------------------------------------------------------------------------------------------------------------
# Structured cells


def format_legal_basis(value: Any) -> str:
    """``[{"law", "article"}]`` → one ``《law》article`` line per law (``law|article`` if the name holds "》")."""
    lines = []
    for entry in value or []:
        law = str(entry.get("law", ""))
        article = str(entry.get("article", ""))
        if "》" in law or "\n" in law:
            lines.append(f"{law}|{article}")
        else:
            lines.append(f"《{law}》{article}")
    return "\n".join(lines)


def parse_legal_basis(text: str) -> list[dict[str, str]]:
    """The inverse of ``format_legal_basis``; a line without 《》 or "|" is a law cited as a whole."""
    result = []
    for line in _lines(text):
        if line.startswith("《") and "》" in line:
            law, _, article = line[1:].partition("》")
            article = article.strip()
            if article.startswith("|"):
                article = article[1:]
        elif "|" in line:
            law, _, article = line.partition("|")
        else:
            law, article = line, ""
        result.append({"law": law.strip(), "article": article.strip()})
    return result


def format_bands(value: Any) -> str:
    """Discretion bands → one ``circumstance|sanction|fine_min|fine_max`` line per band."""
    return "\n".join(
        "|".join(str(band.get(key, "") or "") for key in ("circumstance", "sanction", "fine_min", "fine_max"))
        for band in value or []
    )


def parse_bands(text: str) -> list[dict[str, str]]:
    bands = []
    for index, line in enumerate(_lines(text), start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 4:
            raise ValidationError({"discretion_benchmark": [f"第{index}档格式不正确，应为“{_BAND_SHAPE}”。"]})
        parts += [""] * (4 - len(parts))
        bands.append(dict(zip(("circumstance", "sanction", "fine_min", "fine_max"), parts, strict=True)))
    return bands


def _format_categories(value: Any) -> str:
    labels = dict(EnforcementCategory.choices)
    return "、".join(str(labels.get(code, code)) for code in value or [])


def _format_placeholders(value: Any) -> str:
    return "\n".join(
        f"{p.get('name', '')}|{p.get('label', '')}|{'必填' if p.get('required') else '选填'}" for p in value or []
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


# --------------------------------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    """One column of a list's sheet: a spec field, its Chinese header and how its cells are read and written."""

    field: str
    header: str
    kind: str
    model_field: models.Field[Any, Any]

    @property
    def importable(self) -> bool:
        return self.kind != "file"


def _kind(name: str, f: models.Field[Any, Any]) -> str:
    if name in _STRUCTURED:
        return _STRUCTURED[name]
    if isinstance(f, models.ForeignKey):
        related = f.related_model
        for model, kind in ((Department, "department"), (Power, "power"), (User, "user"), (Agency, "agency")):
            if related is model:
                return kind
        raise NotImplementedError(f"no cell encoding for a foreign key to {related}")
    if isinstance(f, models.FileField):
        return "file"
    if f.choices:
        return "choice"
    if isinstance(f, models.BooleanField):
        return "bool"
    if isinstance(f, models.DateTimeField):
        raise NotImplementedError("date-times are not list fields")
    if isinstance(f, models.DateField):
        return "date"
    if isinstance(f, models.DecimalField):
        return "decimal"
    if isinstance(f, models.IntegerField):
        return "int"
    if isinstance(f, models.JSONField):
        return "json"
    return "text"


def columns_for(spec_key: str) -> tuple[Column, ...]:
    """The columns of ``spec_key``'s sheet, in the spec's field order."""
    spec = _spec(spec_key)
    columns = []
    for name in spec.fields:
        f = spec.model._meta.get_field(name)
        assert isinstance(f, models.Field)
        columns.append(Column(field=name, header=str(f.verbose_name), kind=_kind(name, f), model_field=f))
    return tuple(columns)


def _spec(spec_key: str) -> ListSpec[Any]:
    try:
        return ALL_LISTS[spec_key]
    except KeyError:
        raise ValidationError(f"没有名为“{spec_key}”的清单，可选：{'、'.join(ALL_LISTS)}。") from None


# --------------------------------------------------------------------------------------------------------------------
# Export


class _Names:
    """id → the name a cell shows (department name, power code, username, agency name), cached per export."""

    _attr = {"department": (Department, "name"), "power": (Power, "code"), "user": (User, "username")}

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], str] = {}

    def __call__(self, kind: str, pk: int) -> str:
        key = (kind, pk)
        if key not in self._cache:
            model, attr = self._attr.get(kind, (Agency, "name"))
            value = model._default_manager.filter(pk=pk).values_list(attr, flat=True).first()
            self._cache[key] = "" if value is None else str(value)
        return self._cache[key]


def _working_values(spec: ListSpec[Any], obj: Reviewed) -> dict[str, Any]:
    """The entry as staff are editing it: its fields with any change awaiting review applied."""
    values = {name: getattr(obj, name) for name in spec.fields}
    for name, value in (obj.pending or {}).items():
        if name in values:
            f = obj._meta.get_field(name)
            values[name] = f.to_python(value) if isinstance(f, models.Field) else value
    return values


def _to_cell(column: Column, value: Any, names: _Names) -> Any:
    kind = column.kind
    if value is None or value == "":
        return None
    if kind == "basis":
        return format_legal_basis(value)
    if kind == "bands":
        return format_bands(value)
    if kind == "categories":
        return _format_categories(value)
    if kind == "placeholders":
        return _format_placeholders(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind in ("department", "power", "user", "agency"):
        return names(kind, int(value))
    if kind == "file":
        return str(getattr(value, "name", value) or "") or None
    if kind == "choice":
        return str(dict(column.model_field.choices or []).get(value, value))
    if kind == "bool":
        return "是" if value else "否"
    if kind in ("date", "int", "decimal"):
        return value
    return str(value)


def export_workbook(*, spec_key: str, entries: Iterable[Any]) -> bytes:
    """An .xlsx workbook of ``entries`` of list ``spec_key``: one header row, one row per entry."""
    spec = _spec(spec_key)
    columns = columns_for(spec_key)
    names = _Names()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = spec.title[:31]
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(8, len(c.header) * 2 + 2) for c in columns]
    for row_index, obj in enumerate(entries, start=2):
        values = _working_values(spec, obj)
        for col_index, column in enumerate(columns, start=1):
            value = _to_cell(column, values[column.field], names)
            cell = sheet.cell(row=row_index, column=col_index)
            if isinstance(value, str):
                # Written as text even when it starts with "=": a cell never becomes a formula.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[col_index - 1] = min(60, max(widths[col_index - 1], *(len(x) * 2 for x in value.split("\n"))))
            else:
                cell.value = value
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                    widths[col_index - 1] = max(widths[col_index - 1], 12)
    for col_index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col_index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def entries_for_export(*, spec_key: str, agency: Agency | None = None) -> models.QuerySet[Any]:
    """Every entry of a list (all states), of one agency or of all, ordered by natural key."""
    spec = _spec(spec_key)
    key = NATURAL_KEYS[spec_key]
    qs = spec.model._default_manager.all()
    if agency is not None:
        qs = qs.filter(pk=agency.pk) if spec.agency_attr == "self" else qs.filter(**{spec.agency_attr: agency})
    order = [key] if spec.agency_attr == "self" else [f"{spec.agency_attr}__name", key]
    return qs.order_by(*order, "pk")


# --------------------------------------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True)
class RowError:
    """A reason a workbook cannot be imported; ``row`` is the Excel row number (1 is the header row)."""

    row: int | None
    message: str
    column: str = ""

    def __str__(self) -> str:
        prefix = f"第{self.row}行：" if self.row else ""
        column = f"{self.column}：" if self.column else ""
        return f"{prefix}{column}{self.message}"


@dataclass
class ImportResult:
    """What an import did, or (with errors, or on a dry run) would have done. Nothing is written unless ``written``."""

    list_key: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    staged: int = 0  # of ``updated``: published entries whose change now awaits the legal section's review
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    def summary(self) -> str:
        verb = "将" if not self.written else "已"
        text = f"{verb}新增{self.created}条，{verb}修改{self.updated}条"
        if self.staged:
            text += f"（其中{self.staged}条已公示条目的修改待法规科审核）"
        return f"{text}，未变化{self.unchanged}条。"


WorkbookSource = str | PathLike[str] | bytes | IO[bytes]


@dataclass
class _Row:
    number: int
    data: dict[str, Any]


class _Lookups:
    """Name → id for the reference columns of one import (department names and power codes of the agency), cached
    per import: a sheet names the same few departments on every row."""

    def __init__(self, agency: Agency | None) -> None:
        self.agency = agency
        self._cache: dict[tuple[str, str], int] = {}

    def __call__(self, kind: str, text: str) -> int:
        key = (kind, text)
        if key not in self._cache:
            self._cache[key] = self._find(kind, text)
        return self._cache[key]

    def _find(self, kind: str, text: str) -> int:
        pk: int | None
        if kind == "department":
            pk = Department.objects.filter(agency=self.agency, name=text).values_list("pk", flat=True).first()
            message = f"本机构没有名为“{text}”的科室。"
        elif kind == "power":
            pk = Power.objects.filter(agency=self.agency, code=text).values_list("pk", flat=True).first()
            message = f"本机构的权责清单中没有编码为“{text}”的事项。"
        elif kind == "user":
            pk = User.objects.filter(username=text).values_list("pk", flat=True).first()
            message = f"没有用户名为“{text}”的用户账号。"
        else:
            pk = Agency.objects.filter(name=text).values_list("pk", flat=True).first()
            message = f"没有名为“{text}”的执法主体。"
        if pk is None:
            raise ValidationError(message)
        return pk


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def _empty_value(column: Column) -> Any:
    f = column.model_field
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if column.kind in ("text", "choice"):
        return ""
    return None


def _from_cell(column: Column, raw: Any, lookups: _Lookups) -> Any:
    """A cell's value as the service expects it; raises ``ValidationError`` with a Chinese reason."""
    kind = column.kind
    text = _text(raw)
    if kind == "basis":
        return parse_legal_basis(text)
    if kind == "bands":
        return parse_bands(text)
    if kind == "categories":
        return [part for part in _LIST_SEPARATORS.split(text) if part]
    if text == "":
        return _empty_value(column)
    if kind == "text":
        return text
    if kind == "choice":
        choices = [(str(code), str(label)) for code, label in column.model_field.choices or []]
        for code, label in choices:
            if text in (code, label):
                return code
        raise ValidationError(f"“{text}”无效，应为：{'、'.join(label for _, label in choices)}。")
    if kind == "date":
        return parse_date(raw if isinstance(raw, dt.date) else text)
    if kind == "int":
        if isinstance(raw, float) and not raw.is_integer():
            raise ValidationError(f"“{text}”不是整数。")
        try:
            return int(text)
        except ValueError:
            raise ValidationError(f"“{text}”不是整数。") from None
    if kind == "decimal":
        try:
            value = decimal.Decimal(text.replace(",", ""))
        except decimal.InvalidOperation:
            raise ValidationError(f"“{text}”不是有效的数字。") from None
        if not value.is_finite():
            raise ValidationError(f"“{text}”不是有效的数字。")
        return value
    if kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValidationError(f"“{text}”应填“是”或“否”。")
    if kind in ("department", "power", "user", "agency"):
        return lookups(kind, text)
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            raise ValidationError(f"“{text}”不是有效的 JSON。") from None
    raise ValidationError("该列不能导入。")  # pragma: no cover - file columns are skipped before this


def first_sheet(workbook: Any, errors: list[RowError]) -> tuple[tuple[Any, ...], Iterator[tuple[Any, ...]]] | None:
    """The first sheet's header row and an iterator over the rows below it (values only); ``None``, with the
    problem in ``errors``, when the workbook has no sheet or the sheet no header row."""
    if not workbook.worksheets:
        errors.append(RowError(None, "工作簿中没有工作表。"))
        return None
    iterator = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None:
        errors.append(RowError(1, "工作表是空的，第1行应为列名。"))
        return None
    return header, iterator


def _open(file: WorkbookSource) -> Any:
    source: Any = io.BytesIO(file) if isinstance(file, bytes) else file
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ValidationError("无法读取文件：请上传 Excel 工作簿（.xlsx）。") from None


def _read(
    file: WorkbookSource, spec_key: str, columns: tuple[Column, ...], lookups: _Lookups, errors: list[RowError]
) -> list[_Row]:
    """Parse every row; cell errors go to ``errors``. Header problems stop here (no rows are returned)."""
    by_header: dict[str, Column] = {}
    for column in columns:
        by_header[column.header] = column
        by_header.setdefault(column.field, column)
    workbook = _open(file)
    try:
        opened = first_sheet(workbook, errors)
        if opened is None:
            return []
        header, iterator = opened
        positions: list[tuple[int, Column]] = []
        seen: set[str] = set()
        for index, raw in enumerate(header):
            name = _text(raw)
            if not name:
                continue
            found = by_header.get(name)
            if found is None:
                known = "、".join(c.header for c in columns)
                errors.append(RowError(1, f"未知的列“{name}”。可用的列：{known}。"))
            elif found.field in seen:
                errors.append(RowError(1, f"“{found.header}”列重复。"))
            else:
                seen.add(found.field)
                if found.importable:
                    positions.append((index, found))
        key = next(c for c in columns if c.field == NATURAL_KEYS[spec_key])
        if key.field not in seen:
            errors.append(RowError(1, f"缺少“{key.header}”列。"))
        if errors:
            return []
        rows: list[_Row] = []
        for number, values in enumerate(iterator, start=2):
            if all(_text(v) == "" for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(number, f"一次最多导入{MAX_ROWS}行。"))
                break
            data: dict[str, Any] = {}
            for index, column in positions:
                raw = values[index] if index < len(values) else None
                try:
                    data[column.field] = _from_cell(column, raw, lookups)
                except ValidationError as exc:
                    for message in _messages(exc):
                        errors.append(RowError(number, message, column.header))
            rows.append(_Row(number, data))
        return rows
    finally:
        workbook.close()


def _messages(exc: ValidationError) -> list[str]:
    return [message for messages in exc.errors.values() for message in messages]


def _errors_of(exc: ValidationError, number: int, columns: tuple[Column, ...]) -> list[RowError]:
    headers = {}
    for column in columns:
        headers[column.field] = column.header
        headers[column.model_field.name] = column.header
    return [
        RowError(number, message, headers.get(name, ""))
        for name, messages in exc.errors.items()
        for message in messages
    ]


def _unchanged(spec: ListSpec[Any], obj: Reviewed, data: dict[str, Any]) -> bool:
    """Whether ``data``, cleaned as the services clean it, equals the entry as staff are editing it."""
    cleaned = spec.clean(dict(data), spec.agency_of(obj))
    current = _working_values(spec, obj)
    return all(to_json_value(cleaned[name]) == to_json_value(current[name]) for name in cleaned)


def import_workbook(
    *, actor: Any, spec_key: str, agency: Agency | None, file: WorkbookSource, dry_run: bool = False
) -> ImportResult:
    """Import a workbook into list ``spec_key`` of ``agency``, all or nothing.

    New keys become drafts (``entry_create``), changed rows go through ``entry_update`` (a published entry's change
    is staged for review), unchanged rows are skipped. Bad rows are returned in ``ImportResult.errors`` with their
    row numbers and nothing is written; a dry run reports the same and writes nothing either. Raises
    ``PermissionDenied`` (writing nothing) when ``actor`` may not edit the list. For ``agencies`` the rows name the
    agencies themselves; ``agency`` may then be ``None`` (any agency the actor may edit; new ones need the
    deployment administrator) or limit the rows to that one agency.
    """
    spec = _spec(spec_key)
    result = ImportResult(list_key=spec_key, dry_run=dry_run)
    if spec_key in EXPORT_ONLY:
        result.errors.append(RowError(None, EXPORT_ONLY[spec_key]))
        return result
    is_agency_list = spec.agency_attr == "self"
    if agency is None and not is_agency_list:
        raise ValidationError({"agency": ["请指定导入到哪个执法主体。"]})
    if agency is not None and not can_edit(actor, spec, agency):
        raise PermissionDenied(f"您不能编辑{agency.name}的{spec.title}。")
    columns = columns_for(spec_key)
    key_field = NATURAL_KEYS[spec_key]
    key_header = next(c.header for c in columns if c.field == key_field)
    try:
        rows = _read(file, spec_key, columns, _Lookups(agency), result.errors)
    except ValidationError as exc:
        result.errors.extend(RowError(None, message) for message in _messages(exc))
        return result

    with transaction.atomic():
        existing: dict[str, list[Any]] = {}
        qs = spec.model._default_manager.all()
        if not is_agency_list:
            qs = qs.filter(**{spec.agency_attr: agency})
        for obj in qs:
            existing.setdefault(str(getattr(obj, key_field)), []).append(obj)
        first_row: dict[str, int] = {}
        rows_with_bad_cells = {error.row for error in result.errors}
        for row in rows:
            if row.number in rows_with_bad_cells:
                continue  # its cells are already reported
            key = str(row.data.get(key_field) or "")
            if not key:
                result.errors.append(RowError(row.number, "不能为空。", key_header))
                continue
            if key in first_row:
                result.errors.append(RowError(row.number, f"“{key}”与第{first_row[key]}行重复。", key_header))
                continue
            first_row[key] = row.number
            if is_agency_list and agency is not None and key != agency.name:
                result.errors.append(RowError(row.number, f"只能导入{agency.name}本身的信息。", key_header))
                continue
            matches = existing.get(key, [])
            if len(matches) > 1:
                result.errors.append(
                    RowError(row.number, f"已有{len(matches)}条“{key}”，无法确定对应哪一条。", key_header)
                )
                continue
            try:
                with transaction.atomic():
                    if not matches:
                        if is_agency_list:
                            agency_create(actor=actor, data=row.data)
                        else:
                            assert agency is not None
                            entry_create(actor=actor, spec=spec, agency=agency, data=row.data)
                        result.created += 1
                    elif _unchanged(spec, matches[0], row.data):
                        result.unchanged += 1
                    else:
                        was_published = matches[0].status == PublicationStatus.PUBLISHED
                        entry_update(actor=actor, spec=spec, obj=matches[0], data=row.data)
                        result.updated += 1
                        result.staged += int(was_published)
            except PermissionDenied as exc:
                raise PermissionDenied(f"第{row.number}行：{exc.message}") from exc
            except ValidationError as exc:
                result.errors.extend(_errors_of(exc, row.number, columns))
            except SanxiangError as exc:  # InvalidTransition: e.g. a submitted or withdrawn entry
                result.errors.append(RowError(row.number, exc.message))
        result.errors.sort(key=lambda error: error.row or 0)
        if result.errors or dry_run:
            transaction.set_rollback(True)
        else:
            result.written = True
    return result
