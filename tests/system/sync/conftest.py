"""Fixtures for tests with several real nodes (processes on loopback)."""
from __future__ import annotations

import pytest

from tests.support.nodes import Node, start_all


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
    hub, a, b = start_all(nodes("hub", role="hub"), nodes("a", prefix="A1"), nodes("b", prefix="B1"))
    a.pair_with(hub)
    b.pair_with(hub)
    return hub, a, b
