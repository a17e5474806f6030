"""Guessing PINs (issue #19, item 3): wrong PINs count on every kiosk (facts that
sync), a manager unlocks a colleague without giving new free tries, and unknown
badges lock only the screen they came from, and briefly. A parallel burst against
a real server: tests/system/test_pin_lockout_server.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import LoginAttempt
from kiosk.services import pin_lock
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from tests.support import PIN
from tests.support.merge_nodes import Nodes

BURST = 40


def test_guesses_on_every_kiosk_add_up(tmp_path):
    group = Nodes(tmp_path)
    try:
        for name in ("a", "hub", "b"):
            group.add(name, "hub" if name == "hub" else "kiosk")
        now = times.utcnow().replace(microsecond=0)
        with group.use("a"):
            staff_service.create_staff("郑敏", "CSH-001", ["cashier"], PIN)
            for n in range(pin_lock.FREE_TRIES - 1):  # two wrong PINs at kiosk A: not locked yet
                with pytest.raises(ServiceError):
                    staff_service.login("CSH-001", "0000", now=now + dt.timedelta(seconds=n))
        group.sync("a", "hub")
        group.sync("hub", "b")
        with group.use("b"):
            assert pin_lock.state("CSH-001", now).failures == pin_lock.FREE_TRIES - 1
            with pytest.raises(ServiceError) as third:  # the third anywhere locks it
                staff_service.login("CSH-001", "0000", now=now + dt.timedelta(seconds=5))
            assert third.value.status == 429
        group.sync("b", "hub")
        group.sync("hub", "a")
        with group.use("a"):  # and kiosk A knows it is locked
            with pytest.raises(ServiceError) as locked:
                staff_service.login("CSH-001", PIN, now=now + dt.timedelta(seconds=6))
            assert "Too many wrong PINs" in str(locked.value.message)
    finally:
        group.close()


@pytest.mark.postgres  # the PIN count read and written in one transaction on PostgreSQL too
def test_a_manager_unlocks_without_giving_new_free_tries(app, client, make_staff, login):
    make_staff("cashier", name="郑敏", badge="CSH-002")
    with app.test_request_context(), connected():
        for _ in range(pin_lock.FREE_TRIES):
            with pytest.raises(ServiceError):
                staff_service.login("CSH-002", "0000")
        assert pin_lock.state("CSH-002").locked(times.utcnow())
    login(make_staff("manager", badge="MGR-902"))
    page = client.get("/settings/staff").get_data(as_text=True)
    assert 'data-locked="CSH-002"' in page
    assert client.post("/settings/staff/CSH-002/unlock").status_code == 302
    assert 'data-locked="CSH-002"' not in client.get("/settings/staff").get_data(as_text=True)
    with app.test_request_context(), connected():
        assert LoginAttempt.select().where(LoginAttempt.outcome == "unlock").get().by == "MGR-902"
        # One wrong PIN after the unlock locks the badge again, for longer: guessing is not reopened.
        with pytest.raises(ServiceError) as again:
            staff_service.login("CSH-002", "1111")
        assert again.value.status == 429 and again.value.detail["retry_after"] == 2 * pin_lock.BASE_LOCK_SECONDS
    # Unlocked again, the right PIN lets the person in and the count starts over.
    client.post("/settings/staff/CSH-002/unlock")
    with app.test_request_context(), connected():
        assert staff_service.login("CSH-002", PIN)
        assert pin_lock.state("CSH-002").failures == 0


def test_only_managers_unlock(client, make_staff, login):
    login(make_staff("cashier", badge="CSH-003"))
    assert client.post("/settings/staff/CSH-003/unlock").status_code == 403


def test_unknown_badges_lock_the_screen_briefly_not_the_badge(app, client, make_staff):
    make_staff("cashier", badge="CSH-004")
    for n in range(pin_lock.FREE_UNKNOWN):
        answer = client.post("/login", data={"badge": f"GUESS-{n}"})
        assert "not known" in answer.get_data(as_text=True)
    answer = client.post("/login", data={"badge": "GUESS-X"})
    assert "not known" in answer.get_data(as_text=True)  # the one that locks the screen
    locked = client.post("/login", data={"badge": "CSH-004", "pin": PIN})
    text = locked.get_data(as_text=True)
    assert "Too many unknown badges from this screen" in text
    seconds = int(re.search(r"Try again in (\d+) seconds", text).group(1))
    assert seconds <= pin_lock.UNKNOWN_LOCK_SECONDS < pin_lock.MAX_LOCK_SECONDS
    # Another screen is not held back, and the badge itself is not locked.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert other.post("/login", data={"badge": "CSH-004", "pin": PIN}).status_code == 302
    assert pin_lock.MAX_UNKNOWN_LOCK_SECONDS < pin_lock.MAX_LOCK_SECONDS
