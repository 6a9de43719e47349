"""The generic canonical state and its digest: same bytes on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.conftest import make_agency
from sanxiang.core.canonical import canonical_json, canonical_state, state_digest, to_json_value
from sanxiang.registry.models import InspectionItem

FIXED = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


def _fixed_item() -> InspectionItem:
    agency = make_agency("兴隆台区应急管理局", id=41)
    InspectionItem.objects.create(
        id=7,
        agency=agency,
        code="CC-001",
        name="危险化学品经营单位安全生产条件检查",
        inspecting_body="兴隆台区应急管理局",
        basis="《中华人民共和国安全生产法》第六十五条",
        target_type="危险化学品经营单位",
        content="安全生产责任制落实情况",
        method="现场检查",
        ratio_percent=decimal.Decimal("5.50"),
        frequency="每年一次",
    )
    InspectionItem.objects.filter(pk=7).update(created_at=FIXED, updated_at=FIXED)
    return InspectionItem.objects.get(pk=7)


@pytest.mark.django_db
def test_fixed_row_has_a_fixed_digest_on_every_database():
    item = _fixed_item()
    state = canonical_state(item)
    assert state["ratio_percent"] == "5.5"
    assert state["created_at"] == "2026-03-01T08:30:15.123456Z"
    assert state["agency_id"] == 41
    # The literal below was computed once; it must not change with the database backend or a refactoring.
    assert state_digest(state) == "d1cdcb35ab5c4727ebdf6b2c77fc42eb24f2645c2669edc89ff63faebaa7235a"


@pytest.mark.django_db
def test_many_to_many_sets_are_sorted_ids():
    supervisor = make_agency("兴隆台区司法局")
    a = make_agency("甲局", id=90)
    b = make_agency("乙局", id=12)
    supervisor.supervises.set([a, b])
    assert canonical_state(supervisor)["supervises"] == [12, 90]


def test_canonical_json_sorts_keys_and_keeps_chinese():
    assert canonical_json({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()


def test_floats_and_naive_datetimes_are_refused():
    with pytest.raises(TypeError):
        to_json_value(1.5)
    with pytest.raises(ValueError):
        to_json_value(dt.datetime(2026, 1, 1))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_decimals_are_canonical_whatever_their_scale(value):
    # 5.5, 5.50 and 5.500 are one amount and must give one string (backends differ in the scale they return).
    text = to_json_value(value)
    assert isinstance(text, str)
    assert decimal.Decimal(text) == value
    assert to_json_value(value.quantize(decimal.Decimal("0.000001"))) == text
    assert not text.endswith(".") and (("." not in text) or not text.endswith("0"))


@given(
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=10)), max_size=6
    )
)
def test_canonical_json_is_stable_under_key_order(mapping):
    reordered = dict(reversed(list(mapping.items())))
    assert canonical_json(mapping) == canonical_json(reordered)
    assert json.loads(canonical_json(mapping)) == mapping
