"""API audit rows (issue #19, item 12) from a real `bayflow serve`: rows are written in
batches, and the server's own timer writes the last ones. The rest of the tokens'
tests: tests/api/test_api_tokens.py."""
from __future__ import annotations

import sqlite3
import time

from tests.support.servers import Node


def test_a_running_node_writes_every_calls_audit_row_by_itself(tmp_path):
    """Rows are written in batches; the server's own timer writes the last ones."""
    instance = tmp_path / "instance"
    instance.mkdir()
    node = Node(["--db", str(tmp_path / "n.sqlite"), "--workers", "1", "--sync-interval", "0"], instance)
    try:
        token = node.token("--db", str(tmp_path / "n.sqlite"), "--name", "monitor")
        for _ in range(3):
            assert node.request("GET", "/api/v1/health", headers={"Authorization": f"Bearer {token}"})[0] == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            raw = sqlite3.connect(tmp_path / "n.sqlite")
            written = raw.execute("SELECT count(*) FROM api_key_use").fetchone()[0]
            raw.close()
            if written == 3:
                break
            time.sleep(0.2)
        assert written == 3
    finally:
        node.stop()
