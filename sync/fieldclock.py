"""Per-field clocks of the merged state, rows waiting for their parents, and the
hook by which a local write records what its writer had seen.

``FieldClock`` says which write a field's current value came from (its HLC and
origin node). To keep the table small, a row's insert is one entry under the
field name ``"*"``; a field has its own entry only once a later write won it.
A work order that is settled (or later, or cancelled) also has an entry
``"@locked"``: the HLC of the status write that locked it.

Every local write made through ``sync.changelog.save`` calls
``note_local_write``; it stamps the new clocks and returns the event's merge
information (``{"seen": {field: hlc}, "override": true}``), which travels with
the event (see ``sync.protocol``): ``seen`` lets every receiver tell a
concurrent edit (a conflict) from a sequential one, and ``override`` marks a
write made knowing the order was locked (a manager's deliberate change).
"""
from __future__ import annotations

import contextvars
import json
import uuid
from contextlib import contextmanager

from kiosk.core.status import STATUSES, is_locked
from sync.tables import FieldClock, PendingRow

INSERT = "*"
LOCKED = "@locked"

# Record tables whose rows belong to one work order and are locked with it:
# table name -> name of the foreign key to the order.
LOCKED_CHILDREN = {"job_line": "work_order", "part_line": "work_order"}
ORDER = "work_order"

_override = contextvars.ContextVar("bayflow_merge_override", default=False)


@contextmanager
def overriding():
    """Writes inside count as made knowing the order is locked (conflict resolution)."""
    token = _override.set(True)
    try:
        yield
    finally:
        _override.reset(token)


def _hex(value) -> str:
    if isinstance(value, uuid.UUID):
        return value.hex
    return str(value)


def order_of(instance) -> str | None:
    """The id of the work order ``instance`` is locked with, if any."""
    table = instance._meta.table_name
    if table == ORDER:
        return _hex(instance._pk)
    parent = LOCKED_CHILDREN.get(table)
    if parent:
        value = instance.__data__.get(parent)
        return _hex(value) if value is not None else None
    return None


def upsert(entries: list[dict]) -> None:
    """Write clock entries ({entity, row_id, field, hlc, origin}), replacing older ones."""
    for start in range(0, len(entries), 150):
        (FieldClock.insert_many(entries[start:start + 150])
         .on_conflict(conflict_target=[FieldClock.entity, FieldClock.row_id, FieldClock.field],
                      preserve=[FieldClock.hlc, FieldClock.origin])
         .execute())


def note_local_write(instance, op: str, fields: list[str], stamp: str, node_id: str) -> str:
    """Record the clocks of a local write and return its merge information (JSON or "")."""
    if instance.KIND != "record":
        return ""  # facts never change once written: nothing to compete with
    entity, row_id = instance._meta.table_name, _hex(instance._pk)
    order_id = order_of(instance)
    keys = [(entity, row_id)] + ([(ORDER, order_id)] if order_id and order_id != row_id else [])
    known = {(c.entity, c.row_id, c.field): c.hlc for c in FieldClock.select().where(
        (FieldClock.entity.in_([k[0] for k in keys])) & (FieldClock.row_id.in_([k[1] for k in keys])))}
    info: dict = {}
    if op == "update":
        info["seen"] = {name: known.get((entity, row_id, name), known.get((entity, row_id, INSERT), ""))
                        for name in fields}
    if _override.get() or (order_id and (ORDER, order_id, LOCKED) in known):
        info["override"] = True
    entries = [{"entity": entity, "row_id": row_id, "field": name, "hlc": stamp, "origin": node_id}
               for name in ([INSERT] if op == "insert" else fields)]
    if (entity == ORDER and "status" in fields and (ORDER, row_id, LOCKED) not in known
            and _is_locked(instance.status)):
        entries.append({"entity": entity, "row_id": row_id, "field": LOCKED, "hlc": stamp, "origin": node_id})
    upsert(entries)
    return json.dumps(info, sort_keys=True) if info else ""


def _is_locked(status) -> bool:
    return status in STATUSES and is_locked(status)

