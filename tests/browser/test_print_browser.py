"""The print button in real Chromium: it says where the tag went, says why it failed with a Retry
that works once the printer is fixed, and falls back to the browser's tag page."""
from __future__ import annotations

import time

import pytest

from hardware.decode import Decoded
from kiosk.db import connected
from kiosk.services import customers, printer_settings, workorders
from tests.support.browser import log_in
from tests.support.printers import PrinterStandIn, closed_port, decoded, zpl_codes_image

pytestmark = pytest.mark.browser


def open_order(live_app, advisor) -> str:
    with live_app.app_context(), connected():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞")
        return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="冷车启动有异响").number


def set_printer(live_app, address: str) -> None:
    with live_app.app_context(), connected():
        printer_settings.save_printer("reception", "labels", "zpl", address=address)


def test_key_tag_fails_then_retry_prints_it(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-001")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    set_printer(live_app, f"127.0.0.1:{closed_port()}")
    standin = PrinterStandIn()
    try:
        log_in(page, base, "ADV-001")
        page.goto(f"{base}/reception/work-orders/{number}")
        page.get_by_role("button", name="Print key tag").click()
        alert = page.locator(".print-action [role=alert]")
        assert "Printing failed: The printer 127.0.0.1:" in alert.inner_text()

        set_printer(live_app, standin.address)  # someone plugs the printer in
        page.get_by_role("button", name="Retry").click()
        assert page.locator(".print-action [role=status]").inner_text() == f"Sent to printer {standin.address}."
        assert decoded(zpl_codes_image(standin.jobs[0].decode())) == {Decoded("Code128", number),
                                                                      Decoded("QRCode", number)}
        # Printing again from the same place sends a second label.
        with page.expect_response(f"**/print/key_tag/{number}"):
            page.get_by_role("button", name="Print key tag").click()
        deadline = time.monotonic() + 5
        while len(standin.jobs) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(standin.jobs) == 2 and standin.jobs[1] == standin.jobs[0]
    finally:
        standin.close()


def test_without_a_printer_the_button_opens_the_tag_page(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-001")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/work-orders/{number}")
    page.get_by_role("button", name="Print key tag").click()
    page.wait_for_url(f"{base}/reception/work-orders/{number}/key-tag")
    assert page.locator("svg[data-symbology=code128]").count() == 1
