"""The production server for real: `bayflow serve` in a subprocess on a free
loopback port, ten live-update streams open, and the node still answers —
with the event of a write arriving on the streams at once, not buffered."""
from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
STREAMS = 10
WAIT = 10  # seconds: the bound on every wait below


class Node:
    """A running `bayflow serve`; ``port`` is the one it printed."""

    def __init__(self, args: list[str], instance: Path):
        self.env = {**os.environ, "BAYFLOW_INSTANCE": str(instance)}
        self.process = subprocess.Popen([BAYFLOW, "serve", "--host", "127.0.0.1", "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env)
        lines: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True)
        self.reader.start()
        try:
            self.banner = lines.get(timeout=30)  # the first start may seed the demo store
        except queue.Empty:
            self.stop()
            pytest.fail("bayflow serve printed no URL")
        match = re.search(r"http://127\.0\.0\.1:(\d+)", self.banner)
        assert match, self.banner
        self.port = int(match.group(1))

    def token(self, *db_args: str) -> str:
        done = subprocess.run([BAYFLOW, "token", *db_args], capture_output=True, text=True, timeout=60, env=self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)  # the pipe ends with the process
        self.process.stdout.close()


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


@pytest.fixture
def node(tmp_path, instance):
    running = Node(["--db", str(tmp_path / "node.sqlite"), "--prefix", "S1"], instance)
    running.db = str(tmp_path / "node.sqlite")
    yield running
    running.stop()


def open_stream(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    # The first chunk arriving proves the stream is flushed and subscribed.
    assert response.readline().strip() == b"retry: 2000"
    return conn, response


def read_until_event(response: http.client.HTTPResponse, name: str) -> None:
    """Read the stream until ``event: name``; each read is bounded by the socket timeout."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        line = response.readline()
        if not line:
            raise AssertionError("the stream ended")
        if line.strip() == f"event: {name}".encode():
            return
    raise AssertionError(f"no {name} event within {WAIT} s")


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
