"""The QC gate and the wall board in real Chromium: a wedge scanner types the
inspector's badge and the car's tag; the board follows a job clocked elsewhere
without reloading."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kiosk.core import times
from kiosk.db import connected, transaction
from kiosk.models import ClockEvent, JobLine, WorkOrder
from kiosk.services import qc, workorders
from sync import changelog
from tests.support import PIN
from tests.support.workshop import make_order

pytestmark = pytest.mark.browser


def wedge(page, code):
    """A handheld scanner in keyboard mode: fast keys, then Enter (nothing focused: into the page).

    The listener tells a scanner from a person by the gap between keys; on a busy
    two-core test machine a key can come late and the run counts as typing, so a
    scan the page did not take (``data-last-scan`` unchanged) is made again, at most twice.
    """
    page.wait_for_load_state()
    for _ in range(3):
        page.evaluate("document.activeElement && document.activeElement.blur(); delete document.body.dataset.lastScan")
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
        if page.evaluate("document.body.dataset.lastScan") == code:
            return
    raise AssertionError(f"the page did not take the scan {code}")


def test_qc_fails_the_car_then_passes_it_to_washing_and_ready(page, live_app, staff_member):
    staff_member("qc", "钱质检", "QC-501")
    with live_app.app_context(), connected():
        order = make_order([("更换机油机滤", 1.0), ("检查刹车", 2.0)], status="qc")
        number, plate = order.number, order.vehicle.plate
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/workshop/qc")
    expect(page.locator("#qc-main")).to_contain_text("Scan your QC badge")
    wedge(page, "QC-501")
    # The badge alone opens nothing: the PIN on the keypad first, once per visit (no name before it).
    expect(page.locator("#badge-pin")).to_contain_text("QC-501")
    expect(page.locator("#badge-pin")).not_to_contain_text("钱质检")
    for digit in PIN:
        page.click(f"#badge-pin [data-key='{digit}']")
    page.click("#badge-pin .keypad button[type=submit]")
    page.wait_for_url("**/workshop/qc")
    expect(page.locator("#qc-main")).to_contain_text("钱质检")
    wedge(page, number)
    expect(page.locator("#qc-order")).to_contain_text(plate)
    page.get_by_label("检查刹车").check()
    page.get_by_role("button", name="Fail: send back as rework").click()
    expect(page.locator("#scan-bar")).to_contain_text("back to the workshop as rework")
    with live_app.app_context(), connected():
        reworked = WorkOrder.get(WorkOrder.number == number)
        assert reworked.status == "rework"
        assert JobLine.get((JobLine.work_order == reworked) & (JobLine.position == 2)).status == "rework"
        workorders.move(reworked, "qc")  # the rework is done

    page.wait_for_timeout(3100)  # past the scan cool-down for the same tag
    wedge(page, number)
    expect(page.locator("#qc-order")).to_contain_text(plate)
    page.get_by_role("button", name="Pass: to washing").click()  # nothing ticked yet
    expect(page.locator("#qc-order .field-error")).to_contain_text("Tick every item")
    for label in qc.CHECKLIST.values():
        page.get_by_role("checkbox", name=str(label), exact=True).check()
    page.fill("textarea[name=road_test]", "试车5公里，无异响")
    page.get_by_role("button", name="Pass: to washing").click()
    expect(page.locator("#scan-bar")).to_contain_text("goes to washing")
    page.get_by_role("link", name=plate).click()
    page.get_by_role("button", name="Washed: ready for delivery").click()
    expect(page.locator("#scan-bar")).to_contain_text("ready for delivery")
    with live_app.app_context(), connected():
        assert WorkOrder.get(WorkOrder.number == number).status == "ready"


def test_the_board_follows_a_job_clocked_elsewhere(page, live_app, staff_member):
    tech = staff_member("technician", "张师傅", "TEC-501")
    with live_app.app_context(), connected():
        order = make_order([("更换机油机滤", 1.0)], status="authorized",
                           promised_at=times.utcnow() + dt.timedelta(hours=1))
        plate = order.vehicle.plate
    page.goto(f"{live_app.config['LIVE_URL']}/workshop/board")
    row = page.locator("tr.ws-row", has_text=plate)
    expect(row).to_contain_text("Authorized")
    expect(row.locator(".ws-left")).to_have_text("59 min")  # a duration, not a clock time
    page.evaluate("window.notReloaded = true")
    page.wait_for_timeout(500)  # the event stream is open

    with live_app.app_context(), connected():  # a bay kiosk's clock-on, as it writes it
        order = WorkOrder.get(WorkOrder.number == order.number)
        job = order.jobs.get()
        with transaction():
            changelog.save(ClockEvent(technician=tech, job=job, work_order=order, action="on",
                                      at=times.utcnow(), terminal="bay-3"))
            job.technician, job.bay, job.status = tech, "3", "in_progress"
            changelog.save(job, fields=["technician", "bay", "status"])
            workorders.move(order, "in_repair")
    expect(row).to_contain_text("张师傅", timeout=3000)
    expect(row).to_contain_text("In repair")
    assert page.evaluate("window.notReloaded") is True
