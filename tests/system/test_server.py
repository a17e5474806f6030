"""The production server for real: `bayflow serve` in a subprocess on a free
loopback port, ten live-update streams open, and the node still answers —
with the event of a write arriving on the streams at once, not buffered."""
from __future__ import annotations

import http.client
import json
import time

import pytest

from tests.support.servers import open_stream, Node, WAIT, read_until_event

STREAMS = 10


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    # The test's streams all come from one address into one server process: more than a
    # kiosk allows one client (SSE_MAX_PER_CLIENT, tested in tests/system/test_server_limits.py).
    (folder / "config.py").write_text(f"SSE_MAX_PER_CLIENT = {STREAMS}\n")
    return folder


@pytest.fixture
def node(tmp_path, instance):
    running = Node(["--db", str(tmp_path / "node.sqlite"), "--prefix", "S1"], instance)
    running.db = str(tmp_path / "node.sqlite")
    yield running
    running.stop()


def test_streams_do_not_block_pages_and_events_arrive_at_once(node):
    token = node.token("--db", node.db)
    auth = {"Authorization": f"Bearer {token}"}
    streams = [open_stream(node.port) for _ in range(STREAMS)]
    try:
        began = time.monotonic()
        status, page = node.request("GET", "/")
        assert status == 200 and b"<html" in page.lower()
        status, body = node.request("GET", "/api/v1/health", headers=auth)
        assert status == 200 and json.loads(body)["outbox"] == 0
        assert time.monotonic() - began < 5, "a page waited behind the open streams"

        order = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
                 "complaint": "保养"}
        status, body = node.request("POST", "/api/v1/work-orders", order, auth)
        assert status == 201, body
        assert json.loads(body)["number"].startswith("S1-")
        written = time.monotonic()
        for _conn, response in streams:
            read_until_event(response, "workorder-changed")
        # The keep-alive comes every 15 s: an event that waited in a buffer
        # would only arrive with it.
        assert time.monotonic() - written < 5
    finally:
        for conn, _response in streams:
            conn.close()
    status, _ = node.request("GET", "/api/v1/health", headers=auth)
    assert status == 200


def test_serve_with_db_starts_empty(node):
    token = node.token("--db", node.db)
    status, body = node.request("GET", "/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(body)["outbox"] == 0
    assert "serving on http://127.0.0.1:" in node.banner


def test_serve_without_options_starts_with_the_demo_store(instance):
    running = Node([], instance)
    try:
        token = running.token()  # no --db: the instance folder's database, as serve used
        status, body = running.request("GET", "/api/v1/health", headers={"Authorization": f"Bearer {token}"})
        health = json.loads(body)
        assert status == 200 and health["outbox"] > 100 and health["station"] == "all"
        assert (instance / "bayflow.sqlite").exists()
    finally:
        running.stop()
