"""Issue #11's scenario in real Chromium: an advisor builds an estimate from a service package
and two catalogue searches, the customer signs, a line is added, the order waits for
re-authorization with the difference shown, the technician cannot clock the changed job, the
customer signs again, and the estimate prints; meanwhile the page follows the bay live."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.db import connected
from kiosk.models import JobLine, WorkOrder
from kiosk.services import clock, customers, extrawork, labour, packages, parts, stock, workorders
from kiosk.services.errors import ServiceError
from tests.browser.conftest import log_in
from tests.browser.test_workorder_browser import draw

pytestmark = pytest.mark.browser


def in_db(live_app, fn):
    with live_app.app_context(), connected():
        return fn()


def store(advisor) -> str:
    """A labour catalogue, parts, a 朗逸 package, and a 朗逸 checked in."""
    for code, name, hours, rate in (("BY-JY", "保养机油机滤更换", "0.5", "300"), ("SL-DW", "四轮定位", "0.8", "350"),
                                    ("ZD-YOU", "更换刹车油", "0.8", "300")):
        labour.save_operation({"code": code, "name": name, "hours": hours, "rate_customer": rate})
    for part_no, name, price in (("06L115562B", "机油滤清器", "68"), ("5QD955427", "雨刮片 (一套)", "198")):
        stock.receive(parts.create_part(part_no, name, price=price), 5)
    packages.save_package("LAVIDA-10K", "朗逸 1万公里保养", [{"kind": "labour", "code": "BY-JY"},
                                                      {"kind": "part", "part_no": "06L115562B"}], model="大众 朗逸")
    customer = customers.find_or_create_customer("徐国强", "18812345622")
    vehicle = customers.create_vehicle(customer, "沪B701W8", model="大众 朗逸", mileage=20100)
    return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="保养, 刹车有异响").number


def consent_total(page) -> str:
    return page.get_attribute("#sign-summary [data-consent-total]", "data-consent-total")


def test_estimate_signed_changed_and_signed_again(page, live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-001")
    tech = staff_member("technician", "张伟", "TEC-001")
    number = in_db(live_app, lambda: store(advisor))
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/work-orders/{number}")
    page.wait_for_function("window.htmx")

    # A package in one tap, then two catalogue searches (pinyin initials, a part's name).
    page.click("[data-package=LAVIDA-10K]")
    page.wait_for_selector("#packages >> text=Package added")
    expect(page.locator("#job-lines")).to_contain_text("保养机油机滤更换")
    assert consent_total(page) == "218.00"  # the pad's total follows the lines
    page.fill("#labour-q", "sldw")
    page.click("[data-operation=SL-DW]")
    page.wait_for_selector("#jobs >> text=Job added.")
    page.fill("#part-q", "雨刮")
    page.click("[data-part-no='5QD955427']")
    page.wait_for_selector("#parts >> text=Part added.")
    expect(page.locator("#sign-summary [data-consent-total]")).to_have_attribute("data-consent-total", "696.00")
    expect(page.locator("[data-total=total]")).to_have_text("¥ 696.00")

    # The customer signs what the pad shows.
    draw(page)
    page.click("#signature button[type=submit]")
    page.wait_for_selector("#signature figure.signed")
    expect(page.locator("#status")).to_contain_text("Authorized")
    expect(page.locator(".versions [data-version='1']")).to_contain_text("696.00")

    # The bay starts a job: the page shows it without a reload (the live stream).
    page.evaluate("window.notReloaded = true")
    job = in_db(live_app, lambda: JobLine.get(JobLine.operation == "BY-JY"))
    in_db(live_app, lambda: clock.clock_on(tech, job))
    expect(page.locator(f"tr[data-job='{job.id.hex}'] [data-job-status]")).to_have_text("In progress", timeout=5000)

    # A line added after the signature: waiting for re-authorization, the difference shown.
    page.fill("#labour-q", "zdyou")
    page.click("[data-operation=ZD-YOU]")
    page.wait_for_selector("#sign-summary table.changes")
    changes = page.locator("#sign-summary tr[data-change]")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("更换刹车油")
    expect(changes.first).to_contain_text("240.00")
    expect(page.locator("[data-total=old]")).to_have_text("¥ 696.00")
    expect(page.locator("[data-total=new]")).to_have_text("¥ 936.00")
    expect(page.locator("#status")).to_contain_text("Waiting for re-authorization")
    changed = in_db(live_app, lambda: JobLine.get(JobLine.operation == "ZD-YOU"))
    with pytest.raises(ServiceError, match="changed after the customer signed"):
        in_db(live_app, lambda: clock.clock_on(tech, changed))

    # Extra work proposed at the bay appears on the reception page by itself.
    order = in_db(live_app, lambda: WorkOrder.get(WorkOrder.number == number))
    in_db(live_app, lambda: extrawork.propose(order, tech, "雨刮喷嘴堵塞, 建议疏通", "0.3", price="60"))
    expect(page.locator("#extra-work")).to_contain_text("雨刮喷嘴堵塞", timeout=5000)
    expect(page.locator("[data-total=new]")).to_have_text("¥ 996.00", timeout=5000)

    # The customer signs again: the job may be clocked now; the estimate prints version 2.
    draw(page)
    page.click("#signature button[type=submit]")
    page.wait_for_selector("#signature figure.signed")
    expect(page.locator(".versions [data-version='2']")).to_contain_text("996.00")
    assert in_db(live_app, lambda: clock.clock_on(tech, JobLine.get_by_id(changed.id))).event is not None
    assert page.evaluate("window.notReloaded") is True
    page.goto(f"{base}/reception/work-orders/{number}/estimate")
    expect(page.locator("[data-version]").first).to_contain_text("Amended: replaces version 1")
    expect(page.locator("[data-total=total]")).to_have_text("¥ 996.00")
    page.goto(f"{base}/reception/work-orders/{number}/estimate?version=1")
    expect(page.locator("[data-total=total]")).to_have_text("¥ 696.00")
