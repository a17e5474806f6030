"""Kiosks with their default background sync: a change shows up on the other
kiosk by itself, and every page's status bar says so."""
from __future__ import annotations

import re
import time
import urllib.request

from tests.support.nodes import order_body, start_all


def status_bar(node) -> str:
    with urllib.request.urlopen(f"{node.url}/sync-status", timeout=10) as response:
        return response.read().decode()


def wait_for(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("not within the time")


def test_changes_travel_by_themselves(nodes):
    hub, a, b = start_all(
        nodes("hub", role="hub"),
        nodes("a", prefix="A1", sync_interval=None),  # the default: background sync on
        nodes("b", prefix="B1", sync_interval=None))
    a.pair_with(hub)
    b.pair_with(hub)
    made = a.api("POST", "/work-orders", order_body(1), expect=201)
    seen = wait_for(lambda: b.api("GET", f"/work-orders/{made['number']}").get("id") == made["id"])
    assert seen
    bar = wait_for(lambda: (lambda html: html if re.search(r"data-outbox>0<", html) else None)(status_bar(a)))
    assert 'class="sync-status online"' in bar

    port = hub.port
    hub.stop()
    a.api("POST", "/work-orders", order_body(2), expect=201)
    offline = wait_for(lambda: (lambda html: html if "sync-status offline" in html else None)(status_bar(a)), 60)
    assert not re.search(r"data-outbox>0<", offline)  # the new order waits to go up
    hub.start(port=port)
    wait_for(lambda: re.search(r"data-outbox>0<", status_bar(a)), 90)
