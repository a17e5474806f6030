"""The parts manager's figures: reorder list counting what is on order, slow
movers, stock value at cost (negative stock apart), parts fill rate."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.db import transaction
from kiosk.services import parts_reports, purchasing
from sync import changelog
from tests.support.stock import make_part, order_in_repair, put_stock, request_for


def test_reorder_list_counts_what_is_on_order(db):
    pads = make_part(reorder="4")
    filter_ = make_part("06L115562B", "机油滤清器", "30", "68", "A-01-01", reorder="10")
    make_part("5QD955427", "雨刮片", "100", "198", "A-03-01", reorder="0")  # no reorder point: never listed
    put_stock(pads, 3)
    put_stock(filter_, 20)
    rows = parts_reports.reorder_list()
    assert [(r.part.part_no, r.on_hand, r.on_order, r.suggested) for r in rows] == [("5QD698151", 3, 0, 5)]
    po = purchasing.create_order()
    purchasing.add_line(po, pads, 2)
    assert parts_reports.reorder_list() == []  # 3 + 2 on order is above 4
    purchasing.receive(po, [(pads, 2)])
    put_stock(pads, -2, kind="issue")
    assert [r.on_hand for r in parts_reports.reorder_list()] == [3]


def test_slow_movers_have_stock_and_no_recent_issue(db):
    now = dt.datetime(2026, 11, 27, 12, 0)
    old, recent, never, empty = (make_part(f"P-{i}", f"件{i}", "10", "20", "A-01-01") for i in range(4))
    put_stock(old, 5, at=now - dt.timedelta(days=200))
    put_stock(old, -1, kind="issue", at=now - dt.timedelta(days=120))
    put_stock(recent, 5, at=now - dt.timedelta(days=200))
    put_stock(recent, -1, kind="issue", at=now - dt.timedelta(days=3))
    put_stock(never, 1, at=now - dt.timedelta(days=200))
    put_stock(empty, 1, at=now - dt.timedelta(days=200))
    put_stock(empty, -1, kind="issue", at=now - dt.timedelta(days=150))
    rows = parts_reports.slow_movers(90, now=now)
    assert [(r.part.part_no, r.on_hand, r.value) for r in rows] == [("P-0", 4, Decimal("40.00")),
                                                                  ("P-2", 1, Decimal("10.00"))]
    assert rows[0].last_issue == now - dt.timedelta(days=120) and rows[1].last_issue is None


def test_stock_value_at_cost_lists_negative_stock_apart(db):
    pads, filter_ = make_part(cost="300.50"), make_part("06L115562B", "机油滤清器", "30", "68", "A-01-01")
    put_stock(pads, 2)
    put_stock(filter_, 1)
    put_stock(filter_, -3, kind="issue")
    value = parts_reports.stock_value()
    assert value.total == Decimal("601.00") and value.parts == 1
    assert [(p.part_no, q) for p, q in value.negative] == [("06L115562B", -2)]


def test_fill_rate_counts_requests_issued_without_ordering(db):
    make_part()
    order = order_in_repair()
    assert parts_reports.fill_rate().percent is None
    issued = [request_for(order, qty=1) for _ in range(3)]
    with transaction():
        for request in issued:
            request.status = "issued"
            changelog.save(request, fields=["status"])
    ordered = request_for(order, qty=1)
    line = purchasing.order_request(ordered)
    request_for(order, qty=1)  # still waiting at the counter: not counted yet
    rate = parts_reports.fill_rate()
    assert (rate.from_stock, rate.handled, rate.percent) == (3, 4, Decimal("75.0"))
    purchasing.receive(line.order, [(line.part, 1)])
    with transaction():  # arrived, then issued: still not a fill from stock
        ordered = type(ordered).get_by_id(ordered.id)
        ordered.status = "issued"
        changelog.save(ordered, fields=["status"])
    assert parts_reports.fill_rate().from_stock == 3


# --- the manager's page and the label pages, through the test client ---------------------

def test_manager_page_shows_the_figures_and_orders_the_reorder_list(app, client, make_staff, login):
    from kiosk.db import connected
    from kiosk.models import PurchaseOrderLine

    with app.app_context(), connected():
        pads = make_part(reorder="4", cost="300")
        put_stock(pads, 3)
        broken = make_part("06L115562B", "机油滤清器", "30", "68", "A-01-01")
        put_stock(broken, -1, kind="issue")
    login(make_staff("parts_manager", badge="PRT-301"))
    page = client.get("/parts/manager").get_data(as_text=True)
    assert "¥ 900.00" in page and "Reorder list" in page and 'data-part="5QD698151"' in page
    assert "Negative stock to resolve" in page and "06L115562B" in page
    assert client.get("/parts/manager?slow_days=abc").status_code == 200  # an odd period falls back
    reply = client.post("/parts/manager/reorder")
    assert reply.status_code == 302
    assert "1 parts put on purchase order PO-R1-" in client.get("/parts/manager").get_data(as_text=True)
    with app.app_context(), connected():
        assert [(x.part.part_no, x.qty) for x in PurchaseOrderLine.select()] == [("5QD698151", 5)]
    client.post("/parts/manager/reorder")
    assert "Nothing is below its reorder point" in client.get("/parts/manager").get_data(as_text=True)


def test_bin_and_part_labels_render_their_codes(app, client, make_staff, login):
    from hardware.decode import decode_file  # noqa: F401  (the decoders are installed)
    from kiosk.db import connected

    with app.app_context(), connected():
        make_part()
    login(make_staff("parts_clerk", badge="PRT-302"))
    page = client.get("/parts/labels/bin/c-01-01").get_data(as_text=True)
    assert 'data-code="BIN:C-01-01"' in page and "<svg" in page and "前刹车片" in page
    page = client.get("/parts/labels/part/5QD698151").get_data(as_text=True)
    assert 'data-code="5QD698151"' in page and "<svg" in page
    missing = client.get("/parts/labels/part/NOPE")
    assert missing.status_code == 404 and "No part with this number" in missing.get_data(as_text=True)
