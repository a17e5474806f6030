"""Several nodes in one process, for the merge engine's tests: each its own SQLite
database; ``use()`` points the shared proxy at one of them.

One process holds one bound database, so the nodes take turns. Each node's
hybrid clock runs on a wall clock the test sets (``node.at(ms)``), so a test
decides which write is newer and can put a node's clock hours ahead.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from kiosk.db import database, open_database, transaction
from kiosk.migrations import migrate
from sync import changelog, merge, protocol
from sync.tables import ChangeEvent
from sync.hlc import HybridClock
from sync.node import ensure_node


class Node:
    def __init__(self, name: str, db, role: str, base_ms: int):
        self.name, self.db, self.role = name, db, role
        self.node_id = ""
        self.base_ms = base_ms
        self.wall_ms = base_ms  # this node's wall clock: stands still until a test moves it

    def at(self, ms: int) -> None:
        """Set the wall clock to ``ms`` after the group's start."""
        self.wall_ms = self.base_ms + ms

    def _wall(self) -> int:
        return self.wall_ms


class Nodes:
    """``nodes.add("a")`` makes a node; ``with nodes.use("a"):`` works on it."""

    def __init__(self, folder=None):
        self.folder = folder  # None: databases in memory (fast; for Hypothesis)
        self.base_ms = int(time.time() * 1000)
        self.nodes: dict[str, Node] = {}
        self._previous = database.obj

    def add(self, name: str, role: str = "kiosk", target: str | None = None) -> Node:
        """A new node; ``target``: its database URL (default: a SQLite file, or memory)."""
        if target is None:
            target = str(self.folder / f"{name}.sqlite") if self.folder else ":memory:"
        db = open_database(target)
        node = self.nodes[name] = Node(name, db, role, self.base_ms)
        db.connect()  # a memory database lives as long as its connection
        with self.use(name):
            migrate(database)
            node.node_id = ensure_node(role=role, prefix=name.upper()[:3]).node_id
            changelog._clocks[node.node_id] = HybridClock(node.node_id, wall=node._wall)
        return node

    @contextmanager
    def use(self, name: str):
        node = self.nodes[name]
        before = database.obj
        database.initialize(node.db)
        try:
            yield node
        finally:
            if before is not None:
                database.initialize(before)

    def close(self) -> None:
        for node in self.nodes.values():
            if not node.db.is_closed():
                node.db.close()
        changelog.forget_clocks()
        if self._previous is not None:
            database.initialize(self._previous)

    # -- what tests do with nodes ------------------------------------------

    def events(self, name: str, *, after: int = 0) -> list[dict]:
        """Every event ``name`` holds (made there or received), in its own order."""
        with self.use(name):
            rows = ChangeEvent.select().where(ChangeEvent.seq > after).order_by(ChangeEvent.seq)
            return [protocol.event_to_wire(row) for row in rows]

    def send(self, events: list[dict], to: str, now_ms: int | None = None, source: str | None = None) -> list[str]:
        """Apply ``events`` on node ``to``, in one transaction, as a sync would."""
        with self.use(to):
            with transaction():
                return merge.apply_events(events, source=source, now_ms=now_ms)

    def sync(self, frm: str, to: str) -> list[str]:
        """Everything ``frm`` holds, applied on ``to``."""
        return self.send(self.events(frm), to)

    def state(self, name: str) -> dict:
        with self.use(name):
            return merge.database_state()
