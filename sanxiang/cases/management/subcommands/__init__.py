"""Subcommands of ``sanxiang case``: one module each, defining ``HELP``, ``add_arguments(parser)`` and
``handle(command, **options) -> int | None`` (the exit status; None means 0), as ``sanxiang.ledger.cli`` does."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def subcommands() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[info.name.replace("_", "-")] = module
    return dict(sorted(found.items()))
