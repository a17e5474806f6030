"""The hub's side of replication: hello, push, pull.

Plain functions over the bound database; the HTTP envelope (decrypting the
request, authenticating the kiosk, sealing the answer) is done by
``kiosk/stations/sync_api.py`` with ``sync.transport``. Each takes the
authenticated ``Peer`` row and the request payload and returns the answer.
"""
from __future__ import annotations

import base64
import json
import queue
import time

from kiosk.core import events as page_events
from kiosk.core import times
from kiosk.db import database, is_postgresql, transaction
from sync import merge, protocol
from kiosk.version import app_version
from sync import recovery, reports, snapshot, snapshotfile
from sync.tables import SCHEMA_VERSION, ChangeEvent
from sync.mergewrite import chunks
from sync.node import current_node
from sync.recovery import handle_relay  # noqa: F401  (an operation of this hub: ``relay``)
from sync.replace import handle_profile  # noqa: F401  (an operation of this hub: ``profile``)


class ProtocolError(Exception):
    """The request breaks the protocol; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def contiguous_seq(node_id: str, start: int = 0) -> int:
    """The highest origin_seq of ``node_id`` stored here with no gap before it."""
    seq = start
    sql = (f'SELECT "origin_seq" FROM "change_event" WHERE "origin_node" = {database.param}'
           f' AND "origin_seq" > {database.param} ORDER BY "origin_seq"')
    for (found,) in database.execute_sql(sql, (node_id, start)):
        if found != seq + 1:
            break
        seq = found
    return seq


def _touch(peer, **fields) -> None:
    peer.last_seen_at = times.utcnow()
    for key, value in fields.items():
        setattr(peer, key, value)
    peer.save()


def handle_hello(peer, payload: dict) -> dict:
    """Versions, clocks and history checked before any data moves."""
    proto = payload.get("protocol")
    acked = contiguous_seq(peer.node_id, peer.acked_seq)
    last = ChangeEvent.get_or_none((ChangeEvent.origin_node == peer.node_id) & (ChangeEvent.origin_seq == acked))
    answer = {"hub_node_id": current_node().node_id,
              "protocol_range": [protocol.PROTOCOL_MIN, protocol.PROTOCOL_MAX],
              "acked_seq": acked, "acked_event_id": last.event_id if last else None,
              "wall_ms": int(time.time() * 1000), "status": "ok", "push_limit": protocol.PUSH_BATCH}
    # Which bayflow and which event schema this hub runs: a kiosk that cannot read
    # them says so on its pages (sync.client); a restored hub asks for what it lost.
    answer.update(version=app_version(), schema_version=SCHEMA_VERSION)
    if snapshot.offered():  # a new kiosk may take the merged rows instead of every event (sync.snapshot)
        answer["snapshot"] = True
    extras, too_old = recovery.hello_extras(payload)
    answer.update(extras)
    if not isinstance(proto, int) or proto < protocol.PROTOCOL_MIN or too_old:
        answer["status"] = "upgrade"
    elif int(payload.get("max_origin_seq") or 0) < acked:
        # The kiosk has fewer events than the hub already holds from it: restored
        # from an old backup (or a clone). It must not hand out those sequence
        # numbers again; it keeps its data and waits to be re-paired.
        answer["status"] = "diverged"
    with transaction():
        _touch(peer, acked_seq=acked, state=answer["status"],
               last_hello=json.dumps({k: payload.get(k) for k in ("protocol", "max_origin_seq", "wall_ms",
                                                                    "outbox", "version")}))
        reports.note_hello(peer, payload)
    return answer


def _check_pushed(peer, events: list) -> None:
    if not isinstance(events, list) or len(events) > protocol.PUSH_BATCH:
        raise ProtocolError("events must be a list of at most %d" % protocol.PUSH_BATCH)
    pushed: dict[int, str] = {}
    for event in events:
        if not isinstance(event, dict) or event.get("origin_node") != peer.node_id:
            raise ProtocolError("a kiosk pushes only its own events")
        try:
            pushed[int(event["origin_seq"])] = str(event["event_id"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("malformed event")
    stored = []
    for part in chunks(pushed):  # plain SQL: peewee builds a long IN list value by value
        marks = ", ".join([database.param] * len(part))
        stored += database.execute_sql(
            f'SELECT "origin_seq", "event_id" FROM "change_event" WHERE "origin_node" = {database.param}'
            f' AND "origin_seq" IN ({marks})', [peer.node_id, *part]).fetchall()
    if any(pushed[seq] != event_id for seq, event_id in stored):
        # Two different events with one sequence number: two disks share
        # this node's identity (a clone), or a backup was restored.
        raise ProtocolError("diverged", status=409)


def handle_push(peer, payload: dict) -> dict:
    """Store each event once, apply it, commit, then acknowledge."""
    events = payload.get("events")
    with transaction():
        _check_pushed(peer, events)
        applied = merge.apply_events(events, source=peer.node_id)
        acked = contiguous_seq(peer.node_id, peer.acked_seq)
        # Events judged to come from a clock far off: the kiosk marks them too,
        # so it stops preferring its own skewed values.
        flagged = merge.flagged_among([e["event_id"] for e in events])
        _touch(peer, acked_seq=acked, state="ok")
    if applied:
        page_events.publish("sync-applied")  # wakes waiting pulls and open pages
    return {"acked_seq": acked, "flagged": flagged}


def handle_pull(peer, payload: dict) -> dict:
    """Events after the kiosk's cursor, in the hub's own order, without its own.

    With ``wait`` (seconds), a pull that finds nothing waits for the next
    commit on the hub — a push from another kiosk or a local write — so a
    change reaches the other kiosks in well under a second without polling.
    """
    try:
        after = int(payload.get("after") or 0)
        limit = max(1, min(int(payload.get("limit") or protocol.PULL_BATCH), protocol.PULL_BATCH))
        wait = max(0.0, min(float(payload.get("wait") or 0), 25.0))
    except (TypeError, ValueError):
        raise ProtocolError("after, limit and wait must be numbers")
    deadline = time.monotonic() + wait
    listener = page_events.subscribe() if wait else None
    # The kiosk's own events are left out in the query, and the cursor moves past
    # them: a kiosk that just pushed 30,000 events does not page through them again.
    # ``top`` is read first, so every event up to it is committed (writes commit
    # in seq order, see kiosk.db) and the cursor can never skip a later one.
    sql = (f'{protocol.WIRE_SELECT} WHERE "seq" > {database.param} AND "seq" <= {database.param}'
           f' AND "origin_node" <> {database.param} ORDER BY "seq" LIMIT {limit}')
    try:
        while True:
            top = database.execute_sql('SELECT MAX("seq") FROM "change_event"').fetchone()[0] or 0
            rows = database.execute_sql(sql, (after, top, peer.node_id)).fetchall()
            left = deadline - time.monotonic()
            if rows or left <= 0:
                break
            try:
                listener.get(timeout=left)
            except queue.Empty:
                pass
    finally:
        if listener is not None:
            page_events.unsubscribe(listener)
    more = len(rows) == limit
    with transaction():
        _touch(peer)
        if not more:
            reports.note_synced(peer.node_id)
    return {"events": [protocol.wire_event(row, with_seq=True) for row in rows],
            "cursor": rows[-1][0] if more else max(after, top),
            "more": more}


def handle_snapshot(peer, payload: dict) -> dict:
    """A first sync's manifest (``part`` "manifest") or one page of its snapshot (``sync.snapshot``)."""
    part = payload.get("part")
    if not isinstance(part, str):
        raise ProtocolError("part must be a name")
    try:
        if part == "manifest":
            answer = snapshot.manifest()
            if not is_postgresql() and not payload.get("pages") and payload.get("version") == answer["version"]:
                # One file made now (or the one a resumed sync asks for by its mark); never
                # for a kiosk of another build, which will not take it.
                answer["mark"], name, size = snapshotfile.made(peer.node_id, payload.get("name"))
                answer["file"] = {"name": name, "size": size}
            return answer
        if part == "done":  # the kiosk has loaded it: the file goes
            snapshotfile.drop(peer.node_id, payload.get("name"))
            return {}
        if part == "file":  # a range of the snapshot file a SQLite hub made (sync.snapshotfile)
            try:
                data = snapshotfile.chunk(peer.node_id, payload.get("name"), int(payload.get("offset") or 0),
                                          int(payload.get("limit") or snapshotfile.CHUNK))
            except FileNotFoundError:
                raise ProtocolError("snapshot_gone", status=410)
            return {"data": base64.b64encode(data).decode("ascii")}
        mark, limit = int(payload.get("mark") or 0), int(payload.get("limit") or snapshot.PAGE)
        return snapshot.page(peer.node_id, part, payload.get("after"), mark, limit)
    except snapshot.SnapshotError as error:
        raise ProtocolError(str(error))
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("a snapshot file's name; mark, offset and limit numbers; after the previous page's key")
