"""The published flowcharts are the definitions: parse the SVG and find exactly the steps and the transitions."""

from __future__ import annotations

import dataclasses
import subprocess
import xml.etree.ElementTree as ET

import pytest

from sanxiang.cases import flowcharts
from sanxiang.cases.processes import PROCESSES, Process

SVG = "{http://www.w3.org/2000/svg}"


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def title(g: ET.Element) -> str:
    element = g.find(f"{SVG}title")
    assert element is not None and element.text is not None
    return element.text


def texts(g: ET.Element) -> list[str]:
    return [t.text or "" for t in g.iter(f"{SVG}text")]


def parse(process: Process) -> ET.Element:
    return ET.fromstring(flowcharts.flowchart_svg(process).encode())  # noqa: S314 - our own dot output


@pytest.mark.parametrize("key", list(PROCESSES))
def test_the_chart_has_exactly_the_definitions_steps_by_their_chinese_names(key):
    process = PROCESSES[key]
    nodes = groups(parse(process), "node")
    assert sorted(title(n) for n in nodes) == sorted(s.key for s in process.steps)
    by_key = {title(n): texts(n) for n in nodes}
    for step in process.steps:
        lines = by_key[step.key]
        assert lines[0] == step.name, lines  # the box's first line is the step's name
        assert "由" + "、".join(step.role_names) + "办理" in lines
        if step.deadline is not None:
            assert "时限：" + step.deadline.text in lines
    # Every step name appears as a box's title line exactly once, and nothing else is drawn as a step.
    assert sorted(lines[0] for lines in by_key.values()) == sorted(s.name for s in process.steps)


@pytest.mark.parametrize("key", list(PROCESSES))
def test_the_chart_has_exactly_the_definitions_transitions_by_their_chinese_names(key):
    process = PROCESSES[key]
    edges = groups(parse(process), "edge")
    assert sorted(title(e) for e in edges) == sorted(f"{t.source}->{t.target}" for t in process.transitions)
    by_pair = {title(e): texts(e) for e in edges}
    for t in process.transitions:
        lines = by_pair[f"{t.source}->{t.target}"]
        assert lines[0] == t.name, lines
        conditions = [name for name in t.gate_names if name != t.name]
        if conditions:
            assert lines[1] == "〔" + "、".join(conditions) + "〕"


def test_recording_certificate_and_gates_are_marked_on_the_boxes():
    nodes = {title(n): texts(n) for n in groups(parse(PROCESSES["coercion-seizure"]), "node")}
    assert "●全过程音像记录 · 出示执法证件" in nodes["implement"]
    assert "须：延长已批准" in nodes["extend"]
    summary = ET.tostring(parse(PROCESSES["penalty-summary"]), encoding="unicode")
    assert "对公民处以罚款的上限200元" in summary  # the summary limits are printed under the title


def test_labels_use_a_cjk_font_with_fallbacks_and_fit_a4():
    root = parse(PROCESSES["penalty-general"])
    families = {t.get("font-family") for t in root.iter(f"{SVG}text")}
    assert families == {flowcharts.FONT}
    assert flowcharts.FONT.startswith("WenQuanYi Zen Hei,") and flowcharts.FONT.endswith("sans-serif")
    width, height = (float(root.get(a, "0").removesuffix("pt")) for a in ("width", "height"))
    assert width <= 7.5 * 72 + 1 and height <= 10.8 * 72 + 1  # points: an A4 page less margins


def test_rendering_runs_once_per_definition(monkeypatch):
    flowcharts.clear_cache()
    calls = []
    real = flowcharts.render_svg

    def counting(source: str) -> str:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(flowcharts, "render_svg", counting)
    process = PROCESSES["inspection"]
    first = flowcharts.flowchart_svg(process)
    assert flowcharts.flowchart_svg(process) == first
    assert len(calls) == 1
    changed = dataclasses.replace(process, name="行政检查（修订）")
    assert "行政检查（修订）" in flowcharts.flowchart_svg(changed)
    assert len(calls) == 2


def test_the_drawing_is_stable():
    process = PROCESSES["licence"]
    assert flowcharts.to_dot(process) == flowcharts.to_dot(process)
    assert flowcharts.render_svg(flowcharts.to_dot(process)) == flowcharts.render_svg(flowcharts.to_dot(process))


def test_a_missing_dot_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(flowcharts.shutil, "which", lambda name: None)
    with pytest.raises(flowcharts.GraphvizMissing, match="graphviz"):
        flowcharts.render_svg("digraph {}")


def test_dot_failures_are_reported(monkeypatch):
    def failing(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, b"", b"syntax error in line 1")

    monkeypatch.setattr(flowcharts.subprocess, "run", failing)
    with pytest.raises(flowcharts.RenderError, match="syntax error"):
        flowcharts.render_svg("digraph {")


def test_text_is_escaped_in_labels():
    assert flowcharts._quote('a "b"\\c') == '"a \\"b\\"\\\\c"'
    assert flowcharts._html("<甲&乙>") == "&lt;甲&amp;乙&gt;"
