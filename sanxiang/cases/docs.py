"""The tables of ``docs/processes.md``, generated from the definitions; ``python -m sanxiang.cases.docs`` rewrites them.

Only the part between the two markers is generated; the prose around it is written by hand. A test checks that the
page is current.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

from sanxiang.cases.display import step_rows
from sanxiang.cases.processes import GATES, PROCESSES

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "processes.md"
BEGIN = "<!-- BEGIN GENERATED: python -m sanxiang.cases.docs -->"
END = "<!-- END GENERATED -->"


def _cell(text: str) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def generated_markdown() -> str:

    out: list[str] = []
    for process in PROCESSES.values():
        procedure = f"`{process.procedure}`" if process.procedure else "—"
        out += [
            f"### {process.name}（`{process.key}`）",
            "",
            f"Kind `{process.kind}`, procedure {procedure}, start `{process.start}`, "
            f"end {', '.join(f'`{e}`' for e in process.ends)}. Chart: `/flowcharts/{process.key}.svg`.",
            "",
        ]
        if process.description:
            out += [process.description, ""]
        if process.limits:
            out += [
                f"- 限额 `{lim.key}`: {lim.value:,} {lim.unit}（{lim.description}；{lim.basis}）"
                for lim in process.limits
            ]
            out.append("")
        out += [
            "| # | step | 步骤 | 办理人员 | 应制作文书 | 视情制作 | 音像记录 / 出示证件 | 时限（依据） | 条件 |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in step_rows(process):
            deadline = f"{row.deadline}（{row.deadline_basis}）" if row.deadline else ""
            documents = "、".join(
                f"{name} `{code}`" for name, code in zip(row.step.document_names, row.step.documents, strict=True)
            )
            optional = "、".join(
                f"{name} `{code}`"
                for name, code in zip(row.step.optional_document_names, row.step.optional_documents, strict=True)
            )
            cells = [
                str(row.number),
                f"`{row.step.key}`",
                row.step.name,
                row.roles,
                documents,
                optional,
                row.recording,
                deadline,
                "、".join(f"`{g}`" for g in row.step.gates),
            ]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out += ["", "| from | to | 动作 | 条件（gates） |", "|---|---|---|---|"]
        for t in process.transitions:
            gates = "、".join(f"`{g}`" for g in t.gates)
            cells = [f"`{t.source}`", f"`{t.target}`", t.name, gates]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    out += ["### Gates", "", "| key | 名称 | 含义 |", "|---|---|---|"]
    out += [f"| `{g.key}` | {g.name} | {_cell(g.description)} |" for g in GATES.values()]
    return "\n".join(out) + "\n"


def page_with_tables(page: str) -> str:
    """``page`` with the text between the markers replaced by the current tables."""
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{generated_markdown()}{END}{tail}"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxiang.config.settings")

    django.setup()
    page = DOCS_PATH.read_text(encoding="utf-8")
    DOCS_PATH.write_text(page_with_tables(page), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCS_PATH}\n")


if __name__ == "__main__":
    main()
