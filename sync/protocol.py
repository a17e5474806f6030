"""The sync protocol between a kiosk and its hub: versions, message shapes, limits.

Transport: HTTP POST to ``/sync/v1/<op>`` on the hub's normal port. After pairing,
every body is a sealed envelope (see ``sync.crypto``): only the two pinned
nodes can read or forge it, so the LAN sees neither customers' data nor can
it inject events.

Operations (kiosk → hub):

``pair``   (plain JSON; the one-time code authenticates it)
    {"code", "node_id", "public_key", "station", "protocol"}
    → {"hub_node_id", "hub_public_key", "store_name", "prefix", "proof"}
    ``proof`` = HMAC-SHA256(code, hub_public_key || kiosk public_key), so the
    kiosk knows it reached the hub that showed the code.

``hello``  {"protocol", "node_id", "max_origin_seq", "wall_ms"}
    → {"hub_node_id", "protocol_range": [min, max], "acked_seq", "wall_ms", "status"}
    ``status`` is "ok", "upgrade" (kiosk's protocol too old), "revoked", or
    "diverged" (the kiosk's history does not match what the hub holds for its
    node id: restored from an old backup, or a cloned disk) — the kiosk stops
    syncing, keeps its data and asks to be re-paired.

``push``   {"events": [EVENT, ...]}   (in origin_seq order, at most PUSH_BATCH)
    → {"acked_seq": n}   the highest origin_seq of this kiosk stored on the hub
    with no gap before it. Events already stored (same event_id) are skipped.

``pull``   {"after": cursor, "limit": n}
    → {"events": [EVENT + {"seq": hub seq}, ...], "cursor": last seq sent, "more": bool}
    Events that originated at the asking kiosk are left out (it has them).

EVENT (the wire form of ``sync.changelog.ChangeEvent``):
    {"event_id", "origin_node", "origin_seq", "hlc", "entity", "row_id",
     "kind": "record"|"fact", "op": "insert"|"update", "payload": {...},
     "schema_version": int}
"""
from __future__ import annotations

# Protocol versions this build speaks. A hub accepts kiosks in [MIN, MAX]; a
# kiosk one release behind keeps syncing, an older one is told to upgrade.
PROTOCOL_VERSION = 1
PROTOCOL_MIN = 1
PROTOCOL_MAX = 1

PUSH_BATCH = 500
PULL_BATCH = 2000

# A node whose wall clock is further than this from the hub's is "skewed":
# its events are flagged, and the kiosk shows a warning.
MAX_SKEW_MS = 5 * 60 * 1000

SERVICE_TYPE = "_bayflow._tcp.local."


def event_to_wire(event) -> dict:
    """A ChangeEvent row as the dict that travels."""
    import json

    return {
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
