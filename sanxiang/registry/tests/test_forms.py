"""The line-based widgets for structured fields read back what they show."""

from __future__ import annotations

import pytest
from django import forms

from sanxiang.registry.forms import DiscretionField, LegalBasisField, PlaceholdersField


def test_legal_basis_lines_round_trip():
    field = LegalBasisField()
    value = field.clean("中华人民共和国安全生产法｜第九十七条\n\n  安全生产许可证条例 \n")
    assert value == [
        {"law": "中华人民共和国安全生产法", "article": "第九十七条"},
        {"law": "安全生产许可证条例", "article": ""},
    ]
    assert field.prepare_value(value) == "中华人民共和国安全生产法|第九十七条\n安全生产许可证条例"
    assert field.clean(field.prepare_value(value)) == value


def test_discretion_lines_keep_empty_fines_and_reject_extra_columns():
    field = DiscretionField()
    value = field.clean("首次|警告||\n严重|罚款|1万|3万")
    assert value[0] == {"circumstance": "首次", "sanction": "警告", "fine_min": "", "fine_max": ""}
    assert value[1]["fine_max"] == "3万"  # the service judges amounts and says what is wrong in Chinese
    with pytest.raises(forms.ValidationError, match="第2行多了"):
        field.clean("a|b|1|2\na|b|1|2|3")


def test_placeholders_lines():
    field = PlaceholdersField()
    value = field.clean("party_name|当事人名称|必填\ncase_no|案号|选填")
    assert value == [
        {"name": "party_name", "label": "当事人名称", "required": True},
        {"name": "case_no", "label": "案号", "required": False},
    ]
    assert field.prepare_value(value) == "party_name|当事人名称|必填\ncase_no|案号|选填"
