"""``bayflow serve`` as a real process for the server tests, reading its event stream, and a
browser's session at its bay screen (``BaySession``)."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import queue
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
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


class BaySession:
    """A browser at the bay kiosk: its cookies and CSRF token, the badge scanned."""

    def __init__(self, base: str, badge: str, lang: str | None = "en"):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(f"{base}/bay/", timeout=30).read().decode()
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        if lang:
            self.post(f"/lang/{lang}", b"", "application/x-www-form-urlencoded")  # what the assertions read
        self.post("/bay/scan", b"code=" + badge.encode() + b"&source=wedge",
                  "application/x-www-form-urlencoded")

    def post(self, path: str, body: bytes, content_type: str, ok_statuses=()) -> str:
        """POST as htmx does; the answer's HTML (an error status in ``ok_statuses`` is an answer too)."""
        request = urllib.request.Request(self.base + path, data=body, method="POST", headers={
            "Content-Type": content_type, "X-CSRFToken": self.csrf, "HX-Request": "true"})
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.read().decode()
        except urllib.error.HTTPError as error:
            if error.code in ok_statuses:
                return error.read().decode()
            raise

    def upload_photo(self, job_id: str, content: bytes, name: str) -> str:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.post(f"/bay/jobs/{job_id}/findings", body, f"multipart/form-data; boundary={boundary}")
