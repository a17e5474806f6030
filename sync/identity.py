"""A new identity for a kiosk whose history diverged from the hub's.

A cloned disk (two PCs with one node id) or a restored backup (sequence
numbers handed out twice) cannot keep its identity: the hub refuses it. When
such a kiosk is paired again it becomes a new node — new id, new key pair —
and the events the hub never acknowledged are re-issued under the new id, so
nothing made on the kiosk is lost. Re-issued events get new event ids; if the
hub already had one of them (through the other disk), applying it again
changes nothing: records merge by their unchanged HLC, facts by their row id.
"""
from __future__ import annotations

from uuid6 import uuid7

from kiosk.core import times
from kiosk.db import transaction
from sync import keys, state
from sync.changelog import forget_clocks
from sync.node import current_node
from sync.tables import ChangeEvent, NodeInfo, NodeKey


def reidentify() -> str:
    """Become a new node; return the new node id. Call only on a refused (diverged) kiosk."""
    old = current_node()
    new_id = str(uuid7())
    acked = state.acked_seq()
    with transaction():
        pending = list(ChangeEvent.select()
                       .where((ChangeEvent.origin_node == old.node_id) & (ChangeEvent.origin_seq > acked))
                       .order_by(ChangeEvent.origin_seq))
        for seq, event in enumerate(pending, start=1):
            event.origin_node, event.origin_seq, event.event_id = new_id, seq, str(uuid7())
            event.save()
        NodeInfo.create(node_id=new_id, prefix=old.prefix, role=old.role, station=old.station,
                        store_name=old.store_name, created_at=times.utcnow())
        NodeInfo.delete().where(NodeInfo.node_id == old.node_id).execute()
        NodeKey.delete().execute()
        keys.ensure_key()  # a clone shares the other disk's private key: never keep it
        state.put("acked_seq", "0")
        state.put("previous_node_id", old.node_id)
    forget_clocks()
    return new_id

