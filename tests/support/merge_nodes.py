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
from kiosk.models import WorkOrder
from kiosk.services import customers, workorders
from sync import changelog, merge, protocol
from sync.tables import ChangeEvent, PendingRow
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


def open_order(nodes, name: str, **walk):
    """A customer, a car and a work order with one job, opened on node ``name``; the order's id."""
    with nodes.use(name):
        customer = customers.create_customer("李雷", "13812345678")
        vehicle = customers.create_vehicle(customer, "京A12345", "LSVAA418XE2100001", "帕萨特", 1200)
        order = workorders.open_work_order(customer, vehicle, complaint="异响", walkaround=walk,
                                           jobs=[{"description": "更换机油", "price": 120}])
        return order.id


def order_on(nodes, name: str, order_id) -> WorkOrder:
    """The order as node ``name`` has it."""
    with nodes.use(name):
        return workorders.get_by_id(order_id)


def all_events(nodes) -> list[dict]:
    """Every event every node holds."""
    return [e for name in nodes.nodes for e in nodes.events(name)]


def exchange(nodes, *names) -> None:
    """Everyone sends everything to everyone (twice round, so relays arrive too)."""
    for _ in range(2):
        for frm in names:
            for to in names:
                if frm != to:
                    nodes.sync(frm, to)


def assert_converged(nodes, *names) -> dict:
    """Every node named holds the same rows, the rows the merge rules give for all events, none waiting."""
    states = [nodes.state(n) for n in names]
    for name, state in zip(names, states):
        assert state == states[0], f"{name} differs from {names[0]}"
    assert states[0] == merge.reference_state(all_events(nodes))
    for name in names:
        with nodes.use(name):
            assert not PendingRow.select().exists(), f"{name} has rows waiting"
    return states[0]
