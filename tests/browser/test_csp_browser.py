"""The strict Content-Security-Policy in real Chromium (issue #19, item 15): every
station's page, its print pages and the work order with damage marks load and work
without a single policy violation (no inline script or style left behind, htmx runs
without eval), and no other site can show a kiosk page in a frame."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.services import customers, workorders
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    """Console messages and page errors about the policy (there must be none)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


@pytest.fixture
def order_number(live_app, staff_member):
    advisor = staff_member("advisor", "王芳", "ADV-001")
    with live_app.app_context(), connected():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞", mileage=42000)
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="异响", walkaround={
            "damage": [{"x": 20, "y": 30, "kind": "scratch", "note": "左前门"}]})
        workorders.add_job(order, "更换机油机滤", 1, 300)
        return order.number


def test_every_station_page_runs_under_the_policy(page, live_app, staff_member, order_number):
    staff_member("admin", "林晓东", "ADM-001")
    seen = watch(page)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADM-001")
    for path in ["/", "/reception/", "/reception/appointments", "/reception/check-in",
                 f"/reception/work-orders/{order_number}", f"/reception/work-orders/{order_number}/print",
                 f"/reception/work-orders/{order_number}/key-tag", "/bay/", "/workshop/", "/workshop/board",
                 "/workshop/qc", "/workshop/figures", "/parts/", "/parts/catalogue", "/parts/labels/bin/C-01-01",
                 "/settings/printers", "/settings/staff", "/camera"]:
        answer = page.goto(base + path)
        assert answer.status == 200, path
        page.wait_for_load_state("load")
        assert seen == [], f"{path}: {seen}"
    # htmx works without eval: the desk's search answers, the typed scan field empties itself.
    page.goto(f"{base}/reception/")
    page.fill("#q", "沪A")
    page.wait_for_selector(f"text={order_number}")
    page.goto(f"{base}/parts/")
    page.fill("form.scan-input input[name=code]", "NO-SUCH-PART")
    page.press("form.scan-input input[name=code]", "Enter")
    page.wait_for_selector("#scan-bar.bad")
    page.wait_for_function("() => document.querySelector('form.scan-input input[name=code]').value === ''")
    # The damage mark sits where it was put, placed by static/common.js.
    page.goto(f"{base}/reception/work-orders/{order_number}")
    assert page.eval_on_selector(".walk .mark", "m => m.style.left") == "20%"
    assert seen == []


def test_live_sections_hold_still_while_edited_without_eval(page, live_app, staff_member, order_number):
    """The work order's job lines refresh on a change made elsewhere, but not while an edit row is
    open in them (kiosk.js on htmx:confirm: hx-trigger filters would need eval, which the policy
    refuses — htmx then reports evalDisallowedError on every live section)."""
    from kiosk.models import WorkOrder

    staff_member("advisor", "刘洋", "ADV-002")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-002")
    with live_app.app_context(), connected():
        order = WorkOrder.get(WorkOrder.number == order_number)
        job = workorders.live_jobs(order)[0]

    def add_job(description: str) -> None:
        with live_app.app_context(), connected():
            workorders.add_job(WorkOrder.get(WorkOrder.number == order_number), description, 1, 100)

    page.goto(f"{base}/reception/work-orders/{order_number}?edit_job={job.id.hex}")
    page.wait_for_function("() => document.body.dataset.live === 'stream'")
    page.evaluate("""() => { window.jobLineAsks = []; document.body.addEventListener('htmx:confirm', e => {
        if (e.detail.elt.id === 'job-lines') window.jobLineAsks.push(e.defaultPrevented); }); }""")
    add_job("四轮定位")
    page.wait_for_function("() => window.jobLineAsks.length > 0")  # the live update came …
    assert page.evaluate("window.jobLineAsks") == [True] * len(page.evaluate("window.jobLineAsks"))
    assert page.locator("#job-lines .edit-row").count() == 1  # … and the open edit row stayed
    assert page.locator("#job-lines", has_text="四轮定位").count() == 0
    # Without an edit row open, the next change elsewhere shows at once.
    page.goto(f"{base}/reception/work-orders/{order_number}")
    page.wait_for_function("() => document.body.dataset.live === 'stream'")
    add_job("更换雨刮片")
    page.locator("#job-lines", has_text="更换雨刮片").wait_for()
    assert not [e for e in errors if "evalDisallowed" in e], errors


def test_no_other_site_can_frame_a_kiosk_page(page, live_app):
    base = live_app.config["LIVE_URL"]
    page.set_content(f'<iframe id="f" src="{base}/login" width="800" height="600"></iframe>')
    page.wait_for_timeout(500)  # let the frame try; a framed page would show its badge field
    frame = page.frame_locator("#f")
    assert frame.locator("#badge").count() == 0
