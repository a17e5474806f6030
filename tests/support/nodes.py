"""Real nodes for sync tests: each a `bayflow serve` process on loopback with
its own SQLite file, driven through the JSON API and the `bayflow` command line."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import processes
from tests.support.processes import BAYFLOW


def run_cli(*args: str, check: bool = True, timeout: float = 120, env: dict | None = None,
            prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([*(prefix or []), BAYFLOW, *args], capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"bayflow {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


class Node:
    """One bayflow node. ``start()`` serves it; the db can be used while stopped."""

    def __init__(self, folder: Path, name: str, *, role: str = "kiosk", station: str = "all",
                 prefix: str | None = None, db: str | None = None, sync_interval: float | None = 0,
                 discovery: bool = True, clock: str | None = None, workers: int | None = 1):
        self.name, self.role, self.station = name, role, station
        self.workers = workers  # None: as shipped (one process per core); tests run one unless about several
        self.db = db or str(folder / f"{name}.sqlite")
        self.prefix = prefix
        self.sync_interval = sync_interval
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.port = 0
        self._token: str | None = None
        # Without discovery the node uses only the address it was paired with.
        self.env = {} if discovery else {"BAYFLOW_DISCOVERY": "off"}
        # A PC whose clock is wrong, for real: libfaketime's `faketime -f "+3h"` or
        # `faketime "2000-01-01 08:00:00"` in front of every command of this node.
        self.clock_prefix = ["faketime", "-f", clock] if clock and clock[0] in "+-" else \
            (["faketime", clock] if clock else [])

    def start(self, port: int | None = None, timeout: float = 30) -> "Node":
        """Start the server and wait until it serves."""
        return self.launch(port).wait_started(timeout)

    def launch(self, port: int | None = None) -> "Node":
        """Start the server without waiting (``wait_started``): several nodes start side by side."""
        args = [*self.clock_prefix, BAYFLOW, "serve", "--role", self.role, "--db", self.db, "--host", "127.0.0.1",
                "--port", str(port if port is not None else self.port)]
        if self.role == "kiosk":
            args += ["--station", self.station]
        if self.prefix:
            args += ["--prefix", self.prefix]
        if self.sync_interval is not None:
            args += ["--sync-interval", str(self.sync_interval)]
        # A session of its own, so stopping it reaches the server even behind faketime;
        # it dies with the test process whatever happens (tests.support.processes).
        if self.workers is not None:
            args += ["--workers", str(self.workers)]
        self.proc = processes.popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        return self

    def wait_started(self, timeout: float = 30) -> "Node":
        """Wait for the banner with the address the server listens on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"{self.name} exited: {self.proc.wait()}")
            found = re.search(r"(http://127\.0\.0\.1:(\d+))", line)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return self
        raise AssertionError(f"{self.name} did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc:
            processes.stop(self.proc, sig)
            self.proc.stdout.close()
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = run_cli("token", "--db", self.db).stdout.strip()
        return self._token

    def api(self, method: str, path: str, body=None, expect: int | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer = response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read() or b"null")
        if expect is not None:
            assert status == expect, (status, answer)
        return answer

    def sync(self, check: bool = True) -> subprocess.CompletedProcess:
        return run_cli("sync", "--db", self.db, "--once", check=check, env=self.env, prefix=self.clock_prefix)

    def pair_with(self, hub: "Node") -> None:
        code = run_cli("pairing-code", "--db", hub.db).stdout.strip()
        run_cli("pair", "--db", self.db, "--hub", hub.url, "--code", code, env=self.env, prefix=self.clock_prefix)


def start_all(*nodes: Node) -> list[Node]:
    """Start ``nodes`` side by side (each start is mostly Python loading and a new database)."""
    for node in nodes:
        node.launch()
    return [node.wait_started() for node in nodes]


ORDER = {"customer": {"name": "钱先生", "phone": "13800138000"},
         "vehicle": {"plate": "苏E12345", "vin": "", "model": "别克 君威", "mileage": 1000},
         "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 0.5, "price": 150}]}


def order_body(i: int) -> dict:
    """A distinct walk-in order (its own customer and plate)."""
    return {**ORDER, "customer": {"name": f"客户{i}", "phone": f"139{i:08d}"},
            "vehicle": {**ORDER["vehicle"], "plate": f"沪C{i:05d}"}}


def state_of(db_path: str) -> dict:
    """The replicated state of a node's database, read from this process."""
    from kiosk.db import bind, connected
    from sync import merge
    from sync.changelog import forget_clocks

    bind(db_path)
    forget_clocks()
    with connected():
        return merge.database_state()


def events_of(db_path: str) -> list[dict]:
    from kiosk.db import bind, connected
    from sync import protocol
    from sync.tables import ChangeEvent

    bind(db_path)
    with connected():
        return [protocol.event_to_wire(e) for e in ChangeEvent.select().order_by(ChangeEvent.seq)]

