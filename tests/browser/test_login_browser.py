"""Logging in by badge and PIN in real Chromium."""
from __future__ import annotations

from tests.support.browser import log_in


def test_badge_and_pin_on_the_keypad(page, live_app, staff_member):
    staff_member("advisor", "王芳", "ADV-001")
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    assert page.locator(".me").inner_text() == "王芳"
    # Static assets are served locally: htmx is loaded and running.
    assert page.evaluate("typeof htmx") == "object"


def test_wrong_pin_is_shown_clearly(page, live_app, staff_member):
    staff_member("advisor", "王芳", "ADV-002")
    log_in(page, live_app.config["LIVE_URL"], "ADV-002", pin="0000")
    assert page.locator("#login-error").is_visible()
    assert page.locator(".me").count() == 0
