"""The whole reception path in real Chromium, in the shipped language (Chinese):
badge and PIN, a walk-in car checked in, a work order written and signed,
and its print page whose barcode reads back to the order number."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from hardware.decode import decode
from kiosk.db import connected
from kiosk.models import WorkOrder
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("live_app", ["zh_Hans_CN"], indirect=True)
def test_walk_in_to_printed_work_order(page, live_app, staff_member):
    staff_member("advisor", "王芳", "ADV-001")
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    assert page.locator(".me").inner_text() == "王芳"

    # An unknown plate: the desk offers to create customer and vehicle on the spot.
    page.goto(f"{base}/reception/")
    assert "前台" in page.title() or "接待" in page.content()
    page.fill("#q", "沪A·K7788")
    page.keyboard.press("Enter")
    page.click("#search-results a[href*='check-in'][href*='new=1']")
    page.fill("#name", "赵先生")
    page.fill("#phone", "13912345678")
    page.fill("#vin", "LSVNV218XE2100042")
    page.fill("#model", "大众 帕萨特")
    page.fill("#mileage", "35120")
    page.click(".fuel-step:has(input[value='3'])")
    page.fill("#complaint", "冷车启动时发动机有异响")
    page.click(".submit-checkin")
    page.wait_for_url("**/reception/work-orders/*")
    number = page.url.rsplit("/", 1)[-1]
    assert number.startswith("R1-")
    assert "139****5678" in page.content() and "13912345678" not in page.content()

    # The estimate (a job typed by hand), then the customer's signature drawn on the pad.
    page.click("#jobs details.by-hand summary")
    page.fill("#job-description", "检查发动机异响")
    page.fill("#job-hours", "1.0")
    page.fill("#job-price", "200")
    page.click("#jobs details.by-hand button[type=submit]")
    page.wait_for_selector("[data-total=total]:has-text('200.00')")
    page.locator("#signature canvas[data-signature-pad]").scroll_into_view_if_needed()
    pad = page.locator("#signature canvas[data-signature-pad]").bounding_box()
    page.mouse.move(pad["x"] + 40, pad["y"] + 200)
    page.mouse.down()
    for step in range(1, 16):  # a finger's zig-zag across the pad
        page.mouse.move(pad["x"] + 40 + step * 35, pad["y"] + 200 - (step % 4) * 40)
    page.mouse.up()
    page.click("#signature button[type=submit]")
    page.wait_for_selector("img.signature-image")

    # The print page carries the signature and a barcode that reads back.
    page.goto(f"{base}/reception/work-orders/{number}/print")
    page.emulate_media(media="print")
    assert page.locator("img.signature-image, img[src*='/files/']").count() >= 1
    shot = page.screenshot(full_page=True)
    frame = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    assert number in {code.text for code in decode(frame)}

    with live_app.app_context(), connected():
        order = WorkOrder.get(WorkOrder.number == number)
        assert order.status == "authorized" and order.signature
        assert order.vehicle.plate == "沪AK7788" and order.mileage == 35120 and order.fuel_eighths == 3
