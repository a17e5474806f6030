"""A real node's log file (issue #18): its rotating log in the instance folder with a request
id on every line, and ``bayflow --version``. The log's size cap and the request ids of the
pages: tests/pages/test_store_health.py."""
from __future__ import annotations

import re
import subprocess
import urllib.request

from tests.support.nodes import Node
from tests.support.processes import BAYFLOW


def test_a_node_writes_a_rotating_log_with_request_ids(tmp_path):
    """A real server process: its log file in the instance folder, a request id on the lines."""
    node = Node(tmp_path, "reception")
    node.env["BAYFLOW_INSTANCE"] = str(tmp_path / "instance")
    node.start()
    try:
        request = urllib.request.Request(f"{node.url}/login", headers={"X-Request-Id": "rid-42"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.headers["X-Request-Id"] == "rid-42"
    finally:
        node.stop()
    text = (tmp_path / "instance" / "logs" / "reception.log").read_text(encoding="utf-8")
    assert re.search(r"INFO \[rid-42\] kiosk.requests: GET /login 200", text), text
    assert "bayflow 0.2.0 started" in text


def test_bayflow_version():
    done = subprocess.run([BAYFLOW, "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == "bayflow, version 0.2.0"
