"""The hub's side of a first sync by snapshot: its merged state instead of every event.

A kiosk that has never pulled (a new or a replaced one) would otherwise fetch every
event the hub holds and merge each of them again — the hub has done that work
already. Instead it takes:

1. the change log up to a high-water mark ``mark`` (the asking kiosk's own events
   left out, as a pull does), so the kiosk holds every event it would hold after
   pulling them: later events are merged with them, and it can serve them on;
2. every replicated table, parents first, as the hub stored its merged rows;
3. the merge's own state: field clocks, rows waiting to be written, conflicts
   (without a person's review of them on the hub);

then goes on with normal pulls after ``mark``. A SQLite hub makes all of it as one
file in one read transaction (``sync.snapshotfile``); a PostgreSQL hub serves JSON
pages by key (``page``), each a plain read: rows read after the mark may already
hold a later event, which the pull that follows brings and merges again from the
whole log. Either way the result is the tables merging every event would give
(``tests/system/sync/test_snapshot.py`` compares every table, field clocks included).
A hub offers a snapshot only to a kiosk running the same bayflow version and the
same tables (``manifest``): merged rows equal merging the events only when both
sides merge by the same rules.
"""
from __future__ import annotations

import datetime as dt
import decimal
import uuid

from peewee import BlobField

from kiosk.db import database, is_postgresql
from kiosk.version import app_version
from sync.mergeschema import registry
from sync.protocol import WIRE_COLUMNS
from sync.tables import FieldClock, PendingRow

# Rows per page: a few megabytes of JSON, one kiosk transaction each.
PAGE = 20_000
# The merge's own tables, copied after the replicated ones; Conflict without the
# columns of a person's review on the hub (a kiosk that merges starts them unreviewed).
FIELD_CLOCK, PENDING, CONFLICT = "field_clock", "pending_row", "conflict"
CONFLICT_COLUMNS = ("id", "entity", "row_id", "field", "reason", "kept_value", "lost_value", "kept_hlc",
                    "kept_origin", "lost_hlc", "lost_origin", "lost_event", "created_at")
_KEYS = {FIELD_CLOCK: ("entity", "row_id", "field"), PENDING: ("entity", "row_id"), CONFLICT: ("id",)}


class SnapshotError(ValueError):
    """A snapshot request this hub cannot answer (``status``: the HTTP status)."""

    status = 400


def local_tables() -> dict[str, tuple[str, ...]]:
    """Every table a snapshot copies, in order, with the columns it copies."""
    present = set(database.get_tables())
    out: dict[str, tuple[str, ...]] = {}
    for table, model in registry().items():
        if table in present:
            out[table] = tuple(f.column_name for f in model._meta.sorted_fields)
    out[FIELD_CLOCK] = tuple(f.column_name for f in FieldClock._meta.sorted_fields)
    out[PENDING] = tuple(f.column_name for f in PendingRow._meta.sorted_fields)
    out[CONFLICT] = CONFLICT_COLUMNS
    return out


def offered() -> bool:
    """Whether this node's tables can travel as a snapshot (no binary columns: JSON carries text)."""
    return not any(isinstance(f, BlobField) for m in registry().values() for f in m._meta.sorted_fields)


def manifest() -> dict:
    """What a kiosk compares with its own before it takes a snapshot, and the mark
    (a SQLite hub then makes the snapshot file at its own mark: ``sync.snapshotfile``)."""
    top = database.execute_sql('SELECT MAX("seq") FROM "change_event"').fetchone()[0] or 0
    return {"version": app_version(), "mark": top,
            "tables": [[name, list(columns)] for name, columns in local_tables().items()]}


def _plain(value):
    """A column's value as the JSON a SQLite kiosk stores unchanged (PostgreSQL hands
    out typed values: written as SQLite holds what peewee writes for them)."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (dt.datetime, dt.date, dt.time, decimal.Decimal)):
        return str(value)
    raise SnapshotError(f"a value of type {type(value).__name__} cannot travel in a snapshot")


def page(peer_node: str, part: str, after, mark: int, limit: int = PAGE) -> dict:
    """One page of ``part`` after the key ``after`` (None: from the start).

    → {"columns", "rows": [[...], ...], "after": the last key, "more": bool}."""
    limit = max(1, min(int(limit), PAGE))
    p = database.param
    if part == "log":
        columns = WIRE_COLUMNS
        sql = (f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "change_event"'
               f' WHERE "seq" > {p} AND "seq" <= {p} AND "origin_node" <> {p} ORDER BY "seq" LIMIT {limit}')
        rows = database.execute_sql(sql, (int(after or 0), int(mark), peer_node)).fetchall()
        last = rows[-1][0] if rows else after
    else:
        tables = local_tables()
        if part not in tables:
            raise SnapshotError(f"no table {part!r} in this hub's snapshot")
        columns = tables[part]
        keys = _KEYS.get(part, ("id",))
        select = ", ".join(f'"{c}"' for c in columns)
        order = ", ".join(f'"{k}"' for k in keys)
        where, args = "", []
        if after is not None:
            if not isinstance(after, list) or len(after) != len(keys):
                raise SnapshotError("after must be the last key of the previous page")
            where = f' WHERE ({order}) > ({", ".join([p] * len(keys))})'
            args = list(after)
        rows = database.execute_sql(f'SELECT {select} FROM "{part}"{where} ORDER BY {order} LIMIT {limit}',
                                    args).fetchall()
        at = [columns.index(k) for k in keys]
        last = [_plain(rows[-1][i]) for i in at] if rows else after
    if is_postgresql():  # SQLite's values are plain already: they travel as read
        rows = [[_plain(v) for v in row] for row in rows]
    return {"columns": list(columns), "rows": rows, "after": last, "more": len(rows) == limit}
