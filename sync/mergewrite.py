"""Writing merged rows: re-fold rows from the change log, write them parents first,
keep their field clocks, conflicts and the rows that must wait (see ``sync.merge``)."""
from __future__ import annotations

import json
import uuid

from kiosk.core import events as page_events
from kiosk.core import times
from kiosk.db import database
from kiosk.core.limits import clip
from sync import conflicts
from sync.eventtimes import upgrade_payload
from sync.fieldclock import INSERT, LOCKED, LOCKED_CHILDREN, ORDER
from sync.tables import FieldClock, PendingRow
from sync.mergerules import Event, fk_targets, fold_row, line_parent, loss_key, registry, value_json
from sync.mergevalues import hex_id

CHUNK = 400  # ids per IN (...) list: well under every database's parameter limit


def chunks(items, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bulk_insert(model, columns: list[str], rows: list[tuple], *, conflict: list[str] | None = None,
                update: list[str] | None = None) -> None:
    """Insert many rows with one prepared statement (peewee builds SQL per value,
    which costs more than the insert itself); with ``conflict``/``update``, an
    upsert (``ON CONFLICT … DO UPDATE``, understood by SQLite and PostgreSQL)."""
    if not rows:
        return
    fields = [model._meta.fields[name] for name in columns]
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([database.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'
    if conflict:
        target = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in conflict)
        sets = ", ".join(f'"{model._meta.fields[n].column_name}" = EXCLUDED."{model._meta.fields[n].column_name}"'
                         for n in update)
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
    # Column by column: most columns hold only plain values and pass as they are.
    columns = list(zip(*rows))
    for i, (fld, values) in enumerate(zip(fields, columns)):
        if not _PLAIN.issuperset(map(type, values)):
            convert = fld.db_value
            columns[i] = [v if type(v) in _PLAIN else convert(v) for v in values]
    database.cursor().executemany(sql, list(zip(*columns)))


_PLAIN = frozenset({str, int, bool, float, type(None)})  # passed to the driver as they are


_EVENT_COLUMNS = ("event_id", "origin_node", "origin_seq", "hlc", "row_id", "kind", "op", "payload",
                  "schema_version", "merge_info", "flagged")


def events_of(table: str, row_ids) -> dict[str, list[Event]]:
    """Every stored event of these rows, as ``Event``s, by row id."""
    cols = ", ".join(f'"{c}"' for c in _EVENT_COLUMNS)
    out: dict[str, list[Event]] = {}
    for part in chunks(row_ids):
        marks = ", ".join([database.param] * len(part))
        sql = f'SELECT {cols} FROM "change_event" WHERE "entity" = {database.param} AND "row_id" IN ({marks})'
        for event_id, origin, seq, hlc, row_id, kind, op, payload, version, info, flagged in (
                database.execute_sql(sql, [table, *part]).fetchall()):
            event = Event(event_id, origin, seq, hlc, table, row_id, kind, op,
                          upgrade_payload(table, json.loads(payload), version), version, flagged=bool(flagged))
            if info:
                data = json.loads(info)
                event.seen, event.override = data.get("seen"), bool(data.get("override"))
            out.setdefault(row_id, []).append(event)
    return out


def _same(stored, merged) -> bool:
    """Whether a column already holds the merged value (ids compare by their hex)."""
    if isinstance(stored, uuid.UUID) or isinstance(merged, uuid.UUID):
        return getattr(stored, "hex", stored) == getattr(merged, "hex", merged)
    return stored == merged


def _hex(value) -> str:
    found = hex_id(value)
    if found is None:
        raise ValueError(f"not an id: {value!r}")
    return found


def _uuid(text: str):
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


class Refold:
    """One run of re-folding: rows of the batch, then rows that were waiting for them."""

    def __init__(self, batch: list[Event] | None = None):
        self.batch: dict[tuple[str, str], list[Event]] = {}
        for event in batch or ():
            self.batch.setdefault((event.entity, event.row_id), []).append(event)
        tables = set(database.get_tables())
        self.models = {t: m for t, m in registry().items() if t in tables}
        self.locks: dict[str, tuple | None] = {}  # order id -> lock clock, decided in this run
        self.extra: dict[str, set] = {}  # line table -> ids to re-fold (their order's lock moved)
        self.created = 0
        self.touched: set[str] = set()
        self.any_pending = PendingRow.select().exists()

    def run(self, keys: set) -> None:
        keys = set(keys) | self._waiting("unknown", only_known=True)
        self._pass(keys)
        mark = 0
        while self.created > mark and self.any_pending:  # new rows may be the parents others wait for
            mark = self.created
            waiting = self._waiting("parent")
            if not waiting:
                break
            self._pass(waiting)
        for table in self.touched:
            page_events.note(table)

    def _waiting(self, reason: str, only_known: bool = False) -> set:
        if not self.any_pending:
            return set()
        query = PendingRow.select(PendingRow.entity, PendingRow.row_id).where(PendingRow.reason == reason)
        return {(e, r) for e, r in query.tuples() if not only_known or e in self.models}

    def _pass(self, keys: set) -> None:
        by_table: dict[str, set] = {}
        for table, row_id in keys:
            by_table.setdefault(table, set()).add(row_id)
        for table in set(by_table) - set(self.models):
            self._set_pending(table, {rid: "unknown" for rid in by_table[table]}, [])
        for table, model in self.models.items():
            ids = by_table.get(table, set()) | self.extra.pop(table, set())
            if ids:
                self._table(table, model, ids)

    def _existing(self, model, ids) -> set[str]:
        found = set()
        for part in chunks([h for h in map(hex_id, ids) if h is not None]):
            marks = ", ".join([database.param] * len(part))
            sql = f'SELECT "id" FROM "{model._meta.table_name}" WHERE "id" IN ({marks})'
            found.update(_hex(i) for (i,) in database.execute_sql(sql, part).fetchall())
        return found

    def _table(self, table: str, model, ids: set) -> None:
        existing = self._existing(model, ids)
        if model.KIND == "fact":
            ids = ids - existing  # facts never change once written
        ids = {i for i in ids if hex_id(i) is not None}
        if not ids:
            return
        history = self._history(table, ids, existing)
        locks = {}
        if table in LOCKED_CHILDREN:
            parents = {rid: line_parent(model, history.get(rid, [])) for rid in ids}
            locks = self._locks_of({p for p in parents.values() if p})
            locks = {rid: locks.get(parent) for rid, parent in parents.items()}
        folds = [fold_row(model, rid, history.get(rid, []), locks.get(rid)) for rid in ids]
        refs = {fold.row_id: fk_targets(fold) for fold in folds}
        targets: dict[str, set] = {}
        for found in refs.values():
            for _, target_table, target in found:
                targets.setdefault(target_table, set()).add(target)
        present = {t: self._existing(self.models[t], found) for t, found in targets.items() if t in self.models}
        writes, waiting, done, lost = [], {}, [], []
        for fold in folds:
            lost += self._conflict_rows(fold)
            if not fold.exists:
                if fold.row_id not in existing:
                    waiting[fold.row_id] = "insert"
                continue
            if fold.missing_required():
                waiting[fold.row_id] = "incomplete"
                continue
            missing = [name for name, t, target in refs[fold.row_id] if t in present and target not in present[t]]
            if missing:
                waiting[fold.row_id] = "parent"
                if fold.row_id not in existing:
                    continue
            else:
                done.append(fold.row_id)
            writes.append((fold, missing))
        self._write_rows(model, writes, existing)
        if model.KIND == "record":
            self._sync_clocks(table, writes)
        self._set_pending(table, waiting, done)
        conflicts.record(lost)

    def _history(self, table: str, ids: set, existing: set) -> dict[str, list[Event]]:
        """Every event of these rows. A row neither written here nor waiting (in
        PendingRow) has no events in the log but this batch's: those are used as
        they are, instead of being read back and parsed again."""
        known = {}
        if self.batch:
            waiting = self._pending_of(table, ids) if self.any_pending else set()
            known = {rid: self.batch[(table, rid)] for rid in ids
                     if rid not in existing and rid not in waiting and (table, rid) in self.batch}
        history = events_of(table, [rid for rid in ids if rid not in known]) if len(known) < len(ids) else {}
        history.update(known)
        return history

    @staticmethod
    def _pending_of(table: str, ids: set) -> set[str]:
        found = set()
        for part in chunks(ids):
            query = PendingRow.select(PendingRow.row_id).where((PendingRow.entity == table)
                                                               & PendingRow.row_id.in_(part))
            found.update(rid for (rid,) in query.tuples())
        return found

    def _write_rows(self, model, writes: list, existing: set) -> None:
        """Insert new rows (in bulk) and update existing ones where the merge changed them.

        Plain INSERT and UPDATE rather than an upsert: SQLite applies an outer
        statement's conflict clause to the triggers it fires, which breaks
        triggers that keep search indexes (``INSERT OR IGNORE`` inside them).
        """
        fresh, changed = [], []
        current = self._rows(model, [fold.row_id for fold, _ in writes if fold.row_id in existing])
        for fold, held in writes:
            values = clip(model, fold.full_values())  # another node's text longer than ours allows: cut
            row = current.get(fold.row_id)
            if row is not None:
                for name in held:  # keep the reference the row has until its new target arrives
                    values[name] = row.__data__.get(name)
                diff = {n: v for n, v in values.items() if not _same(row.__data__.get(n), v)}
                if diff:
                    changed.append((fold, diff))
                continue
            values["id"], values["hlc"] = hex_id(fold.row_id), fold.top_hlc
            fresh.append(values)
        if fresh:
            columns = list(fresh[0])  # every fresh row has these keys in this order (full_values, id, hlc)
            bulk_insert(model, columns, [tuple(row.values()) for row in fresh])
            self.created += len(fresh)
        for fold, diff in changed:
            diff["hlc"] = fold.top_hlc
            model.update(**diff).where(model.id == _uuid(fold.row_id)).execute()
        if fresh or changed:
            self.touched.add(model._meta.table_name)

    @staticmethod
    def _rows(model, ids: list[str]) -> dict:
        out = {}
        for part in chunks(ids):
            out.update({row.id.hex: row for row in model.select().where(model.id.in_([_uuid(i) for i in part]))})
        return out

    def _sync_clocks(self, table: str, writes: list) -> None:
        """Make FieldClock say which write each written field's value came from."""
        if not writes:
            return
        have: dict[str, dict[str, tuple]] = {}
        for part in chunks([fold.row_id for fold, _ in writes]):
            # Plain SQL: peewee would build the IN list value by value, which costs more than the query.
            marks = ", ".join([database.param] * len(part))
            sql = (f'SELECT "row_id", "field", "hlc", "origin" FROM "{FieldClock._meta.table_name}"'
                   f' WHERE "entity" = {database.param} AND "row_id" IN ({marks})')
            for row_id, name, hlc, origin in database.execute_sql(sql, [table, *part]).fetchall():
                have.setdefault(row_id, {})[name] = (hlc, origin)
        entries, stale, moved = [], [], {}
        for fold, held in writes:
            rid, old = fold.row_id, have.get(fold.row_id, {})
            want = {INSERT: fold.insert_clock}
            want.update({n: c for n, c in fold.clocks.items() if c != fold.insert_clock and n not in held})
            if table == ORDER:
                if fold.locked_at:
                    want[LOCKED] = fold.locked_at
                if old.get(LOCKED) != fold.locked_at:
                    moved[rid] = (old.get(LOCKED), fold.locked_at)
                self.locks[rid] = fold.locked_at
            entries += [(table, rid, name, clock[0], clock[1]) for name, clock in want.items()
                        if old.get(name) != clock]
            stale += [(rid, name) for name in old if name not in want and name not in held]
        bulk_insert(FieldClock, ["entity", "row_id", "field", "hlc", "origin"], entries,
                    conflict=["entity", "row_id", "field"], update=["hlc", "origin"])
        for rid, name in stale:
            FieldClock.delete().where((FieldClock.entity == table) & (FieldClock.row_id == rid)
                                      & (FieldClock.field == name)).execute()
        if moved:
            self._lock_moved(moved)

    def _lock_moved(self, moved: dict) -> None:
        """Orders whose lock time changed: their lines must be folded again."""
        for line_table, fk_name in LOCKED_CHILDREN.items():
            line_model = self.models.get(line_table)
            if line_model is None:
                continue
            fk = getattr(line_model, fk_name)
            for part in chunks(moved):
                query = (line_model.select(line_model.id, fk, line_model.hlc)
                         .where(fk.in_([_uuid(o) for o in part])).tuples())
                for line_id, order_id, hlc in query:
                    old, new = moved[order_id.hex if isinstance(order_id, uuid.UUID) else str(order_id)]
                    # A lock that only moved earlier refuses writes after it: lines
                    # with nothing after it need no work. Any other move: all lines.
                    if new is not None and old is not None and new[0] < old[0] and hlc <= new[0]:
                        continue
                    if new is not None and old is None and hlc <= new[0]:
                        continue
                    self.extra.setdefault(line_table, set()).add(line_id.hex)

    def _locks_of(self, order_ids: set) -> dict:
        out = {o: self.locks[o] for o in order_ids if o in self.locks}
        ask = [o for o in order_ids if o not in self.locks]
        for part in chunks(ask):
            query = (FieldClock.select(FieldClock.row_id, FieldClock.hlc, FieldClock.origin)
                     .where((FieldClock.entity == ORDER) & (FieldClock.field == LOCKED)
                            & FieldClock.row_id.in_(part)))
            out.update({row_id: (hlc, origin) for row_id, hlc, origin in query.tuples()})
        return out

    def _set_pending(self, table: str, waiting: dict, done: list) -> None:
        if waiting:
            now = times.utcnow()
            rows = [{"entity": table, "row_id": rid, "reason": reason, "since": now}
                    for rid, reason in waiting.items()]
            for part in chunks(rows, 200):
                (PendingRow.insert_many(part)
                 .on_conflict(conflict_target=[PendingRow.entity, PendingRow.row_id],
                              preserve=[PendingRow.reason]).execute())
            self.any_pending = True
        if done and self.any_pending:
            for part in chunks(done):
                PendingRow.delete().where((PendingRow.entity == table) & PendingRow.row_id.in_(part)).execute()

    def _conflict_rows(self, fold) -> list[dict]:
        rows, now = [], times.utcnow()
        for loss in fold.losses:
            table, row_id, name, lost_hlc = loss_key(fold, loss)
            kept = loss.kept_clock or ("", "")
            rows.append({
                "entity": table, "row_id": row_id, "field": name, "reason": loss.reason,
                "kept_value": value_json(fold, name, loss.kept) if loss.kept_clock else None,
                "lost_value": value_json(fold, name, loss.lost.value),
                "kept_hlc": kept[0], "kept_origin": kept[1], "lost_hlc": lost_hlc,
                "lost_origin": loss.lost.event.origin, "lost_event": loss.lost.event.event_id,
                "created_at": now,
            })
        return rows
