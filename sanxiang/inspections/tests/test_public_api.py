"""The public API of random inspections (/api/v1/public/inspection-*): a draft plan is not there, the bureau's seed is
nowhere before the draw, the published document verifies with docs/draw_verify.py and is the portal's draw.json byte
for byte, and each drawn target shows its result and, once published, the result's publication."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.urls import reverse

from sanxiang.disclosure import services as disclosure
from sanxiang.disclosure.models import DecisionKind, PublicationTask
from sanxiang.inspections.models import DrawnTarget, DrawSecret
from sanxiang.inspections.services import draw_commit
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.helpers import evidence_in_tmp, perform
from sanxiang.inspections.tests.test_results import close_none_found, close_rectified, quick_pdf

__all__ = ["evidence_in_tmp", "quick_pdf"]

API = "/api/v1/public"
SCRIPT = Path(django_settings.BASE_DIR).parent / "docs" / "draw_verify.py"


def secret_of(draw: Any) -> str:
    return str(DrawSecret.objects.get(pk=draw.secret_id).bureau_seed)


def test_a_draft_plan_is_404_and_not_listed(inspection_world: InspectionWorld, client: Any) -> None:
    draft = inspection_world.plan(publish=False)
    published = inspection_world.plan()
    assert client.get(f"{API}/inspection-plans/{draft.pk}/").status_code == 404
    assert client.get(f"{API}/inspection-plans/{draft.pk}/").json()["detail"] == "未找到该抽查计划（可能尚未公布）。"
    listed = client.get(f"{API}/inspection-plans/").json()
    assert [p["id"] for p in listed] == [published.pk]
    shown = client.get(f"{API}/inspection-plans/{published.pk}/").json()
    assert (shown["code"], shown["state"], shown["draw_ids"]) == (published.code, "published", [])
    assert shown["items"] == [inspection_world.item.name]
    assert client.get(f"{API}/inspection-draws/999999/").status_code == 404


def test_filters_by_agency_and_year(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    this_year = w.plan()
    next_year = w.plan(year=2027, title="2027年抽查")
    draw_commit(actor=w.bureau.head, plan=next_year)
    assert [p["id"] for p in client.get(f"{API}/inspection-plans/?year=2026").json()] == [this_year.pk]
    assert [p["id"] for p in client.get(f"{API}/inspection-plans/?year=2027").json()] == [next_year.pk]
    assert client.get(f"{API}/inspection-plans/?agency={w.bureau.other_agency.pk}").json() == []
    assert len(client.get(f"{API}/inspection-plans/?agency={w.bureau.agency.pk}").json()) == 2
    assert [d["plan_id"] for d in client.get(f"{API}/inspection-draws/?year=2027").json()] == [next_year.pk]
    assert client.get(f"{API}/inspection-draws/?year=2026").json() == []


def test_no_seed_before_the_draw_and_a_document_that_verifies_after(
    inspection_world: InspectionWorld, client: Any, tmp_path: Path
) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    secret = secret_of(draw)
    listing = client.get(f"{API}/inspection-draws/")
    detail = client.get(f"{API}/inspection-draws/{draw.pk}/")
    document = client.get(f"{API}/inspection-draws/{draw.pk}/document")
    plan = client.get(f"{API}/inspection-plans/{draw.plan_id}/")
    for response in (listing, detail, document, plan):
        assert response.status_code == 200
        assert secret not in response.content.decode()
    shown = detail.json()
    assert (shown["state"], shown["bureau_seed"], shown["final_seed"], shown["selection"]) == ("committed", "", "", [])
    assert shown["commitment"] == draw.commitment and plan.json()["draw_ids"] == [draw.pk]
    assert set(json.loads(document.content)) == {
        "version",
        "seed_sha256",
        "targets_sha256",
        "inspectors_sha256",
        "plan_sha256",
        "commitment",
    }

    draw = perform(w, draw)
    document = client.get(f"{API}/inspection-draws/{draw.pk}/document")
    assert document["Content-Type"] == "application/json; charset=utf-8"
    portal = client.get(reverse("portal:inspection-draw-json", args=[draw.pk]))
    assert document.content == portal.content  # the API's document is the portal's draw.json, byte for byte
    path = tmp_path / "draw.json"
    path.write_bytes(document.content)
    ran = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "不一致" not in ran.stdout
    doc = json.loads(document.content)
    assert doc["bureau_seed"] == secret and doc["selection"] == draw.selection
    shown = client.get(f"{API}/inspection-draws/{draw.pk}/").json()
    assert (shown["state"], shown["bureau_seed"], shown["final_seed"]) == ("drawn", secret, draw.final_seed)
    assert [row["uscc"] for row in shown["selection"]] == [s["target"] for s in draw.selection]
    # A document changed by one byte of its seed no longer verifies.
    doc["bureau_seed"] = ("0" if secret[0] != "0" else "1") + secret[1:]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ran = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False)
    assert ran.returncode != 0


def test_selection_rows_show_results_and_the_publication_once_published(
    inspection_world: InspectionWorld, client: Any
) -> None:
    w = inspection_world
    plan = w.plan(classes=[{"risk": "A", "count": 2}])
    draw = perform(w, draw_commit(actor=w.bureau.head, plan=plan))
    rows = list(DrawnTarget.objects.filter(draw=draw).select_related("case", "target").order_by("position"))
    url = f"{API}/inspection-draws/{draw.pk}/"
    before = client.get(url).json()["selection"]
    assert [(r["result"], r["result_label"], r["result_on"], r["publication_id"]) for r in before] == [
        ("", "", None, None),
        ("", "", None, None),
    ]
    assert [r["inspectors"] for r in before] == [row.inspectors for row in rows]
    assert all(len(r["inspector_names"]) == 2 and r["inspector_names"] != r["inspectors"] for r in before)

    case = close_none_found(w, rows[0])
    close_rectified(w, rows[1])
    closed = client.get(url).json()["selection"]
    assert [(r["result"], r["result_label"]) for r in closed] == [
        ("none_found", "未发现问题"),
        ("rectified", "发现问题，已责令整改"),
    ]
    assert all(r["result_on"] and r["publication_id"] is None for r in closed)  # results kept, not yet published

    task = PublicationTask.objects.get(case=case, decision_kind=DecisionKind.INSPECTION)
    publication = disclosure.publication_publish(actor=w.bureau.reviewer, task=task)
    assert publication is not None
    published = client.get(url).json()["selection"]
    assert [r["publication_id"] for r in published] == [publication.pk, None]
    shown = client.get(f"{API}/publications/{publication.pk}/")
    assert shown.status_code == 200 and shown.json()["decision_kind"] == "inspection"
