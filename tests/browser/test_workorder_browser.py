"""The work-order page and its prints in real Chromium: the signature pad draws,
refused forms are swapped in, totals follow, and the prints fit their paper and
scan back to the number."""
from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from hardware.decode import Decoded, decode
from kiosk.db import connected
from kiosk.services import customers, workorders
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def open_order(live_app, advisor) -> str:
    with live_app.app_context(), connected():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞", mileage=42000)
        return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="冷车启动有异响",
                                          walkaround={"damage": [{"x": 20, "y": 30, "kind": "dent"}]}).number


def draw(page, pad="#signature canvas[data-signature-pad]"):
    """A finger's zig-zag across the pad (the estimate's, unless told)."""
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 200)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + 40 + step * 35, box["y"] + 200 - (step % 4) * 40)
    page.mouse.up()


def codes_in(png: bytes) -> set[Decoded]:
    return set(decode(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)))


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_advisor_writes_the_estimate_and_the_customer_signs(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-001")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/work-orders/{number}")

    # A refused line comes back as a 422 fragment, and htmx shows it at the field.
    page.click("#jobs details.by-hand summary")  # a job typed by hand, not from the catalogue
    page.fill("#job-hours", "-1")
    page.click("#jobs details.by-hand button[type=submit]")
    assert page.locator("#jobs-description-error").inner_text() == "Describe the job."
    assert page.locator("#jobs-sold_hours-error").count() == 0  # one message at a time, the first found
    if not page.is_visible("#job-description"):  # the refused form comes back open
        page.click("#jobs details.by-hand summary")
    page.fill("#job-description", "更换机油")
    page.fill("#job-hours", "1.5")
    page.fill("#job-price", "300")
    page.click("#jobs details.by-hand button[type=submit]")
    page.wait_for_selector("#jobs >> text=Job added.")
    page.wait_for_selector("[data-total=total]:has-text('300.00')")  # refreshed by workorder-changed

    # Nothing drawn (or drawn and cleared) is refused; a drawn signature authorizes.
    page.click("#signature button[type=submit]")
    page.wait_for_selector("#signature >> text=The signature is missing. Ask the customer to sign.")
    draw(page)
    assert page.locator("#signature input[name=signature]").input_value().startswith("data:image/png;base64,")
    page.click("#signature [data-signature-clear]")
    assert page.locator("#signature input[name=signature]").input_value() == ""
    draw(page)
    page.click("#signature button[type=submit]")
    page.wait_for_selector("img.signature-image")
    page.wait_for_selector("#status >> text=Authorized")
    assert page.evaluate("document.querySelector('img.signature-image').naturalWidth") > 0


def test_prints_fit_their_paper_and_scan_back(browser, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-002")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    # Three device pixels per CSS pixel, so a 0.34 mm bar is whole pixels in the screenshot.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 1400}, device_scale_factor=3)
    page = context.new_page()
    try:
        log_in(page, base, "ADV-002")
        page.goto(f"{base}/reception/work-orders/{number}/print")
        page.emulate_media(media="print")
        assert not page.locator(".toolbar").is_visible()  # the Print button stays off the paper
        assert pdf_pages(page.pdf(prefer_css_page_size=True)) == 1
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert codes_in(page.locator(".sheet-head").screenshot()) == {
            Decoded("Code128", number), Decoded("QRCode", number)}

        page.goto(f"{base}/reception/work-orders/{number}/key-tag")
        label = page.pdf(prefer_css_page_size=True)
        assert pdf_pages(label) == 1
        assert re.search(rb"/MediaBox \[0 0 22[67]\.\d+ 14[12]\.\d+\]", label)  # 80 x 50 mm in points
        assert codes_in(page.locator(".tag").screenshot()) == {Decoded("Code128", number), Decoded("QRCode", number)}
    finally:
        context.close()
