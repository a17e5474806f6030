"""Helpers for the trust tests: a hand-made kiosk that speaks the sealed
protocol byte by byte, and real ``bayflow serve`` processes on loopback."""
from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from uuid6 import uuid7

from sync import crypto, keys, pairing
from tests.support import processes

BAYFLOW = str(Path(sys.executable).parent / "bayflow")


class FakeKiosk:
    """A kiosk made of a key pair and a node id, driving a hub's test client."""

    def __init__(self, client, node_id: str | None = None):
        self.client = client
        self.private = X25519PrivateKey.generate()
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.node_id = node_id or str(uuid7())
        self.hub_id = self.hub_public = None

    def pair_body(self, code: str, **overrides) -> dict:
        """What ``sync.pairing.pair`` would post: a MAC made with the code, never the code."""
        intro = self.client.get("/sync/v1/pair").json
        hub_public = keys.decode_public_key(intro["hub_public_key"])
        node_id = overrides.get("node_id", self.node_id)
        verifier = crypto.code_verifier(pairing.normalize_code(code) or code, hub_public)
        return {"code_mac": crypto.kiosk_mac(verifier, hub_public, self.public, str(node_id)),
                "node_id": self.node_id, "public_key": keys.b64encode(self.public),
                "hub_public_key": intro["hub_public_key"], "station": "reception", "protocol": 1, **overrides}

    def pair(self, code: str, **overrides):
        response = self.client.post("/sync/v1/pair", json=self.pair_body(code, **overrides))
        if response.status_code == 200:
            self.hub_id = response.json["hub_node_id"]
            self.hub_public = keys.decode_public_key(response.json["hub_public_key"])
        return response

    def key(self, private=None) -> bytes:
        return crypto.derive_key(private or self.private, self.hub_public, self.node_id, self.hub_id)

    def body(self, op: str, payload: dict, *, ts: int | None = None, rid: str | None = None,
             private=None, aad_op: str | None = None) -> tuple[dict, str]:
        rid = rid or secrets.token_urlsafe(16)
        sealed = {**payload, "ts": int(time.time() * 1000) if ts is None else ts, "rid": rid}
        return crypto.envelope(self.node_id, self.key(private), crypto.request_aad(aad_op or op, self.node_id),
                               sealed), rid

    def send(self, op: str, payload: dict | None = None, **kwargs):
        body, rid = self.body(op, payload or {"protocol": 1, "node_id": self.node_id}, **kwargs)
        return self.client.post(f"/sync/v1/{op}", data=json.dumps(body)), rid

    def open(self, response, op: str, rid: str) -> dict:
        answer = response.json
        return crypto.open_box(self.key(), crypto.response_aad(op, self.hub_id, rid), answer["nonce"], answer["box"])


class Server:
    """``bayflow serve`` as a real process; its output goes to a log file."""

    def __init__(self, folder: Path, name: str, *, role: str = "hub", store: str = "", prefix: str | None = None):
        self.folder, self.name, self.role, self.store, self.prefix = folder, name, role, store, prefix
        self.db = str(folder / f"{name}.sqlite")
        self.log = folder / f"{name}.log"
        self.proc = None
        self.url = None
        self.port = 0

    def start(self, port: int | None = None, timeout: float = 30) -> "Server":
        args = [BAYFLOW, "serve", "--role", self.role, "--db", self.db, "--host", "127.0.0.1",
                "--port", str(self.port if port is None else port)]
        if self.store:
            args += ["--store-name", self.store]
        if self.prefix:
            args += ["--prefix", self.prefix]
        seen = self.log.stat().st_size if self.log.exists() else 0  # a restart appends to the same log
        self.out = open(self.log, "a")
        self.proc = processes.popen(processes.server_args(args), stdout=self.out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(r"serving on (http://127\.0\.0\.1:(\d+))", self.log.read_text()[seen:])
            if found:
                self.url, self.port = found[-1][0], int(found[-1][1])
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log.read_text()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
            self.out.close()
        self.proc = None

    def wait_for_log(self, text: str, timeout: float = 15) -> str:
        """The log once it holds ``text``: the server writes its log lines in batches
        (kiosk.logs), so a line shows a moment after the answer that caused it."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log.read_text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}'s log never said {text!r}: {log}")
            time.sleep(0.05)
        return log

    def query(self, sql: str, *args):
        """Rows of ``sql`` on this node's database (read beside the running server)."""
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, args).fetchall()

    def python(self, code: str) -> str:
        """Run ``code`` in a separate process with this node's database bound (one process, one db)."""
        prelude = ("from kiosk.app import create_app\nfrom kiosk.db import connected\n"
                   f"app = create_app({{'DATABASE': {self.db!r}, 'ROLE': {self.role!r}, 'SECRET_KEY': 't'}})\n"
                   "with app.app_context(), connected():\n")
        body = "".join(f"    {line}\n" for line in code.strip().splitlines())
        result = subprocess.run([sys.executable, "-c", prelude + body], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout


def cli(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    """The installed ``bayflow`` command, as a person runs it."""
    return subprocess.run([BAYFLOW, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single line a failed command printed (and no traceback)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]
