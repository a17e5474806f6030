"""Counting a bin: scans and undo as facts, differences against the ledger at
submit time, the manager's approval as "count" moves, rejection writes nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kiosk.core import times
from kiosk.models import CountScan, StockCount, StockMove
from kiosk.services import counting, stock
from kiosk.core.errors import ServiceError
from sync.tables import ChangeEvent
from tests.support.stock import make_part, put_stock


@pytest.fixture
def shelf(db):
    pads = make_part()  # bin C-01-01
    rear = make_part("5QD698451", "后刹车片", "220", "420", "C-01-01")
    put_stock(pads, 4)
    put_stock(rear, 2)
    return pads, rear


def table(count):
    return {(row.part.part_no, row.counted, row.on_hand, row.difference) for row in counting.differences(count)}


def test_scans_undo_keypad_and_the_running_count(shelf):
    pads, rear = shelf
    count = counting.start("c-01-01")
    assert count.bin == "C-01-01" and counting.start("C-01-01").id == count.id  # resumes the open count
    for _ in range(3):
        counting.add(count, pads)
    counting.add(count, rear, "2")
    assert counting.counted(count) == {pads: 3, rear: 2}
    assert counting.undo(count, rear).qty == -1
    assert counting.counted(count) == {pads: 3, rear: 1}
    counting.undo(count, rear)
    assert counting.undo(count, rear) is None  # nothing left to take back
    assert counting.counted(count) == {pads: 3}
    assert counting.set_quantity(count, pads, "10").qty == 7
    assert counting.set_quantity(count, pads, "2").qty == -8
    assert counting.set_quantity(count, pads, "2") is None
    assert counting.counted(count) == {pads: 2}
    assert CountScan.select().count() == 8  # facts only: nothing was deleted


def test_differences_approved_become_count_moves(shelf):
    pads, rear = shelf
    count = counting.start("C-01-01")
    for _ in range(3):
        counting.add(count, pads)
    counting.submit(count)
    # rear pads not found at all: -2; front pads one short.
    assert table(count) == {("5QD698151", 3, 4, -1), ("5QD698451", 0, 2, -2)}
    assert counting.awaiting_approval() == [count]
    moves = counting.approve(count)
    assert sorted((m.part.part_no, m.qty, m.kind, m.reason, m.bin) for m in moves) == [
        ("5QD698151", -1, "count", "count", "C-01-01"), ("5QD698451", -2, "count", "count", "C-01-01")]
    assert stock.on_hand(pads) == 3 and stock.on_hand(rear) == 0
    assert StockCount.get_by_id(count.id).status == "approved"
    with pytest.raises(ServiceError, match="not waiting"):
        counting.approve(count)


def test_rejecting_keeps_nothing(shelf):
    pads, _ = shelf
    count = counting.start("C-01-01")
    counting.add(count, pads, 10)
    counting.submit(count)
    before = StockMove.select().count()
    counting.reject(count)
    assert StockMove.select().count() == before and stock.on_hand(pads) == 4
    assert StockCount.get_by_id(count.id).status == "rejected"


def test_moves_during_the_count_are_reported_and_later_moves_do_not_count(shelf):
    pads, rear = shelf
    count = counting.start("C-01-01")
    counting.add(count, pads, 4)
    counting.add(count, rear, 2)
    put_stock(pads, -1, kind="issue")  # issued mid-count: the clerk had already counted 4
    counting.submit(count)
    assert counting.moves_during(count) == 1
    assert table(count) == {("5QD698151", 4, 3, 1), ("5QD698451", 2, 2, 0)}
    put_stock(pads, -1, kind="issue", at=times.utcnow() + dt.timedelta(seconds=5))  # after submitting
    assert table(count) == {("5QD698151", 4, 3, 1), ("5QD698451", 2, 2, 0)}
    moves = counting.approve(count)
    assert [(m.part.part_no, m.qty) for m in moves] == [("5QD698151", 1)]
    assert stock.on_hand(pads, "C-01-01") == 3


@pytest.mark.parametrize("qty", ["0", "-3", "x", "", "2.555"])
def test_bad_quantities_write_nothing(shelf, qty):
    pads, _ = shelf
    count = counting.start("C-01-01")
    events = ChangeEvent.select().count()
    with pytest.raises(ServiceError):
        counting.add(count, pads, qty)
    with pytest.raises(ServiceError):
        counting.set_quantity(count, pads, qty)
    assert ChangeEvent.select().count() == events


def test_a_submitted_count_takes_no_more_scans_and_empty_counts_are_refused(shelf):
    pads, _ = shelf
    empty = counting.start("Z-99-99")
    with pytest.raises(ServiceError, match="Nothing was counted"):
        counting.submit(empty)
    assert counting.undo(empty, pads) is None
    count = counting.start("C-01-01")
    counting.submit(count)  # counted nothing in a bin that should hold parts: all of it is missing
    assert table(count) == {("5QD698151", 0, 4, -4), ("5QD698451", 0, 2, -2)}
    with pytest.raises(ServiceError, match="already submitted"):
        counting.add(count, pads)
    with pytest.raises(ServiceError, match="already submitted"):
        counting.undo(count, pads)
    with pytest.raises(ServiceError, match="already submitted"):
        counting.set_quantity(count, pads, 3)
    assert counting.start("C-01-01").id != count.id  # a new count of the same bin
    with pytest.raises(ServiceError):
        counting.start("  ")
    with pytest.raises(ServiceError):
        counting.get_count("not-an-id")


def test_a_part_found_in_the_wrong_bin_is_counted_there(shelf):
    pads, _ = shelf
    stray = make_part("5QD955427", "雨刮片", "100", "198", "A-03-01")
    count = counting.start("C-01-01")
    counting.add(count, pads, 4)
    counting.add(count, stray)
    counting.submit(count)
    assert ("5QD955427", 1, 0, 1) in table(count)
    counting.approve(count)
    assert stock.on_hand(stray, "C-01-01") == 1 and stock.on_hand(stray) == Decimal(1)


# --- count mode and the manager's approval, through the test client ---------------------

def post(client, url, **data):
    return client.post(url, data=data, headers={"HX-Request": "true"})


def test_counting_a_bin_at_the_counter_and_approving_it(app, client, make_staff, login):
    from kiosk.db import connected

    with app.app_context(), connected():
        pads = make_part()
        put_stock(pads, 4)
        pads_id = pads.id.hex
    clerk = login(make_staff("parts_clerk", badge="PRT-201"))
    client.post("/parts/mode/count")
    assert "Scan the bin label" in client.get("/parts/").get_data(as_text=True)
    reply = post(client, "/parts/scan", code="5QD698151", source="wedge")
    assert "Scan the bin label first" in reply.get_data(as_text=True)
    assert post(client, "/parts/scan", code="ＢＩＮ:C-01-01", source="wedge").status_code == 200  # full-width IME
    for _ in range(2):
        post(client, "/parts/scan", code="5QD698151", source="typed")
        post(client, "/parts/scan", code="C-01-01", source="typed")  # break the cool-down without a bin label
    reply = post(client, f"/parts/count/line/{pads_id}/qty", qty="-2")
    assert "more than zero" in reply.get_data(as_text=True)
    reply = post(client, f"/parts/count/line/{pads_id}/qty", qty="3")
    assert "Quantity set to 3" in reply.get_data(as_text=True)
    assert "One scan undone" in post(client, f"/parts/count/line/{pads_id}/undo").get_data(as_text=True)
    assert "Attach this barcode" in post(client, "/parts/scan", code="NOT-A-PART-9").get_data(as_text=True)
    reply = post(client, "/parts/count/submit")
    assert "submitted for approval" in reply.get_data(as_text=True)
    assert client.get("/parts/manager").status_code == 403  # a clerk does not approve
    login(make_staff("parts_manager", badge="PRT-202"))
    page = client.get("/parts/manager").get_data(as_text=True)
    assert "C-01-01" in page and "Approve as adjustments" in page
    with app.app_context(), connected():
        count = StockCount.get(StockCount.status == "submitted")
        assert count.started_by.id == clerk.id
    reply = post(client, f"/parts/manager/counts/{count.id.hex}/approve")
    assert "1 adjustments booked" in reply.get_data(as_text=True)
    reply = post(client, f"/parts/manager/counts/{count.id.hex}/reject")
    assert reply.status_code == 409 and "not waiting for approval" in reply.get_data(as_text=True)
    assert post(client, "/parts/manager/counts/nonsense/approve").status_code == 422
    with app.app_context(), connected():
        assert stock.on_hand(pads) == 2
