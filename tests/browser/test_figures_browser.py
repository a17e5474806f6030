"""The manager's figures in real Chromium: from the dashboard, tap first-time fix, see the
orders that failed QC or came back, and open one; the dashboard fits the kiosk's screen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.db import connected
from tests.support import PIN, figures as history
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_a_tap_from_a_figure_to_the_order_behind_it(page, live_app, staff_member):
    staff_member("manager", "刘经理", "MGR-801")
    with live_app.app_context(), connected():
        shop = history.build()
        came_back = shop["orders"][2].number  # the engine overhaul a comeback was opened against
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, base, "MGR-801", PIN)
    page.goto(f"{base}/figures/?period=month&day=2026-10-01")
    card = page.locator("[data-figure=first_time_fix]")
    expect(card).to_contain_text("60.0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    expect(page.locator("[data-figure=csi]")).to_contain_text("80")
    card.click()
    page.wait_for_url("**/figures/first_time_fix?**")
    expect(page.locator("#figure-summary")).to_contain_text("3 of 5")
    page.locator(f"a[data-order='{came_back}']").first.click()
    page.wait_for_url(f"**/reception/work-orders/{came_back}")
    expect(page.locator("body")).to_contain_text(came_back)
