"""Forms generated from a list's ``ListSpec.fields``.

Forms only parse input into the shape the services take (structured fields from lines of text, related rows from
choices limited to the agency); every rule about what is valid lives in the services, whose ``ValidationError``
messages are put back next to the fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models

from sanxiang.core.errors import ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.org.listing import ListSpec
from sanxiang.org.models import Agency, Department, User
from sanxiang.registry.models import EnforcementCategory, Power

# Fields derived from another field rather than typed in: the template's SHA-256 comes from its uploaded file.
DERIVED_FIELDS = {"file_sha256": "file"}

LINE_SEPARATORS = ("|", "｜")


def _split(line: str, parts: int) -> list[str]:
    for sep in LINE_SEPARATORS[1:]:
        line = line.replace(sep, LINE_SEPARATORS[0])
    pieces = [piece.strip() for piece in line.split(LINE_SEPARATORS[0])]
    return pieces + [""] * (parts - len(pieces))


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class LinesField(forms.CharField):
    """A list of records typed one per line, its columns separated by “|”."""

    columns: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "class": "lines"}))
        kwargs.setdefault("help_text", "每行一项，格式：" + "|".join(self.labels))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        text = super().to_python(value)
        rows = []
        for number, line in enumerate(_lines(text or ""), start=1):
            pieces = _split(line, len(self.columns))
            if len(pieces) > len(self.columns):
                raise forms.ValidationError(f"第{number}行多了“|”：每行应为“{'|'.join(self.labels)}”。", code="columns")
            rows.append(self.row(dict(zip(self.columns, pieces, strict=True))))
        return rows

    def row(self, values: dict[str, str]) -> dict[str, Any]:
        return dict(values)

    def cell(self, row: dict[str, Any], column: str) -> str:
        value = row.get(column, "")
        return "" if value is None else str(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                "|".join(self.cell(row, c) for c in self.columns).rstrip("|") if isinstance(row, dict) else str(row)
                for row in value
            )
        return value

    def validate(self, value: Any) -> None:
        # Emptiness is the service's call (it says which list needs at least one line).
        return None


class LegalBasisField(LinesField):
    columns = ("law", "article")
    labels = ("法律法规名称", "条款")


class DiscretionField(LinesField):
    columns = ("circumstance", "sanction", "fine_min", "fine_max")
    labels = ("违法情形", "处罚", "罚款下限（元）", "罚款上限（元）")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "class": "lines"}))
        super().__init__(**kwargs)


class PlaceholdersField(LinesField):
    columns = ("name", "label", "required")
    labels = ("占位符", "含义", "必填/选填")

    def row(self, values: dict[str, str]) -> dict[str, Any]:
        return {**values, "required": values["required"] not in ("", "选填", "否", "false", "0")}

    def cell(self, row: dict[str, Any], column: str) -> str:
        if column == "required":
            return "必填" if row.get("required") else "选填"
        return super().cell(row, column)


STRUCTURED_FIELDS: dict[str, type[LinesField]] = {
    "legal_basis": LegalBasisField,
    "discretion_benchmark": DiscretionField,
    "placeholders": PlaceholdersField,
}


def _process_choices() -> list[tuple[str, str]]:
    from sanxiang.cases.processes import PROCESSES

    return [("", "---------"), *((key, process.name) for key, process in PROCESSES.items())]


def _step_choices() -> list[tuple[str, Any]]:
    """Steps grouped by process (the AV list's rule names one; the service checks that it is the process's)."""
    from sanxiang.cases.processes import PROCESSES

    return [
        ("", "---------"),
        *((process.name, [(step.key, step.name) for step in process.steps]) for process in PROCESSES.values()),
    ]


# The AV list names a step of a process definition: chosen from the definitions, not typed.
PROCESS_FIELDS = {"process_key": _process_choices, "step_key": _step_choices}


def related_choices(model: type[models.Model], agency: Agency | None, entry: models.Model | None) -> Any:
    """The rows a relation may point at, limited to the agency where the relation is the agency's own."""
    if model is Department:
        return Department.objects.filter(agency=agency, active=True).order_by("id")
    if model is Power:
        return Power.objects.filter(agency=agency).order_by("code")
    if model is User:
        return (
            User.objects.filter(role_assignments__agency=agency, role_assignments__active=True)
            .distinct()
            .order_by("username")
        )
    if model is Agency:
        qs = Agency.objects.order_by("name")
        return qs.exclude(pk=entry.pk) if entry is not None and entry.pk else qs
    return model._default_manager.all()


def model_field(spec: ListSpec[Any], name: str) -> Any:
    """The model field behind a spec field name (``handling_department_id`` → the foreign key)."""
    opts = spec.model._meta
    for field in opts.concrete_fields:
        if name in (field.name, field.attname):
            return field
    raise KeyError(name)


def form_name(spec: ListSpec[Any], name: str) -> str:
    return str(model_field(spec, name).name)


class EntryForm(forms.Form):
    """Create or edit one entry of ``spec``'s list for ``agency``."""

    def __init__(
        self,
        *args: Any,
        spec: ListSpec[Any],
        agency: Agency | None,
        entry: models.Model | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.entry = entry
        self.names: dict[str, str] = {}  # form field → spec field
        published = getattr(entry, "status", None) == PublicationStatus.PUBLISHED
        for name in spec.fields:
            if name in DERIVED_FIELDS:
                continue
            field = model_field(spec, name)
            if published and isinstance(field, models.FileField):
                # A staged change holds canonical values only, so a new file could not wait in it for review
                # (``entry_update`` would stage just its name). Files change while the entry is a draft.
                continue
            self.fields[field.name] = self._make_field(field, agency)
            self.names[field.name] = name

    def _make_field(self, field: Any, agency: Agency | None) -> forms.Field:
        label = str(field.verbose_name)
        help_text = str(field.help_text or "")
        if field.name in STRUCTURED_FIELDS:
            return STRUCTURED_FIELDS[field.name](label=label)
        if field.name in PROCESS_FIELDS:
            return forms.ChoiceField(
                label=label, choices=PROCESS_FIELDS[field.name](), required=not field.blank, help_text=help_text
            )
        if field.name == "categories":
            return forms.MultipleChoiceField(
                label=label,
                choices=EnforcementCategory.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        if field.is_relation:
            return forms.ModelChoiceField(
                label=label,
                queryset=related_choices(field.related_model, agency, self.entry),
                required=not field.blank,
                help_text=help_text,
            )
        if isinstance(field, models.FileField):
            # Editing keeps the current file unless a new one is uploaded.
            return forms.FileField(
                label=label, required=not field.blank and self.entry is None, help_text="上传后替换当前文件。"
            )
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return forms.DateField(
                label=label,
                required=not field.blank,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        if isinstance(field, models.JSONField):
            return forms.JSONField(label=label, required=not field.blank, help_text=help_text)
        formfield = field.formfield()
        if isinstance(field, models.TextField):
            formfield.widget = forms.Textarea(attrs={"rows": 3})
        return formfield

    def to_data(self) -> dict[str, Any]:
        """The cleaned input in the shape ``entry_create`` / ``entry_update`` take."""
        data: dict[str, Any] = {}
        for form_field, value in self.cleaned_data.items():
            name = self.names[form_field]
            if isinstance(self.fields[form_field], forms.FileField):
                if not value:
                    continue
                data[name] = value
                derived = next((d for d, source in DERIVED_FIELDS.items() if source == form_field), None)
                if derived and derived in self.spec.fields and isinstance(value, UploadedFile):
                    data[derived] = _sha256(value)
                continue
            if isinstance(value, models.Model):
                value = value.pk
            data[name] = value
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's Chinese messages next to the fields they concern (the rest above the form)."""
        for key, messages in exc.errors.items():
            target: str | None = None
            if key in self.fields:
                target = key
            elif key.endswith("_id") and key[:-3] in self.fields:
                target = key[:-3]
            elif key in DERIVED_FIELDS and DERIVED_FIELDS[key] in self.fields:
                target = DERIVED_FIELDS[key]
            for message in messages:
                self.add_error(target, message)


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def initial_for(spec: ListSpec[Any], entry: models.Model) -> dict[str, Any]:
    """Form initial values: the entry's fields with any staged change laid over them (one edits the staged version)."""
    pending: dict[str, Any] = getattr(entry, "pending", None) or {}
    initial: dict[str, Any] = {}
    for name in spec.fields:
        if name in DERIVED_FIELDS:
            continue
        field = model_field(spec, name)
        if isinstance(field, models.FileField):
            continue
        initial[field.name] = pending[name] if name in pending else getattr(entry, field.attname)
    return initial


class NoteForm(forms.Form):
    note = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnnualReviewForm(forms.Form):
    year = forms.IntegerField(label="审验年度", min_value=2000, max_value=2100)
    passed = forms.TypedChoiceField(
        label="审验结果",
        choices=(("1", "审验合格"), ("0", "审验不合格")),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DistrictReviewForm(forms.Form):
    reference = forms.CharField(label="审核文号", required=False, max_length=100)
