"""What the merge works on: events as they travel, the replicated tables (parents
first) and their columns (values converted between the wire and Python: ``sync.mergevalues``).

Pure code, no database: ``sync.mergerules`` and ``sync.merge`` build on it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from peewee import ForeignKeyField

from sync import jsonwire, replicated
from sync.eventtimes import upgrade_payload
from sync.protocol import event_to_wire
from sync.mergevalues import (  # noqa: F401  (hex_id, to_python, to_fold, to_json, default_of: public here too)
    converter_for,
    default_of,
    hex_id,
    to_fold,
    to_json,
    to_python,
)

_HLC = re.compile(r"^\d{13}\.\d{5}\.\S+$")


class BadEvent(ValueError):
    """An event that does not have the shape of ``sync.protocol``'s EVENT."""


@dataclass
class Event:
    event_id: str
    origin: str
    origin_seq: int
    hlc: str
    entity: str
    row_id: str
    kind: str
    op: str
    payload: dict
    schema_version: int
    seen: dict | None = None  # None: sent by a build without merge information
    override: bool = False
    flagged: bool = False
    text: str | None = None  # the payload's JSON text when it came as text: stored as it came

    @property
    def wall_ms(self) -> int:
        return int(self.hlc[:13])


def normal_row_id(value) -> str:
    """Row ids as ``sync.changelog`` writes them (UUID hex); other ids unchanged."""
    found = hex_id(value)
    return str(value) if found is None else found


def parse_event(raw) -> Event:
    """A wire event (dict) or a ChangeEvent row as an ``Event``; ``BadEvent`` if malformed."""
    if not isinstance(raw, dict):
        raw = event_to_wire(raw)
    try:
        payload = text = raw["payload"]
        if isinstance(payload, str):
            payload = jsonwire.loads(payload)
        else:
            text = None
        hlc = str(raw["hlc"])
        event = Event(event_id=str(raw["event_id"]), origin=str(raw["origin_node"]),
                      origin_seq=int(raw["origin_seq"]), hlc=hlc, entity=str(raw["entity"]),
                      row_id=normal_row_id(raw["row_id"]), kind=str(raw.get("kind") or ""),
                      op=str(raw.get("op") or "update"), payload=payload,
                      schema_version=int(raw.get("schema_version") or 1),
                      flagged=bool(raw.get("flagged")), text=text)
        upgraded = upgrade_payload(event.entity, payload, event.schema_version)
        if upgraded is not payload:
            # The log keeps the event as it came (converted again on each read), never the converted copy.
            if text is None:
                event.text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
            event.payload = upgraded
        info = raw.get("merge") or {}
        if isinstance(info, str):
            info = json.loads(info) if info else {}
    except (KeyError, TypeError, ValueError) as error:
        raise BadEvent(f"malformed event: {error}") from error
    if not isinstance(payload, dict) or not _HLC.match(hlc) or not event.event_id:
        raise BadEvent(f"malformed event {event.event_id!r}")
    if isinstance(info, dict):
        seen = info.get("seen")
        event.seen = {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else None
        event.override = bool(info.get("override"))
    return event


# ---- which tables travel, in the order their rows can be written ----------

def registry() -> dict[str, type]:
    """Replicated models by table name, parents before the tables that refer to them."""
    models = replicated.by_table()
    ordered: list[str] = []

    def visit(name: str, path: tuple = ()) -> None:
        if name in ordered or name in path:
            return
        for fk in models[name]._meta.refs:
            target = fk.rel_model._meta.table_name
            if target in models and target != name:
                visit(target, path + (name,))
        ordered.append(name)

    for name in models:
        visit(name)
    return {name: models[name] for name in ordered}


_FIELDS: dict = {}
_REFS: dict = {}


def fields_of(model) -> dict:
    """The replicated columns of ``model`` by name (not ``id`` or ``hlc``)."""
    found = _FIELDS.get(model)
    if found is None:
        found = _FIELDS[model] = {f.name: f for f in model._meta.sorted_fields if f.name not in ("id", "hlc")}
    return found


_FOLDING: dict = {}
_REQUIRED: dict = {}
_DEFAULTS: dict = {}


def fold_converters(model) -> dict:
    """Per replicated column of ``model``, the function ``to_fold`` applies to a value that is not None."""
    found = _FOLDING.get(model)
    if found is None:
        found = _FOLDING[model] = {name: converter_for(fld, fold=True) for name, fld in fields_of(model).items()}
    return found


def required_of(model) -> list[str]:
    """Columns of ``model`` a row cannot be written without (not null, no default)."""
    found = _REQUIRED.get(model)
    if found is None:
        found = _REQUIRED[model] = [name for name, fld in fields_of(model).items()
                                    if not fld.null and fld.default is None]
    return found


def defaults_of(model) -> list[tuple[str, object, bool]]:
    """(column, default, whether the default is a function to call) for every column of ``model``."""
    found = _DEFAULTS.get(model)
    if found is None:
        found = _DEFAULTS[model] = [(name, fld.default, callable(fld.default))
                                    for name, fld in fields_of(model).items()]
    return found


def refs_of(model) -> list[tuple[str, str]]:
    """(field, referenced table) of every foreign key of ``model``."""
    found = _REFS.get(model)
    if found is None:
        found = _REFS[model] = [(name, fld.rel_model._meta.table_name) for name, fld in fields_of(model).items()
                                if isinstance(fld, ForeignKeyField)]
    return found
