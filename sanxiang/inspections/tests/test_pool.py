"""Target pool import/export (检查对象名录库): all-or-nothing, row errors with row and column, ledger entries."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from sanxiang.core.errors import PermissionDenied
from sanxiang.inspections.models import Target
from sanxiang.inspections.pool import COLUMNS, targets_export, targets_import
from sanxiang.inspections.tests.conftest import InspectionWorld, make_uscc, target_data
from sanxiang.ledger.models import Entry

pytestmark = pytest.mark.django_db

HEADERS = [h for h, _ in COLUMNS if h != "在库"]


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header if header is not None else HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(serial: int, **changes: Any) -> list[Any]:
    data = target_data(serial, **changes)
    return [data[name] for _, name in COLUMNS if name != "active"]


def counts() -> tuple[int, int]:
    return Target.objects.count(), Entry.objects.count()


def test_good_file_creates_targets_with_ledger_entries(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    entries = Entry.objects.count()
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([row_of(101), row_of(102, risk="B类")]))
    assert result.ok and result.written, result.messages
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert Target.objects.get(uscc=target_data(102)["uscc"]).risk == "B"
    assert Entry.objects.count() == entries + 2
    assert set(Entry.objects.order_by("-seq").values_list("action", flat=True)[:2]) == {"target.create"}


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    before = counts()
    bad_check_digit = make_uscc(104, "211103")[:-1] + ("0" if make_uscc(104, "211103")[-1] != "0" else "1")
    rows = [row_of(103), row_of(104, uscc=bad_check_digit), row_of(105), row_of(106, region="12"), row_of(107)]
    rows[4][6] = "E"
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx(rows))
    assert not result.ok and not result.written
    assert counts() == before
    by_row = {(e.row, e.column) for e in result.errors}
    assert (3, "统一社会信用代码") in by_row
    assert (5, "行政区划代码") in by_row
    assert (6, "风险分类") in by_row
    assert {e.row for e in result.errors} == {3, 5, 6}
    assert all("第" in m and "行" in m for m in result.messages)


def test_duplicate_uscc_in_file(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    before = counts()
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([row_of(110), row_of(111), row_of(110)]))
    assert counts() == before
    assert [(e.row, e.column) for e in result.errors] == [(4, "统一社会信用代码")]
    assert "与第2行重复" in result.messages[0]


def test_bad_header(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    before = counts()
    header = ["统一社会信用代码", "名称", "名称", "地址", "行政区划代码", "行业", "风险等级"]
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([row_of(120)], header=header))
    assert counts() == before
    text = "\n".join(result.messages)
    assert "未知的列“风险等级”" in text
    assert "“名称”列重复" in text
    assert "缺少“风险分类”列" in text
    assert all(e.row == 1 for e in result.errors)


def test_not_a_workbook(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    result = targets_import(actor=b.officer, agency=b.agency, file=b"not a zip")
    assert result.messages == ["无法读取文件：请上传 Excel 工作簿（.xlsx）。"]


def test_update_writes_one_entry_and_unchanged_rows_none(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    seq = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    rows = [row_of(1, address="盘锦市新地址1号"), row_of(2), row_of(3)]
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx(rows))
    assert result.written and (result.created, result.updated, result.unchanged) == (0, 1, 2)
    new = list(Entry.objects.filter(seq__gt=seq).values_list("action", flat=True))
    assert new == ["target.update"]
    assert Target.objects.get(uscc=target_data(1)["uscc"]).address == "盘锦市新地址1号"


def test_dry_run_counts_and_writes_nothing(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    before = counts()
    rows = [row_of(1, address="别处"), row_of(2), row_of(130)]
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx(rows), dry_run=True)
    assert result.ok and not result.written
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert counts() == before


def test_in_pool_no_removes(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    header = [*HEADERS, "在库"]
    result = targets_import(
        actor=b.officer, agency=b.agency, file=xlsx([[*row_of(4), "否"], [*row_of(5), "是"]], header=header)
    )
    assert result.written and (result.removed, result.unchanged) == (1, 1), result.messages
    target = Target.objects.get(uscc=target_data(4)["uscc"])
    assert not target.active
    assert Entry.objects.order_by("-seq").first().action == "target.remove"  # type: ignore[union-attr]
    # 否 for a USCC not in the pool is a row error.
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([[*row_of(140), "否"]], header=header))
    assert [(e.row, e.column) for e in result.errors] == [(2, "在库")]


@pytest.mark.parametrize("who", ["supervisor", "outsider", "leader"])
def test_only_pool_keepers_import(inspection_world: InspectionWorld, who: str) -> None:
    b = inspection_world.bureau
    before = counts()
    with pytest.raises(PermissionDenied):
        targets_import(actor=getattr(b, who), agency=b.agency, file=xlsx([row_of(150)]))
    assert counts() == before


def test_export_then_import_changes_nothing(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    from sanxiang.inspections.services import target_remove

    target_remove(actor=b.officer, target=inspection_world.targets[0], reason="注销")
    data = targets_export(b.agency)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == [h for h, _ in COLUMNS]
    assert sheet.max_row == 13
    before = counts()
    result = targets_import(actor=b.officer, agency=b.agency, file=data)
    assert result.written and result.unchanged == 12 and result.created == result.updated == result.removed == 0
    assert counts() == before


def test_template_is_header_only() -> None:
    sheet = load_workbook(io.BytesIO(targets_export(None))).worksheets[0]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [[h for h, _ in COLUMNS]]


def test_too_many_rows(inspection_world: InspectionWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from sanxiang.inspections import pool

    b = inspection_world.bureau
    monkeypatch.setattr(pool, "MAX_ROWS", 2)
    before = counts()
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([row_of(160), row_of(161), row_of(162)]))
    assert not result.written and counts() == before
    assert result.messages == ["第4行：一次最多导入2行，请分成几个文件导入。"]


def test_numbers_and_blank_rows_are_read_as_text(inspection_world: InspectionWorld) -> None:
    """A region code typed as a number and empty rows between the data are fine."""
    b = inspection_world.bureau
    row = row_of(170)
    row[4] = int(row[4])
    result = targets_import(actor=b.officer, agency=b.agency, file=xlsx([[], row, [None] * 7, row_of(171)]))
    assert result.written and result.created == 2, result.messages
    assert Target.objects.get(uscc=target_data(170)["uscc"]).region == target_data(170)["region"]


_CELL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(_CELL_TEXT, min_size=1, max_size=4),
    sector=_CELL_TEXT,
    legal=st.one_of(st.just(""), _CELL_TEXT),
    risk=st.sampled_from("ABCD"),
    region=st.sampled_from(["211100", "211102", "211103"]),
)
def test_export_then_import_round_trips_generated_targets(
    bureau: Any, names: list[str], sector: str, legal: str, risk: str, region: str
) -> None:
    """Whatever text staff type (formula-like, digits only, spaces), an export imports back unchanged."""
    from sanxiang.inspections.services import target_save

    with transaction.atomic():
        for serial, name in enumerate(names):
            data = {**target_data(serial, region=region), "name": name, "sector": sector, "risk": risk}
            target_save(actor=bureau.officer, agency=bureau.agency, data={**data, "legal_representative": legal})
        workbook = targets_export(bureau.agency)
        entries = Entry.objects.count()
        result = targets_import(actor=bureau.officer, agency=bureau.agency, file=workbook)
        assert result.written, result.messages
        assert result.unchanged == len(names) and result.created == result.updated == 0
        assert Entry.objects.count() == entries
        transaction.set_rollback(True)


def test_a_removed_target_in_the_file_comes_back_and_the_preview_says_so(inspection_world: InspectionWorld) -> None:
    from sanxiang.inspections.services import target_remove

    b = inspection_world.bureau
    target_remove(actor=b.officer, target=inspection_world.targets[5], reason="迁出")
    file = xlsx([row_of(6), row_of(7)])
    preview = targets_import(actor=b.officer, agency=b.agency, file=file, dry_run=True)
    result = targets_import(actor=b.officer, agency=b.agency, file=file)
    assert (preview.updated, preview.unchanged) == (result.updated, result.unchanged) == (1, 1)
    assert Target.objects.get(pk=inspection_world.targets[5].pk).active
    assert Entry.objects.order_by("-seq").first().action == "target.update"  # type: ignore[union-attr]
