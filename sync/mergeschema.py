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
    _StringField,
)

from sync import jsonwire

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


_HEX32 = re.compile(r"[0-9a-f]{32}")


def hex_id(value) -> str | None:
    """A UUID (or its text in any form ``uuid.UUID`` reads) as 32 lowercase hex digits; None if it is none.

    Ids travel and are stored as hex already: those are recognised without
    building a ``uuid.UUID`` (a first sync meets hundreds of thousands)."""
    if type(value) is str:
        found = _SEEN_IDS.get(value)
        if found is not None:
            return found
    elif isinstance(value, uuid.UUID):
        return value.hex
    text = str(value)
    if len(text) == 32 and _HEX32.fullmatch(text):
        found = text
    else:
        try:
            found = uuid.UUID(text).hex
        except ValueError:
            return None
    if type(value) is str:
        if len(_SEEN_IDS) >= 50_000:  # a batch refers to the same ids again and again; keep it bounded
            _SEEN_IDS.clear()
        _SEEN_IDS[value] = found
    return found


_SEEN_IDS: dict[str, str] = {}


def normal_row_id(value) -> str:
    """Row ids as ``sync.changelog`` writes them (UUID hex); other ids unchanged."""
    found = hex_id(value)
    return str(value) if found is None else found


def parse_event(raw) -> Event:
    """A wire event (dict) or a ChangeEvent row as an ``Event``; ``BadEvent`` if malformed."""
    if not isinstance(raw, dict):
        from sync.protocol import event_to_wire

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


_FOLDING: dict = {}
_REQUIRED: dict = {}
_DEFAULTS: dict = {}


def fold_converters(model) -> dict:
    """Per replicated column of ``model``, the function ``to_fold`` applies to a value that is not None."""
    found = _FOLDING.get(model)
    if found is None:
        found = _FOLDING[model] = {name: _hex_strict if _is_uuid(fld) else _converter(fld)
                                   for name, fld in fields_of(model).items()}
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


# ---- values: JSON on the wire, Python in the merge and the database ------

def to_python(fld, value):
    """The wire (JSON) value of ``fld`` as Python; ValueError if it cannot be one."""
    if value is None:
        return None
    found = _CONVERTERS.get(id(fld))
    if found is None:
        found = _CONVERTERS[id(fld)] = (fld, _converter(fld))
    return found[1](value)


def to_fold(fld, value):
    """``to_python`` as the merge folds values: ids stay 32-digit hex text instead
    of ``uuid.UUID`` objects (the same column value, without building objects the
    database would turn back into hex)."""
    if value is None:
        return None
    found = _FOLD_CONVERTERS.get(id(fld))
    if found is None:
        found = _FOLD_CONVERTERS[id(fld)] = (fld, _hex_strict if _is_uuid(fld) else _converter(fld))
    return found[1](value)


# Per field (by id: fields compare as SQL expressions), the function that converts
# its wire values: the field's class is looked at once, not for every value (a
# first sync converts millions). Each entry keeps its field alive, so no id is reused.
_CONVERTERS: dict = {}
_FOLD_CONVERTERS: dict = {}


def _is_uuid(fld) -> bool:
    return isinstance(fld.rel_field if isinstance(fld, ForeignKeyField) else fld, UUIDField)


def _hex_strict(value) -> str:
    found = hex_id(value)
    if found is None:
        raise ValueError(value)
    return found


def _to_bool(value):
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise ValueError(value)


def _to_int(value):
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _to_decimal(value):
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise ValueError(value)
    return number


def _to_datetime(value):
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _to_date(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _to_time(value):
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def _converter(fld):
    if isinstance(fld, ForeignKeyField):
        fld = fld.rel_field
    if isinstance(fld, UUIDField):
        return lambda value: uuid.UUID(str(value))
    for kind, convert in ((BooleanField, _to_bool), (IntegerField, _to_int), (DecimalField, _to_decimal),
                          (FloatField, float), (DateTimeField, _to_datetime), (DateField, _to_date),
                          (TimeField, _to_time)):
        if isinstance(fld, kind):
            return convert
    adapt = fld.adapt
    plain_text = type(fld).adapt is _StringField.adapt  # gives a str back as it is

    def text(value):
        if plain_text and type(value) is str:
            return value
        if isinstance(value, (dict, list)):
            raise ValueError(value)
        return adapt(value)  # text columns: str

    return text


def to_json(fld, value):
    """A Python value as ``sync.changelog.serialize`` writes it."""
    from sync.changelog import _json_value

    return _json_value(fld.db_value(value) if value is not None else None)


def default_of(fld):
    value = fld.default() if callable(fld.default) else fld.default
    return value
