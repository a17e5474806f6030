"""Values of replicated columns: JSON on the wire, Python in the merge and the database.

Pure code, no database. Converting is most of what merging a first sync costs,
so each field's converter is chosen once, and ids stay 32-digit hex text in the
merge (``to_fold``) rather than ``uuid.UUID`` objects the database would turn
back into the same text.
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid

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

from sync.changelog import _json_value

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
        found = _FOLD_CONVERTERS[id(fld)] = (fld, converter_for(fld, fold=True))
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


def converter_for(fld, *, fold: bool = False):
    """The function that turns a wire value of ``fld`` (not None) into Python
    (``fold``: as the merge folds it, ids as hex text)."""
    if fold and _is_uuid(fld):
        return _hex_strict
    return _converter(fld)


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
    return _json_value(fld.db_value(value) if value is not None else None)


def default_of(fld):
    value = fld.default() if callable(fld.default) else fld.default
    return value
