"""The kiosk's side of replication: one round is hello, push, then pull.

Push sends this node's outbox in origin order, in batches; only what the hub
acknowledges leaves the outbox, so a lost answer means the batch is simply
sent again (the hub stores each event once). Pull asks for everything after
the hub cursor and saves the new cursor in the same transaction as the
events it applied, so a sync killed at any point resumes without loss or
duplicates.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from peewee import fn

from kiosk.core import times
from kiosk.db import SYNC_CACHE_KIB, database, is_postgresql, transaction
from sync import firstsync, merge, protocol, recovery, state, transport
from sync.changelog import outbox_size
from sync.tables import ChangeEvent
from sync.node import current_node
from sync.prefetch import Prefetch


@dataclass
class RoundResult:
    pushed: int = 0
    pulled: int = 0
    outbox: int = 0
    up_to_date: bool = False
    status: str = "ok"


def _own_max_seq(node_id: str) -> int:
    return ChangeEvent.select(fn.MAX(ChangeEvent.origin_seq)).where(ChangeEvent.origin_node == node_id).scalar() or 0


# What the node adds to its hello about itself (its version, disk, last error, station
# settings: kiosk.services.node_report, registered at start by kiosk.node). Sync knows
# nothing of the shop's services; the hub keeps what it is told (sync.reports).
_reporters: list[Callable[[], dict]] = []


def report_with(reporter: Callable[[], dict]) -> None:
    """Add ``reporter``'s answer to every hello from now on (once, however often it is given)."""
    if reporter not in _reporters:
        _reporters.append(reporter)


def hello() -> dict:
    """Introduce ourselves; record what the hub says about versions, clocks and history."""
    node = current_node()
    report: dict = {}
    for reporter in _reporters:
        report.update(reporter())
    answer = transport.call("hello", {"protocol": protocol.PROTOCOL_VERSION, "node_id": node.node_id,
                                      "max_origin_seq": _own_max_seq(node.node_id),
                                      "wall_ms": int(time.time() * 1000), "outbox": outbox_size(), **report})
    recovery.note_hub_version(answer)
    firstsync.note_hello(answer)
    skew = int(answer.get("wall_ms", 0)) - int(time.time() * 1000)
    state.put("skew_ms", str(skew if abs(skew) > protocol.MAX_SKEW_MS else 0))
    status = answer.get("status", "ok")
    state.put("state", status)
    if status == "upgrade":
        raise transport.UpgradeRequired("this kiosk's version is too old for the hub: upgrade bayflow")
    if status == "diverged":
        raise transport.Diverged("this kiosk's history does not match the hub's: pair it again")
    acked = int(answer.get("acked_seq", 0))
    if acked:
        # The hub's last event from us must be our own event with that number;
        # if not, another disk shares our identity (a clone) and sending would
        # hide our events behind the other one's.
        ours = ChangeEvent.get_or_none((ChangeEvent.origin_node == node.node_id)
                                       & (ChangeEvent.origin_seq == acked))
        if ours is None or ours.event_id != answer.get("acked_event_id"):
            state.put("state", "diverged")
            raise transport.Diverged("this kiosk's history does not match the hub's: pair it again")
    # The hub is the judge of what it holds: if it has less than we thought
    # (restored hub), the difference is simply sent again.
    state.put("acked_seq", str(acked))
    if isinstance(answer.get("restored"), dict):  # the hub was restored from a backup: help it catch up
        recovery.catch_up(answer["restored"], transport.call)
    try:
        _push_limits[node.node_id] = max(1, int(answer.get("push_limit") or protocol.OLD_PUSH_LIMIT))
    except (TypeError, ValueError):
        _push_limits[node.node_id] = protocol.OLD_PUSH_LIMIT
    return answer


# Per node id: how many events the hub said it takes in one push (see protocol ``hello``).
_push_limits: dict[str, int] = {}


def push(batch: int = protocol.PUSH_BATCH) -> int:
    """Send the outbox until the hub has acknowledged all of it; return events sent."""
    node_id = current_node().node_id
    batch = min(batch, _push_limits.get(node_id, protocol.OLD_PUSH_LIMIT))
    sent = 0
    while True:
        acked = state.acked_seq()
        events = _outbox_batch(node_id, acked, batch)
        if not events:
            return sent
        answer = transport.call("push", {"events": events})
        if answer.get("flagged"):
            with transaction():
                merge.mark_flagged([str(e) for e in answer["flagged"]])
        new_acked = int(answer["acked_seq"])
        state.put("acked_seq", str(new_acked))
        sent += len(events)
        if new_acked < events[-1]["origin_seq"]:
            # The hub stored less than we sent (a gap on its side): start again
            # from what it has, next round.
            return sent


def _outbox_batch(node_id: str, acked: int, batch: int) -> list[dict]:
    """Our events after ``acked``, in origin order, as they travel (plain SQL, payloads as stored)."""
    sql = (f'{protocol.WIRE_SELECT} WHERE "origin_node" = {database.param} AND "origin_seq" > {database.param}'
           f' ORDER BY "origin_seq" LIMIT {int(batch)}')
    return [protocol.wire_event(row) for row in database.execute_sql(sql, (node_id, acked)).fetchall()]


def pull(batch: int = protocol.PULL_BATCH, wait: float = 0) -> int:
    """Apply everything the hub has after our cursor; return events applied.

    When the hub says there is more, the next batch is fetched on another
    thread while this one is applied (the hub serving and this node merging
    then overlap). The cursor is still saved with the events it covers, so a
    batch fetched but not applied is simply asked for again next time.
    """
    applied = 0
    if firstsync.wanted():  # a new kiosk: the hub's merged rows, then the events after them
        applied = firstsync.take() or 0
    cursor = int(state.get("hub_cursor", "0"))
    epoch = state.get("hub_epoch")  # a restored hub moves the cursor back meanwhile (sync.recovery)
    answer = _fetch(cursor, batch, wait)
    if not answer.get("more"):
        return applied + _apply_pulled(answer, epoch)
    if not is_postgresql():
        # Many batches (a new kiosk's first sync): this connection's page cache grows
        # beyond a page's (kiosk.db) so the indexes being written stay in memory.
        database.execute_sql(f"PRAGMA cache_size = -{SYNC_CACHE_KIB}")
    ahead = Prefetch(int(answer["cursor"]), lambda after: _fetch(after, batch),
                     lambda got: int(got["cursor"]) if got.get("more") else None)
    try:
        while True:
            applied += _apply_pulled(answer, epoch)
            if not answer.get("more"):
                return applied
            answer = ahead.next()
    finally:
        ahead.stop()


def _fetch(after: int, batch: int, wait: float = 0) -> dict:
    return transport.call("pull", {"after": after, "limit": batch, "wait": wait}, timeout=max(10.0, wait + 10))


def _apply_pulled(answer: dict, epoch: str | None = None) -> int:
    with transaction():
        applied = len(merge.apply_events(answer["events"], source="hub"))
        if epoch is None or state.get("hub_epoch") == epoch:
            # Not when the hub was found restored while this pull ran: the cursor
            # was moved back to the restore point, and must stay there.
            state.put("hub_cursor", str(int(answer["cursor"])))
    return applied


def sync_once() -> RoundResult:
    """One full round. Raises ``transport.SyncError`` when the hub cannot be used."""
    result = RoundResult()
    try:
        hello()
        result.pushed = push()
        result.pulled = pull()
    except transport.SyncError as error:
        state.put("online", "0" if isinstance(error, transport.Offline) else state.get("online", "0"))
        raise
    state.put("online", "1")
    state.put("last_sync", times.utcnow().isoformat(timespec="seconds"))
    result.outbox = outbox_size()
    result.up_to_date = result.outbox == 0
    return result
