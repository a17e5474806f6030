"""The merge engine: apply events received from another node to this node's tables.

The event log is the truth. Applying a batch stores the new events, then
re-folds every row they touch from *all* of that row's events with the rules in
``sync.mergerules`` and writes the result. So the same set of events gives the
same rows whatever order it arrived in, local writes and remote ones compete on
equal terms (both are in the log), and a late event that changes an earlier
decision (a settle that arrives after the lines edited behind it) simply
changes the fold.

Rows that cannot be written yet wait in ``PendingRow`` (their events stay in
the log): a row whose insert has not arrived, one that refers to a row that has
not arrived (foreign keys are enforced), or one of a table this build does not
know. Within a batch, tables are written parents first; after a batch that
wrote new rows, rows waiting for a parent are tried again.
"""
from __future__ import annotations

import gc
import json
import time
from contextlib import contextmanager

from kiosk.core import times
from kiosk.db import database, is_postgresql
from sync import changelog, protocol
from sync.tables import ChangeEvent
from sync.conflicts import open_conflicts, resolve_conflict  # noqa: F401  (public interface)
from sync.mergeschema import BadEvent, Event, parse_event, registry  # noqa: F401  (BadEvent: public)
from sync.mergerules import reference_conflicts, reference_state  # noqa: F401  (public interface)
from sync.mergewrite import Refold, bulk_insert, chunks
from sync.node import current_node


class Diverged(ValueError):
    """Two different events claim one origin sequence number (a cloned or restored node)."""


def apply_events(events: list[dict], *, source: str | None = None, now_ms: int | None = None) -> list[str]:
    """Apply wire-form events from another node; return the ids of those new here.

    Call inside ``kiosk.db.transaction()``. Events already stored (same
    ``event_id``) are skipped, so applying twice is applying once. Each new
    event is stored in the change log as it was made (a hub serves pulls from
    there) and this node's clock moves past it.

    Clock skew: an event whose HLC is more than ``protocol.MAX_SKEW_MS`` ahead
    of the reference wall clock is stored ``flagged``: it fills what is empty
    but never overwrites a value, and does not move this node's clock. The
    reference is ``now_ms`` when given; otherwise a hub judges by its own clock
    and a kiosk does not judge (its own clock may be the wrong one; it takes
    the hub's verdict, which travels with the event). Only events made by
    ``source`` itself (the peer they came from) are judged; relayed ones keep
    the verdict of the node that first received them.
    """
    if database.transaction_depth() == 0:
        raise RuntimeError("apply_events must run inside kiosk.db.transaction()")
    with _cyclic_gc_paused():
        return _apply(events, source, now_ms)


@contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector while a batch is merged.

    A batch allocates hundreds of thousands of small objects, and the
    collector walks every live object again and again meanwhile (a fifth of a
    batch's time); they are freed by reference counting as soon as the batch
    is done. Another thread that paused it too may find it running again
    early: that costs time, never correctness."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _apply(events: list[dict], source: str | None, now_ms: int | None) -> list[str]:
    parsed: dict[str, Event] = {}
    for raw in events:
        event = parse_event(raw)
        parsed.setdefault(event.event_id, event)
    stored = set()
    for ids in chunks(parsed):
        marks = ", ".join([database.param] * len(ids))
        sql = f'SELECT "event_id" FROM "change_event" WHERE "event_id" IN ({marks})'
        stored.update(e for (e,) in database.execute_sql(sql, ids).fetchall())
    new = [event for event_id, event in parsed.items() if event_id not in stored]
    if not new:
        return []
    _check_sequences(new)
    judge = now_ms is not None or current_node().role == "hub"
    reference = now_ms if now_ms is not None else int(time.time() * 1000)
    for event in new:
        first_hand = source is None or event.origin == source
        if judge and first_hand and event.wall_ms > reference + protocol.MAX_SKEW_MS:
            event.flagged = True
    _store(new)
    sane = [event.hlc for event in new if not event.flagged]
    if sane:
        changelog.clock().observe(max(sane))
    refold({(event.entity, event.row_id) for event in new}, batch=new)
    return [event.event_id for event in new]


def _check_sequences(new: list[Event]) -> None:
    by_origin: dict[str, dict[int, str]] = {}
    for event in new:
        by_origin.setdefault(event.origin, {})[event.origin_seq] = event.event_id
    for origin, seqs in by_origin.items():
        for part in chunks(seqs):
            marks = ", ".join([database.param] * len(part))
            sql = (f'SELECT "origin_seq", "event_id" FROM "change_event" WHERE "origin_node" = {database.param}'
                   f' AND "origin_seq" IN ({marks})')
            for seq, event_id in database.execute_sql(sql, [origin, *part]).fetchall():
                raise Diverged(f"node {origin} sent two different events numbered {seq} "
                               f"({event_id} and {seqs[seq]})")


def _store(new: list[Event]) -> None:
    now = times.utcnow()
    if not is_postgresql():  # the text sqlite3 would make of it, made once rather than twice per event
        now = str(now)
    columns = ["event_id", "origin_node", "origin_seq", "hlc", "entity", "row_id", "kind", "op", "payload",
               "schema_version", "created_at", "received_at", "flagged", "merge_info"]
    # A payload that came as JSON text is stored as it came: it parsed as an object already.
    bulk_insert(ChangeEvent, columns, [
        (e.event_id, e.origin, e.origin_seq, e.hlc, e.entity, e.row_id, e.kind, e.op,
         e.text if e.text is not None else json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
         e.schema_version, now, now, e.flagged, _merge_info(e)) for e in new])


def _merge_info(event: Event) -> str:
    info: dict = {}
    if event.seen is not None:
        info["seen"] = event.seen
    if event.override:
        info["override"] = True
    return json.dumps(info, sort_keys=True) if info else ""


def refold(keys, batch: list[Event] | None = None) -> None:
    """Merge these (table, row id) rows again from the log and write them; then
    retry rows that were waiting for a parent. Call inside a transaction.

    ``batch``: the events just stored. A row that is new here has no other
    events in the log, so its history is taken from them instead of read back.
    """
    Refold(batch).run(set(keys))


def refold_all() -> None:
    """Merge every row in the log again (after an upgrade that learnt new tables or fields)."""
    keys = set(ChangeEvent.select(ChangeEvent.entity, ChangeEvent.row_id).distinct().tuples())
    refold(keys)


def mark_flagged(event_ids: list[str]) -> int:
    """Flag these events (ours, judged skewed by the hub) and merge their rows again,
    so this node holds what the hub holds. Returns how many were newly flagged."""
    found = []
    for part in chunks(event_ids):
        found += list(ChangeEvent.select(ChangeEvent.event_id, ChangeEvent.entity, ChangeEvent.row_id)
                      .where(ChangeEvent.event_id.in_(part) & (ChangeEvent.flagged == False))  # noqa: E712
                      .tuples())
    for part in chunks([event_id for event_id, _, _ in found]):
        ChangeEvent.update(flagged=True).where(ChangeEvent.event_id.in_(part)).execute()
    if found:
        refold({(entity, row_id) for _, entity, row_id in found})
    return len(found)


def flagged_among(event_ids: list[str]) -> list[str]:
    """The ids among ``event_ids`` that this node stored as flagged (clock skew)."""
    found = []
    for part in chunks(event_ids):  # plain SQL: asked after every push, with up to a batch of ids
        marks = ", ".join([database.param] * len(part))
        sql = f'SELECT "event_id" FROM "change_event" WHERE "event_id" IN ({marks}) AND "flagged"'
        found += [e for (e,) in database.execute_sql(sql, part).fetchall()]
    return found


def database_state() -> dict[tuple[str, str], dict]:
    """The replicated tables of the bound database, in ``reference_state``'s shape."""
    tables = set(database.get_tables())
    out = {}
    for table, model in registry().items():
        if table in tables:
            for row in model.select():
                out[(table, row.id.hex)] = changelog.serialize(row)
    return out
