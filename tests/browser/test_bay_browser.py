"""The whole bay flow in real Chromium with wedge scans: badge, work-order tag,
start, the clock ticking, pause with a reason, resume, finish, extra work sent
to reception for authorization, and a parts request whose status arrives live."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import ClockEvent, JobLine, PartsRequest, WorkOrder
from kiosk.services import partsrequests
from tests.support.bay import jobs_of, make_order
from tests.support.browser import scanner_types

pytestmark = pytest.mark.browser


def in_db(live_app, fn):
    with live_app.app_context(), connected():
        return fn()


def test_technician_clocks_through_a_job_and_sends_extra_work(page, live_app, staff_member):
    tech = staff_member("technician", "张伟", "TEC-001")
    number = in_db(live_app, lambda: make_order(technician=tech).number)
    first, second = in_db(live_app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == number)))
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/bay/")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    assert page.is_visible("#bay-idle")

    # The badge: the technician's jobs, no PIN.
    page.click("h1")
    scanner_types(page, "TEC-001")
    page.wait_for_selector("[data-bay-screen=home]")
    assert "张伟" in page.inner_text("#bay-running")
    assert page.locator(f"li[data-job='{first.id.hex}']").is_visible()

    # The work order's tag: its job lines.
    scanner_types(page, number)
    page.wait_for_selector(f"[data-bay-screen=order][data-number='{number}']")
    assert page.url.endswith(f"/bay/orders/{number}")
    scanner_types(page, number)  # the scanner fires twice: one scan
    page.wait_for_selector("#scan-bar.bad")
    page.wait_for_selector("#scan-bar:has-text('Already scanned')")  # the bar's own swap: waited for

    # Start: the clock runs and ticks in the browser.
    card = f"#job-{first.id.hex}"
    page.click(f"{card} [data-action=start]")
    page.wait_for_selector(f"{card}.mine")
    page.wait_for_selector("#scan-bar:has-text('Clocked on: 更换前刹车片')")  # the bar's own swap: waited for
    page.wait_for_function("() => document.querySelector('time.ticker').textContent >= '0:00:02'")

    # Pause because the parts are not there: the order waits for parts.
    page.click(f"{card} [data-reason=parts]")
    page.wait_for_selector(f"{card}[data-status=paused]")
    page.wait_for_selector("#scan-bar:has-text('Waiting for parts')")  # the bar's own swap: waited for
    assert in_db(live_app, lambda: WorkOrder.get(WorkOrder.number == number).status) == "waiting_parts"
    assert page.locator("time.ticker").count() == 0

    # Resume, then finish.
    page.click(f"{card} [data-action=start]")
    page.wait_for_selector(f"{card}.mine")
    page.click(f"{card} [data-action=finish]")
    page.wait_for_selector(f"{card}[data-status=done]")
    page.wait_for_selector("#scan-bar:has-text('Finished: 更换前刹车片')")  # the bar's own swap: waited for
    events = in_db(live_app, lambda: [(e.action, e.reason, e.loss_reason)
                                      for e in ClockEvent.select().order_by(ClockEvent.at, ClockEvent.id)])
    assert events == [("on", "", ""), ("off", "pause", "parts"), ("on", "", ""), ("off", "finish", "")]

    # Extra work found: sent to reception, locked until the customer answers.
    page.click("text=Propose extra work")
    page.wait_for_selector("[data-bay-screen=extra]")
    page.fill("#extra-description", "右前减震器漏油, 建议更换")
    page.fill("#extra-hours", "1.5")
    page.fill(".part-row:first-of-type input[name=part_description]", "前减震器")
    page.click("text=Send to reception for authorization")
    page.wait_for_selector("[data-bay-screen=order]")
    page.wait_for_selector("#scan-bar:has-text('Extra work sent to reception')")  # the bar's own swap: waited for
    extra = in_db(live_app, lambda: JobLine.get(JobLine.authorization == "pending"))
    locked = page.locator(f"#job-{extra.id.hex}")
    assert "Waiting for the customer" in locked.inner_text()
    assert locked.locator("[data-action=start]").count() == 0
    assert in_db(live_app, lambda: WorkOrder.get(WorkOrder.number == number).status) == "waiting_authorization"

    # Parts for the second job: the counter's answer shows at the bay without a reload.
    other = f"#job-{second.id.hex}"
    page.click(f"{other} .more-parts summary")  # the request form opens on a tap
    page.fill(f"{other} input[name=description]", "前减震器 (左)")
    page.click(f"{other} .parts-form button[type=submit]")
    page.wait_for_selector("#bay-requests [data-status=requested]")
    in_db(live_app, lambda: partsrequests.move(PartsRequest.get(), "ordered"))
    page.wait_for_selector("#bay-requests [data-status=ordered]", timeout=8000)

    # Badge out: the idle screen again.
    page.click("text=Badge out")
    page.wait_for_selector("#bay-idle")
