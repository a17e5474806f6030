"""Stock on two kiosks as real processes: on hand is computed from the moves on
every node after sync, including the last part issued twice while offline."""
from __future__ import annotations

from tests.support.nodes import order_body


def exceptions_on(db_path: str) -> list[tuple[str, str, str]]:
    from kiosk.db import bind, connected
    from kiosk.services import stock_checks

    bind(db_path)
    with connected():
        return sorted((e.kind, e.part.part_no, str(e.qty)) for e in stock_checks.exceptions())


def test_the_last_part_issued_twice_offline_is_minus_one_everywhere(store):
    hub, a, b = store
    a.api("POST", "/staff", {"name": "配件员", "badge": "PRT-001", "roles": ["parts_clerk"], "pin": "5551"}, expect=201)
    a.api("POST", "/staff", {"name": "李师傅", "badge": "TEC-001", "roles": ["technician"], "pin": "2221"}, expect=201)
    a.api("POST", "/parts", {"part_no": "5QD698151", "name": "前刹车片", "barcodes": ["6920000000017"],
                             "price": "560"}, expect=201)
    a.api("POST", "/parts/5QD698151/receipts", {"qty": 3}, expect=201)
    number = a.api("POST", "/work-orders", order_body(7), expect=201)["number"]
    a.api("POST", f"/work-orders/{number}/parts",
          {"code": "6920000000017", "qty": 2, "badge": "PRT-001", "receiver": "TEC-001"}, expect=201)
    for node in (a, b):
        node.sync()
    assert b.api("GET", "/parts/6920000000017")["on_hand"] == 1

    port = hub.port
    hub.stop()  # the store's network is down: both counters issue the last pad
    for node in (a, b):
        answer = node.api("POST", f"/work-orders/{number}/parts",
                          {"code": "5QD698151", "qty": 1, "badge": "PRT-001", "receiver": "TEC-001"}, expect=201)
        assert answer["on_hand"] == 0  # each kiosk saw only its own issue
    hub.start(port=port)
    for node in (a, b, a):
        node.sync()

    for node in (hub, a, b):
        assert node.api("GET", "/parts/5QD698151")["on_hand"] == -1, node.name
        assert node.api("GET", f"/work-orders/{number}")["parts"] == [{"part_no": "5QD698151", "qty": 4}]
    for node in (a, b):
        assert exceptions_on(node.db) == [("negative", "5QD698151", "-1.00")], node.name
