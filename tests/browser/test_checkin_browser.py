"""The reception desk and the check-in walk-around in real Chromium: live
search, a scanned order number, fuel taps, damage marks by tapping the car."""
from __future__ import annotations

import json

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Appointment, WorkOrder
from kiosk.services import appointments, customers, workorders
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def booked_car(live_app, advisor):
    with live_app.app_context(), connected():
        customer, vehicle = customers.find_or_create("李先生", "13812345678", "沪A·D1234", "", "丰田 凯美瑞", 42000)
        return appointments.book(customer, vehicle, times.utcnow().replace(second=0, microsecond=0),
                                 "常规保养", advisor)


def test_live_search_and_a_scanned_order_number(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-101")
    booked = booked_car(live_app, advisor)
    with live_app.app_context(), connected():
        number = workorders.open_work_order(booked.customer, booked.vehicle, complaint="异响").number
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-101")
    page.goto(f"{base}/reception/")
    page.fill("#q", "沪A")  # no Enter: results come while typing
    page.wait_for_selector("#search-results .result .plate:has-text('沪AD1234')")
    assert "138****5678" in page.inner_text("#search-results")
    page.fill("#q", number.lower())  # a handheld scanner types the tag and presses Enter
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reception/work-orders/{number}")


def test_walkaround_marks_damage_by_tapping_the_car(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-102")
    booked = booked_car(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-102")
    page.goto(f"{base}/reception/check-in?appointment={booked.id.hex}")

    page.fill("#mileage", "43210")
    page.click(".fuel-step:has(input[value='6'])")
    outline = page.locator("[data-outline]")
    box = outline.bounding_box()

    def tap(fx, fy):
        outline.click(position={"x": box["width"] * fx, "y": box["height"] * fy})

    tap(0.25, 0.15)  # the first kind (scratch) is chosen to start with
    page.click("[data-kind=dent]")
    assert page.get_attribute("[data-kind=dent]", "aria-pressed") == "true"
    tap(0.75, 0.5)
    tap(0.5, 0.8)
    assert page.locator(".mark").count() == 3
    page.click(".mark >> nth=2")  # tapping a mark removes it
    assert page.locator(".mark").count() == 2
    assert page.inner_text("[data-mark-count]") == "2"
    page.click("label:has(input[value='tpms'])")
    page.click(".submit-checkin")
    page.wait_for_url("**/reception/work-orders/*")

    with live_app.app_context(), connected():
        order = WorkOrder.get()
        marks = json.loads(order.damage)
        assert [m["kind"] for m in marks] == ["scratch", "dent"]
        assert abs(marks[0]["x"] - 25) < 2 and abs(marks[0]["y"] - 15) < 2
        assert abs(marks[1]["x"] - 75) < 2 and abs(marks[1]["y"] - 50) < 2
        assert order.fuel_eighths == 6 and order.mileage == 43210
        assert json.loads(order.warning_lights) == ["tpms"]
        assert Appointment.get_by_id(booked.id).status == "checked_in"


def test_a_refused_check_in_keeps_the_marks(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-103")
    booked = booked_car(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-103")
    page.goto(f"{base}/reception/check-in?appointment={booked.id.hex}")
    page.locator("[data-outline]").click(position={"x": 60, "y": 60})
    page.fill("#complaint", "")
    page.click(".submit-checkin")
    page.wait_for_selector("#complaint-error")
    assert page.locator(".mark").count() == 1  # redrawn from the posted field
    with live_app.app_context(), connected():
        assert WorkOrder.select().count() == 0
