"""The care desk in real Chromium: an agent works today's follow-up list (one reached with a
low score, one not reached), handles the complaint it opened to the customer's agreement,
and books an appointment from a reminder."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Appointment, FollowUpCall, PhoneUnmask
from kiosk.services import complaints
from tests.support.browser import log_in
from tests.support.care import delivered

pytestmark = pytest.mark.browser


def test_an_agent_works_calls_a_complaint_and_a_reminder(page, live_app, staff_member):
    staff_member("care", "冯静", "CRE-501")
    staff_member("advisor", "王芳", "ADV-501")
    with live_app.app_context(), connected():
        today = times.today()
        unhappy = delivered(4, plate="沪A50001", phone="13900000001", name="陈先生").number
        away = delivered(3, plate="沪A50002", phone="13900000002", name="黄女士",
                         next_service_date=today + dt.timedelta(days=4), next_service_mileage=45000).number
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "CRE-501")
    page.goto(f"{base}/care/")
    rows = page.locator("#follow-ups tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-order", unhappy)  # oldest first
    # The number is masked until tapped; the tap shows it and leaves an audit fact.
    expect(rows.first).to_contain_text("139****0001")
    rows.first.locator(".care-phone button").click()
    expect(rows.first.locator(".care-phone")).to_contain_text("13900000001")

    # Reached, scored 4: a complaint opens and the agent lands on it.
    rows.first.locator("a.btn.primary").click()
    page.select_option("#score", "4")
    page.select_option("#part-repair", "3")
    page.fill("#comment", "刹车还响，等车太久")
    page.locator("button[name=outcome][value=reached]").click()
    page.wait_for_url("**/care/complaints/TS-*")
    expect(page.locator(".care-quote")).to_contain_text("刹车还响")
    complaint_url = page.url

    # The second customer does not answer: the call leaves today's list (back tomorrow).
    page.goto(f"{base}/care/")
    page.locator(f"#follow-ups tr[data-order='{away}'] a.btn.primary").click()
    page.locator("button[name=outcome][value=no_answer]").click()
    page.wait_for_url(f"{base}/care/")
    expect(page.locator("#follow-ups tbody tr[data-order]")).to_have_count(0)

    # The complaint: called, then the customer's agreement, then closed.
    page.goto(complaint_url)
    page.fill("#text", "已致电道歉，安排免费复查")
    page.locator("button[name=action][value=called]").click()
    expect(page.locator("#complaint-log")).to_contain_text("已致电道歉")
    page.fill("#text", "客户同意复查方案")
    page.locator("button[name=action][value=resolve]").click()
    expect(page.locator("button[name=action][value=close]")).to_be_visible()
    page.locator("button[name=action][value=close]").click()
    expect(page.locator("#complaint-log li")).to_have_count(4)  # assigned, called, agreed, closed
    expect(page.locator("button[name=action][value=reopen]")).to_be_visible()

    # A maintenance reminder booked in one step.
    page.goto(f"{base}/care/reminders")
    row = page.locator("#reminders tr[data-kind=maintenance][data-plate='沪A50002']")
    row.locator("a.btn.primary").click()
    page.fill("#day", (today + dt.timedelta(days=3)).isoformat())
    page.fill("#time", "10:30")
    page.select_option("#advisor", label="王芳")
    page.locator("#care-book button[type=submit]").click()
    page.wait_for_url("**/care/reminders")
    expect(page.locator("#reminders tr[data-kind=maintenance]")).to_have_count(0)

    with live_app.app_context(), connected():
        [appointment] = list(Appointment.select())
        assert appointment.vehicle.plate == "沪A50002" and appointment.advisor.badge == "ADV-501"
        assert [c.outcome for c in FollowUpCall.select().order_by(FollowUpCall.at)] == ["reached", "no_answer"]
        assert complaints.listing("closed")[0]["status"] == "closed"
        assert PhoneUnmask.select().count() == 1
