"""The public record of random inspections on the portal: published plans and draws, the commitment before the draw
(the bureau's seed nowhere), the seed and the selection after it, and the downloads that verify with the script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from sanxiang.inspections.models import DrawSecret
from sanxiang.inspections.services import draw_cancel, draw_commit, draw_perform
from sanxiang.inspections.tests.conftest import InspectionWorld

SCRIPT = Path(django_settings.BASE_DIR).parent / "docs" / "draw_verify.py"


@pytest.fixture(autouse=True)
def snapshots_in_tmp(settings: Any, tmp_path: Path) -> None:
    storages = dict(settings.STORAGES)
    storages["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
    }
    settings.STORAGES = storages
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"


def secret_of(draw: Any) -> str:
    return str(DrawSecret.objects.get(pk=draw.secret_id).bureau_seed)


def test_a_draft_plan_is_not_public(inspection_world: InspectionWorld, client: Any) -> None:
    draft = inspection_world.plan(publish=False)
    assert client.get(reverse("portal:inspection-plan", args=[draft.pk])).status_code == 404
    page = client.get(reverse("portal:inspections"))
    assert page.status_code == 200 and draft.code not in page.content.decode()
    published = inspection_world.plan()
    assert client.get(reverse("portal:inspection-plan", args=[published.pk])).status_code == 200
    assert published.code in client.get(reverse("portal:inspections")).content.decode()


def test_the_seed_is_hidden_until_the_draw_and_published_after(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    secret = secret_of(draw)
    page = client.get(reverse("portal:inspection-draw", args=[draw.pk])).content.decode()
    document = client.get(reverse("portal:inspection-draw-json", args=[draw.pk])).content.decode()
    listing = client.get(reverse("portal:inspections")).content.decode()
    assert draw.commitment in page and draw.seed_sha256 in page and json.loads(document)["commitment"]
    for text in (page, document, listing):
        assert secret not in text
    draw_perform(actor=w.bureau.head, draw=draw, observer_name="监督员 李四", observer_value="20261124 见证")
    page = client.get(reverse("portal:inspection-draw", args=[draw.pk])).content.decode()
    assert secret in page and "监督员 李四" in page and "20261124 见证" in page
    assert (
        json.loads(client.get(reverse("portal:inspection-draw-json", args=[draw.pk])).content)["bureau_seed"] == secret
    )


def test_the_downloaded_document_verifies_with_the_script_and_a_changed_one_fails(
    inspection_world: InspectionWorld, client: Any, tmp_path: Path
) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    draw = draw_perform(actor=w.bureau.head, draw=draw, observer_name="监督员", observer_value="20261124")
    response = client.get(reverse("portal:inspection-draw-json", args=[draw.pk]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    script = client.get(reverse("portal:inspection-draw-script", args=[draw.pk]))
    assert script.status_code == 200 and b"".join(script) == SCRIPT.read_bytes()
    good = tmp_path / "draw.json"
    good.write_bytes(response.content)
    ran = subprocess.run([sys.executable, str(SCRIPT), str(good)], capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    doc = json.loads(response.content)
    others = [t["id"] for t in doc["targets"] if t["id"] not in {s["target"] for s in doc["selection"]}]
    doc["selection"][0]["target"] = others[0]
    bad = tmp_path / "changed.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run([sys.executable, str(SCRIPT), str(bad)], capture_output=True, text=True, check=False)
    assert ran.returncode != 0 and "不一致" in ran.stdout
    page = client.get(reverse("portal:inspection-draw", args=[draw.pk])).content.decode()
    first = draw.drawn.order_by("position").first()
    assert first is not None and first.target.uscc in page and first.target.name in page


def test_the_script_download_is_404_when_the_file_is_absent(
    inspection_world: InspectionWorld, client: Any, settings: Any, tmp_path: Path
) -> None:
    draw = draw_commit(actor=inspection_world.bureau.head, plan=inspection_world.plan())
    settings.BASE_DIR = tmp_path / "sanxiang"
    assert client.get(reverse("portal:inspection-draw-script", args=[draw.pk])).status_code == 404
    assert client.get(reverse("portal:inspection-draw-script", args=[draw.pk + 99])).status_code == 404


def test_a_cancelled_draw_shows_its_reason_and_seed(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    draw_cancel(actor=w.bureau.head, draw=draw, reason="见证人未到场")
    page = client.get(reverse("portal:inspection-draw", args=[draw.pk])).content.decode()
    assert "见证人未到场" in page and secret_of(draw) in page
