"""Every replicated model (a ``Record`` or a ``Fact``) by its table name: the shop's
tables of ``kiosk.schema`` and any defined since (a test's own table).

Below the merge's schema (``sync.mergeschema``, which orders them for writing) and
the reading of older events (``sync.eventtimes``), so neither imports the other.
"""
from __future__ import annotations

from kiosk.models.base import Fact, Record, Replicated
from kiosk.schema import ALL_MODELS


def all_replicated() -> list:
    """The replicated models: ``kiosk.schema``'s in order, then every other subclass."""
    found = [m for m in ALL_MODELS if issubclass(m, Replicated)]
    stack = [Record, Fact]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub not in found:
                found.append(sub)
    return found


def by_table() -> dict[str, type]:
    """The replicated models by table name (the first model of a name wins)."""
    models: dict[str, type] = {}
    for model in all_replicated():
        models.setdefault(model._meta.table_name, model)
    return models
