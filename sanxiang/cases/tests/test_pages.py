"""The charts on the portal (anonymous) and in the workspace (staff only)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from sanxiang.cases.processes import PROCESSES
from sanxiang.conftest import client_for


def test_the_portal_lists_every_process_with_its_chart(client, db):
    response = client.get(reverse("portal:flowcharts"))
    assert response.status_code == 200
    text = response.content.decode()
    for key, process in PROCESSES.items():
        assert process.name in text
        assert f'<img src="{reverse("portal:flowchart-svg", args=[key])}"' in text
        assert reverse("portal:flowchart", args=[key]) in text
    assert "随案件流程发布" not in text


@pytest.mark.parametrize("key", list(PROCESSES))
def test_each_process_page_has_the_chart_and_the_steps_as_text(client, db, key):
    process = PROCESSES[key]
    response = client.get(reverse("portal:flowchart", args=[key]))
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("portal:flowchart-svg", args=[key]) in text
    for step in process.steps:
        assert f"<h3>{step.name}" in text
        assert "、".join(step.role_names) in text
        if step.deadline:
            assert step.deadline.text in text and step.deadline.basis in text
        for name in step.document_names:
            assert name in text


def test_the_penalty_page_names_documents_recordings_and_legal_basis(client, db):
    text = client.get(reverse("portal:flowchart", args=["penalty-general"])).content.decode()
    assert "行政处罚决定书" in text and "送达回执" in text
    assert "应当音像记录；现场出示执法证件并记录" in text
    assert "行政处罚法第六十条" in text
    assert "立案之日起90日内（经批准可延长）" in text


@pytest.mark.parametrize("key", list(PROCESSES))
def test_the_svg_is_served_to_anyone_with_type_and_cache_headers(client, db, key):
    response = client.get(reverse("portal:flowchart-svg", args=[key]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response["ETag"]
    assert ET.fromstring(response.content).tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 - our own output
    again = client.get(reverse("portal:flowchart-svg", args=[key]), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_unknown_processes_are_404(client, db):
    assert client.get("/flowcharts/no-such-process.svg").status_code == 404
    assert client.get("/flowcharts/no-such-process/").status_code == 404


def test_the_svg_answers_503_without_graphviz(client, db, monkeypatch):
    from sanxiang.cases import flowcharts

    flowcharts.clear_cache()
    monkeypatch.setattr(flowcharts.shutil, "which", lambda name: None)
    response = client.get(reverse("portal:flowchart-svg", args=["licence"]))
    assert response.status_code == 503
    assert "graphviz" in response.content.decode()


def test_the_workspace_page_needs_a_login(client, db):
    response = client.get(reverse("cases:processes"))
    assert response.status_code == 302
    assert reverse("workspace:login") in response["Location"]


def test_staff_see_every_chart_in_the_workspace(bureau):
    response = client_for(bureau.officer).get(reverse("cases:processes"))
    assert response.status_code == 200
    text = response.content.decode()
    for key, process in PROCESSES.items():
        assert process.name in text
        assert reverse("portal:flowchart-svg", args=[key]) in text
    assert 'aria-current="page">办案流程' in text
