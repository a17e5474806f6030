"""The hub's side of the sealed envelope: open a kiosk's request, seal the answer.

``open_request`` finds the sender among the paired kiosks, opens the box with
the key the two share, and refuses what it must: an unknown node (403 "not
paired"), a box that does not open (400 "cannot authenticate"), a revoked
kiosk (403 "revoked"), a request seen before (409 "replayed"), or one whose
time is too far from the hub's (409 "clock"; the kiosk corrects its offset from
the sealed ``hub_ms`` and retries, so a kiosk with a wrong clock still syncs,
while an old request captured on the LAN can never be played back later).

Only requests that opened are recorded in ``SeenRequest``: its row count is
how many sealed bodies this node could read.
"""
from __future__ import annotations

import json
import time

from peewee import IntegrityError

from kiosk.core import times
from kiosk.db import database, transaction
from sync import crypto, jsonwire, keys, protocol
from sync.node import current_node
from sync.pairing import Refused
from sync.tables import Peer, SeenRequest

REPLAY_WINDOW_MS = 10 * 60 * 1000  # a request's time may be this far from the hub's
_pruned_at = 0.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def _shared_key(peer: Peer) -> bytes:
    me = current_node().node_id
    return crypto.derive_key(keys.private_key(), keys.decode_public_key(peer.public_key), me, peer.node_id)


def _remember(peer: Peer, rid: str, now: int) -> bool:
    """Record ``rid``; False when this sender already used it."""
    global _pruned_at
    with transaction():
        if time.monotonic() - _pruned_at > 60:
            _pruned_at = time.monotonic()
            SeenRequest.delete().where(SeenRequest.seen_ms < now - 2 * REPLAY_WINDOW_MS).execute()
        try:
            with database.atomic():  # a savepoint: a duplicate must not spoil the transaction
                SeenRequest.create(key=f"{peer.node_id}|{rid}", seen_ms=now)
        except IntegrityError:
            return False
    return True


def open_request(op: str, body: bytes) -> tuple[Peer, dict]:
    """The authenticated sender and the request's payload (still carrying ``ts`` and ``rid``).

    Raises ``Refused``; when the box opened, the refusal carries the peer and
    rid so the answer can be sealed (the kiosk then knows it is genuine).
    """
    try:
        envelope = jsonwire.loads(body)
    except ValueError:  # UnicodeDecodeError included
        envelope = None
    if not isinstance(envelope, dict) or not all(isinstance(envelope.get(k), str)
                                                 for k in ("node", "nonce", "box")):
        raise Refused(400, "invalid_envelope", "the body must be a sealed envelope {node, nonce, box}")
    peer = Peer.get_or_none(Peer.node_id == envelope["node"][:100])
    if peer is None:
        raise Refused(403, "not_paired", "this node is not paired with this hub: pair it first (bayflow pair)")
    try:
        payload = crypto.open_box(_shared_key(peer), crypto.request_aad(op, peer.node_id),
                                  envelope["nonce"], envelope["box"])
    except (crypto.BadBox, ValueError):
        raise Refused(400, "cannot_authenticate",
                      "the request does not authenticate with the key this hub pinned for the node")
    rid, ts = payload.get("rid"), payload.get("ts")
    if not isinstance(rid, str) or not 8 <= len(rid) <= 100 or not isinstance(ts, int) or isinstance(ts, bool):
        raise Refused(400, "invalid_envelope", "the sealed request lacks its ts and rid")
    if peer.revoked:
        raise Refused(403, "revoked", "this kiosk was revoked on the hub: it must be paired again",
                      peer=peer, rid=rid)
    now = _now_ms()
    if abs(now - ts) > REPLAY_WINDOW_MS:
        raise Refused(409, "clock", "the request's time is too far from the hub's", peer=peer, rid=rid,
                      extra={"hub_ms": now})
    if not _remember(peer, rid, now):
        raise Refused(409, "replayed", "this request was already received", peer=peer, rid=rid)
    return peer, payload


def seal_response(peer: Peer, op: str, request_rid: str, payload: dict) -> dict:
    """The answer to ``peer``'s request ``request_rid``, sealed: {"node", "nonce", "box"}."""
    me = current_node().node_id
    sealed = {**payload, "ts": _now_ms(), "rid": request_rid}
    return crypto.envelope(me, _shared_key(peer), crypto.response_aad(op, me, request_rid), sealed)


def refusal_answer(refusal: Refused, op: str) -> dict:
    """The JSON body for a refusal: plain {"error", "detail"}, and sealed too when it can be."""
    answer = {"error": refusal.error, "detail": refusal.detail}
    if refusal.peer is not None and refusal.rid:
        answer.update(seal_response(refusal.peer, op, refusal.rid, {**answer, **refusal.extra}))
    return answer


def fallback_hello(peer: Peer, payload: dict) -> dict:
    """A minimal ``hello`` for a hub built without ``sync.hub``: versions only."""
    version = payload.get("protocol")
    ok = isinstance(version, int) and protocol.PROTOCOL_MIN <= version <= protocol.PROTOCOL_MAX
    with transaction():
        Peer.update(last_seen_at=times.utcnow(), last_hello=json.dumps(
            {k: payload.get(k) for k in ("protocol", "max_origin_seq", "wall_ms")})).where(
            Peer.node_id == peer.node_id).execute()
    return {"hub_node_id": current_node().node_id, "protocol_range": [protocol.PROTOCOL_MIN, protocol.PROTOCOL_MAX],
            "acked_seq": peer.acked_seq, "wall_ms": _now_ms(), "status": "ok" if ok else "upgrade"}
