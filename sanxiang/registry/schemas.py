"""Validation of the structured fields of list entries (legal basis, discretion bands, certificate categories)."""

from __future__ import annotations

import decimal
from typing import Any

from sanxiang.core.errors import ValidationError
from sanxiang.registry.models import EnforcementCategory


def clean_legal_basis(value: Any) -> list[dict[str, str]]:
    """``[{"law": ..., "article": ...}]``; at least one law is required."""
    if not isinstance(value, list) or not value:
        raise ValidationError({"legal_basis": ["至少填写一项执法依据（法律法规名称及条款）。"]})
    result = []
    for index, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or not str(entry.get("law", "")).strip():
            raise ValidationError({"legal_basis": [f"第{index}项执法依据缺少法律法规名称。"]})
        result.append({"law": str(entry["law"]).strip(), "article": str(entry.get("article", "")).strip()})
    return result


def _money(value: Any, label: str, index: int) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = decimal.Decimal(str(value).replace(",", ""))
    except decimal.InvalidOperation as exc:
        raise ValidationError({"discretion_benchmark": [f"第{index}档{label}“{value}”不是有效金额。"]}) from exc
    if amount < 0 or not amount.is_finite():
        raise ValidationError({"discretion_benchmark": [f"第{index}档{label}不能为负数。"]})
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def clean_discretion_benchmark(value: Any) -> list[dict[str, str]]:
    """Circumstance bands → allowed range: ``[{"circumstance", "sanction", "fine_min", "fine_max"}]``."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError({"discretion_benchmark": ["裁量基准应为情形列表。"]})
    bands = []
    for index, band in enumerate(value, start=1):
        if not isinstance(band, dict) or not str(band.get("circumstance", "")).strip():
            raise ValidationError({"discretion_benchmark": [f"第{index}档缺少违法情形。"]})
        fine_min = _money(band.get("fine_min"), "罚款下限", index)
        fine_max = _money(band.get("fine_max"), "罚款上限", index)
        if bool(fine_min) != bool(fine_max):
            raise ValidationError({"discretion_benchmark": [f"第{index}档罚款上下限须同时填写。"]})
        if fine_min and decimal.Decimal(fine_min) > decimal.Decimal(fine_max):
            raise ValidationError({"discretion_benchmark": [f"第{index}档罚款下限不能高于上限。"]})
        bands.append(
            {
                "circumstance": str(band["circumstance"]).strip(),
                "sanction": str(band.get("sanction", "")).strip(),
                "fine_min": fine_min,
                "fine_max": fine_max,
            }
        )
    return bands


def clean_categories(value: Any, field: str = "categories") -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise ValidationError({field: ["至少选择一个执法类别。"]})
    labels = {label: code for code, label in EnforcementCategory.choices}
    result = []
    for raw in value:
        text = str(raw).strip()
        code = labels.get(text, text)
        if code not in EnforcementCategory.values:
            raise ValidationError({field: [f"执法类别“{text}”无效。"]})
        if code not in result:
            result.append(code)
    return sorted(result, key=EnforcementCategory.values.index)
