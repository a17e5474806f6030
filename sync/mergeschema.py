"""What the merge works on: events as they travel, the replicated tables (parents
first) and their columns, and values converted between the wire (JSON) and Python.

Pure code, no database: ``sync.mergerules`` and ``sync.merge`` build on it.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from dataclasses import dataclass

from peewee import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TimeField,
    UUIDField,
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

    @property
    def wall_ms(self) -> int:
        return int(self.hlc[:13])


def normal_row_id(value) -> str:
    """Row ids as ``sync.changelog`` writes them (UUID hex); other ids unchanged."""
    text = str(value)
    try:
        return uuid.UUID(text).hex
    except ValueError:
        return text


def parse_event(raw) -> Event:
    """A wire event (dict) or a ChangeEvent row as an ``Event``; ``BadEvent`` if malformed."""
    if not isinstance(raw, dict):
        from sync.protocol import event_to_wire

        raw = event_to_wire(raw)
    try:
        payload = raw["payload"]
        if isinstance(payload, str):
            payload = json.loads(payload)
        hlc = str(raw["hlc"])
        event = Event(event_id=str(raw["event_id"]), origin=str(raw["origin_node"]),
                      origin_seq=int(raw["origin_seq"]), hlc=hlc, entity=str(raw["entity"]),
                      row_id=normal_row_id(raw["row_id"]), kind=str(raw.get("kind") or ""),
                      op=str(raw.get("op") or "update"), payload=payload,
                      schema_version=int(raw.get("schema_version") or 1),
                      flagged=bool(raw.get("flagged")))
    except (KeyError, TypeError, ValueError) as error:
        raise BadEvent(f"malformed event: {error}") from error
    if not isinstance(payload, dict) or not _HLC.match(hlc) or not event.event_id:
        raise BadEvent(f"malformed event {event.event_id!r}")
    info = raw.get("merge") or {}
    if isinstance(info, str):
        info = json.loads(info) if info else {}
    if isinstance(info, dict):
        seen = info.get("seen")
        event.seen = {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else None
        event.override = bool(info.get("override"))
    return event


# ---- which tables travel, in the order their rows can be written ----------

def _all_replicated() -> list:
    from kiosk.models.base import Fact, Record, Replicated
    from kiosk.schema import ALL_MODELS

    found = [m for m in ALL_MODELS if issubclass(m, Replicated)]
    stack = [Record, Fact]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub not in found:
                found.append(sub)
    return found


def registry() -> dict[str, type]:
    """Replicated models by table name, parents before the tables that refer to them."""
    models: dict[str, type] = {}
    for model in _all_replicated():
        models.setdefault(model._meta.table_name, model)
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


def refs_of(model) -> list[tuple[str, str]]:
    """(field, referenced table) of every foreign key of ``model``."""
    found = _REFS.get(model)
    if found is None:
        found = _REFS[model] = [(name, fld.rel_model._meta.table_name) for name, fld in fields_of(model).items()
                                if isinstance(fld, ForeignKeyField)]
    return found


# ---- values: JSON on the wire, Python in the merge and the database ------

def to_python(fld, value):
    """The wire (JSON) value of ``fld`` as Python; ValueError if it cannot be one."""
    if value is None:
        return None
    if isinstance(fld, ForeignKeyField):
        fld = fld.rel_field
    if isinstance(fld, UUIDField):
        return uuid.UUID(str(value))
    if isinstance(fld, BooleanField):
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise ValueError(value)
    if isinstance(fld, IntegerField):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        return int(value)
    if isinstance(fld, DecimalField):
        number = decimal.Decimal(str(value))
        if not number.is_finite():
            raise ValueError(value)
        return number
    if isinstance(fld, FloatField):
        return float(value)
    if isinstance(fld, DateTimeField):
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if isinstance(fld, DateField):
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if isinstance(fld, TimeField):
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
    if isinstance(value, (dict, list)):
        raise ValueError(value)
    return fld.adapt(value)  # text columns: str


def to_json(fld, value):
    """A Python value as ``sync.changelog.serialize`` writes it."""
    from sync.changelog import _json_value

    return _json_value(fld.db_value(value) if value is not None else None)


def default_of(fld):
    value = fld.default() if callable(fld.default) else fld.default
    return value
