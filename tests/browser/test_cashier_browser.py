"""The cashier and the handover in real Chromium, in Chinese at 1024 × 768: scan a ready
order, take a deposit, settle, take the rest by two methods, print the settlement list
(A4 and the receipt printer), then hand the car back with the checklist and the
customer's signature, and the gate pass."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.db import connected
from kiosk.models import Delivery, Payment, WorkOrder
from tests.support.browser import log_in, scanner_types
from tests.support.cashier import part, ready_order

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("BAYFLOW_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "screenshots")
KIOSK = {"width": 1024, "height": 768}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"cashier-{name}.png"), full_page=True)


def pay(page, amount: str, method: str, balance: str) -> None:
    page.fill("#amount", amount)
    page.check(f"#cashier-payments input[name=method][value={method}]")
    page.click("#cashier-payments .pay-form button[type=submit]")
    page.wait_for_selector(f"#balance:text-is('¥ {balance}')")
    assert page.locator("#balance").count() == 1


def sign(page) -> None:
    pad = page.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for step in range(1, 14):  # a finger's zig-zag across the pad
        page.mouse.move(box["x"] + 30 + step * 40, box["y"] + 120 - (step % 4) * 30)
    page.mouse.up()


@pytest.mark.parametrize("live_app", ["zh_Hans_CN"], indirect=True)
def test_settle_pay_print_and_hand_the_car_back(page, live_app, staff_member):
    staff_member("cashier", "郑敏", "CSH-001")
    with live_app.app_context(), connected():
        order = ready_order(issue=[(part(), 1, 0)], plate="沪A·Q6612")
        number = order.number
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size(KIOSK)
    log_in(page, base, "CSH-001")

    page.goto(f"{base}/cashier/")
    assert "沪AQ6612" in page.inner_text("#cashier-ready")
    shot(page, "queue")
    page.locator("body").click(position={"x": 5, "y": 700})  # the scanner types into the page, not a field
    scanner_types(page, number)
    page.wait_for_url(f"**/cashier/orders/{number}")
    assert "机油滤清器" in page.inner_text("#cashier-bill") and "268.00" in page.inner_text("#cashier-bill")

    pay(page, "100", "cash", "168.00")  # the deposit, before settling
    page.check("#cashier-bill input[name=old_parts][value=returned]")
    page.click("#cashier-bill .settle-form button[type=submit]")
    page.wait_for_selector("#cashier-bill .settled-line")
    shot(page, "settled")
    pay(page, "100", "wechat", "68.00")
    pay(page, "68", "alipay", "0.00")
    page.wait_for_selector("#cashier-bill a:has-text('交车')")  # paid: the bill offers the handover
    shot(page, "paid")

    page.click("text=结算清单 (A4)")
    page.wait_for_url("**/settlement-list")
    sheet = page.inner_text("article.sheet")
    assert "维修结算清单" in sheet and "5,000" not in sheet and "2,000" in sheet and "交还客户" in sheet
    shot(page, "settlement-list")
    page.goto(f"{base}/cashier/orders/{number}")
    page.click("#cashier-bill .print-action button")
    page.wait_for_url("**/print/jobs/*")  # no receipt printer configured: the browser's print page
    assert page.locator("img").count() >= 1
    shot(page, "receipt")
    page.goto(f"{base}/cashier/orders/{number}")

    page.click("text=交车")
    page.wait_for_url(f"**/delivery/{number}")
    shot(page, "delivery")
    for box in page.locator("input[name=explained]").all():
        box.check()
    page.check("input[name=findings_shown]")
    page.check("input[name=old_parts_shown]")
    sign(page)
    page.click(".delivery-form button[type=submit].primary")
    page.wait_for_selector(".delivered-box")
    assert "打印出门条" in page.inner_text(".delivered-box")
    shot(page, "delivered")
    page.click(".delivered-box .print-action button")
    page.wait_for_url("**/print/jobs/*")  # the gate pass on the browser's print page
    shot(page, "gate-pass")

    with live_app.app_context(), connected():
        stored = WorkOrder.get(WorkOrder.number == number)
        assert stored.status == "delivered"
        assert sorted(p.method for p in Payment.select()) == ["alipay", "cash", "wechat"]
        assert Delivery.get(Delivery.work_order == stored).signature
