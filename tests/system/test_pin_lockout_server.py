"""Guessing PINs (issue #19, item 3) against a real `bayflow serve` with two server
processes: a burst of parallel wrong PINs checks exactly the free tries and answers
the rest "locked" without looking at the PIN — the right PIN sent in a later burst
opens nothing while the lock lasts. The rest: tests/pages/test_pin_lockout.py."""
from __future__ import annotations

import concurrent.futures
import http.client
import re
import urllib.parse

import pytest

from kiosk.services import pin_lock
from tests.support import PIN
from tests.support.servers import Node

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
