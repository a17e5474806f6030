"""A page whose live-update stream is refused (issue #19, item 4: too many streams from
one computer, or in all) still follows what changes: it refreshes its live parts on a
timer instead, in real Chromium."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.services import customers, workorders
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_refused_stream_falls_back_to_polling(page, live_app, staff_member):
    live_app.config.update(SSE_MAX_PER_CLIENT=0, SSE_POLL_SECONDS=1)  # every stream refused
    advisor = staff_member("advisor", "王芳", "ADV-001")
    base = live_app.config["LIVE_URL"]
    refused = []
    page.on("response", lambda r: refused.append(r.status) if r.url.endswith("/events") else None)
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/")
    page.wait_for_function("() => document.body.dataset.live === 'polling'")
    assert refused and all(status == 429 for status in refused)
    with live_app.app_context(), connected():  # a work order opened elsewhere …
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·P0LL1", model="丰田 凯美瑞")
        number = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="异响").number
    page.wait_for_selector(f"text={number}", timeout=10_000)  # … shows up without a reload
