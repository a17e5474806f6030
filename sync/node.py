"""Node identity: made once on first start, kept in the node's own database."""
from __future__ import annotations

import secrets

from uuid6 import uuid7

from kiosk.core import times
from kiosk.core.prepared import Prepared
from sync.tables import NodeInfo


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def random_prefix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(3))


def ensure_node(role: str = "kiosk", station: str = "all", prefix: str | None = None,
                store_name: str = "") -> NodeInfo:
    """Return this node's identity, creating it on first start.

    Role and station follow the command line on every start; the node id and
    prefix never change once made.
    """
    node = NodeInfo.select().first()
    if node is None:
        node = NodeInfo.create(
            node_id=str(uuid7()),
            prefix=prefix or random_prefix(),
            role=role,
            station=station,
            store_name=store_name,
            created_at=times.utcnow(),
        )
    elif (node.role, node.station) != (role, station):
        node.role, node.station = role, station
        node.save()
    return node


# Read by every write and by the health check: the SQL is built once. Not
# cached: re-pairing as a new node (a restored disk) changes it under a running server.
_THIS_NODE = Prepared(lambda slot: NodeInfo.select().limit(1))


def current_node() -> NodeInfo:
    node = _THIS_NODE.first()
    if node is None:
        raise RuntimeError("node identity missing: the database was not initialised")
    return node
