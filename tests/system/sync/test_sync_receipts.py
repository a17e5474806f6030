"""A delivery received against a purchase order on one kiosk and parts issued on
another (the last ones twice, both offline) give the same stock on every node
after sync: stock is summed from facts, so nothing is lost and it goes negative."""
from __future__ import annotations

from kiosk.db import bind, connected
from sync.changelog import forget_clocks
from tests.support.nodes import order_body, state_of

PART = {"part_no": "5QD698151", "name": "前刹车片", "barcodes": ["6920000000017"], "price": 560, "cost": 300,
        "bin": "C-01-01"}


def receive_on(node, qty: int) -> str:
    """The clerk at ``node`` receives a delivery against a new purchase order (the node's own
    services on its database, while the node is stopped, exactly as its counter would)."""
    from kiosk.models import Part
    from kiosk.services import purchasing

    port = node.port
    node.stop()
    bind(node.db)
    forget_clocks()
    with connected():
        part = Part.get(Part.part_no == PART["part_no"])
        order = purchasing.create_order("上汽大众华东配件中心")
        purchasing.add_line(order, part, qty)
        purchasing.receive(order, [(part, qty)])
        number = order.number
    node.start(port=port)
    return number


def on_hand(node) -> float:
    return node.api("GET", f"/parts/{PART['part_no']}", expect=200)["on_hand"]


def test_a_receipt_and_issues_on_two_kiosks_give_the_same_stock_everywhere(store):
    hub, a, b = store
    a.api("POST", "/staff", {"name": "周明", "badge": "PRT-001", "roles": ["parts_clerk"], "pin": "5551"},
          expect=201)
    a.api("POST", "/parts", PART, expect=201)
    order_a = a.api("POST", "/work-orders", order_body(1), expect=201)["number"]
    a.sync()
    b.sync()
    order_b = b.api("POST", "/work-orders", order_body(2), expect=201)["number"]

    number = receive_on(a, 2)
    assert number.startswith("PO-A1-")
    a.sync()
    b.sync()
    assert on_hand(a) == on_hand(b) == 2

    # The hub goes away; both kiosks issue the last parts they see on their shelf.
    port = hub.port
    hub.stop()
    a.api("POST", f"/work-orders/{order_a}/parts", {"code": "6920000000017", "qty": 2, "badge": "PRT-001"},
          expect=201)
    b.api("POST", f"/work-orders/{order_b}/parts", {"code": PART["part_no"], "qty": 1, "badge": "PRT-001"},
          expect=201)
    assert (on_hand(a), on_hand(b)) == (0, 1)

    hub.start(port=port)
    for node in (a, b, a):
        node.sync()
    assert on_hand(a) == on_hand(b) == on_hand(hub) == -1  # issued twice: shown negative, nothing dropped
    a.stop()
    b.stop()
    hub.stop()
    assert state_of(a.db) == state_of(b.db) == state_of(hub.db)
