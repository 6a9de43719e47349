"""What every benchmark prints: a table of figures against their baseline measured in the same run, with the goal
and whether it was met, plus the data behind it (``--json``). Imported by the scripts in this folder."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    figure: str
    ours: str
    baseline: str
    ratio: str
    goal: str
    met: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: str, ours: str, baseline: str, ratio: str = "", goal: str = "", met: bool | None = None):
        self.rows.append(Row(figure, ours, baseline, ratio, goal, "" if met is None else ("yes" if met else "NO")))

    def table(self) -> str:
        header = Row("figure", "ours", "baseline", "ratio", "goal", "met?")
        rows = [header, *self.rows]
        cols = ["figure", "ours", "baseline", "ratio", "goal", "met"]
        widths = {c: max(len(getattr(r, c)) for r in rows) for c in cols}

        def line(r: Row) -> str:
            return "| " + " | ".join(getattr(r, c).ljust(widths[c]) for c in cols) + " |"

        rule = "|" + "|".join("-" * (widths[c] + 2) for c in cols) + "|"
        return "\n".join([line(header), rule, *(line(r) for r in self.rows)])

    def emit(self, *, as_json: bool, summary: str) -> None:
        """Print the data as one JSON object (``--json``), or the table and a one-line ``summary``."""
        if as_json:
            print(json.dumps(self.data, ensure_ascii=False))
        else:
            print(self.table())
            print(f"\n{summary}")


def machine() -> dict[str, Any]:
    """The machine a run measured, for the report's data."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
