"""How long a person's text may be, for every replicated table, whatever door it came in by.

A 100 kB job description once kept a label printer's server thread busy for
minutes. Every human text field has a limit here, by field name; the change log
(``sync.changelog.save``, which every service's write goes through) refuses a
longer value with a clear message before anything is written — pages, the API
and the command line alike — and the sync merge (``sync.mergewrite``) cuts a
longer value that another node sent (an older build, a faulty kiosk) at the same
limit, so every node ends with the same text.
"""
from __future__ import annotations

from peewee import CharField, TextField

from kiosk.i18n import lazy_gettext as _l
from kiosk.core.errors import ServiceError

# Characters, by field name. Names and numbers are short; what people write
# (a complaint, notes, a finding) has room for a long paragraph.
TEXT_LIMITS = {
    "name": 100, "name_en": 200, "phone": 40, "id_number": 40, "badge": 32,
    "plate": 20, "vin": 40, "model": 100, "color": 40,
    "complaint": 2000, "belongings": 1000, "notes": 2000, "note": 2000, "service": 1000,
    "description": 500, "operation": 40, "text": 2000, "road_test": 2000, "reason": 500,
    "supplier": 200, "part_no": 60, "manufacturer_no": 60, "supplier_no": 60, "superseded_by": 60,
    "bin": 40, "unit": 20, "code": 200, "terminal": 100, "comment": 2000,
}

FIELD_LABELS = {
    "name": _l("The name"), "name_en": _l("The English name"), "phone": _l("The phone number"),
    "id_number": _l("The ID number"), "badge": _l("The badge code"), "plate": _l("The plate"),
    "vin": _l("The VIN"), "model": _l("The model"), "color": _l("The colour"),
    "complaint": _l("The customer's complaint"), "belongings": _l("The belongings"), "notes": _l("The notes"),
    "note": _l("The note"), "service": _l("The service asked for"), "description": _l("The description"),
    "operation": _l("The labour operation code"), "text": _l("The text"), "road_test": _l("The road test notes"),
    "reason": _l("The reason"), "supplier": _l("The supplier"), "part_no": _l("The part number"),
    "manufacturer_no": _l("The manufacturer's number"), "supplier_no": _l("The supplier's number"),
    "superseded_by": _l("The replacing part number"), "bin": _l("The bin"), "unit": _l("The unit"),
    "code": _l("The barcode"), "terminal": _l("The terminal"), "comment": _l("What the customer said"),
}
# Where one field name means different things: a person's name is not a part's.
TABLE_FIELD_LABELS = {
    ("staff", "name"): _l("The person's name"), ("customer", "name"): _l("The person's name"),
    ("part", "name"): _l("The part's name"),
}


def limit_of(model, name: str) -> int | None:
    """The limit of ``model``'s field ``name`` (None: not a person's text, or no limit)."""
    field = model._meta.fields.get(name)
    if not isinstance(field, (CharField, TextField)):
        return None
    return TEXT_LIMITS.get(name)


def too_long(name: str, limit: int, table: str = "") -> ServiceError:
    """The refusal for a text longer than ``limit`` in field ``name`` (of ``table``)."""
    label = TABLE_FIELD_LABELS.get((table, name)) or FIELD_LABELS.get(name, name)
    return ServiceError(_l("%(field)s is too long: at most %(max)s characters.", field=label, max=limit),
                        field=name, detail={"max_length": limit})


def check_text(name: str, value: str, limit: int | None = None) -> str:
    """``value`` when it fits the limit of a field called ``name`` (or ``limit``); else the refusal.

    For services that check a text before any write (so the message comes first)."""
    limit = limit or TEXT_LIMITS.get(name)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise too_long(name, limit)
    return value


def check_row(instance, names: list[str] | None = None) -> None:
    """Refuse to write ``instance`` when one of its fields (``names``, default all) is too long."""
    model = type(instance)
    for name in names if names is not None else list(model._meta.fields):
        limit = limit_of(model, name)
        if limit is None:
            continue
        value = getattr(instance, name, None)
        if isinstance(value, str) and len(value) > limit:
            raise too_long(name, limit, model._meta.table_name)


def clip(model, values: dict) -> dict:
    """``values`` (column values of ``model``) with every too-long text cut at its limit."""
    for name, value in values.items():
        limit = limit_of(model, name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            values[name] = value[:limit]
    return values
