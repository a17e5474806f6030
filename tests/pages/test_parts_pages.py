"""Catalogue pages, attaching a barcode, stock exceptions, as the parts staff use them."""
from __future__ import annotations

from kiosk.db import connected
from kiosk.models import Part, PurchaseOrder, StockMove
from kiosk.services import stock, stock_checks, workorders
from tests.support.parts import order_with_jobs, part_in_stock


def test_find_view_add_and_edit_parts(app, client, make_staff, login):
    login(make_staff("parts_manager", badge="PRT-902"))
    with app.app_context(), connected():
        part_in_stock(qty=2)
    assert b"06L115562B" in client.get("/parts/catalogue?q=6901234567892").data
    assert b"No part found" in client.get("/parts/catalogue?q=zzz", headers={"HX-Request": "true"}).data
    page = client.get("/parts/part/06L115562B")
    assert page.status_code == 200 and b"6901234567892" in page.data and b'<strong id="on-hand">2</strong>' in page.data
    assert client.get("/parts/part/NOPE").status_code == 404
    bad = client.post("/parts/new", data={"part_no": "X", "name": "短"})
    assert bad.status_code == 400 and b"2 to 40 letters" in bad.data
    assert client.post("/parts/new", data={"part_no": "5QD698151", "name": "前刹车片", "price": "abc"}).status_code == 400
    made = client.post("/parts/new", data={"part_no": "5QD698151", "name": "前刹车片", "price": "560", "code": "OLDPAD",
                                           "symbology": "Code128"})
    assert made.status_code == 302
    assert client.post("/parts/part/5QD698151", data={"name": ""}).status_code == 400
    assert client.post("/parts/part/5QD698151", data={"name": "前刹车片", "bin": "c-01-01"}).status_code == 302
    assert b"C-01-01" in client.get("/parts/part/5QD698151").data


def test_attach_an_unknown_barcode(app, client, make_staff, login):
    login(make_staff("parts_clerk", badge="PRT-901"))
    with app.app_context(), connected():
        part_in_stock(qty=0)
    page = client.get("/parts/attach?code=4006381333931&q=06L")
    assert b"Attach to 06L115562B" in page.data and b'value="EAN13" selected' in page.data
    ok = client.post("/parts/attach", data={"code": "4006381333931", "part_no": "06L115562B", "symbology": "EAN13"})
    assert ok.status_code == 302
    again = client.post("/parts/attach", data={"code": "4006381333931", "part_no": "06L115562B"})
    assert again.status_code == 400 and b"already belongs to 06L115562B" in again.data
    assert client.get("/parts/new").status_code == 403  # adding parts is the manager's


def test_exceptions_are_listed_and_resolved_by_a_manager(app, client, make_staff, login):
    tech = make_staff("technician", badge="TEC-901")
    with app.app_context(), connected():
        part = part_in_stock(qty=1)
        order = order_with_jobs({"description": "保养"})
        job = workorders.live_jobs(order)[0]
        stock.hand_over(order, [(part, 1, job)], receiver=tech)
        StockMove.create(part=part, bin=part.bin, qty=-1, kind="issue", at=order.opened_at, work_order=order, job=job)
        (item,) = stock_checks.exceptions()
    login(make_staff("parts_clerk", badge="PRT-901"))
    page = client.get("/parts/exceptions")
    assert b"On hand is negative (-1.00)" in page.data and b"Resolve" not in page.data
    assert client.post("/parts/exceptions/resolve", data={"key": item.key, "reason": "x", "actual": "0"}).status_code == 403
    login(make_staff("parts_manager", badge="PRT-902"))
    bad = client.post("/parts/exceptions/resolve", data={"key": item.key, "reason": "", "actual": "0"})
    assert bad.status_code == 400 and b"why the stock is adjusted" in bad.data
    ok = client.post("/parts/exceptions/resolve", data={"key": item.key, "reason": "两台终端离线", "actual": "0"})
    assert ok.status_code == 302 and b"No stock exceptions" in client.get("/parts/exceptions").data


def test_an_unknown_part_or_purchase_order_is_said_and_nothing_changes(app, client, make_staff, login):
    login(make_staff("parts_manager", badge="PRT-903"))
    missing = client.post("/parts/part/NOPE", data={"name": "前刹车片"})
    assert missing.status_code == 404 and "NOPE".encode() in missing.data
    for answer in (client.get("/parts/orders/PO-NOPE"),
                   client.post("/parts/orders/PO-NOPE/lines", data={"code": "06L115562B", "qty": "1"})):
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/parts/orders")
    listing = client.get("/parts/orders")
    assert b"PO-NOPE" in listing.data  # the message says which order does not exist
    with app.app_context(), connected():
        assert not Part.select().where(Part.part_no == "NOPE").exists()
        assert PurchaseOrder.select().count() == 0
