"""``bayflow serve`` as a real process for the server tests, and reading its event stream."""
from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support import processes
from tests.support.processes import BAYFLOW

WAIT = 10  # seconds: the bound on every wait below


class Node:
    """A running `bayflow serve`; ``port`` is the one it printed."""

    def __init__(self, args: list[str], instance: Path):
        self.env = {**os.environ, "BAYFLOW_INSTANCE": str(instance)}
        self.process = processes.popen(processes.server_args([BAYFLOW, "serve", "--host", "127.0.0.1", "--port", "0",
                                                              *args]),
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
        processes.stop(self.process, timeout=WAIT)
        self.reader.join(timeout=WAIT)  # the pipe ends with the process
        self.process.stdout.close()


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


def open_stream(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    # The first chunk arriving proves the stream is flushed and subscribed.
    assert response.readline().strip() == b"retry: 2000"
    return conn, response
