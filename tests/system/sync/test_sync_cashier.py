"""Two cashiers offline, as real processes: their settlement numbers never collide, the
rest of one order taken on both kiosks is kept twice after sync — an overpaid order shown
as an exception, nothing lost — and an order both settled is an exception too."""
from __future__ import annotations

from tests.support import chain


def overpaid_on(db_path: str) -> list[tuple[str, str]]:
    from kiosk.db import bind, connected
    from kiosk.services import payments

    bind(db_path)
    with connected():
        return [(order.number, str(excess)) for order, excess in payments.overpaid()]


def settled_twice_on(db_path: str) -> list[str]:
    from kiosk.db import bind, connected
    from kiosk.services import settlement

    bind(db_path)
    with connected():
        return [order.number for order in settlement.settled_twice()]


def caller(node):
    return lambda method, path, body=None, expect=200: node.api(method, path, body, expect=expect)


def test_two_offline_cashiers_never_share_a_number_and_keep_both_payments(store):
    hub, a, b = store
    on_a, on_b = caller(a), caller(b)
    chain.make_staff(on_a)
    first, second, third = chain.to_ready(on_a, 1), chain.to_ready(on_a, 2), chain.to_ready(on_a, 3)
    for node in (a, b):
        node.sync()
    assert on_b("GET", f"/work-orders/{first}/bill")["customer_due"] == 240

    port = hub.port
    hub.stop()  # the store's network is down: each cashier settles and takes money alone
    one = on_a("POST", f"/work-orders/{first}/settlement", {"badge": "CSH-001"}, 201)["number"]
    two = on_b("POST", f"/work-orders/{second}/settlement", {"badge": "CSH-001"}, 201)["number"]
    assert one.startswith("JS-A1-") and two.startswith("JS-B1-") and one != two
    paid_a = on_a("POST", f"/work-orders/{first}/payments", {"badge": "CSH-001", "amount": 240, "method": "cash"}, 201)
    paid_b = on_b("POST", f"/work-orders/{first}/payments", {"badge": "CSH-001", "amount": 240, "method": "alipay"},
                  201)
    assert paid_a == paid_b == {"paid": 240, "balance": 0}  # each kiosk saw only its own payment
    # Both cashiers settle the third car: each kiosk keeps its fact, the store sees an exception.
    twice = {node.name: caller(node)("POST", f"/work-orders/{third}/settlement", {"badge": "CSH-001"}, 201)["number"]
             for node in (a, b)}
    assert twice["a"] != twice["b"]
    hub.start(port=port)
    for node in (a, b, a):
        node.sync()

    for node in (hub, a, b):
        bill = caller(node)("GET", f"/work-orders/{first}/bill")
        assert (bill["paid"], bill["balance"], bill["settlement"]["number"]) == (480, -240, one), node.name
        assert caller(node)("GET", f"/work-orders/{second}/bill")["settlement"]["number"] == two
    for node in (a, b):
        assert overpaid_on(node.db) == [(first, "240.00")], node.name
        assert settled_twice_on(node.db) == [third], node.name
