"""Migration m0011: stored times from the PC's local wall time to UTC (``kiosk.core.times``).

Before the time rule every time was written as the PC's naive local time. Each
time column of every table is converted once, inside the migrations' one
transaction:

* replicated tables as if the PC ran in the store's zone: the same conversion
  ``sync.eventtimes`` applies to the old events in the change log, so a row
  and a fold of its events agree after the upgrade;
* this node's own tables (print queue, sync bookkeeping, peers, sessions, API
  tokens and their uses, kept answers, a hub's kiosk reports …) with the PC's
  own zone, which is what wrote them; so are the times this node keeps as text
  (``STATE_KEYS``, ``STATE_JSON``, ``SETTING_JSON``: the last sync, a restore,
  the last backup).

Left as written, on purpose: the text of what a customer signed (an estimate's
or a check-in record's snapshot: its hash binds the signature; a promised time
in it without an offset is read as the store's wall time), a kiosk's last error
as reported to the hub (the kiosk's own text, replaced at its next hello and
read the same way), and backup file names (made before the rule without an
offset, read as the store's wall time: kiosk.services.backup_schedule).
"""
from __future__ import annotations

import datetime as dt
import json
import uuid

from peewee import DateTimeField

from kiosk.core import times
from kiosk.models import AppliedMigration
from kiosk.models.base import Replicated
from kiosk.models.ops import NodeSetting
from kiosk.schema import ALL_MODELS
from sync import replicated
from sync.eventtimes import data_of
from sync.merge import refold
from sync.tables import (ChangeEvent, Conflict, FieldClock, NodeKey, PairingCode, PairingFailure, PendingRow, Peer,
                         SeenRequest, SyncState)

BATCH = 2000
# Times kept as ISO text in the sync state (this node's own clock).
STATE_KEYS = ("last_sync", "paired_at", "restored_at")
# JSON values with times in them: in the sync state, and in this node's settings (kiosk.models.ops).
STATE_JSON = {"alert": ("at",), "refused_answer": ("at",)}
SETTING_JSON = {"last_backup": ("at", "attempt_at")}


def _models() -> list:
    found = []
    for model in [*ALL_MODELS, NodeKey, PairingCode, PairingFailure, Peer, SeenRequest, FieldClock, PendingRow,
                  Conflict]:
        if model not in found and model is not AppliedMigration:
            found.append(model)
    return found


def _pc_local_to_utc(value: dt.datetime) -> dt.datetime:
    # A naive datetime's astimezone() reads it in the PC's own zone (its DST rules included).
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _store_to_utc(value: dt.datetime) -> dt.datetime:
    return times.to_utc(value)


def _read(raw) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        return raw.replace(tzinfo=None) if raw.tzinfo is None else times.to_utc(raw)
    try:
        return dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return None  # not a time at all: left as it is


def convert_all(db):
    """Convert every stored time of ``db`` to UTC. Returns the follow-up that folds again the
    rows that version-2 events touched (None when there are none): see ``_refold_newer``."""
    tables = set(db.get_tables())
    postgres = type(getattr(db, "obj", db)).__name__.startswith("Postgres")
    for model in _models():
        table = model._meta.table_name
        if table not in tables:
            continue
        have = {column.name for column in db.get_columns(table)}
        convert = _store_to_utc if issubclass(model, Replicated) else _pc_local_to_utc
        keys = [f.column_name for f in model._meta.get_primary_keys()]
        if not keys or not all(k in have for k in keys):
            continue
        for field in model._meta.sorted_fields:
            if isinstance(field, DateTimeField) and field.column_name in have:
                _convert_column(db, table, keys, field.column_name, convert, postgres)
    _convert_state(db, tables)
    _convert_json_settings(db, tables)
    return _refold_newer(db, tables)


def _refold_newer(db, tables: set):
    """A node of the previous release may already hold rows from version-2 events (UTC), sent
    by nodes upgraded before it (the hub first, or a kiosk first): the conversion above moved
    those too. The change log knows which: folding those rows again from their events (version-1
    times converted on reading, version-2 as they are) puts them right. After every step,
    when every table has today's columns (kiosk.migrations.migrate)."""
    if ChangeEvent._meta.table_name not in tables:
        return None
    newer = ChangeEvent.schema_version >= 2
    records = set(ChangeEvent.select(ChangeEvent.entity, ChangeEvent.row_id)
                  .where(newer & (ChangeEvent.kind == "record")).distinct().tuples())
    facts = list(ChangeEvent.select().where(newer & (ChangeEvent.kind == "fact")))
    if not records and not facts:
        return None

    def refold_newer():
        refold(records)
        _facts_as_logged(facts)  # the merge never writes a fact again: its times are set here

    return refold_newer


def _facts_as_logged(events) -> None:
    """The times of fact rows as their (version-2, UTC) insert events say."""
    models = replicated.by_table()
    for event in events:
        model = models.get(event.entity)
        if model is None:
            continue
        data = data_of(event)
        values = {}
        for name, field in model._meta.fields.items():
            if isinstance(field, DateTimeField) and isinstance(data.get(name), str):
                value = _read(data[name])
                if value is not None:
                    values[name] = value
        if values:
            model.update(**values).where(model.id == uuid.UUID(event.row_id)).execute()


def _convert_column(db, table: str, keys: list[str], column: str, convert, postgres: bool) -> int:
    key_sql = ", ".join(f'"{k}"' for k in keys)
    rows = db.execute_sql(f'SELECT {key_sql}, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
    cache: dict = {}
    updates = []
    for *key, raw in rows:
        if raw not in cache:
            value = _read(raw)
            cache[raw] = None if value is None else convert(value)
        new = cache[raw]
        if new is not None:
            # SQLite keeps times as the text sqlite3 makes of a datetime (str()); PostgreSQL as timestamps.
            updates.append((new if postgres else str(new), *key))
    where = " AND ".join(f'"{k}" = {db.param}' for k in keys)
    sql = f'UPDATE "{table}" SET "{column}" = {db.param} WHERE {where}'
    for start in range(0, len(updates), BATCH):
        db.cursor().executemany(sql, updates[start:start + BATCH])
    return len(updates)


def _convert_state(db, tables: set) -> int:
    if SyncState._meta.table_name not in tables:
        return 0
    changed = 0
    for row in SyncState.select().where(SyncState.key.in_(STATE_KEYS)):
        value = _read(row.value) if row.value else None
        if value is not None:
            SyncState.update(value=_pc_local_to_utc(value).isoformat(timespec="seconds")).where(
                SyncState.key == row.key).execute()
            changed += 1
    for row in SyncState.select().where(SyncState.key.in_(list(STATE_JSON))):
        text = _json_times(row.value, STATE_JSON[row.key])
        if text is not None:
            SyncState.update(value=text).where(SyncState.key == row.key).execute()
            changed += 1
    return changed


def _convert_json_settings(db, tables: set) -> int:
    if NodeSetting._meta.table_name not in tables:
        return 0
    changed = 0
    for row in NodeSetting.select().where(NodeSetting.key.in_(list(SETTING_JSON))):
        text = _json_times(row.value, SETTING_JSON[row.key])
        if text is not None:
            NodeSetting.update(value=text).where(NodeSetting.key == row.key).execute()
            changed += 1
    return changed


def _json_times(raw: str, names) -> str | None:
    """``raw`` (a JSON object) with the times under ``names`` from the PC's wall time to UTC;
    None when nothing changed (not JSON, or no such time)."""
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    changed = False
    for name in names:
        value = _read(data[name]) if data.get(name) else None
        if value is not None:
            data[name] = _pc_local_to_utc(value).isoformat(timespec="seconds")
            changed = True
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if changed else None
