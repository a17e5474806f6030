"""Kiosks whose clocks are wrong, for real (libfaketime): they keep working,
their events are flagged, nothing newer is overwritten by them, and the kiosk
shows a warning."""
from __future__ import annotations

import shutil

import pytest

from kiosk.db import bind, connected
from sync import state
from sync.conflicts import open_conflicts
from tests.support.nodes import order_body, start_all, state_of



@pytest.fixture(autouse=True)
def _faketime_installed():
    if not shutil.which("faketime"):
        pytest.fail("these tests need Debian's faketime (make system-deps installs it)")


def test_a_kiosk_hours_ahead_is_flagged_and_overwrites_nothing_newer(nodes):
    hub, a, ahead = start_all(
        nodes("hub", role="hub"),
        nodes("a", prefix="A1"),
        nodes("ahead", prefix="S1", clock="+3h"))
    a.pair_with(hub)
    ahead.pair_with(hub)
    number = a.api("POST", "/work-orders", order_body(1), expect=201)["number"]
    a.sync()
    ahead.sync()

    ahead.api("PATCH", f"/work-orders/{number}", {"notes": "时钟快了三小时的终端写的"}, expect=200)
    a.api("PATCH", f"/work-orders/{number}", {"notes": "后写的正确备注"}, expect=200)
    ahead.sync()
    a.sync()
    ahead.sync()

    for node in (hub, a, ahead):
        assert node.api("GET", f"/work-orders/{number}")["notes"] == "后写的正确备注"
    assert state_of(hub.db) == state_of(a.db) == state_of(ahead.db)
    bind(hub.db)
    with connected():
        assert any(c.field == "notes" and c.reason == "skew" for c in open_conflicts())
    bind(ahead.db)
    with connected():
        assert abs(int(state.get("skew_ms", "0"))) > 2 * 3600 * 1000  # the warning on every page


def test_a_kiosk_reset_to_2000_keeps_working_and_syncing(nodes):
    hub, a, old = start_all(
        nodes("hub", role="hub"),
        nodes("a", prefix="A1"),
        nodes("old", prefix="Z1", clock="2000-01-01 08:00:00"))
    a.pair_with(hub)
    old.pair_with(hub)
    made = old.api("POST", "/work-orders", order_body(2), expect=201)
    old.sync()
    a.sync()
    assert a.api("GET", f"/work-orders/{made['number']}")["id"] == made["id"]
    assert state_of(hub.db) == state_of(a.db) == state_of(old.db)
