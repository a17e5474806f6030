"""The sync protocol between a kiosk and its hub: versions, message shapes, limits.

Transport: HTTP POST to ``/sync/v1/<op>`` on the hub's normal port. After pairing,
every body is a sealed envelope (see ``sync.crypto``): only the two pinned
nodes can read or forge it, so the LAN sees neither customers' data nor can
it inject events.

Operations (kiosk → hub):

``pair``   (plain JSON; the one-time code authenticates it, but never travels)
    GET  → {"hub_node_id", "hub_public_key", "store_name", "fingerprint", "protocol_range"}
    POST {"code_mac", "node_id", "public_key", "hub_public_key", "station", "protocol", "prefix"}
    → {"hub_node_id", "hub_public_key", "store_name", "prefix", "protocol_range", "proof"}
    With V = scrypt(code digits, salt = "bayflow-pair-v1|" + hub key) (``sync.crypto``):
    ``code_mac`` = HMAC-SHA256(V, "kiosk|" + hub key + kiosk key + node_id) and
    ``proof`` = HMAC-SHA256(V, "hub|" + hub key + kiosk key), so each side knows
    the other holds the code, and a rogue answering the pairing gets nothing it
    could brute-force before the code expires. ``prefix`` asks for the kiosk's
    current number prefix; the hub answers with a store-unique one.

After pairing, each body is ``{"node", "nonce", "box"}``; the box holds the
payload plus ``ts`` (the sender's idea of the hub's wall clock, ms) and ``rid``
(random, refused if seen again). A hub answers a ``ts`` far from its own clock
with a sealed 409 ``{"error": "clock", "hub_ms"}``; the kiosk corrects its
offset and retries, so a kiosk with a wrong clock keeps syncing. Sealed
refusals are ``{"error", "detail"}`` inside the box (and beside it, in plain).

``hello``  {"protocol", "node_id", "max_origin_seq", "wall_ms"}
    → {"hub_node_id", "protocol_range": [min, max], "acked_seq", "acked_event_id", "wall_ms", "status",
       "push_limit"}
    ``push_limit``: the most events this hub takes in one push (a hub without
    it takes ``OLD_PUSH_LIMIT``); a kiosk sends at most that many.
    ``acked_event_id`` is the id of the kiosk's event the hub holds at
    ``acked_seq``; a kiosk whose own event there differs is a clone (diverged).
    ``status`` is "ok", "upgrade" (kiosk's protocol too old), "revoked", or
    "diverged" (the kiosk's history does not match what the hub holds for its
    node id: restored from an old backup, or a cloned disk) — the kiosk stops
    syncing, keeps its data and asks to be re-paired.

``push``   {"events": [EVENT, ...]}   (in origin_seq order, at most PUSH_BATCH)
    → {"acked_seq": n, "flagged": [event ids]}   the highest origin_seq of this
    kiosk stored on the hub with no gap before it, and which of the pushed
    events the hub flagged as made under a skewed clock. Events already
    stored (same event_id) are skipped.

``pull``   {"after": cursor, "limit": n}
    → {"events": [EVENT + {"seq": hub seq}, ...], "cursor": last seq sent, "more": bool}
    Events that originated at the asking kiosk are left out (it has them).

``snapshot`` (a new kiosk's first sync; a hub offers it with ``"snapshot": true`` in
    its hello answer, and a kiosk of an older release never asks: ``sync.snapshot``)
    {"part": "manifest", "version": the kiosk's build, "name"?: file name, "pages"?: true}
    → {"version", "tables": [[name, [columns]], ...], "mark", "file"?: {"name", "size"}}
        a SQLite hub of the same build makes the snapshot file now at ``mark`` (or finds the
        one asked by ``name``);
        a PostgreSQL hub (or ``pages``) answers with the mark only.
    {"part": "file", "name", "offset", "limit"} → {"data": base64 of the range's bytes, deflated}
        (410 ``snapshot_gone`` when the file is no longer there: the kiosk asks for a new one)
    {"part": "done", "name"} → {}   the kiosk has loaded it; the hub deletes its file
    {"part": "log" | TABLE, "after", "mark", "limit"} → {"columns", "rows", "after", "more"}
        one page of the change log (seq ≤ mark, the kiosk's own left out) or of a table, by key

EVENT (the wire form of ``sync.changelog.ChangeEvent``):
    {"event_id", "origin_node", "origin_seq", "hlc", "entity", "row_id",
     "kind": "record"|"fact", "op": "insert"|"update", "payload": {...},
     "schema_version": int}
    ``payload`` (and ``merge`` below) may also travel as the JSON text of that
    object, exactly as the change log stores it: push and pull send it so, and
    the receiver parses it once and stores the text as it came (every receiver
    of protocol 1 reads both forms).
    and two optional keys (added by the merge engine; a receiver without them
    merges as before, one that gets them from an older sender does without):
    "merge": {"seen": {field: hlc}, "override": true}
        ``seen``: per field of an update, the HLC of the value its writer had
        when it wrote (tells a concurrent edit, a conflict, from a sequential
        one); ``override``: written knowing the work order was locked.
    "flagged": true
        the first node that received it judged its clock too far ahead; every
        node then merges it as flagged (see ``sync.merge``).
"""
from __future__ import annotations

import json

# Protocol versions this build speaks. A hub accepts kiosks in [MIN, MAX]; a
# kiosk one release behind keeps syncing, an older one is told to upgrade.
PROTOCOL_VERSION = 1
PROTOCOL_MIN = 1
PROTOCOL_MAX = 1

# Events per push and per pull. Fewer, larger batches mean fewer round trips and
# fewer commits (each one waits for the disk); 5,000 events are a few megabytes
# in memory on either side. A hub serves at most PULL_BATCH whatever a kiosk
# asks, and tells in ``hello`` how many it takes in a push: one of an older
# build that does not say takes OLD_PUSH_LIMIT.
PUSH_BATCH = 5000
PULL_BATCH = 5000
OLD_PUSH_LIMIT = 2000

# A node whose wall clock is further than this from the hub's is "skewed":
# its events are flagged, and the kiosk shows a warning.
MAX_SKEW_MS = 5 * 60 * 1000

SERVICE_TYPE = "_bayflow._tcp.local."


def event_to_wire(event) -> dict:
    """A ChangeEvent row as the dict that travels."""
    wire = {
        "event_id": event.event_id,
        "origin_node": event.origin_node,
        "origin_seq": event.origin_seq,
        "hlc": event.hlc,
        "entity": event.entity,
        "row_id": event.row_id,
        "kind": event.kind,
        "op": event.op,
        "payload": json.loads(event.payload),
        "schema_version": event.schema_version,
    }
    info = getattr(event, "merge_info", "")
    if info:
        wire["merge"] = json.loads(info)
    if getattr(event, "flagged", False):
        wire["flagged"] = True
    return wire


# The columns ``wire_event`` reads, in its order, for plain-SQL reads of the log:
# building a peewee model per event costs more than everything else a push does.
WIRE_COLUMNS = ("seq", "event_id", "origin_node", "origin_seq", "hlc", "entity", "row_id", "kind", "op",
                "payload", "schema_version", "merge_info", "flagged")
WIRE_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in WIRE_COLUMNS) + ' FROM "change_event"'


def wire_event(row: tuple, with_seq: bool = False) -> dict:
    """A change-log row read as ``WIRE_COLUMNS`` as the dict that travels, its
    payload and merge information left as the JSON text the log holds."""
    seq, event_id, origin, origin_seq, hlc, entity, row_id, kind, op, payload, version, info, flagged = row
    wire = {"event_id": event_id, "origin_node": origin, "origin_seq": origin_seq, "hlc": hlc,
            "entity": entity, "row_id": row_id, "kind": kind, "op": op, "payload": payload,
            "schema_version": version}
    if info:
        wire["merge"] = info
    if flagged:
        wire["flagged"] = True
    if with_seq:
        wire["seq"] = seq
    return wire
