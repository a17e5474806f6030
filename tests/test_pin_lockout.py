"""Guessing PINs (issue #19, item 3). Against a real `bayflow serve` with two server
processes, a burst of parallel wrong PINs checks exactly the free tries and answers
the rest "locked" without looking at the PIN — the right PIN sent in a later burst
opens nothing while the lock lasts. Wrong PINs count on every kiosk (facts that
sync), a manager unlocks a colleague without giving new free tries, and unknown
badges lock only the screen they came from, and briefly."""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import http.client
import json
import re
import urllib.parse

import pytest

from kiosk import times
from kiosk.db import connected
from kiosk.models import LoginAttempt
from kiosk.services import pin_lock
from kiosk.services import staff as staff_service
from kiosk.services.errors import ServiceError
from tests.conftest import PIN
from tests.merge_nodes import Nodes
from tests.test_server import Node

BURST = 40


class LoginPage:
    """One browser at the login page of a running node: its cookie and CSRF token."""

    def __init__(self, port: int):
        self.port = port
        status, headers, body = self.request("GET", "/login")
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        status, headers, _ = self.request("POST", "/lang/en", {"next": "/login"})
        self.cookie = headers.get("set-cookie", self.cookie).split(";", 1)[0]

    def request(self, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)  # a connection each: real parallel
        try:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if getattr(self, "cookie", None):
                headers["Cookie"] = self.cookie
            body = urllib.parse.urlencode({**(form or {}), "csrf_token": getattr(self, "csrf", "")}) if form else None
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read().decode()
        finally:
            conn.close()

    def try_pin(self, badge: str, pin: str) -> tuple[int, str]:
        status, _headers, body = self.request("POST", "/login", {"badge": badge, "pin": pin, "next": "/"})
        error = re.search(r'id="login-error">([^<]*)<', body)
        return status, error.group(1) if error else ""


@pytest.fixture
def node(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    running = Node(["--db", str(tmp_path / "node.sqlite"), "--prefix", "S1", "--workers", "2",
                    "--sync-interval", "0"], instance)
    running.db = str(tmp_path / "node.sqlite")
    token = running.token("--db", running.db)
    status, body = running.request("POST", "/api/v1/staff", {"name": "郑敏", "badge": "CSH-001",
                                                             "roles": ["cashier"], "pin": PIN},
                                   {"Authorization": f"Bearer {token}"})
    assert status == 201, body
    yield running
    running.stop()


def attempts_recorded(db_path: str) -> int:
    import sqlite3

    raw = sqlite3.connect(db_path)
    try:
        return raw.execute("SELECT count(*) FROM login_attempt WHERE outcome = 'wrong_pin'").fetchone()[0]
    finally:
        raw.close()


def test_a_parallel_burst_of_guesses_checks_only_the_free_tries(node):
    page = LoginPage(node.port)
    guesses = [f"{n:04d}" for n in range(1000, 1000 + BURST)]
    with concurrent.futures.ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(lambda pin: page.try_pin("CSH-001", pin), guesses))
    checked = [a for a in answers if a[1].startswith("Wrong PIN")]
    refused = [a for a in answers if a[1].startswith("Too many wrong PINs")]
    # One at a time, across both server processes: three PINs were looked at, no more.
    assert len(checked) == pin_lock.FREE_TRIES and len(refused) == BURST - pin_lock.FREE_TRIES, answers
    assert attempts_recorded(node.db) == pin_lock.FREE_TRIES
    # The right PIN, in a second burst of guesses, is refused like the others while the lock lasts.
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda pin: page.try_pin("CSH-001", pin), [PIN] + guesses[:19]))
    assert all(status in (400, 429) and error.startswith("Too many wrong PINs") for status, error in answers)
    assert attempts_recorded(node.db) == pin_lock.FREE_TRIES  # a locked badge's PIN is not even checked


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
