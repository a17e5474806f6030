"""A hub and two kiosks as real processes: offline work converges, concurrent
edits merge field by field, and every node ends with the same state."""
from __future__ import annotations

import pytest

from sync import merge
from tests.support.nodes import events_of, order_body, state_of


def assert_same_everywhere(*nodes):
    states = [state_of(node.db) for node in nodes]
    for node, state in zip(nodes[1:], states[1:]):
        assert state == states[0], f"{node.name} differs from {nodes[0].name}"
    assert states[0] == merge.reference_state(events_of(nodes[0].db))


def test_kiosks_work_with_the_hub_down_and_converge(store):
    hub, a, b = store
    number = a.api("POST", "/work-orders", order_body(1), expect=201)["number"]
    a.sync()
    b.sync()
    port = hub.port
    hub.stop()

    a.api("PATCH", f"/work-orders/{number}", {"notes": "客户在店等候"}, expect=200)
    a.api("POST", f"/work-orders/{number}/jobs", {"description": "四轮定位", "hours": 1, "price": 200}, expect=201)
    b.api("PATCH", f"/work-orders/{number}", {"belongings": "后备箱有雨伞"}, expect=200)
    b.api("POST", f"/work-orders/{number}/status", {"status": "diagnosis"}, expect=200)
    other = b.api("POST", "/work-orders", order_body(2), expect=201)["number"]
    offline = b.sync(check=False)
    assert offline.returncode != 0 and "Traceback" not in offline.stderr
    assert other.startswith("B1-") and number.startswith("A1-")

    hub.start(port=port)
    for node in (a, b, a):
        node.sync()
    seen_by_a = a.api("GET", f"/work-orders/{other}")
    assert seen_by_a["number"] == other
    merged = b.api("GET", f"/work-orders/{number}")
    assert merged["status"] == "diagnosis" and len(merged["jobs"]) == 2
    assert (merged["notes"], merged["belongings"]) == ("客户在店等候", "后备箱有雨伞")  # field by field
    assert_same_everywhere(hub, a, b)


def test_same_field_edited_on_two_kiosks_keeps_one_and_lists_the_other(store):
    hub, a, b = store
    number = a.api("POST", "/work-orders", order_body(3), expect=201)["number"]
    a.sync()
    b.sync()
    a.api("PATCH", f"/work-orders/{number}", {"notes": "A：客户要求先报价"}, expect=200)
    b.api("PATCH", f"/work-orders/{number}", {"notes": "B：客户同意维修"}, expect=200)
    for node in (a, b, a):
        node.sync()
    kept = {node.api("GET", f"/work-orders/{number}")["notes"] for node in (hub, a, b)}
    assert len(kept) == 1 and kept <= {"A：客户要求先报价", "B：客户同意维修"}
    assert_same_everywhere(hub, a, b)

    from kiosk.db import bind, connected
    from sync.conflicts import open_conflicts

    bind(hub.db)
    with connected():
        listed = [c for c in open_conflicts() if c.field == "notes"]
    assert len(listed) == 1 and listed[0].lost_value != listed[0].kept_value


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_status_only_moves_forward_whoever_syncs_first(store, order):
    hub, a, b = store
    kiosks = {"a": a, "b": b}
    number = a.api("POST", "/work-orders", order_body(4), expect=201)["number"]
    a.sync()
    b.sync()
    a.api("POST", f"/work-orders/{number}/status", {"status": "estimate"}, expect=200)
    b.api("POST", f"/work-orders/{number}/status", {"status": "diagnosis"}, expect=200)
    first, second = (kiosks[name] for name in order)
    for node in (first, second, first):
        node.sync()
    assert {node.api("GET", f"/work-orders/{number}")["status"] for node in (a, b)} == {"estimate"}
    assert_same_everywhere(hub, a, b)
