"""The counter by scanning (test client posting scans like scanner.js): lookup,
issue and return with running count, undo, keypad, badge confirmation, refusals."""
from __future__ import annotations


import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import JobLine, PartsRequest, StockMove, WorkOrder
from kiosk.services import scanning, stock, workorders
from sync.tables import ChangeEvent
from tests.support.parts import order_with_jobs, part_in_stock

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _no_cooldown_between_tests():
    scanning.debouncer._last.clear()
    yield
    scanning.debouncer._last.clear()


@pytest.fixture
def counter(app, client, make_staff, login):
    """A parts clerk logged in at the counter, a technician, an advisor, a part in stock, an order."""
    clerk = login(make_staff("parts_clerk", name="配件员", badge="PRT-901"))
    tech = make_staff("technician", name="李师傅", badge="TEC-901")
    advisor = make_staff("advisor", badge="ADV-901")
    with app.app_context(), connected():
        part = part_in_stock(qty=3)
        order = order_with_jobs({"description": "保养"}, {"description": "索赔", "pay_type": "warranty"})
        jobs = workorders.live_jobs(order)
        PartsRequest.create(work_order=order, job=jobs[0], part_no=part.part_no, description="机滤", qty=1,
                            requested_at=order.opened_at)
    return {"clerk": clerk, "tech": tech, "advisor": advisor, "part": part, "order": order, "jobs": jobs}


def scan(client, code):
    """A scan some seconds after the last one: the cool-down (tested below) is forgotten first."""
    scanning.debouncer._last.clear()
    return client.post("/parts/scan", data={"code": code, "source": "wedge"}, headers=HX)


def mode(client, name):
    assert client.post(f"/parts/mode/{name}", headers=HX).status_code == 200


def feedback(response):
    return response.headers["HX-Trigger"]


def test_lookup_shows_stock_and_offers_to_attach_an_unknown_code(client, counter):
    page = client.get("/parts/")
    assert b'id="parts-main"' in page.data and b"06L115562B" in page.data  # the bay's request is listed
    response = scan(client, "6901234567892")
    assert '"ok"' in feedback(response) and b"<strong>3</strong>" in response.data
    response = scan(client, "4006381333931")
    assert '"bad"' in feedback(response)
    assert b"/parts/attach?code=4006381333931" in response.data


def test_issue_by_scanning_with_running_count_undo_and_badge(app, client, counter):
    mode(client, "issue")
    order, part = counter["order"], counter["part"]
    assert '"bad"' in feedback(scan(client, "6901234567892"))  # no order yet
    response = scan(client, order.number)
    assert '"ok"' in feedback(response) and b"Already issued" not in response.data
    scan(client, "6901234567892")
    response = scan(client, "06L115562B")  # the same part by its number: a second one on the line
    assert b"2 in this slip" in response.data
    response = client.post("/parts/issue/line/0/undo", headers=HX)  # scanned twice by accident
    assert b"One scan undone" in response.data
    with app.app_context(), connected():
        assert StockMove.select().where(StockMove.kind == "issue").count() == 0
    response = scan(client, "ADV-901")  # not a technician
    assert '"bad"' in feedback(response) and b"is not a technician" in response.data
    response = scan(client, "TEC-901")
    assert '"ok"' in feedback(response) and b"/parts/slip/IS-" in response.data
    with app.app_context(), connected():
        (move,) = StockMove.select().where(StockMove.kind == "issue")
        assert move.qty == -1 and move.receiver.badge == "TEC-901" and move.job.position == 1
        assert stock.on_hand(part) == 2
        assert PartsRequest.get().status == "issued"
        slip = move.slip
    page = client.get(f"/parts/slip/{slip}")
    assert page.status_code == 200 and "李师傅" in page.get_data(as_text=True)


def test_keypad_quantity_refuses_zero_negative_and_text(app, client, counter):
    mode(client, "issue")
    scan(client, counter["order"].number)
    scan(client, "6901234567892")
    for bad, text in (("0", b"more than zero"), ("-2", b"more than zero"), ("abc", b"must be a number"),
                      ("", b"must be a number")):
        response = client.post("/parts/issue/line/0/qty", data={"qty": bad}, headers=HX)
        assert response.status_code == 200 and '"bad"' in feedback(response) and text in response.data, bad
    response = client.post("/parts/issue/line/0/qty", data={"qty": "3"}, headers=HX)
    assert b"Quantity set to 3" in response.data
    scan(client, "TEC-901")
    with app.app_context(), connected():
        assert stock.on_hand(counter["part"]) == 0


def test_return_of_a_warranty_part_goes_to_old_parts(app, client, counter):
    order, part, jobs = counter["order"], counter["part"], counter["jobs"]
    with app.app_context(), connected():
        stock.hand_over(order, [(part, 1, jobs[1])], receiver=counter["tech"])
    mode(client, "return")
    scan(client, f"{order.number}/2")
    scan(client, "6901234567892")
    response = scan(client, "6901234567892")  # only one was issued
    assert '"bad"' in feedback(response) and b"Only 1 of 06L115562B" in response.data
    response = scan(client, "TEC-901")
    assert b"/parts/slip/RT-" in response.data
    with app.app_context(), connected():
        (back,) = StockMove.select().where(StockMove.kind == "return")
        assert back.old_part and back.bin == "OLD" and stock.on_hand(part) == 2


def test_locked_extra_work_and_settled_orders_are_refused(app, client, counter):
    order = counter["order"]
    with app.app_context(), connected():
        extra = workorders.add_job(order, "更换刹车片")
        JobLine.update(authorization="pending").where(JobLine.id == extra.id).execute()
    mode(client, "issue")
    response = scan(client, f"{order.number}/3")
    assert '"bad"' in feedback(response) and b"not authorized yet" in response.data
    with app.app_context(), connected():
        WorkOrder.update(status="settled").where(WorkOrder.id == order.id).execute()
        before = ChangeEvent.select().count()
    response = scan(client, order.number)
    assert '"bad"' in feedback(response) and b"settled" in response.data
    with app.app_context(), connected():
        assert ChangeEvent.select().count() == before


def test_the_same_part_scanned_again_at_once_counts_again(client, counter):
    """Identical boxes: each scan of the same barcode adds one, with the count shown and an undo;
    a work-order tag scanned twice within the cool-down is still one scan."""
    mode(client, "issue")
    scan(client, counter["order"].number)
    assert b"Already scanned" in client.post("/parts/scan", data={"code": counter["order"].number}, headers=HX).data
    for count in (1, 2, 3):
        response = client.post("/parts/scan", data={"code": "6901234567892", "source": "wedge"}, headers=HX)
        assert b"Already scanned" not in response.data and f": {count} in this slip.".encode() in response.data
    page = client.get("/parts/").data
    assert b'<td class="num count">3</td>' in page and b">Undo<" in page
    client.post("/parts/issue/line/0/undo", headers=HX)
    assert b'<td class="num count">2</td>' in client.get("/parts/").data
    # A camera that keeps seeing the same box counts it once.
    response = client.post("/parts/scan", data={"code": "6901234567892", "source": "camera"}, headers=HX)
    response = client.post("/parts/scan", data={"code": "6901234567892", "source": "camera"}, headers=HX)
    assert b"Already scanned" in response.data


def test_the_counter_is_for_parts_staff(client, make_staff, login):
    login(make_staff("technician", badge="TEC-902"))
    assert client.get("/parts/").status_code == 403
    assert client.post("/parts/scan", data={"code": "X"}, headers=HX).status_code == 403


def test_an_issue_in_progress_survives_an_idle_logout(app, client, counter, login):
    """The scans wait, per clerk, until confirmed or cancelled: logging out loses none of them."""
    from kiosk.services import drafts

    mode(client, "issue")
    scan(client, counter["order"].number)
    scan(client, "6901234567892")
    scan(client, "6901234567892")
    import datetime as dt

    from kiosk.models import StaffSession

    with app.app_context(), connected():  # idle for longer than the timeout: the next request logs out
        StaffSession.update(seen_at=times.utcnow() - dt.timedelta(hours=1)).execute()
    client.get("/parts/")
    assert client.get("/parts/").status_code == 302  # logged out
    login(counter["clerk"])
    mode(client, "issue")
    panel = client.get("/parts/").get_data(as_text=True).split('id="parts-main"')[1]
    assert counter["order"].number in panel and '<td class="num count">2</td>' in panel
    with app.app_context(), connected():
        assert StockMove.select().where(StockMove.kind == "issue").count() == 0  # nothing booked yet
    assert client.post("/parts/issue/cancel", headers=HX).status_code == 200
    with app.app_context(), connected():
        assert drafts.load(counter["clerk"], "parts_issue", {}) == {}
