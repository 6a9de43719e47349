"""``sanxiang draw-verify``: recompute a draw by id or from a published file; exit 0 only when everything matches."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sanxiang.inspections.services import draw_commit, draw_document, draw_perform
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.test_public import snapshots_in_tmp  # noqa: F401 - autouse fixture


def drawn(w: InspectionWorld) -> Any:
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    return draw_perform(actor=w.bureau.head, draw=draw, observer_name="监督员", observer_value="20261124")


def test_a_drawn_draw_verifies_by_id_and_from_its_file(inspection_world: InspectionWorld, tmp_path: Path) -> None:
    draw = drawn(inspection_world)
    out = io.StringIO()
    call_command("draw-verify", str(draw.pk), stdout=out)
    text = out.getvalue()
    assert text.count("一致") >= 6 and "不一致" not in text and draw.commitment in text and draw.final_seed in text
    assert draw.selection[0]["target"] in text
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(draw_document(draw), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("draw-verify", "--file", str(path), stdout=out)
    assert "核验通过" in out.getvalue()


def test_a_changed_file_a_committed_draw_and_a_missing_one_exit_1(
    inspection_world: InspectionWorld, tmp_path: Path
) -> None:
    draw = drawn(inspection_world)
    doc = draw_document(draw)
    doc["selection"] = list(reversed(doc["selection"]))
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("draw-verify", "--file", str(path), stdout=out)
    assert failed.value.returncode == 1 and "抽取结果：不一致" in out.getvalue()
    doc = draw_document(draw)
    doc["targets"] = doc["targets"][1:]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("draw-verify", "--file", str(path), stdout=out)
    assert "targets_sha256" in out.getvalue() and "不一致" in out.getvalue()
    committed = draw_commit(actor=inspection_world.bureau.head, plan=inspection_world.plan())
    for args in ([str(committed.pk)], [str(committed.pk + 99)], [], ["--file", str(tmp_path / "absent.json")]):
        with pytest.raises(CommandError) as refused:
            call_command("draw-verify", *args, stdout=io.StringIO())
        assert refused.value.returncode == 1
