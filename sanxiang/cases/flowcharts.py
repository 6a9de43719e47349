"""The published flowcharts (公示流程图): a ``Process`` drawn as SVG by Graphviz ``dot``.

Node ids are the step keys and edges are exactly the definition's transitions, so a test can parse the SVG and find
the definition in it (``<g class="node"><title>step key</title>``, ``<g class="edge"><title>a->b</title>``). Each box
shows the step's Chinese name, who acts, the recording and on-site requirements, its time limit and its gates; each
edge is labelled with its action and, for a branch, the condition (its gates).

Rendering runs ``dot`` once per definition: the SVG is kept in memory under the definition's digest, so requests
never start a process after the first, and a changed definition is drawn afresh. ``dot`` comes from the Debian
package ``graphviz`` (``make install`` installs it; the README names it).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from html import escape

from sanxiang.cases.processes import Process, Recording

# Bump when the drawing changes, so cached copies (and HTTP caches keyed on the ETag) are refreshed.
RENDERER_VERSION = "1"
TIMEOUT_SECONDS = 30

# Fontconfig picks the first installed family; the SVG keeps the list, so a browser falls back the same way.
FONT = "WenQuanYi Zen Hei,Noto Sans CJK SC,Source Han Sans SC,Microsoft YaHei,PingFang SC,SimHei,sans-serif"

INK = "#1f2933"
MUTED = "#52606d"
ACCENT = "#0b5cad"
WARN = "#9b2c2c"

_cache: dict[str, str] = {}
_lock = threading.Lock()


class GraphvizMissing(RuntimeError):
    """Graphviz ``dot`` is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "未找到 Graphviz 的 dot 命令，无法生成流程图：请安装系统软件包 graphviz（make install 会安装，见 README）。"
            " / Graphviz `dot` was not found: install the Debian package `graphviz` (make install does; see README)."
        )


class RenderError(RuntimeError):
    """``dot`` failed on a definition."""


def _quote(value: str) -> str:
    """A DOT double-quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(value: str) -> str:
    return escape(value, quote=True)


def _row(text: str, *, size: int = 9, color: str = MUTED, bold: bool = False) -> str:
    body = f"<B>{_html(text)}</B>" if bold else _html(text)
    return f'<TR><TD><FONT POINT-SIZE="{size}" COLOR="{color}">{body}</FONT></TD></TR>'


def step_annotations(process: Process, key: str) -> list[tuple[str, str]]:
    """The small lines under a step's name, as ``(text, colour)``: who acts, recording, certificate, deadline, gates."""
    step = process.step(key)
    lines = [("由" + "、".join(step.role_names) + "办理", MUTED)]
    marks = []
    if step.recording is Recording.FULL_PROCESS:
        marks.append("全过程音像记录")
    elif step.recording is Recording.REQUIRED:
        marks.append("音像记录")
    if step.on_site:
        marks.append("出示执法证件")
    if marks:
        lines.append(("●" + " · ".join(marks), WARN))
    if step.deadline is not None:
        lines.append(("时限：" + step.deadline.text, ACCENT))
    if step.gates:
        lines.append(("须：" + "、".join(step.gate_names), WARN))
    return lines


def to_dot(process: Process) -> str:
    """The DOT source for ``process``: top to bottom, fitted to an A4 page."""
    title = process.name + (f"\n{process.limits_text}" if process.limits else "")
    out = [
        f"digraph {_quote(process.key)} {{",
        # A4 portrait less margins, in inches; dot only ever scales down to fit.
        f'  graph [rankdir=TB, size="7.5,10.8", nodesep=0.35, ranksep=0.45, fontname={_quote(FONT)}, '
        f'fontsize=16, labelloc=t, label={_quote(title)}, fontcolor="{INK}", pad=0.2, charset="UTF-8"];',
        f'  node [shape=box, style="rounded", color="{INK}", penwidth=1.2, fontname={_quote(FONT)}, fontsize=12, '
        'margin="0.12,0.06"];',
        f'  edge [color="{MUTED}", arrowsize=0.7, fontname={_quote(FONT)}, fontsize=9, fontcolor="{INK}"];',
    ]
    for step in process.steps:
        rows = [_row(step.name, size=12, color=INK, bold=True)]
        rows += [_row(text, color=color) for text, color in step_annotations(process, step.key)]
        table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>"
        attrs = [f"label=<{table}>", f"tooltip={_quote(step.name)}"]
        if step.key == process.start:
            attrs.append("penwidth=2")
        if step.key in process.ends:
            attrs.append("peripheries=2")
        out.append(f"  {_quote(step.key)} [{', '.join(attrs)}];")
    for t in process.transitions:
        label = t.name
        conditions = [name for name in t.gate_names if name != t.name]
        if conditions:
            label += "\n〔" + "、".join(conditions) + "〕"
        attrs = [f"label={_quote(label)}", f"tooltip={_quote(t.condition_text or t.name)}"]
        if t.gates:
            attrs.append('style="dashed"')
        out.append(f"  {_quote(t.source)} -> {_quote(t.target)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_svg(dot_source: str) -> str:
    """Run ``dot -Tsvg`` on ``dot_source``; ``GraphvizMissing`` if it is not installed."""
    if not dot_available():
        raise GraphvizMissing()
    try:
        result = subprocess.run(
            ["/usr/bin/env", "dot", "-Tsvg"],
            input=dot_source.encode(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:  # /usr/bin/env itself, on an unusual system
        raise GraphvizMissing() from exc
    if result.returncode == 127:
        raise GraphvizMissing()
    if result.returncode != 0:
        raise RenderError(f"dot failed ({result.returncode}): {result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode()


def cache_key(process: Process) -> str:
    return f"{process.digest[:32]}-{RENDERER_VERSION}"


def flowchart_svg(process: Process) -> str:
    """The SVG of ``process``, drawn once per definition (keyed by its digest) and then served from memory."""
    key = cache_key(process)
    svg = _cache.get(key)
    if svg is None:
        with _lock:
            svg = _cache.get(key)
            if svg is None:
                svg = render_svg(to_dot(process))
                _cache[key] = svg
    return svg


def clear_cache() -> None:
    with _lock:
        _cache.clear()
