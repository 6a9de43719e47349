"""Form pieces the staff pages of every app share: date-time inputs read in the deployment's zone, and the Excel
upload of the all-or-nothing imports. Forms only parse; every rule that matters is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

DATETIME_INPUT = "%Y-%m-%dT%H:%M:%S"


class DateTimeLocal(forms.DateTimeInput):
    """``<input type="datetime-local">`` to the second; the browser sends local time, read in the server's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"step": "1", **(attrs or {})}, format=DATETIME_INPUT)


def now_local() -> str:
    """Now in the deployment's zone, as a ``DateTimeLocal`` value (the default of "when did it happen" fields)."""
    return timezone.localtime().strftime(DATETIME_INPUT)


def when_field(label: str, *, required: bool = True) -> forms.DateTimeField:
    """A moment typed in local time, to the second (minutes and a space-separated form accepted too)."""
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeLocal(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class ImportForm(forms.Form):
    """One .xlsx file for an all-or-nothing import (the lists, the target pool)."""

    file = forms.FileField(label="Excel 文件（.xlsx）")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        return upload
