"""The same store run by a PC in UTC and by one in Asia/Shanghai (real `bayflow serve`
processes with the TZ environment variable): both store, show and answer the same times."""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest

from tests.support.servers import Node

# Typed without an offset: the store's wall time (Asia/Shanghai by default).
PROMISED = "2031-05-06T17:30"


def _order_body(plate: str) -> dict:
    return {"customer": {"name": "王女士", "phone": "13912344321"},
            "vehicle": {"plate": plate, "vin": "", "model": "大众 朗逸", "mileage": 12000},
            "complaint": "异响", "jobs": [{"description": "检查", "hours": 1, "price": 100}]}


def _run(tz: str, db: str, instance, monkeypatch, plate: str) -> dict:
    """Start a node on ``db`` in zone ``tz``, write an order, read every order back."""
    monkeypatch.setenv("TZ", tz)
    node = Node(["--db", db, "--prefix", "S1", "--workers", "1", "--sync-interval", "0"], instance)
    try:
        auth = {"Authorization": f"Bearer {node.token('--db', db)}", "Content-Type": "application/json"}
        status, body = node.request("POST", "/api/v1/work-orders", _order_body(plate), auth)
        assert status == 201, body
        number = json.loads(body)["number"]
        status, body = node.request("PATCH", f"/api/v1/work-orders/{number}", {"promised_at": PROMISED}, auth)
        assert status == 200, body
        shown = {}
        for row in sqlite3.connect(db).execute("SELECT number FROM work_order ORDER BY number").fetchall():
            status, body = node.request("GET", f"/api/v1/work-orders/{row[0]}", headers=auth)
            answer = json.loads(body)
            shown[row[0]] = (answer["promised_at"], answer["opened_at"][:10])
        status, board = node.request("GET", "/workshop/board")
        assert status == 200
        return {"number": number, "api": shown, "board": board.decode()}
    finally:
        node.stop()


def test_a_pc_in_utc_and_one_in_shanghai_show_the_same_times(tmp_path, instance, monkeypatch):
    db = str(tmp_path / "node.sqlite")
    in_utc = _run("UTC", db, instance, monkeypatch, "沪A10001")
    in_shanghai = _run("Asia/Shanghai", db, instance, monkeypatch, "沪A10002")

    # Both orders, read by either process, say the same: 17:30 in the store, +08:00.
    assert in_utc["api"][in_utc["number"]][0] == "2031-05-06T17:30:00+08:00"
    assert in_shanghai["api"] == {**in_utc["api"], in_shanghai["number"]: in_shanghai["api"][in_shanghai["number"]]}
    assert in_shanghai["api"][in_shanghai["number"]] == in_utc["api"][in_utc["number"]]
    # Stored once, as UTC, whichever PC wrote it.
    stored = [row[0] for row in sqlite3.connect(db).execute("SELECT promised_at FROM work_order")]
    assert stored == ["2031-05-06 09:30:00", "2031-05-06 09:30:00"]
    # The store's date names the orders and their check-in day, not the PC's.
    store_day = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8)).date()
    for number, (_, opened) in in_shanghai["api"].items():
        assert number.startswith(f"S1-{store_day:%Y%m%d}-") or _crossed_midnight(store_day, number)
        assert opened == f"{store_day:%Y-%m-%d}" or _crossed_midnight(store_day, number)
    # The wall board of each shows the promise at 17:30 (05-06), never 09:30.
    for board in (in_utc["board"], in_shanghai["board"]):
        assert re.search(r"17:30", board) and "09:30" not in board


def _crossed_midnight(day: dt.date, number: str) -> bool:
    """The store's day changed during the test: the order may carry the day before."""
    return number.startswith(f"S1-{day - dt.timedelta(days=1):%Y%m%d}-")


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder
