"""Ordering what a work order needs and the store lacks, and receiving deliveries
against purchase orders: stock, line and request status, the work order's wait."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kiosk.models import Part, PurchaseOrder, PurchaseOrderLine, StatusChange, StockMove, WorkOrder
from kiosk.services import purchasing, stock, workorders
from kiosk.core.errors import ServiceError
from sync.tables import ChangeEvent
from tests.support.stock import make_part, order_in_repair, put_stock, request_for


def fresh(row):
    return type(row).get_by_id(row.id)


def test_a_short_request_is_ordered_and_the_work_order_waits(db):
    part = make_part()
    put_stock(part, 1)
    order = order_in_repair()
    request = request_for(order, qty=3)
    line = purchasing.order_request(request)
    assert line.qty == 2 and line.part == part and line.work_order == order and line.request == request
    assert line.order.number.startswith("PO-R1-") and line.order.status == "open"
    assert fresh(request).status == "ordered"
    assert fresh(order).status == "waiting_parts"
    assert [w.id for w in purchasing.waiting_parts(order)] == [line.id]
    assert purchasing.on_order_by_part() == {part.id: Decimal(2)}
    # The same draft order takes the next line.
    other = order_in_repair(2)
    second = purchasing.order_request(request_for(other, qty=2))
    assert second.order.id == line.order.id


def test_a_request_in_stock_or_unknown_is_not_ordered(db):
    part = make_part()
    put_stock(part, 5)
    order = order_in_repair()
    with pytest.raises(ServiceError, match="in stock"):
        purchasing.order_request(request_for(order, qty=2))
    with pytest.raises(ServiceError, match="not in the catalogue"):
        purchasing.order_request(request_for(order, part_no="NOPE-1"))
    assert PurchaseOrderLine.select().count() == 0
    assert fresh(order).status == "in_repair"


def test_receiving_fills_lines_marks_requests_arrived_and_resumes_repair(db):
    part = make_part()
    order = order_in_repair()
    request = request_for(order, qty=2)
    line = purchasing.order_request(request)
    po = line.order
    purchasing.send(po)
    receipt = purchasing.receive(po, [(part, 1), (part, 1)])
    assert [m.qty for m in receipt.moves] == [Decimal(2)]
    move = receipt.moves[0]
    assert (move.kind, move.bin, move.order_line.id, move.work_order.id, move.unit_cost) == \
        ("receipt", "C-01-01", line.id, order.id, Decimal(300))
    assert fresh(line).status == "arrived" and fresh(request).status == "arrived"
    assert fresh(order).status == "in_repair"
    assert StatusChange.select().where(StatusChange.to_status == "in_repair",
                                       StatusChange.note == po.number).count() == 1
    assert fresh(po).status == "received"
    assert stock.on_hand(part) == 2
    assert purchasing.waiting_parts(order) == [] and [x.id for x in purchasing.arrived_for(order)] == [line.id]


def test_a_partial_delivery_keeps_the_car_waiting(db):
    part, filter_ = make_part(), make_part("06L115562B", "机油滤清器", "30", "68", "A-01-01")
    order = order_in_repair()
    purchasing.order_request(request_for(order, qty=2))
    line2 = purchasing.order_request(request_for(order, part_no="06L115562B", qty=1))
    po = line2.order
    receipt = purchasing.receive(po, [(part, 1), (filter_, 1)])
    assert [x.part.part_no for x in receipt.arrived] == ["06L115562B"]
    assert fresh(order).status == "waiting_parts" and fresh(po).status == "open"
    assert purchasing.on_order_by_part() == {part.id: Decimal(1)}
    purchasing.receive(po, [(part, 1)])
    assert fresh(order).status == "in_repair" and fresh(po).status == "received"


def test_a_part_not_on_the_order_is_taken_in_as_an_extra_line(db):
    part, other = make_part(), make_part("5QD955427", "雨刮片", "100", "198", "A-03-01")
    po = purchasing.create_order("上汽大众配件中心")
    purchasing.add_line(po, part, 2)
    receipt = purchasing.receive(po, [(part, 3), (other, 1)])
    assert [(x.part.part_no, x.qty, x.status) for x in receipt.extra] == [("5QD698151", 1, "arrived"),
                                                                         ("5QD955427", 1, "arrived")]
    assert stock.on_hand(part) == 3 and stock.on_hand(other) == 1
    assert fresh(po).status == "received"


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "", "1e9", "0.001", "NaN"])
def test_bad_quantities_write_nothing(db, qty):
    part = make_part()
    po = purchasing.create_order()
    purchasing.add_line(po, part, 1)
    events = ChangeEvent.select().count()
    with pytest.raises(ServiceError):
        purchasing.receive(po, [(part, 1), (part, qty)])  # the good scan is not booked alone either
    with pytest.raises(ServiceError):
        purchasing.add_line(po, part, qty)
    assert ChangeEvent.select().count() == events and StockMove.select().count() == 0


def test_nothing_scanned_and_closed_orders_are_refused(db):
    part = make_part()
    po = purchasing.create_order()
    with pytest.raises(ServiceError, match="Scan the parts"):
        purchasing.receive(po, [])
    with pytest.raises(ServiceError, match="at least one part"):
        purchasing.send(po)
    purchasing.receive(po, [(part, 1)])  # an extra line only: the order is then complete
    assert fresh(po).status == "received"
    with pytest.raises(ServiceError, match="closed"):
        purchasing.receive(fresh(po), [(part, 1)])


def test_a_cancelled_work_order_stays_cancelled_when_its_part_arrives(db):
    part = make_part()
    order = order_in_repair()
    line = purchasing.order_request(request_for(order, qty=1))
    workorders.move(fresh(order), "cancelled")  # cancelled meanwhile: stays cancelled, stock still arrives
    purchasing.receive(line.order, [(part, 1)])
    assert fresh(order).status == "cancelled" and stock.on_hand(part) == 1


def test_get_order_finds_typed_numbers_and_says_when_not(db):
    po = purchasing.create_order()
    assert purchasing.get_order(po.number.lower()).id == po.id
    with pytest.raises(ServiceError, match="No purchase order"):
        purchasing.get_order("PO-X9-20260101-0001")
    assert purchasing.open_orders() == [po]
    assert PurchaseOrder.select().count() == 1 and WorkOrder.select().count() == 0


# --- the receive mode at the counter, through the test client -------------------------

def scan(client, code):
    return client.post("/parts/scan", data={"code": code, "source": "wedge"}, headers={"HX-Request": "true"})


@pytest.fixture
def clerk(app, make_staff, login):
    return login(make_staff("parts_clerk", name="周明", badge="PRT-101"))


def test_receiving_a_delivery_by_scanning(app, client, clerk):
    with app.app_context():
        from kiosk.db import connected
        with connected():
            make_part()
            order = order_in_repair()
            line = purchasing.order_request(request_for(order, qty=2))
            po_number, wo_number = line.order.number, order.number
    assert client.post("/parts/mode/receive").status_code in (200, 302)
    page = client.get("/parts/").get_data(as_text=True)
    assert po_number in page and "Scan the purchase order number" in page
    reply = scan(client, "5QD698151")
    assert "Scan or choose the purchase order first" in reply.get_data(as_text=True)
    assert json.loads(reply.headers["HX-Trigger"])["feedback"] == "bad"
    reply = scan(client, po_number.lower())
    assert json.loads(reply.headers["HX-Trigger"])["feedback"] == "ok"
    assert scan(client, "5QD698151").status_code == 200
    again = scan(client, "5QD698151").get_data(as_text=True)  # an identical box: it counts too
    assert "Already scanned" not in again and ": 2 received" in again
    reply = client.post("/parts/receive/line/0/qty", data={"qty": "abc"}, headers={"HX-Request": "true"})
    assert "The quantity must be a number" in reply.get_data(as_text=True)
    reply = client.post("/parts/receive/line/0/qty", data={"qty": "2"}, headers={"HX-Request": "true"})
    assert "Quantity set to 2" in reply.get_data(as_text=True)
    unknown = scan(client, "6920000000000").get_data(as_text=True)
    assert "Attach this barcode to a part" in unknown
    reply = client.post("/parts/receive/confirm", headers={"HX-Request": "true"})
    text = reply.get_data(as_text=True)
    assert f"Parts arrived for {wo_number}" in text, text
    with app.app_context():
        from kiosk.db import connected
        with connected():
            assert stock.on_hand(Part.get(Part.part_no == "5QD698151")) == 2
            assert WorkOrder.get(WorkOrder.number == wo_number).status == "in_repair"
    assert "is booked" in client.get("/parts/").get_data(as_text=True)


def test_confirming_nothing_and_unknown_orders_are_refused(app, client, clerk):
    client.post("/parts/mode/receive")
    reply = client.post("/parts/receive/confirm", headers={"HX-Request": "true"})
    assert reply.status_code == 200 and "Scan or choose the purchase order first" in reply.get_data(as_text=True)
    reply = scan(client, "PO-R1-20260101-0009")
    assert "No purchase order PO-R1-20260101-0009" in reply.get_data(as_text=True)
    reply = client.post("/parts/receive/line/5/undo", headers={"HX-Request": "true"})
    assert "no longer in the delivery" in reply.get_data(as_text=True)
    with app.app_context():
        from kiosk.db import connected
        with connected():
            assert StockMove.select().count() == 0


def test_ordering_a_bay_request_and_building_an_order_from_the_pages(app, client, clerk):
    from kiosk.db import connected

    with app.app_context(), connected():
        make_part()
        order = order_in_repair()
        request_for(order, qty=2)
        wo_number = order.number
    page = client.get("/parts/orders").get_data(as_text=True)
    assert wo_number in page and "Order the shortfall" in page
    request_id = page.split("/parts/requests/")[1].split("/order")[0]
    assert client.post(f"/parts/requests/{request_id}/order").status_code == 302
    page = client.get("/parts/orders").get_data(as_text=True)
    assert f"for work order {wo_number}" in page and "No request is waiting" in page
    assert "already ordered" in client.post(f"/parts/requests/{request_id}/order", follow_redirects=True) \
        .get_data(as_text=True)
    with app.app_context(), connected():
        assert WorkOrder.get(WorkOrder.number == wo_number).status == "waiting_parts"
        number = PurchaseOrder.get().number
    bad = client.post(f"/parts/orders/{number}/lines", data={"code": "5QD698151", "qty": "0"})
    assert bad.status_code == 422 and "more than zero" in bad.get_data(as_text=True)
    bad = client.post(f"/parts/orders/{number}/lines", data={"code": "NOPE", "qty": "1"})
    assert bad.status_code == 422 and "No part with this number or barcode" in bad.get_data(as_text=True)
    assert client.post(f"/parts/orders/{number}/lines", data={"code": "5QD698151", "qty": "3"}).status_code == 302
    client.post(f"/parts/orders/{number}/send")
    page = client.get(f"/parts/orders/{number}").get_data(as_text=True)
    assert "Sent" in page and page.count('data-part="5QD698151"') == 2
    assert client.post("/parts/orders/new", data={"supplier": "博世"}).status_code == 302
    assert "No purchase order PO-NOPE" in client.get("/parts/orders/PO-NOPE", follow_redirects=True) \
        .get_data(as_text=True)


def test_the_work_order_page_shows_parts_on_order_and_arrived(app, client, advisor):
    from kiosk.db import connected

    with app.app_context(), connected():
        part = make_part()
        order = order_in_repair()
        line = purchasing.order_request(request_for(order, qty=1))
        number = order.number
    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert 'id="parts-on-order"' in page and "Waiting for parts" in page and "5QD698151" in page
    with app.app_context(), connected():
        purchasing.receive(line.order, [(part, 1)])
    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert "Arrived" in page.split('id="parts-on-order"')[1]
