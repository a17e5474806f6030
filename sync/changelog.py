"""The change log: every write to a replicated table appends one event here,
in the same transaction as the write.

Events made on this node form its outbox (everything after the hub's
acknowledgement). Events received from elsewhere are stored here too, so the
log is also the node's record of what it has applied. ``seq`` is this node's own
order of arrival: the hub serves pulls by it.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

from peewee import fn
from uuid6 import uuid7

from kiosk.core import events, times
from kiosk.core.limits import check_row
from kiosk.db import transaction
from kiosk.models.base import Replicated
from kiosk.core.prepared import Prepared
from sync import fieldclock
from sync.eventtimes import data_of
from sync.hlc import HybridClock
from sync.node import current_node
from sync.tables import SCHEMA_VERSION, ChangeEvent, NodeInfo, SyncState  # noqa: F401  (SCHEMA_VERSION: public here too)

_clocks: dict[str, HybridClock] = {}


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def serialize(instance: Replicated, fields: list[str] | None = None) -> dict:
    """The row's replicated values as JSON-safe data (foreign keys by id)."""
    meta = instance._meta
    names = fields or [f.name for f in meta.sorted_fields if f.name not in ("id", "hlc")]
    out = {}
    for name in names:
        field = meta.fields[name]
        raw = instance.__data__.get(name)
        out[name] = _json_value(field.db_value(raw) if raw is not None else None)
    return out


def clock() -> HybridClock:
    """This node's hybrid logical clock, resumed from the newest event it has made."""
    node = current_node()
    found = _clocks.get(node.node_id)
    if found is None:
        last = (ChangeEvent.select(fn.MAX(ChangeEvent.hlc))
                .where(ChangeEvent.origin_node == node.node_id).scalar())
        found = _clocks[node.node_id] = HybridClock(node.node_id, last=last)
    return found


# The newest stamp in the log that the clock goes by (not one flagged as from a
# clock far ahead), and this node's last sequence number: read in every write.
_NEWEST_STAMP = Prepared(lambda slot: ChangeEvent.select(ChangeEvent.hlc).where(
    ChangeEvent.flagged == False).order_by(ChangeEvent.hlc.desc()).limit(1))  # noqa: E712
_LAST_SEQ = Prepared(lambda slot: ChangeEvent.select(fn.MAX(ChangeEvent.origin_seq).alias("seq")).where(
    ChangeEvent.origin_node == slot(ChangeEvent.origin_node)).dicts())


def _stamp() -> str:
    """A new stamp for a local write, later than everything in the log.

    Read inside the write's transaction: with several server processes, each
    has its own clock object, and the log is what they share.
    """
    newest = _NEWEST_STAMP.first()
    tick = clock()
    if newest is not None:
        tick.catch_up(newest.hlc)
    return str(tick.now())


def forget_clocks() -> None:
    """Drop cached clocks (tests that reopen databases)."""
    _clocks.clear()


def save(instance: Replicated, *, fields: list[str] | None = None) -> ChangeEvent:
    """Write ``instance`` and append its change event. Call inside ``kiosk.db.transaction()``.

    New rows are inserted whole; for existing records pass ``fields`` to send
    only what changed (the merge is field by field). Facts are insert-only.
    """
    if instance.KIND not in ("record", "fact"):
        raise TypeError(f"{type(instance).__name__} is not replicated")
    check_row(instance, list(fields) if fields else None)  # a text too long for its field: nothing written
    node = current_node()
    stamp = _stamp()
    instance.hlc = stamp
    is_new = instance._pk is None or not type(instance).select().where(
        type(instance)._meta.primary_key == instance._pk).exists()
    if instance._pk is None:
        instance._pk = uuid7()
    if is_new:
        instance.save(force_insert=True)
        op, payload = "insert", serialize(instance)
    else:
        if instance.KIND == "fact":
            raise ValueError("facts are append-only; record a correcting fact instead")
        names = list(fields) if fields else None
        only = [instance._meta.fields[n] for n in names] + [type(instance).hlc] if names else None
        instance.save(only=only)
        op, payload = "update", serialize(instance, names)
    events.note(instance._meta.table_name)
    merge_info = fieldclock.note_local_write(instance, op, list(payload), stamp, node.node_id)
    next_seq = max(_LAST_SEQ.first(node.node_id)["seq"] or 0, node.seq_floor or 0) + 1
    return ChangeEvent.create(
        event_id=str(uuid7()),
        origin_node=node.node_id,
        origin_seq=next_seq,
        hlc=stamp,
        entity=instance._meta.table_name,
        row_id=str(instance._pk.hex if isinstance(instance._pk, uuid.UUID) else instance._pk),
        kind=instance.KIND,
        op=op,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        created_at=times.utcnow(),
        merge_info=merge_info,
    )


def save_changes(instance: Replicated, values: dict) -> list[str]:
    """Set the ``values`` that differ from the record's and save just those, with
    their change event, in one transaction; the names of the fields that changed
    (nothing is written when none did)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        with transaction():
            for name in changed:
                setattr(instance, name, values[name])
            save(instance, fields=changed)
    return changed


def fold(events) -> dict[tuple[str, str], dict]:
    """The state a set of events describes: per (entity, row id), each field's
    value from the event with the newest HLC. Order of ``events`` does not matter."""
    state: dict[tuple[str, str], dict] = {}
    stamps: dict[tuple[str, str, str], str] = {}
    for event in events:
        key = (event.entity, event.row_id)
        row = state.setdefault(key, {})
        for name, value in data_of(event).items():
            if stamps.get((*key, name), "") < event.hlc:
                stamps[(*key, name)] = event.hlc
                row[name] = value
    return state


_outbox_sql: dict[type, tuple[str, list]] = {}


def outbox_size() -> int:
    """Events made here that the hub has not acknowledged yet.

    A node numbers its own events 1, 2, 3 … with no gap (``save`` takes
    MAX + 1, and the hub acknowledges "the highest seq with no gap before
    it"), so the outbox is the newest own seq minus the acknowledged one: one
    step down the (origin_node, origin_seq) index instead of counting every
    unsent event (a store that never synced has hundreds of thousands). The
    status bar of every page asks, so it is one query, its SQL built once per
    kind of database (it has no parameters of its own).
    """
    db = ChangeEvent._meta.database.obj
    sql = _outbox_sql.get(type(db))
    if sql is None:
        me = NodeInfo.select(NodeInfo.node_id).limit(1)  # the one row current_node() reads
        newest = (ChangeEvent.select(fn.MAX(ChangeEvent.origin_seq))
                  .where(ChangeEvent.origin_node == me))
        acked = SyncState.select(SyncState.value).where(SyncState.key == "acked_seq")
        sql = _outbox_sql[type(db)] = NodeInfo.select(newest, acked).limit(1).sql()
    row = db.execute_sql(*sql).fetchone()
    if row is None:
        raise RuntimeError("node identity missing: the database was not initialised")
    newest, acked = row
    return max(0, (newest or 0) - int(acked or 0))
