"""Forms of the review pages: parsing only. Every check that matters is the services' (``review.services``); a form
turns text into the types a service takes and offers the choices that make sense."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from sanxiang.cases.models import Circumstance, Sanction
from sanxiang.cases.processes import KIND_LABELS
from sanxiang.org.models import Agency, EnforcementLevel, Role, User
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.models import MajorDecisionRule, Outcome
from sanxiang.staff.forms import when_field

OK_CHOICES = [("ok", "无问题"), ("fault", "存在问题")]


def _users_with(agency: Agency, role: str) -> Any:
    return (
        User.objects.filter(role_assignments__agency=agency, role_assignments__role=role, role_assignments__active=True)
        .distinct()
        .order_by("full_name", "username")
    )


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _text(label: str, *, required: bool = True, rows: int = 3, max_length: int = 4000) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class RequestForm(forms.Form):
    complex = forms.BooleanField(label="情况复杂（审核期限另加3个工作日）", required=False)
    note = _text("送审说明", required=False, rows=2)


class PreliminaryForm(forms.Form):
    decision = forms.ChoiceField(
        label="初审结论",
        choices=[("approve", "同意，报科室负责人签署"), ("return", "退回补正")],
        widget=forms.RadioSelect,
    )
    opinion = _text("初审意见", required=False)


class HeadSignForm(forms.Form):
    opinion = _text("科室负责人意见", required=False, rows=2)


class ConsultForm(forms.Form):
    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"] = UserChoice(
            label="法律顾问", queryset=_users_with(agency, Role.LEGAL_ADVISER), empty_label="请选择"
        )
        self.fields["question"] = _text("咨询事项", required=False)


class OpinionForm(forms.Form):
    opinion = _text("法律顾问意见", required=False, rows=5)


class DecideForm(forms.Form):
    """The 11 points of the checklist (无问题 / 存在问题 + opinion each), the outcome and the opinion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for point in CHECKLIST:
            self.fields[f"{point.key}_ok"] = forms.ChoiceField(
                label=point.name, choices=OK_CHOICES, widget=forms.RadioSelect, required=False
            )
            self.fields[f"{point.key}_opinion"] = forms.CharField(
                label=f"{point.name}：意见", required=False, max_length=2000
            )
        self.fields["outcome"] = forms.ChoiceField(
            label="审核结论", choices=[("", "请选择"), *Outcome.choices], required=False
        )
        self.fields["opinion"] = _text("审核意见", required=False, rows=5)

    def points(self) -> list[tuple[Any, Any, Any]]:
        return [(point, self[f"{point.key}_ok"], self[f"{point.key}_opinion"]) for point in CHECKLIST]

    def checklist(self) -> dict[str, Any]:
        """The checklist as the service takes it; a point left unanswered is sent without ``ok`` (the service names
        it)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for point in CHECKLIST:
            answer = data.get(f"{point.key}_ok")
            entry: dict[str, Any] = {"opinion": data.get(f"{point.key}_opinion", "")}
            if answer in ("ok", "fault"):
                entry["ok"] = answer == "ok"
            out[point.key] = entry
        return out


class DisagreeForm(forms.Form):
    opinion = _text("承办机构的意见和理由", required=False, rows=5)


class CoordinateForm(forms.Form):
    outcome = forms.ChoiceField(label="协调结论", choices=[("", "请选择"), *Outcome.choices], required=False)
    opinion = _text("协调意见", required=False, rows=4)


class CollectiveForm(forms.Form):
    held_at = when_field("讨论时间")
    place = forms.CharField(label="地点", max_length=200, required=False)
    host = forms.CharField(label="主持人", max_length=50, required=False)
    attendees = _text("出席人员（每行一人）", required=False, rows=4)
    opinions = _text("发表意见（每行一条：姓名：意见）", required=False, rows=6)
    conclusion = _text("讨论结论", required=False)

    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("attendees", "").splitlines() if line.strip()]

    def opinion_list(self) -> list[dict[str, str]]:
        rows = []
        for line in self.cleaned_data.get("opinions", "").splitlines():
            if not line.strip():
                continue
            for separator in ("：", ":"):
                if separator in line:
                    name, opinion = line.split(separator, 1)
                    break
            else:
                name, opinion = line, ""
            rows.append({"name": name.strip(), "opinion": opinion.strip()})
        return rows


class RuleForm(forms.Form):
    scope = forms.ChoiceField(label="适用范围", choices=[("agency", "本机关"), ("all", "本系统所有执法主体")])
    code = forms.CharField(label="编码", max_length=40, required=False)
    name = forms.CharField(label="情形", max_length=200, required=False)
    case_kind = forms.ChoiceField(
        label="案件类别", required=False, choices=[("", "不限"), *[(str(k), v) for k, v in KIND_LABELS.items()]]
    )
    level = forms.ChoiceField(label="执法层级", required=False, choices=[("", "不限"), *EnforcementLevel.choices])
    sector = forms.CharField(label="所属领域（空：不限）", max_length=50, required=False)
    fine_person_min = forms.DecimalField(label="对公民罚款不低于（元）", required=False, min_value=0, decimal_places=2)
    fine_organisation_min = forms.DecimalField(
        label="对法人或其他组织罚款不低于（元）", required=False, min_value=0, decimal_places=2
    )
    sanctions = forms.MultipleChoiceField(
        label="处罚种类", required=False, choices=Sanction.choices, widget=forms.CheckboxSelectMultiple
    )
    hearing_held = forms.BooleanField(label="经过听证", required=False)
    circumstances = forms.MultipleChoiceField(
        label="情形", required=False, choices=Circumstance.choices, widget=forms.CheckboxSelectMultiple
    )
    basis = _text("依据", required=False, rows=2)

    FIELDS = (
        "code",
        "name",
        "case_kind",
        "level",
        "sector",
        "fine_person_min",
        "fine_organisation_min",
        "sanctions",
        "hearing_held",
        "circumstances",
        "basis",
    )

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.FIELDS}

    @classmethod
    def initial_for(cls, rule: MajorDecisionRule) -> dict[str, Any]:
        initial = {name: getattr(rule, name) for name in cls.FIELDS}
        initial["scope"] = "all" if rule.agency_id is None else "agency"
        return initial


class DeactivateForm(forms.Form):
    note = forms.CharField(label="停用理由", max_length=500, required=False)


class QualifyForm(forms.Form):
    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = UserChoice(
            label="法制审核人员", queryset=_users_with(agency, Role.LEGAL_REVIEWER), empty_label="请选择"
        )
        self.fields["qualified"] = forms.BooleanField(label="具备审核资格", required=False, initial=True)
        self.fields["first_time"] = forms.BooleanField(label="初次从事法制审核", required=False, initial=True)
        self.fields["legal_qualification_number"] = forms.CharField(
            label="法律职业资格证书编号", max_length=40, required=False
        )
        self.fields["appointed_on"] = forms.DateField(
            label="任职日期", widget=forms.DateInput(attrs={"type": "date"}), initial=dt.date.today
        )
        self.fields["note"] = forms.CharField(label="备注", max_length=500, required=False)


class TrainingForm(forms.Form):
    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = UserChoice(
            label="审核人员", queryset=_users_with(agency, Role.LEGAL_REVIEWER), empty_label="请选择"
        )
        self.fields["held_on"] = forms.DateField(label="培训日期", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["hours"] = forms.CharField(label="学时", max_length=10, required=False)
        self.fields["topic"] = forms.CharField(label="培训内容", max_length=200, required=False)
        self.fields["organiser"] = forms.CharField(label="组织单位", max_length=100, required=False)


class RangeForm(forms.Form):
    start = forms.DateField(label="送审起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="送审截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def range(self) -> tuple[dt.date, dt.date]:
        """The chosen range, by default the current year up to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or dt.date(today.year, 1, 1)
        end = data.get("end") or today
        if end < start:
            start, end = end, start
        return start, end
