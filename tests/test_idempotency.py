"""Retries do not write twice (issue #19, item 13): every creating API call takes an
``Idempotency-Key``; the first answer is kept in the same transaction as the call's
writes, and a repeat gets it back. Tried the hard way too: a real `bayflow serve` is
killed after committing a work order whose answer never reached the client; the
client retries against the restarted node and gets the same order, once."""
from __future__ import annotations

import json
import os
import signal
import sqlite3

import pytest

from kiosk.db import connected
from kiosk.models import Customer, Part, WorkOrder
from tests.multinode.faulty_link import FaultyLink
from tests.test_server import WAIT, Node

ORDER = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
         "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 1, "price": 300}]}


def orders(app) -> int:
    with app.app_context(), connected():
        return WorkOrder.select().count()


def test_the_same_key_again_gets_the_first_answer_and_writes_nothing(app, api):
    first = api("post", "/work-orders", json=ORDER, headers={"Idempotency-Key": "dms-4711"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = api("post", "/work-orders", json=ORDER, headers={"Idempotency-Key": "dms-4711"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert orders(app) == 1
    with app.app_context(), connected():
        assert Customer.select().count() == 1
    other = api("post", "/work-orders", json=ORDER, headers={"Idempotency-Key": "dms-4712"})
    assert other.get_json()["number"] != first.get_json()["number"] and orders(app) == 2


def test_without_a_key_a_retry_is_a_new_call(app, api):
    api("post", "/work-orders", json=ORDER)
    api("post", "/work-orders", json=ORDER)
    assert orders(app) == 2


def test_the_same_key_for_another_request_is_refused(app, api):
    api("post", "/parts", json={"part_no": "P-1", "name": "机油滤清器", "price": 30}, headers={"Idempotency-Key": "k"})
    reused = api("post", "/parts", json={"part_no": "P-2", "name": "空气滤清器", "price": 40},
                 headers={"Idempotency-Key": "k"})
    assert reused.status_code == 422 and reused.get_json()["error"] == "idempotency_key_reused"
    with app.app_context(), connected():
        assert [p.part_no for p in Part.select()] == ["P-1"]


def test_a_refusal_is_not_kept_so_a_corrected_retry_runs(app, api):
    bad = api("post", "/parts/P-9/receipts", json={"qty": 1}, headers={"Idempotency-Key": "r-1"})
    assert bad.status_code == 404
    api("post", "/parts", json={"part_no": "P-9", "name": "刹车片", "price": 30})
    good = api("post", "/parts/P-9/receipts", json={"qty": 1}, headers={"Idempotency-Key": "r-1"})
    assert good.status_code == 201 and "Idempotent-Replayed" not in good.headers


def test_every_creating_call_takes_the_key(app, api, make_staff):
    clerk = make_staff("parts_clerk", badge="PRT-I1")
    number = api("post", "/work-orders", json=ORDER).get_json()["number"]
    api("post", "/parts", json={"part_no": "P-1", "name": "机油滤清器", "price": 30, "barcodes": ["6901234567892"]})
    api("post", "/parts/P-1/receipts", json={"qty": 10})
    calls = [("/parts/P-1/receipts", {"qty": 2}),
             (f"/work-orders/{number}/parts", {"code": "P-1", "qty": 1, "badge": clerk.badge}),
             (f"/work-orders/{number}/jobs", {"description": "四轮定位", "hours": 0.8, "price": 200}),
             ("/staff", {"name": "张伟", "badge": "TEC-I1", "roles": ["technician"], "pin": "2468"})]
    for path, body in calls:
        first = api("post", path, json=body, headers={"Idempotency-Key": f"key{path}"})
        again = api("post", path, json=body, headers={"Idempotency-Key": f"key{path}"})
        assert first.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true", path
        assert again.get_json() == first.get_json(), path
    on_hand = api("get", "/parts/P-1").get_json()["on_hand"]
    assert on_hand == 10 + 2 - 1  # each stock move once


@pytest.fixture
def node(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    running = Node(["--db", str(tmp_path / "node.sqlite"), "--prefix", "S1", "--workers", "1",
                    "--sync-interval", "0"], instance)
    running.db, running.instance = str(tmp_path / "node.sqlite"), instance
    yield running
    if running.process.poll() is None:
        running.stop()


def count_orders(db: str) -> int:
    raw = sqlite3.connect(db)
    try:
        return raw.execute("SELECT count(*) FROM work_order").fetchone()[0]
    finally:
        raw.close()


def test_a_server_killed_after_committing_answers_the_retry_with_the_first_answer(node, tmp_path):
    import http.client

    token = node.token("--db", node.db)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "dms-1"}
    link = FaultyLink(f"http://127.0.0.1:{node.port}")
    try:
        link.plan.append("lose-answer")  # the node commits and answers; the answer never arrives
        conn = http.client.HTTPConnection("127.0.0.1", int(link.url.rsplit(":", 1)[1]), timeout=WAIT)
        conn.request("POST", "/api/v1/work-orders", body=json.dumps(ORDER), headers=headers)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            conn.getresponse()
        conn.close()
    finally:
        link.close()
    assert count_orders(node.db) == 1  # committed
    raw = sqlite3.connect(node.db)
    committed = raw.execute("SELECT number FROM work_order").fetchone()[0]
    raw.close()
    os.kill(node.process.pid, signal.SIGKILL)  # and the node dies before anything else
    node.process.wait(timeout=WAIT)
    node.reader.join(timeout=WAIT)
    node.process.stdout.close()

    again = Node(["--db", node.db, "--workers", "1", "--sync-interval", "0"], node.instance)
    try:
        status, body = again.request("POST", "/api/v1/work-orders", ORDER, headers)
        assert status == 201
        answer = json.loads(body)
        assert answer["number"] == committed  # the first answer, never seen by the client until now
        status, body = again.request("POST", "/api/v1/work-orders", ORDER, {**headers, "Idempotency-Key": "dms-2"})
        assert status == 201 and json.loads(body)["number"] != answer["number"]
    finally:
        again.stop()
    assert count_orders(node.db) == 2  # the retried order once, and the new one
