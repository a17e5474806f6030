"""``bayflow pairing-code`` and ``bayflow pair`` as a person runs them, against a
real hub process on loopback: one-line answers, real codes, real pins."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync import keys
from tests.support.trust import Server, cli, one_line_error


@pytest.fixture(autouse=True)
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(folder))


@pytest.fixture
def hub(tmp_path):
    server = Server(tmp_path, "hub", store=f"Store {uuid.uuid4().hex[:8]}", prefix="HQ").start()
    yield server
    server.stop()


def code_of(hub: Server, *extra) -> str:
    result = cli("pairing-code", "--db", hub.db, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def rows(db: str, sql: str, *args):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def test_pairing_code_prints_only_a_fresh_code(hub):
    first, second = code_of(hub), code_of(hub)
    assert re.fullmatch(r"\d{4}-\d{4}", first) and first != second
    assert len(rows(hub.db, "SELECT * FROM pairing_code")) == 2
    stored = json.dumps(rows(hub.db, "SELECT * FROM pairing_code"))
    assert first.replace("-", "") not in stored and hashlib.sha256(first.replace("-", "").encode()).hexdigest() \
        not in stored


def test_pair_pins_both_sides_and_sets_the_prefix(tmp_path, hub):
    kiosk_db = tmp_path / "kiosk.sqlite"
    result = cli("pair", "--db", kiosk_db, "--hub", hub.url, "--code", code_of(hub))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    hub_key = rows(hub.db, "SELECT public_key FROM node_key")[0][0]
    assert keys.fingerprint(hub_key) in line and hub.store in line
    state = dict(rows(str(kiosk_db), "SELECT key, value FROM sync_state"))
    assert state["hub_public_key"] == hub_key and state["hub_url"] == hub.url
    assert state["hub_node_id"] == rows(hub.db, "SELECT node_id FROM node_info")[0][0]
    [(node_id, prefix, store)] = rows(str(kiosk_db), "SELECT node_id, prefix, store_name FROM node_info")
    kiosk_key = rows(str(kiosk_db), "SELECT public_key FROM node_key")[0][0]
    [(peer_key, peer_prefix, revoked)] = rows(hub.db, "SELECT public_key, prefix, revoked_at FROM peer "
                                                      "WHERE node_id = ?", node_id)
    assert peer_key == kiosk_key and peer_prefix == prefix and revoked is None
    assert store == hub.store and prefix != "HQ"
    assert f"start with {prefix}" in line


def test_wrong_used_and_expired_codes_fail_in_one_line(tmp_path, hub):
    kiosk_db = tmp_path / "kiosk.sqlite"
    code = code_of(hub)
    assert cli("pair", "--db", kiosk_db, "--hub", hub.url, "--code", code).returncode == 0
    other = tmp_path / "other.sqlite"
    assert "already used" in one_line_error(cli("pair", "--db", other, "--hub", hub.url, "--code", code))
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
    assert "not valid" in one_line_error(cli("pair", "--db", other, "--hub", hub.url, "--code", wrong))
    short = code_of(hub, "--ttl", "1")
    time.sleep(1.2)
    assert "expired" in one_line_error(cli("pair", "--db", other, "--hub", hub.url, "--code", short))
    assert "8 digits" in one_line_error(cli("pair", "--db", other, "--hub", hub.url, "--code", "12-34"))
    assert not rows(str(other), "SELECT * FROM sync_state WHERE key = 'hub_public_key'")
    assert len(rows(hub.db, "SELECT * FROM peer")) == 1


def test_pair_explains_a_hub_it_cannot_reach(tmp_path):
    line = one_line_error(cli("pair", "--db", tmp_path / "k.sqlite", "--hub", "http://127.0.0.1:9",
                              "--code", "1234-5678"))
    assert "cannot reach" in line and "127.0.0.1:9" in line
    assert "not an http://" in one_line_error(cli("pair", "--db", tmp_path / "k.sqlite", "--hub", "ftp://x",
                                                  "--code", "1234-5678"))


def test_pairing_code_only_on_a_hub(tmp_path, hub):
    kiosk_db = tmp_path / "kiosk.sqlite"
    assert cli("pair", "--db", kiosk_db, "--hub", hub.url, "--code", code_of(hub)).returncode == 0
    assert "on the hub" in one_line_error(cli("pairing-code", "--db", kiosk_db))
    assert "no such database" in one_line_error(cli("pairing-code", "--db", tmp_path / "missing.sqlite"))


def test_two_kiosks_get_different_prefixes_and_numbers(tmp_path, hub):
    from tests.support.trust import Server as Node

    numbers = []
    for name in ("k1", "k2"):
        node = Node(tmp_path, name, role="kiosk", prefix="R1").start()  # both asked for R1
        node.stop()
        assert cli("pair", "--db", node.db, "--hub", hub.url, "--code", code_of(hub)).returncode == 0
        numbers.append(node.python("from kiosk.services.numbers import next_number\n"
                                   "from kiosk.db import transaction\n"
                                   "with transaction():\n    print(next_number())").strip())
    prefixes = [rows(str(tmp_path / f"{n}.sqlite"), "SELECT prefix FROM node_info")[0][0] for n in ("k1", "k2")]
    assert prefixes[0] == "R1" and prefixes[1] not in ("R1", "HQ")
    assert numbers[0].startswith("R1-") and numbers[1].startswith(prefixes[1] + "-") and numbers[0] != numbers[1]
    assert sorted(p for (p,) in rows(hub.db, "SELECT prefix FROM peer")) == sorted(prefixes)


class _FakeHub(BaseHTTPRequestHandler):
    """Answers a pairing with its own key and a made-up proof, and keeps what it was sent."""

    received: list = []
    public = keys.b64encode(bytes(range(1, 33)))

    def do_GET(self):
        self._answer({"hub_node_id": "rogue", "hub_public_key": self.public, "store_name": "Rogue"})

    def do_POST(self):
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self._answer({"hub_node_id": "rogue", "hub_public_key": self.public, "store_name": "Rogue",
                      "prefix": "R9", "proof": "00" * 32})

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_rogue_answering_the_pairing_never_sees_the_code_and_is_not_pinned(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        kiosk_db = tmp_path / "kiosk.sqlite"
        line = one_line_error(cli("pair", "--db", kiosk_db, "--hub", url, "--code", "2468-1357"))
    finally:
        server.shutdown()
        server.server_close()
    assert "could not prove" in line
    [sent] = _FakeHub.received
    assert "24681357" not in sent and "2468-1357" not in sent and "code_mac" in sent
    state = dict(rows(str(kiosk_db), "SELECT key, value FROM sync_state"))
    assert not state.get("hub_public_key")
    assert json.loads(state["alert"])["address"] == url


def test_pair_without_a_hub_address_fails_cleanly_when_none_answers(tmp_path):
    """No --hub, and zeroconf off (as in every test but the discovery ones, so no
    other run's hub can answer): a made-up code never pairs, and the reason is
    one line, not a traceback."""
    result = cli("pair", "--db", tmp_path / "k.sqlite", "--code", "1234-5678", timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: no --hub given and zeroconf discovery is off (DISCOVERY): pass --hub URL"]
    assert not rows(str(tmp_path / "k.sqlite"), "SELECT * FROM sync_state WHERE key = 'hub_public_key'")
