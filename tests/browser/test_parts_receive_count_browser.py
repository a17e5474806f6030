"""Receiving a delivery and counting a bin at the parts counter in real Chromium,
with a handheld scanner's fast keystrokes (the wedge), the keypad and undo."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import Part, StockCount, WorkOrder
from kiosk.services import purchasing, stock
from tests.support.browser import log_in, scanner_types
from tests.support.stock import make_part, order_in_repair, put_stock, request_for

pytestmark = pytest.mark.browser


@pytest.fixture
def counter(page, live_app, staff_member):
    """A parts clerk at the counter; a brake-pad order for a car waiting in the workshop."""
    staff_member("parts_clerk", "周明", "PRT-001")
    with live_app.app_context(), connected():
        pads = make_part()
        put_stock(pads, 1)
        order = order_in_repair()
        line = purchasing.order_request(request_for(order, qty=3))
        numbers = {"po": line.order.number, "wo": order.number}
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "PRT-001")
    page.goto(f"{base}/parts/")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    return numbers


def mode(page, name):
    page.click(f"button[data-mode='{name}']")
    page.wait_for_selector(f"#parts-main[data-mode='{name}']")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")


def keypad(page, digits):
    page.click(".keypad [data-key='clear']")
    for digit in digits:
        page.click(f".keypad [data-key='{digit}']")
    page.click(".keypad button[type=submit]")


def test_receiving_a_delivery_by_wedge_scans(page, live_app, counter):
    mode(page, "receive")
    page.click(f"button[data-order='{counter['po']}']")  # choose from the list …
    page.wait_for_selector(".receive-head")
    page.click(".receive .btn.ghost:has-text('Cancel')")
    page.wait_for_selector(".choose-orders")
    scanner_types(page, counter["po"])  # … or scan the delivery note
    try:
        page.wait_for_selector(".receive-head")
    except Exception:
        raise AssertionError(page.inner_text("#scan-bar") + " | " + page.inner_text("#parts-main"))
    scanner_types(page, "5QD698151")
    page.wait_for_selector("#scan-bar.ok")
    page.wait_for_selector(".basket-lines tr[data-part='5QD698151'] .count:text-is('1')")
    scanner_types(page, "5QD698151")  # an identical box right away: it counts as well
    page.wait_for_selector(".basket-lines tr[data-part='5QD698151'] .count:text-is('2')")
    assert ": 2 received" in page.inner_text("#scan-bar")
    keypad(page, "3")
    page.wait_for_selector(".basket-lines .count:text-is('3')")
    page.click(".basket-lines .undo")
    page.wait_for_selector(".basket-lines .count:text-is('2')")
    page.click("button.confirm")
    page.wait_for_selector(".receive-done")
    assert f"Parts arrived for {counter['wo']}" in page.inner_text("#scan-bar")
    with live_app.app_context(), connected():
        assert WorkOrder.get(WorkOrder.number == counter["wo"]).status == "in_repair"
        assert stock.on_hand(Part.get(Part.part_no == "5QD698151")) == 3


def test_counting_a_bin_by_wedge_scans(page, live_app, counter):
    mode(page, "count")
    scanner_types(page, "5QD698151")
    page.wait_for_selector("#scan-bar.bad")
    assert "Scan the bin label first" in page.inner_text("#scan-bar")
    scanner_types(page, "BIN:C-01-01")
    page.wait_for_selector(".count-head .bin-code:has-text('C-01-01')")
    scanner_types(page, "5QD698151")
    page.wait_for_selector(".count-lines tr[data-part='5QD698151'] .count:text-is('1')")
    keypad(page, "4")
    page.wait_for_selector(".count-lines .count:text-is('4')")
    page.click(".count-lines .undo")
    page.wait_for_selector(".count-lines .count:text-is('3')")
    page.click("button.submit-count")
    page.wait_for_selector(".count-done")
    with live_app.app_context(), connected():
        count = StockCount.get(StockCount.bin == "C-01-01")
        assert count.status == "submitted"
