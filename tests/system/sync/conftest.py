"""Fixtures for tests with several real nodes (processes on loopback)."""
from __future__ import annotations

import pytest

from tests.support.nodes import Node


@pytest.fixture
def nodes(tmp_path):
    """Make nodes with ``nodes("name", role=..., ...)``; every one is stopped afterwards."""
    made: list[Node] = []

    def make(name: str, **options) -> Node:
        node = Node(tmp_path, name, **options)
        made.append(node)
        return node

    yield make
    for node in made:
        node.stop()


@pytest.fixture
def store(nodes):
    """A running hub and two paired kiosks (A1, B1) with background sync off."""
    hub = nodes("hub", role="hub").start()
    a = nodes("a", prefix="A1").start()
    b = nodes("b", prefix="B1").start()
    a.pair_with(hub)
    b.pair_with(hub)
    return hub, a, b
