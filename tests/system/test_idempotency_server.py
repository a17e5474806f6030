"""Retries do not write twice (issue #19, item 13), tried the hard way: a real `bayflow
serve` is killed after committing a work order whose answer never reached the client;
the client retries against the restarted node and gets the same order, once. The
rest: tests/api/test_idempotency.py."""
from __future__ import annotations

import json
import os
import signal
import sqlite3

import pytest

from tests.support.faulty_link import FaultyLink
from tests.support.servers import WAIT, Node

ORDER = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
         "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 1, "price": 300}]}


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
