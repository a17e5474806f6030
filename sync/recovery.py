"""A hub restored from a backup, and how its kiosks make it whole again.

``bayflow restore`` on a hub calls ``mark_restored``: the restored database
gets a new *restore epoch*, remembers the highest change-log sequence it holds
(the point the backup stopped at), and numbers its own new events far above
the ones it had made (kiosks may hold events the hub made after the backup,
under numbers the restored hub would otherwise hand out again).

Every kiosk's next ``hello`` then finds the new epoch (``hello_extras``) and
``catch_up`` runs on the kiosk before its push and pull:

1. it *relays* the events it holds from other nodes that the hub lacks (the
   hub says, per origin node, the highest sequence it holds): events the hub
   made itself after the backup, and those of a kiosk that died meanwhile;
2. its own unacknowledged events go up by the ordinary push (the hub's
   ``acked_seq`` is the restored one, so the difference is sent again);
3. its pull cursor goes back to the restore point, in the same transaction as
   the epoch is recorded: the hub's sequence numbers after that point were
   handed out again, and events already held are skipped when pulled twice.

Nothing the kiosks hold is lost and nothing is stored twice (events are
stored once by id). A kiosk too old to know restores (no ``version`` in its
hello) is told to upgrade while the hub is in a restore epoch, rather than
silently missing what was renumbered.
"""
from __future__ import annotations

import logging

from uuid6 import uuid7

from kiosk.core import events as page_events
from kiosk.core import times
from kiosk.db import database, transaction
from sync import merge, protocol, state
from sync.mergewrite import chunks
from sync.node import current_node
from sync.tables import SCHEMA_VERSION, NodeInfo

log = logging.getLogger(__name__)

# A restored hub numbers its own new events this far above the highest it holds.
OWN_SEQ_GAP = 1_000_000


class RelayRefused(Exception):
    status = 409


def mark_restored() -> dict:
    """On a hub just restored from a backup: start a restore epoch. Call with the database bound."""
    node = current_node()
    top = database.execute_sql('SELECT MAX("seq") FROM "change_event"').fetchone()[0] or 0
    own = database.execute_sql('SELECT MAX("origin_seq") FROM "change_event" WHERE "origin_node" = '
                               f'{database.param}', (node.node_id,)).fetchone()[0] or 0
    epoch = str(uuid7())
    with transaction():
        state.put("restore_epoch", epoch)
        state.put("restore_seq", str(top))
        state.put("restored_at", times.utcnow().isoformat(timespec="seconds"))
        floor = max(own, node.seq_floor or 0) + OWN_SEQ_GAP
        NodeInfo.update(seq_floor=floor).where(NodeInfo.node_id == node.node_id).execute()
    return {"epoch": epoch, "seq": top, "own_seq_floor": floor}


def restore_epoch() -> str:
    return state.get("restore_epoch")


def _marks() -> dict[str, int]:
    """Per origin node, the highest sequence this hub holds."""
    rows = database.execute_sql('SELECT "origin_node", MAX("origin_seq") FROM "change_event" '
                                'GROUP BY "origin_node"').fetchall()
    return {origin: int(top) for origin, top in rows}


def hello_extras(payload: dict) -> tuple[dict, bool]:
    """On the hub: what a kiosk's hello answer gets about a restore; and whether the
    kiosk is too old to take part (it must then upgrade)."""
    epoch = restore_epoch()
    if not epoch:
        return {}, False
    if "version" not in payload:  # before 0.2.0: cannot move its pull cursor back
        return {}, True
    if payload.get("restore_epoch") == epoch:
        return {}, False
    return {"restored": {"epoch": epoch, "seq": int(state.get("restore_seq", "0") or 0), "marks": _marks()}}, False


def handle_relay(peer, payload: dict) -> dict:
    """On a restored hub: store events of other nodes that a kiosk kept and this hub lost.

    An event whose number this hub already holds under another id (a history
    that diverged) is left out and counted, never stored over the other.
    """
    if not restore_epoch():
        raise RelayRefused("not_restored")
    events = payload.get("events")
    if not isinstance(events, list) or len(events) > protocol.PUSH_BATCH:
        raise RelayRefused("events must be a list of at most %d" % protocol.PUSH_BATCH)
    wanted, refused = [], 0
    with transaction():
        taken = _taken(events)
        for event in events:
            key = (str(event.get("origin_node")), int(event.get("origin_seq") or 0))
            if key in taken and taken[key] != str(event.get("event_id")):
                refused += 1
            else:
                wanted.append(event)
        applied = merge.apply_events(wanted, source=peer.node_id) if wanted else []
    if applied:
        page_events.publish("sync-applied")
    return {"stored": len(applied), "refused": refused}


def _taken(events: list) -> dict[tuple[str, int], str]:
    by_origin: dict[str, list[int]] = {}
    for event in events:
        if not isinstance(event, dict):
            raise RelayRefused("malformed event")
        try:
            by_origin.setdefault(str(event["origin_node"]), []).append(int(event["origin_seq"]))
        except (KeyError, TypeError, ValueError):
            raise RelayRefused("malformed event")
    taken = {}
    for origin, seqs in by_origin.items():
        for part in chunks(seqs):
            marks = ", ".join([database.param] * len(part))
            sql = (f'SELECT "origin_seq", "event_id" FROM "change_event" WHERE "origin_node" = {database.param}'
                   f' AND "origin_seq" IN ({marks})')
            for seq, event_id in database.execute_sql(sql, [origin, *part]).fetchall():
                taken[(origin, int(seq))] = event_id
    return taken


# -- the kiosk's side --------------------------------------------------------

def _missing_on_hub(me: str, marks: dict[str, int], batch: int):
    """Events this kiosk holds from other nodes above what the hub holds, in batches."""
    origins = [o for (o,) in database.execute_sql('SELECT DISTINCT "origin_node" FROM "change_event"').fetchall()
               if o != me]
    for origin in origins:
        after = int(marks.get(origin, 0))
        while True:
            sql = (f'{protocol.WIRE_SELECT} WHERE "origin_node" = {database.param} AND "origin_seq" > '
                   f'{database.param} ORDER BY "origin_seq" LIMIT {int(batch)}')
            rows = database.execute_sql(sql, (origin, after)).fetchall()
            if not rows:
                break
            yield [protocol.wire_event(row) for row in rows]
            after = rows[-1][3]


def catch_up(restored: dict, call) -> int:
    """On a kiosk whose hub was restored: relay what the hub lacks, then move the pull
    cursor back to the restore point. ``call`` is ``sync.transport.call``. Returns events relayed."""
    epoch = str(restored.get("epoch") or "")
    if not epoch or epoch == state.get("hub_epoch"):
        return 0
    marks = restored.get("marks") if isinstance(restored.get("marks"), dict) else {}
    me = current_node().node_id
    relayed = 0
    for batch in _missing_on_hub(me, marks, protocol.OLD_PUSH_LIMIT):
        answer = call("relay", {"events": batch})
        relayed += int(answer.get("stored") or 0)
        if answer.get("refused"):
            log.warning("sync: the restored hub left out %s relayed events (another history)", answer["refused"])
    with transaction():
        cursor = int(state.get("hub_cursor", "0") or 0)
        state.put("hub_cursor", str(min(cursor, int(restored.get("seq") or 0))))
        state.put("hub_epoch", epoch)
    log.info("sync: the hub was restored from a backup; relayed %s events, pulling again from %s",
             relayed, restored.get("seq"))
    return relayed


def note_hub_version(answer: dict) -> None:
    """Remember the hub's version; flag a hub whose events this kiosk's schema cannot read
    (the status bar on every page then asks for an upgrade; sync goes on meanwhile)."""
    state.put("hub_version", str(answer.get("version") or ""))
    try:
        newer = int(answer.get("schema_version") or 0) > SCHEMA_VERSION
        range_ = answer.get("protocol_range") or [protocol.PROTOCOL_MIN, protocol.PROTOCOL_MAX]
        newer = newer or int(range_[1]) > protocol.PROTOCOL_MAX
    except (TypeError, ValueError, IndexError):
        newer = False
    state.put("hub_newer", "1" if newer else "")
