"""The claims desk in real Chromium on the demo store: a warranty claim built from a demo
order, refused for its missing photo, the photo added at the bay, the old part tagged and
shipped by scanning, the claim submitted and the manufacturer's partial approval recorded;
an insurance supplement recorded, the assignment signed, the insurer's share and receivable."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from kiosk.db import connected
from kiosk.demo import seed
from kiosk.models import WorkOrder
from kiosk.models.claims import InsuranceCase
from kiosk.services import claims, insurance, old_parts
from tests.support.aftersales import deliver_for_test
from tests.support.browser import draw, log_in, scanner_types

pytestmark = pytest.mark.browser


def in_db(live_app, fn):
    with live_app.app_context(), connected():
        return fn()


def _photo(tmp_path):
    path = tmp_path / "fault.jpg"
    Image.new("RGB", (320, 240), (120, 60, 60)).save(path, "JPEG")
    return str(path)


def _unclaimed_order():
    return next(o for o in WorkOrder.select().order_by(WorkOrder.number)
                if o.status == "in_repair" and any(c is None for _j, c in claims.warranty_jobs(o)))


def test_a_warranty_claim_from_the_demo_store(page, live_app, browser, tmp_path):
    in_db(live_app, seed)
    order = in_db(live_app, _unclaimed_order)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "CLM-001", "7772")

    # Built from the order in one step.
    page.goto(f"{base}/claims/")
    page.fill("input[name=work_order]", order.number)
    page.click("form[action$='/claims/build'] button")
    page.wait_for_selector("form[method=post][action$='/claims/build']")
    page.click("form[method=post][action$='/claims/build'] button")
    page.wait_for_selector("#claim-checks")
    number = page.url.rsplit("/", 1)[1]
    assert page.locator("[data-code=photo_missing]").is_visible()
    assert page.locator("[data-code=old_part_untagged]").is_visible()

    # Refused: the photo is missing (and the old part has no tag).
    page.click("#submit-claim")
    page.wait_for_selector(".flash.error")
    assert in_db(live_app, lambda: claims.state(claims.get_by_number(number))) == "draft"

    # The technician adds the photo with a finding at the bay.
    bay = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}).new_page()
    bay.goto(f"{base}/bay/")
    bay.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    bay.click("h1")
    scanner_types(bay, "TEC-002")
    bay.wait_for_selector("[data-bay-screen=home]")
    scanner_types(bay, order.number)
    try:
        bay.wait_for_selector(f"[data-bay-screen=order][data-number='{order.number}']")
    except Exception:
        bay.screenshot(path="/tmp/claims_shots/bayfail.png")
        raise
    bay.click("details.more-finding summary")
    bay.set_input_files("details.more-finding input[type=file]", _photo(tmp_path))
    with bay.expect_response(lambda r: "/findings" in r.url):
        bay.click("details.more-finding button.primary")
    bay.context.close()
    page.reload()
    assert page.locator("[data-code=photo_missing]").count() == 0
    assert page.locator(".claim-photos img").count() == 1

    # The old part: its tag printed, scanned into the store, then into a return shipment.
    page.click("form[action$='/tag'] button")
    page.wait_for_selector("svg")  # no label printer set up in the test: the browser's print page
    tag = in_db(live_app, lambda: old_parts.tags_of(claims.get_by_number(number))[0].number)
    page.goto(f"{base}/claims/old-parts")
    page.fill("input[name=bin]", "J-02")
    page.click("input[name=code]")
    scanner_types(page, tag)
    page.wait_for_selector(".flash.info")
    page.click("form[action$='/shipment'] button")
    page.check("input[name=action][value=ship]")
    page.click("input[name=code]")
    scanner_types(page, tag)
    page.wait_for_selector(".flash.info")
    place = in_db(live_app, lambda: old_parts.place(old_parts.get_tag(tag)))
    assert place["where"] == "ship" and place["shipment"].startswith("RS-")
    page.click("a[href*='/shipments/']")
    assert tag in page.inner_text("table")

    # Submitted, then the manufacturer approves part of it.
    page.goto(f"{base}/claims/c/{number}")
    page.click("#submit-claim")
    page.wait_for_selector(".flash.info")
    page.select_option("select[name=state]", "partly_approved")
    page.fill("input[name=amount]", "1800")
    page.click("#record-state")
    page.wait_for_selector(".flash.info")
    claim = in_db(live_app, lambda: claims.get_by_number(number))
    assert in_db(live_app, lambda: (claims.state(claim), claims.approved_amount(claim))) == \
        ("partly_approved", Decimal("1800"))


def test_an_insurance_supplement_the_assignment_and_the_receivable(page, live_app, tmp_path):
    in_db(live_app, seed)
    case = in_db(live_app, lambda: InsuranceCase.select().order_by(InsuranceCase.opened_at).first())
    number = in_db(live_app, lambda: case.work_order.number)
    before = in_db(live_app, lambda: insurance.share_of_case(case)["insurer"])
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "CLM-001", "7772")
    page.goto(f"{base}/claims/insurance/{number}")

    # A supplement found after the bumper came off: its line and photo.
    page.fill("input[name=description0]", "水箱框架校正")
    page.select_option("select[name=kind0]", "repair")
    page.fill("input[name=store0]", "450")
    page.fill("input[name=assessed0]", "400")
    page.set_input_files("#assessment-form input[type=file]", _photo(tmp_path))
    page.click("#assessment-form button[type=submit]")
    page.wait_for_selector(".flash.info")
    assert page.locator("section.assessment").count() == 3
    after = in_db(live_app, lambda: insurance.share_of_case(InsuranceCase.get_by_id(case.id))["insurer"])
    assert after == before + 400
    assert f"{after:,.2f}" in page.inner_text("[data-insurer-share]")

    # Direct billing: the customer signs the assignment on the pad.
    draw(page, "#assignment canvas[data-signature-pad]")
    page.click("#assignment button[type=submit]")
    page.wait_for_selector(".flash.info")
    assert in_db(live_app, lambda: InsuranceCase.get_by_id(case.id).assignment_signature)

    # Handed back: the insurer owes its share, listed with its age.
    in_db(live_app, lambda: deliver_for_test(WorkOrder.get(WorkOrder.number == number)))
    page.goto(f"{base}/claims/insurance")
    assert f"{after:,.2f}" in page.inner_text("body") and number in page.inner_text("body")
