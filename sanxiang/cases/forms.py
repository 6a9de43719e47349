"""Forms of the case pages: parsing only. Every check that matters is the services' (``cases.services``,
``cases.workflow``); a form turns text into the types a service takes and offers the choices that make sense."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms

from sanxiang.cases.actions import FACT_STEPS, extendable_deadlines
from sanxiang.cases.models import (
    Case,
    CaseDocument,
    CaseOfficer,
    CasePersonRole,
    FactKind,
    IssuedDocument,
    PartyKind,
    ServiceMethod,
)
from sanxiang.cases.processes import PROCESSES, Process, Step
from sanxiang.cases.workflow import case_document_context
from sanxiang.core.models import PublicationStatus
from sanxiang.core.money import yuan_display
from sanxiang.org.models import Agency
from sanxiang.registry.docx.placeholders import OPTIONAL, TEMPLATES, label_of
from sanxiang.registry.models import Device, DeviceStatus, EnforcementItem, Officer, RecordingPlace
from sanxiang.staff.forms import now_local, when_field

PARTY_ROWS = 2  # 当事人 rows on the opening form; a third party is rare enough to add later
PERSON_ROWS = 2
LIST_PLACEHOLDERS = {"officers", "items", "qa_pairs", "statements"}  # lists; ``officers`` is filled by the case
AUTO_FILLED = {"agency_name", "document_number", "date"}  # filled when the document is issued
LONG_PLACEHOLDERS = {
    "facts",
    "evidence",
    "decision",
    "survey_findings",
    "inspection_findings",
    "hearing_summary",
    "party_opinion",
    "presiding_opinion",
    "discussion",
    "handler_opinion",
    "review_opinion",
    "disposal_proposal",
    "application_reason",
    "installment_plan",
    "execution_status",
    "closing_reason",
}
LIST_HINTS = {
    "items": '[{"name": "名称", "spec": "规格型号", "quantity": "数量", "note": "备注"}]',
    "qa_pairs": '[{"q": "问", "a": "答"}]',
    "statements": '[{"speaker": "发言人", "text": "内容"}]',
}


def _published_officers(agency: Agency) -> Any:
    return Officer.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED, revoked_at__isnull=True).order_by(
        "name", "pk"
    )


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.certificate_number}）"


class OfficerMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.certificate_number}）"


# --- 立案 ------------------------------------------------------------------------------------------------------------


class CaseOpenForm(forms.Form):
    process_key = forms.ChoiceField(label="办案流程")
    item = forms.ModelChoiceField(label="执法事项", queryset=EnforcementItem.objects.none())
    title = forms.CharField(label="案由", max_length=300)
    place_region = forms.CharField(label="发生地行政区划代码", max_length=6, help_text="六位代码，如 211103")
    place_address = forms.CharField(label="发生地地址", max_length=300)
    officers = OfficerMultipleChoice(
        label="承办执法人员（不少于两名）", queryset=Officer.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process_key"].choices = [(p.key, p.name) for p in PROCESSES.values()]  # type: ignore[attr-defined]
        self.fields["item"].queryset = EnforcementItem.objects.filter(  # type: ignore[attr-defined]
            agency=agency, status=PublicationStatus.PUBLISHED
        ).order_by("category", "code")
        self.fields["item"].help_text = "须与办案流程的执法类别一致（已公示的执法事项）"
        self.fields["officers"].queryset = _published_officers(agency)  # type: ignore[attr-defined]


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[("", "—"), *PartyKind.choices], required=False)
    name = forms.CharField(label="名称或姓名", max_length=200, required=False)
    uscc = forms.CharField(label="统一社会信用代码（单位）", max_length=18, required=False)
    id_number = forms.CharField(label="居民身份证号码（自然人）", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=50, required=False)
    address = forms.CharField(label="住所或地址", max_length=300, required=False)
    phone = forms.CharField(label="联系电话", max_length=40, required=False)

    def data_for_service(self) -> dict[str, Any] | None:
        """The row as ``case_open`` takes it, or ``None`` for an empty row."""
        data = {k: v for k, v in self.cleaned_data.items() if v}
        return data or None


class PersonForm(forms.Form):
    role = forms.ChoiceField(label="身份", choices=[("", "—"), *CasePersonRole.choices], required=False)
    name = forms.CharField(label="姓名", max_length=100, required=False)
    id_number = forms.CharField(label="居民身份证号码", max_length=18, required=False)
    note = forms.CharField(label="说明", required=False)

    def data_for_service(self) -> dict[str, Any] | None:
        data = {k: v for k, v in self.cleaned_data.items() if v}
        return data or None


def party_forms(data: Any = None) -> list[PartyForm]:
    return [PartyForm(data, prefix=f"party-{i}") for i in range(PARTY_ROWS)]


def person_forms(data: Any = None) -> list[PersonForm]:
    return [PersonForm(data, prefix=f"person-{i}") for i in range(PERSON_ROWS)]


# --- actions on a case -----------------------------------------------------------------------------------------------


def _case_officers(case: Case) -> Any:
    return Officer.objects.filter(case_roles__case=case, case_roles__active=True).order_by("case_roles__pk")


def _rooms(case: Case) -> Any:
    return RecordingPlace.objects.filter(agency_id=case.agency_id, status=PublicationStatus.PUBLISHED).order_by("pk")


class NoteForm(forms.Form):
    note = forms.CharField(label="意见或说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AdvanceForm(NoteForm):
    target = forms.CharField(widget=forms.HiddenInput)


class FactForm(forms.Form):
    kind = forms.ChoiceField(label="事项")
    occurred_at = when_field("发生时间")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"occurred_at": now_local()})
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind, FactKind(kind).label) for kind, steps in FACT_STEPS.items() if case.state in steps
        ]


class CertificateForm(forms.Form):
    officer = OfficerChoice(label="出示证件的执法人员", queryset=Officer.objects.none())
    shown_at = when_field("出示时间")
    place = forms.CharField(label="地点", max_length=300)
    room = forms.ModelChoiceField(
        label="执法场所（如在音像记录场所内）", queryset=RecordingPlace.objects.none(), required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"shown_at": now_local(), "place": case.place_address})
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _case_officers(case)  # type: ignore[attr-defined]
        self.fields["room"].queryset = _rooms(case)  # type: ignore[attr-defined]


class DeviceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        holder = f"（{obj.officer.name}）" if obj.officer_id else ""
        return f"{obj.asset_number} {obj.model_name}{holder}"


class RecordingForm(forms.Form):
    sha256 = forms.CharField(
        label="音像文件 SHA-256",
        min_length=64,
        max_length=64,
        help_text="先在上方选择文件上传；上传校验完成后自动填入。",
    )
    officer = OfficerChoice(label="记录人员", queryset=Officer.objects.none())
    device = DeviceChoice(label="执法记录仪", queryset=Device.objects.none(), required=False)
    room = forms.ModelChoiceField(label="音像记录场所", queryset=RecordingPlace.objects.none(), required=False)
    place = forms.CharField(label="地点", max_length=300)
    started_at = when_field("开始时间")
    ended_at = when_field("结束时间")
    full_process = forms.BooleanField(label="全过程记录（连续、无中断）", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"place": case.place_address, "ended_at": now_local()})
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _case_officers(case)  # type: ignore[attr-defined]
        self.fields["device"].queryset = (  # type: ignore[attr-defined]
            Device.objects.filter(agency_id=case.agency_id)
            .exclude(status=DeviceStatus.RETIRED)
            .select_related("officer")
            .order_by("asset_number")
        )
        self.fields["room"].queryset = _rooms(case)  # type: ignore[attr-defined]
        self.fields["sha256"].widget.attrs.update({"data-upload-target": "recording", "autocomplete": "off"})

    def clean_sha256(self) -> str:
        value: str = self.cleaned_data["sha256"].strip().lower()
        if any(c not in "0123456789abcdef" for c in value):
            raise forms.ValidationError("SHA-256 应为 64 位十六进制数。")
        return value


class DocumentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.template_name}（{obj.number}）"


class ServeForm(forms.Form):
    document = DocumentChoice(label="文书", queryset=CaseDocument.objects.none())
    method = forms.ChoiceField(label="送达方式", choices=ServiceMethod.choices)
    served_at = when_field("送达时间")
    recipient = forms.CharField(label="受送达人", max_length=100)
    receipt_sha256 = forms.CharField(
        label="送达回证文件 SHA-256（可选）",
        required=False,
        max_length=64,
        help_text="可先在上方上传送达回证的扫描件；上传完成后自动填入。",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"served_at": now_local()})
        super().__init__(*args, **kwargs)

        self.fields["document"].queryset = IssuedDocument.objects.filter(  # type: ignore[attr-defined]
            case_link__case=case
        ).order_by("issued_at", "pk")
        self.fields["receipt_sha256"].widget.attrs.update({"data-upload-target": "receipt", "autocomplete": "off"})


def band_choices(item: EnforcementItem) -> list[tuple[str, str]]:
    bands = item.discretion_benchmark if isinstance(item.discretion_benchmark, list) else []
    choices = []
    for number, band in enumerate(bands, start=1):
        if not isinstance(band, dict):
            continue
        low, high = band.get("fine_min") or "", band.get("fine_max") or ""
        money = f"，{yuan_display(Decimal(low))}至{yuan_display(Decimal(high))}" if low and high else ""
        text = f"第{number}档：{band.get('circumstance', '')}（{band.get('sanction', '')}{money}）"
        choices.append((str(number), text))
    return choices


class PenaltyForm(forms.Form):
    amount = forms.DecimalField(
        label="拟罚款金额（元；警告填 0）", min_value=Decimal(0), decimal_places=2, max_digits=14
    )
    band = forms.TypedChoiceField(label="适用裁量档次", coerce=int, required=False, empty_value=None)
    reason = forms.CharField(
        label="超出裁量基准的理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="超出所选档次的幅度时必填，案件将列为重大案件。",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["band"].choices = [("", "—"), *band_choices(case.item)]  # type: ignore[attr-defined]


class ExtendForm(forms.Form):
    deadline_key = forms.ChoiceField(label="期限")
    days = forms.IntegerField(label="延长天数", min_value=1)
    reason = forms.CharField(label="延长理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, process: Process, step: Step, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deadline_key"].choices = [  # type: ignore[attr-defined]
            (deadline.key, f"{owner.name}：{deadline.text}") for owner, deadline in extendable_deadlines(process, step)
        ]


class RecusalRequestForm(forms.Form):
    officer = OfficerChoice(label="申请回避的执法人员", queryset=Officer.objects.none())
    applicant = forms.CharField(
        label="申请人", required=False, max_length=100, help_text="当事人申请的写当事人；本人申请的可不填"
    )
    reason = forms.CharField(label="回避理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pending = CaseOfficer.objects.filter(case=case, recusal_requested_at__isnull=False, recusal_decision="")
        self.fields["officer"].queryset = _case_officers(case).exclude(  # type: ignore[attr-defined]
            pk__in=pending.values("officer_id")
        )


class RecusalDecideForm(forms.Form):
    officer = OfficerChoice(label="执法人员", queryset=Officer.objects.none())
    decision = forms.ChoiceField(label="决定", choices=[("approve", "准予回避"), ("refuse", "不予回避")])
    note = forms.CharField(label="说明（不予回避须说明理由）", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Officer.objects.filter(  # type: ignore[attr-defined]
            case_roles__case=case, case_roles__recusal_requested_at__isnull=False, case_roles__recusal_decision=""
        )


class OfficerAddForm(forms.Form):
    officer = OfficerChoice(label="指派执法人员", queryset=Officer.objects.none())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _published_officers(case.agency).exclude(  # type: ignore[attr-defined]
            case_roles__case=case
        )


# --- documents -------------------------------------------------------------------------------------------------------


def document_field_names(case: Case, template_code: str) -> list[str]:
    """The placeholders of ``template_code`` the officer fills: not what the case or the issue fills, and no list
    unless the template needs it."""
    filled = {k for k, v in case_document_context(case).items() if v not in (None, "", [])}
    names = []
    for name in TEMPLATES[template_code].placeholders:
        if name in AUTO_FILLED or name in filled or name == "officers":
            continue
        if name in LIST_PLACEHOLDERS and name in OPTIONAL:
            continue
        names.append(name)
    return names


class DocumentForm(forms.Form):
    """The fields of one document template that only the officer knows; list fields are JSON arrays."""

    template_code = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, template_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_code"].initial = template_code
        self.code = template_code
        self.list_names: list[str] = []
        for name in document_field_names(case, template_code):
            required = name not in OPTIONAL
            if name in LIST_PLACEHOLDERS:
                self.list_names.append(name)
                self.fields[name] = forms.CharField(
                    label=label_of(name),
                    required=required,
                    widget=forms.Textarea(attrs={"rows": 4, "class": "lines"}),
                    help_text=f"JSON 列表，如 {LIST_HINTS.get(name, '[]')}",
                )
            elif name in LONG_PLACEHOLDERS:
                self.fields[name] = forms.CharField(
                    label=label_of(name), required=required, widget=forms.Textarea(attrs={"rows": 3})
                )
            else:
                self.fields[name] = forms.CharField(label=label_of(name), required=required, max_length=500)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.list_names:
            text = cleaned.get(name)
            if not text:
                continue
            try:
                value = json.loads(text)
            except ValueError:
                self.add_error(name, "请填写 JSON 列表（方括号内每项一个对象）。")
                continue
            if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
                self.add_error(name, "应为 JSON 列表，每项一个对象。")
                continue
            cleaned[name] = value
        return cleaned

    def fields_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "template_code" and v not in (None, "", [])}
