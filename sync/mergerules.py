"""The merge rules, as a pure function of one row's events (no database).

``sync.merge`` applies them to the database; ``reference_state`` folds a set of
events with the very same code, so tests can compare every node with it. The
result depends only on the set of events, never on their order.

* Facts: union (a fact has one event; its row appears once it arrived).
* Records: field by field, the write with the highest key wins, where the key
  is (not flagged, HLC): a write from a skewed clock never beats a sane one.
* ``work_order.status``: the state machine (``kiosk.core.status.can_move``)
  replayed over the status writes in HLC order; a write the machine refuses at
  its place in that order is dropped. So status only moves forward, sideways
  within a rank, QC back to rework when that is the newer write, and to
  cancelled only before settled. Flagged writes come after all sane ones and
  only count while no sane write set the status.
* Locked orders: once the order is settled (or later, or cancelled) at HLC S,
  a write to its header (other than status) or to its job or part lines with an
  HLC after S is refused unless it was made knowing the lock (``override``).
  A line added after S is kept, but tombstoned (``deleted``), until reviewed.
* Conflicts (kept for review, never applied): refused writes; and a write that
  lost to a different value written by another node without having seen it
  (the winner's ``seen`` clock for the field is older than the loser's HLC), or
  that lost because it was flagged.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.status import STATUSES, can_move, is_locked
from sync.fieldclock import INSERT, LOCKED_CHILDREN, ORDER
from sync.mergeschema import (  # noqa: F401  (to_python: public here too)
    Event,
    defaults_of,
    fields_of,
    fold_converters,
    normal_row_id,
    parse_event,
    refs_of,
    registry,
    required_of,
    to_json,
    to_python,
)

# ---- one row ---------------------------------------------------------------

@dataclass
class Write:
    event: Event
    name: str
    value: Any

    @property
    def key(self):
        return (not self.event.flagged, self.event.hlc)

    @property
    def clock(self) -> tuple[str, str]:
        return (self.event.hlc, self.event.origin)

    def saw(self) -> str | None:
        """The clock this write's author had for the field; None when unknown."""
        if self.event.op == "insert":
            return ""
        if self.event.seen is None:
            return None
        return self.event.seen.get(self.name, "")


@dataclass
class Loss:
    """A value that did not make it into the row: a conflict to review."""

    name: str  # a field, or "*" for a whole line added to a locked order
    reason: str  # concurrent | skew | status | locked
    lost: Write
    kept: Any = None  # what the row holds instead
    kept_clock: tuple | None = None  # (hlc, origin) of that value


def _loss(name: str, reason: str, lost: Write, kept: Write | None = None) -> Loss:
    return Loss(name, reason, lost, kept.value if kept else None, kept.clock if kept else None)


@dataclass
class RowFold:
    model: type
    row_id: str
    values: dict = field(default_factory=dict)
    clocks: dict = field(default_factory=dict)  # field -> (hlc, origin)
    insert_clock: tuple | None = None
    locked_at: tuple | None = None  # work orders: (hlc, origin) of the locking status write
    losses: list = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.insert_clock is not None

    @property
    def top_hlc(self) -> str:
        return max((c[0] for c in self.clocks.values()), default="")

    def missing_required(self) -> list[str]:
        values = self.values
        return [name for name in required_of(self.model) if name not in values]

    def full_values(self) -> dict:
        """Every column's value as the merge holds it (ids as hex): merged, or the field's default."""
        values = self.values
        return {name: values[name] if name in values else (default() if call else default)
                for name, default, call in defaults_of(self.model)}


def concurrent(newer: Write, older: Write) -> bool:
    """Whether ``newer`` was written without having seen ``older``."""
    if newer.event.origin == older.event.origin:
        return False
    saw = newer.saw()
    return True if saw is None else saw < older.event.hlc


def line_parent(model, events: list[Event]) -> str | None:
    """The work order a job or part line belongs to (lines never move between orders)."""
    name = LOCKED_CHILDREN.get(model._meta.table_name)
    if not name:
        return None
    for event in sorted(events, key=lambda e: (e.op != "insert", e.hlc)):
        if event.payload.get(name):
            return normal_row_id(event.payload[name])
    return None


def _replay_status(writes: list[Write]):
    """The status the state machine reaches over the writes in HLC order; losses; lock time."""
    current: Write | None = None
    locked_at, losses = None, []
    ordered = sorted(writes, key=lambda w: (w.event.flagged, w.event.hlc))
    for write in ordered:
        value = write.value
        if value not in STATUSES:
            continue  # a status of a newer build: nothing this one can rank
        if current is None or value == current.value:
            accept = current is None or not write.event.flagged or current.event.flagged
        elif write.event.flagged and not current.event.flagged:
            losses.append(_loss("status", "skew", write, current))
            continue
        elif can_move(current.value, value):
            accept = True
            if concurrent(write, current):
                losses.append(_loss("status", "concurrent", current, write))
        else:
            losses.append(_loss("status", "status", write, current))
            continue
        if accept:
            current = write
            if locked_at is None and is_locked(value):
                locked_at = write.clock
    return current, locked_at, losses


def _lww(name: str, accepted: list[Write], fold: RowFold) -> None:
    if len(accepted) == 1:  # most fields: written once, by the insert
        fold.values[name], fold.clocks[name] = accepted[0].value, accepted[0].clock
        return
    accepted.sort(key=lambda w: w.key)
    winner = accepted[-1]
    fold.values[name], fold.clocks[name] = winner.value, winner.clock
    # Fast path: a history where each write saw the one before it has no conflict.
    suffix_min: list[str] = [""] * len(accepted)
    low = "\uffff"
    for i in range(len(accepted) - 1, -1, -1):
        suffix_min[i] = low
        saw = accepted[i].saw()
        low = min(low, "" if saw is None else saw)
    for i, older in enumerate(accepted[:-1]):
        if not older.event.flagged and suffix_min[i] >= older.event.hlc:
            continue
        for newer in accepted[i + 1:]:
            if newer.value == older.value:
                continue
            if older.event.flagged and not newer.event.flagged:
                fold.losses.append(_loss(name, "skew", older, newer))
                break
            if concurrent(newer, older):
                fold.losses.append(_loss(name, "concurrent", older, newer))
                break


def _fold_one_insert(fold: RowFold, event: Event) -> RowFold:
    """The common case (every fact, most rows of a first sync): one insert and
    nothing else. The same result as the general fold, without its bookkeeping."""
    clock = (event.hlc, event.origin)
    fold.insert_clock = clock
    convert, values, clocks = fold_converters(fold.model), fold.values, fold.clocks
    for name, raw in event.payload.items():
        to_value = convert.get(name)
        if to_value is None:
            continue
        try:
            values[name] = None if raw is None else to_value(raw)
        except (ValueError, TypeError, ArithmeticError):
            continue
        clocks[name] = clock
    return fold


def fold_row(model, row_id: str, events: list[Event], lock_at: tuple | None = None) -> RowFold:
    """Merge one row's events. ``lock_at``: for a line, when its order was locked."""
    table = model._meta.table_name
    if (len(events) == 1 and events[0].op == "insert" and table != ORDER
            and (lock_at is None or table not in LOCKED_CHILDREN or events[0].hlc <= lock_at[0])):
        # Nothing to refuse (see refused() in fold_general) and nothing to compare.
        return _fold_one_insert(RowFold(model, row_id), events[0])
    return fold_general(model, row_id, events, lock_at)


def fold_general(model, row_id: str, events: list[Event], lock_at: tuple | None = None) -> RowFold:
    """``fold_row`` for any history (tests compare it with the one-insert shortcut)."""
    fold = RowFold(model, row_id)
    table = model._meta.table_name
    convert = fold_converters(model)
    is_order, is_line = table == ORDER, table in LOCKED_CHILDREN
    writes: dict[str, list[Write]] = {}
    inserts = []
    for event in sorted(events, key=lambda e: (e.hlc, e.event_id)):
        if event.op == "insert":
            inserts.append(event)
        for name, raw in event.payload.items():
            to_value = convert.get(name)
            if to_value is None:
                continue  # a field of a newer schema: kept in the log, not applied
            try:
                value = None if raw is None else to_value(raw)
            except (ValueError, TypeError, ArithmeticError):
                continue
            writes.setdefault(name, []).append(Write(event, name, value))
    if inserts:
        fold.insert_clock = max(((not e.flagged, e.hlc), (e.hlc, e.origin)) for e in inserts)[1]
    if is_order and "status" in writes:
        current, fold.locked_at, losses = _replay_status(writes.pop("status"))
        fold.losses.extend(losses)
        if current is not None:
            fold.values["status"], fold.clocks["status"] = current.value, current.clock
        lock_at = fold.locked_at
    elif not is_order and not is_line:
        lock_at = None

    def refused(event: Event) -> bool:
        return (lock_at is not None and event.hlc > lock_at[0] and not event.override
                and not (is_order and event.op == "insert"))

    if is_line:
        for event in inserts:
            if refused(event):
                # A line added after the order was locked: kept, tombstoned, for review.
                stub = Write(event, INSERT, event.payload)
                fold.losses.append(_loss(INSERT, "locked", stub))
                others = [w for w in writes.get("deleted", []) if w.event is not event]
                writes["deleted"] = others + [Write(event, "deleted", True)]
    for name, candidates in writes.items():
        accepted = []
        for write in candidates:
            if refused(write.event) and not (is_line and write.event.op == "insert"):
                fold.losses.append(_loss(name, "locked", write))
            else:
                accepted.append(write)
        if accepted:
            _lww(name, accepted, fold)
    # Each loss is shown against what the row holds now (the same for every order of arrival).
    for loss in fold.losses:
        if loss.name in fold.clocks:
            loss.kept, loss.kept_clock = fold.values[loss.name], fold.clocks[loss.name]
        else:
            loss.kept, loss.kept_clock = None, None
    return fold


def fk_targets(fold: RowFold) -> list[tuple[str, str, str]]:
    """(field, table, row id) of every reference the merged row makes."""
    out = []
    for name, table in refs_of(fold.model):
        value = fold.values.get(name)
        if value is not None:
            out.append((name, table, value.hex if isinstance(value, uuid.UUID) else normal_row_id(value)))
    return out


def loss_key(fold: RowFold, loss: Loss) -> tuple[str, str, str, str]:
    return (fold.model._meta.table_name, fold.row_id, loss.name, loss.lost.event.hlc)


def value_json(fold: RowFold, name: str, value) -> str:
    """A conflict's value as JSON text."""
    if name == INSERT:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return json.dumps(to_json(fields_of(fold.model)[name], value), ensure_ascii=False)


# ---- a whole set of events ---------------------------------------------------

def _folds(events) -> dict[tuple[str, str], RowFold]:
    """Every known row's fold; lines folded with their order's lock time."""
    models = registry()
    unique: dict[str, Event] = {}
    for raw in events:
        event = raw if isinstance(raw, Event) else parse_event(raw)
        unique.setdefault(event.event_id, event)
    tables: dict[str, dict[str, list[Event]]] = {}
    for event in unique.values():
        if event.entity in models:
            tables.setdefault(event.entity, {}).setdefault(event.row_id, []).append(event)
    folds: dict[tuple[str, str], RowFold] = {}
    for table, model in models.items():  # parents (orders) before lines
        for row_id, evs in tables.get(table, {}).items():
            parent = line_parent(model, evs)
            order = folds.get((ORDER, parent)) if parent else None
            folds[(table, row_id)] = fold_row(model, row_id, evs, order.locked_at if order else None)
    return folds


def reference_state(events) -> dict[tuple[str, str], dict]:
    """The state a set of events describes, by the merge rules, without a database:
    ``{(table, row id): {field: value as sync.changelog.serialize writes it}}``.

    A row is there once its insert arrived, it has every required field, and
    every row it refers to is there too (unknown tables and fields are left out),
    exactly as ``sync.merge`` writes rows into a database.
    """
    folds = _folds(events)
    ready = {key: fold for key, fold in folds.items() if fold.exists and not fold.missing_required()}
    models = registry()
    present: set[tuple[str, str]] = set()
    progress = True
    while progress:  # least fixpoint: a row is written only after the rows it refers to
        progress = False
        for key, fold in ready.items():
            if key in present:
                continue
            if all((table, target) in present or table not in models
                   for _, table, target in fk_targets(fold)):
                present.add(key)
                progress = True
    out = {}
    for key in present:
        fold = folds[key]
        known = fields_of(fold.model)
        out[key] = {name: to_json(known[name], value) for name, value in fold.full_values().items()}
    return out


def reference_conflicts(events) -> set[tuple[str, str, str, str]]:
    """(table, row id, field, losing HLC) of every value the merge rules keep out."""
    return {loss_key(fold, loss) for fold in _folds(events).values() for loss in fold.losses}
