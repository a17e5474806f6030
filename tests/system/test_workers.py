"""Several server processes on one port (`bayflow serve --workers 2`), for real:
connections shared out evenly, live updates and the scan cool-down carried
between the processes, change-log stamps in order whichever process writes,
a dead worker started again, and no worker left behind when the main process dies."""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from babel.support import Translations

from kiosk.workers import STALE_SECONDS, Balancer
from tests.support.servers import Node, WAIT, open_stream, read_until_event
from tests.support import ROOT

ORDER = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
         "complaint": "保养"}


@pytest.fixture
def node(tmp_path, instance):
    running = Node(["--db", str(tmp_path / "node.sqlite"), "--prefix", "S1", "--workers", "2"], instance)
    running.db = str(tmp_path / "node.sqlite")
    yield running
    running.stop()


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def held_connections(port: int, count: int, path: str = "/login", headers=None):
    """``count`` kept-alive connections, opened one after the other; (conn, process) each."""
    held = []
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        held.append((conn, response.getheader("X-Bayflow-Process")))
    return held


def worker_pids(main_pid: int) -> list[int]:
    """The main process's children that serve (multiprocessing's spawned workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == main_pid and "spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # a zombie has ended; only its parent's wait is missing


def test_the_banner_says_how_many_processes_serve(node):
    assert "2 processes" in node.banner


def test_connections_are_shared_out_evenly(node):
    held = held_connections(node.port, 6)
    try:
        processes = [process for _, process in held]
        assert sorted(set(processes)) == ["0", "1"]
        assert processes.count("0") == processes.count("1") == 3, processes
    finally:
        for conn, _ in held:
            conn.close()


def open_streams(port: int, count: int):
    streams = []
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
        response = conn.getresponse()
        assert response.status == 200
        assert response.readline().strip() == b"retry: 2000"
        streams.append((conn, response, response.getheader("X-Bayflow-Process")))
    return streams


def test_pages_on_every_process_hear_a_write_made_on_any(node):
    auth = {"Authorization": f"Bearer {node.token('--db', node.db)}"}
    streams = open_streams(node.port, 4)
    try:
        assert {process for _, _, process in streams} == {"0", "1"}
        for _ in range(2):  # a write through each process in turn (the less busy one takes the call)
            status, body = node.request("POST", "/api/v1/work-orders", ORDER, auth)
            assert status == 201, body
            for _conn, response, _process in streams:
                read_until_event(response, "workorder-changed")
    finally:
        for conn, _, _ in streams:
            conn.close()


class Browser:
    """One kiosk screen: a session cookie and the form token, on connections of its choosing."""

    def __init__(self, port: int):
        self.port, self.cookie = port, ""

    def send(self, conn, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        return response, text


def _connection_to(port: int, process: str, browser) -> http.client.HTTPConnection:
    """A kept-alive connection answered by ``process`` (the balancer's view of the counts
    catches up within a turn of its loop: a connection to the wrong one is closed and tried again)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        response, _ = browser.send(conn, "GET", "/login")
        if response.getheader("X-Bayflow-Process") == process:
            return conn
        conn.close()
        time.sleep(0.05)
    raise AssertionError(f"no connection to process {process}")


def test_the_scan_cool_down_holds_when_the_repeat_reaches_the_other_process(tmp_path):
    demo = tmp_path / "demo-instance"
    demo.mkdir()
    node = Node(["--workers", "2"], demo)  # the demo store: an advisor to log in with
    try:
        browser = Browser(node.port)
        first = http.client.HTTPConnection("127.0.0.1", node.port, timeout=WAIT)
        _, page = browser.send(first, "GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response, _ = browser.send(first, "POST", "/login", {"badge": "ADV-001", "pin": "1111", "csrf_token": token})
        assert response.status == 302
        _, desk = browser.send(first, "GET", "/reception/")  # a logged-in session has a token of its own
        token = re.search(r'name="csrf_token" value="([^"]+)"', desk).group(1)
        # While the first connection stays open, the next one goes to the other process:
        # a live stream there tells when the relay has brought it what happened here.
        stream, events = open_stream(node.port)
        other = events.getheader("X-Bayflow-Process")
        response, said = browser.send(first, "POST", "/reception/scan",
                                      {"code": "ADV-002", "source": "wedge", "csrf_token": token})
        scanned_on = response.getheader("X-Bayflow-Process")
        assert scanned_on != other
        # A write after the scan, on the same process: its event reaches the other process
        # through the relay after the scan's note, so once the stream has it, so has the process.
        first.request("POST", "/api/v1/staff", json.dumps({"name": "周到", "badge": "CAR-009", "roles": ["care"],
                                                           "pin": "7779"}),
                      {"Authorization": f"Bearer {node.token()}", "Content-Type": "application/json"})
        created = first.getresponse()
        created.read()
        assert created.status == 201
        read_until_event(events, "staff-changed")
        stream.close()
        second = _connection_to(node.port, other, browser)  # the repeat reaches the other process
        response, again = browser.send(second, "POST", "/reception/scan",
                                       {"code": "ADV-002", "source": "wedge", "csrf_token": token})
        assert response.getheader("X-Bayflow-Process") == other
        zh = Translations.load(str(ROOT / "kiosk" / "translations"), ["zh_Hans_CN"])
        repeat = zh.gettext("Already scanned: %(code)s (ignored)") % {"code": "ADV-002"}
        assert "ADV-002" in said and repeat not in said
        assert repeat in again
        first.close()
        second.close()
    finally:
        node.stop()


def test_change_log_stamps_stay_in_order_whichever_process_writes(node):
    auth = {"Authorization": f"Bearer {node.token('--db', node.db)}",
            "Content-Type": "application/json"}
    held = held_connections(node.port, 2, "/api/v1/health", auth)
    assert {process for _, process in held} == {"0", "1"}
    failures = []

    def write(conn):
        for _ in range(15):
            conn.request("POST", "/api/v1/work-orders", json.dumps(ORDER), auth)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                failures.append(response.status)

    threads = [threading.Thread(target=write, args=(conn,)) for conn, _ in held]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for conn, _ in held:
        conn.close()
    assert not failures
    with sqlite3.connect(node.db) as db:
        (me,) = db.execute("SELECT node_id FROM node_info").fetchone()
        rows = db.execute("SELECT origin_seq, hlc FROM change_event WHERE origin_node = ? ORDER BY origin_seq",
                          (me,)).fetchall()
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
    stamps = [hlc for _, hlc in rows]
    assert len(stamps) >= 30 and stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_a_worker_that_dies_is_started_again(node):
    (worker,) = worker_pids(node.process.pid)
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pids = [pid for pid in worker_pids(node.process.pid) if pid != worker and not gone(pid)]
        if pids:
            break
        time.sleep(0.2)
    else:
        pytest.fail("no new worker")
    while time.monotonic() < deadline:  # serving once it has started (the main answers meanwhile)
        held = held_connections(node.port, 2)
        processes = {process for _, process in held}
        for conn, _ in held:
            conn.close()
        if processes == {"0", "1"}:
            return
        time.sleep(0.2)
    pytest.fail("the new worker does not answer")


def test_workers_end_with_a_killed_main_process_and_leave_the_port_free(node):
    (worker,) = worker_pids(node.process.pid)
    port = node.port
    node.process.kill()
    node.process.wait(timeout=WAIT)
    deadline = time.monotonic() + 10
    while not gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(worker), "the worker outlived its main process"
    while not free_to_listen(port):  # a restart can listen on the port again
        assert time.monotonic() < deadline, f"port {port} is still taken"
        time.sleep(0.1)


def free_to_listen(port: int) -> bool:
    """Whether a new server could listen on ``port`` (binding as waitress does)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class FakeServer:
    """What the balancer reads of a waitress server: its readable(), its map, its settings."""

    def __init__(self, connections: int):
        self._map = dict.fromkeys(range(connections))
        self.adj = type("Adjustments", (), {"asyncore_loop_timeout": 1})()

    def readable(self) -> bool:
        return True


def test_the_balancer_lets_the_least_busy_process_accept():
    balancer = Balancer(2, multiprocessing.get_context("spawn"))
    main, worker = FakeServer(3), FakeServer(3)
    balancer.attach(main, 0)
    balancer.attach(worker, 1)
    assert worker.readable() is False  # the main process has not served yet: it takes the first screens
    assert main.readable() is True
    assert worker.readable() is True and main.readable() is True  # even: both accept
    main._map[99] = None
    assert main.readable() is False and worker.readable() is True
    worker._map[99] = worker._map[98] = None
    assert worker.readable() is False and main.readable() is True
    balancer.beats[0] -= STALE_SECONDS + 1  # the main process hangs: the worker stops waiting for it
    assert worker.readable() is True
    main.readable()  # the main process is back, with fewer connections than the worker
    assert worker.readable() is False
    balancer.leave(1)  # the worker died: the main process takes every new connection at once
    assert main.readable() is True
    main._map.update(dict.fromkeys(range(100, 110)))
    assert main.readable() is True
    assert main.adj.asyncore_loop_timeout < 1  # an idle process looks again soon


def test_sigterm_ends_open_streams_and_every_process_at_once(node):
    """Stopping does not wait out the streams' threads (waitress waits for them, in each process)."""
    streams = open_streams(node.port, 4)
    assert {process for _, _, process in streams} == {"0", "1"}
    (worker,) = worker_pids(node.process.pid)
    node.process.terminate()
    assert node.process.wait(timeout=WAIT) == 0
    for conn, response, _ in streams:
        assert response.read().strip() in (b"", b": keep-alive")  # the stream ended, cleanly
        conn.close()
    assert gone(worker)
