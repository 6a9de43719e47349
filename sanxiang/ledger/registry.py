"""Which models are ledgered, and how their canonical state is taken.

Apps register their models in ``AppConfig.ready()``; the ledger knows no domain app. ``record`` refuses an
unregistered model, and ``sanxiang ledger verify`` checks every registered model's rows against their latest entries
(so a row changed, inserted or deleted directly in SQL is found). ``exclude`` names fields that change without being
a change of the record (a user's last login) or must never enter the log (a password hash).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from sanxiang.core.canonical import JSONValue, canonical_state


@dataclass(frozen=True)
class Ledgered:
    model: type[models.Model]
    exclude: frozenset[str]

    def state(self, instance: models.Model) -> dict[str, JSONValue]:
        state = canonical_state(instance)
        for name in self.exclude:
            state.pop(name, None)
        return state


_REGISTRY: dict[str, Ledgered] = {}


def register(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> None:
    _REGISTRY[model._meta.label_lower] = Ledgered(model=model, exclude=frozenset(exclude))


def registration(model_or_label: type[models.Model] | str) -> Ledgered:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    try:
        return _REGISTRY[label]
    except KeyError:
        raise LookupError(f"{label} is not registered with the ledger (sanxiang.ledger.registry.register)") from None


def ledgered_models() -> list[Ledgered]:
    return [_REGISTRY[label] for label in sorted(_REGISTRY)]
