"""One laptop against one kiosk: the login page's latency while another address holds
hundreds of idle connections and live-update streams (issue #19, item 4).

Starts a real `bayflow serve --demo` on a free port, then in the same run:

  unloaded  the login page, fetched on a new connection each time from 127.0.0.1,
            with nothing else going on;
  flooded   the same, while 127.0.0.2 keeps (re)opening 500 idle connections and
            200 `/events` streams — every one the server closes is opened again.

and prints p50/p95/max of both, and what the flood got (streams accepted and
refused, connections refused at once, closed as idle). Goal: flooded p95 under
200 ms. `--no-caps` runs the node with the per-client caps lifted, for comparison
(expect timeouts). A script that prints figures, not a timed test.

    python benchmarks/flood_login.py [--idle 500] [--streams 200] [--requests 300] [--workers N] [--no-caps]
"""
from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BAYFLOW = str(Path(sys.executable).parent / "bayflow")
VICTIM, ATTACKER = "127.0.0.1", "127.0.0.2"
TIMEOUT = 10.0
NO_CAPS = "MAX_CONNECTIONS_PER_CLIENT = 100000\nSSE_MAX_PER_CLIENT = 100000\nSSE_MAX_TOTAL = 100000\n"


def start_node(folder: Path, workers: int | None, no_caps: bool) -> tuple[subprocess.Popen, int]:
    instance = folder / "instance"
    instance.mkdir()
    if no_caps:
        (instance / "config.py").write_text(NO_CAPS)
    args = [BAYFLOW, "serve", "--db", str(folder / "node.sqlite"), "--demo", "--host", "127.0.0.1", "--port", "0",
            "--sync-interval", "0"] + (["--workers", str(workers)] if workers else [])
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "BAYFLOW_INSTANCE": str(instance)})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    banner = lines.get(timeout=120)
    return process, int(re.search(r":(\d+)", banner.rsplit("http://", 1)[1]).group(1))


def fetch_login(port: int) -> float:
    """Seconds for GET /login on a new connection (TIMEOUT when it did not answer)."""
    began = time.perf_counter()
    conn = http.client.HTTPConnection(VICTIM, port, timeout=TIMEOUT, source_address=(VICTIM, 0))
    try:
        conn.request("GET", "/login")
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            return TIMEOUT
    except OSError:
        return TIMEOUT
    finally:
        conn.close()
    return time.perf_counter() - began


def measure(port: int, requests: int) -> list[float]:
    return [fetch_login(port) for _ in range(requests)]


class Flood:
    """``idle`` silent connections and ``streams`` open /events from ATTACKER, kept up."""

    def __init__(self, port: int, idle: int, streams: int):
        self.port, self.idle_wanted, self.streams_wanted = port, idle, streams
        self.idle: list[socket.socket] = []
        self.streams: list[http.client.HTTPConnection] = []
        self.counts = {"streams accepted": 0, "streams refused: too many streams (429/503)": 0,
                       "connections refused at once: too many from this address (503)": 0,
                       "idle connections closed by the server": 0}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open_idle(self) -> None:
        try:
            sock = socket.create_connection((VICTIM, self.port), timeout=TIMEOUT, source_address=(ATTACKER, 0))
        except OSError:
            self.counts["connections refused at once: too many from this address (503)"] += 1
            return
        sock.setblocking(False)
        self.idle.append(sock)

    def _open_stream(self) -> None:
        conn = http.client.HTTPConnection(VICTIM, self.port, timeout=TIMEOUT, source_address=(ATTACKER, 0))
        try:
            conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
            answer = conn.getresponse()
        except OSError:
            self.counts["connections refused at once: too many from this address (503)"] += 1
            conn.close()
            return
        if answer.status == 200:
            self.counts["streams accepted"] += 1
            self.streams.append(conn)
            return
        text = answer.read()
        self.counts["connections refused at once: too many from this address (503)"
                    if b"Too many connections" in text else "streams refused: too many streams (429/503)"] += 1
        conn.close()

    def _sweep(self) -> None:
        """Drop the idle connections the server closed (or refused), so they are opened again."""
        alive = []
        for sock in self.idle:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                alive.append(sock)
                continue
            except OSError:
                data = b""
            key = "connections refused at once: too many from this address (503)" \
                if data.startswith(b"HTTP/1.1 503") else "idle connections closed by the server"
            self.counts[key] += 1
            sock.close()
        self.idle = alive
        self.streams = [c for c in self.streams if c.sock is not None]

    def _run(self) -> None:
        while not self.stop.is_set():
            for _ in range(self.streams_wanted - len(self.streams)):  # the streams first, then the idle ones
                if self.stop.is_set():
                    break
                self._open_stream()
            while len(self.idle) < self.idle_wanted and not self.stop.is_set():
                self._open_idle()
            self.stop.wait(0.5)
            self._sweep()

    def start(self) -> "Flood":
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(self.idle) < min(self.idle_wanted, 10):
            time.sleep(0.1)
        time.sleep(2)  # the first wave is in
        return self

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        for sock in self.idle:
            sock.close()
        for conn in self.streams:
            conn.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=None, help="server processes (default: as shipped)")
    parser.add_argument("--no-caps", action="store_true", help="lift the per-client caps, to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, port = start_node(Path(folder), args.workers, args.no_caps)
        try:
            for _ in range(20):
                fetch_login(port)  # warm up: templates, connections
            unloaded = measure(port, args.requests)
            flood = Flood(port, args.idle, args.streams).start()
            try:
                flooded = measure(port, args.requests)
            finally:
                flood.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    caps = "caps lifted" if args.no_caps else "as shipped"
    print(f"\nGET /login from {VICTIM}, {args.requests} requests each on a new connection; node {caps}"
          f"{f', {args.workers} process(es)' if args.workers else ''}\n")
    print("| | p50 ms | p95 ms | max ms | no answer in 10 s |")
    print("|---|---|---|---|---|")
    for name, values in (("unloaded", unloaded), (f"flooded: {args.idle} idle + {args.streams} streams from "
                                                  f"{ATTACKER}", flooded)):
        print(f"| {name} | {pct(values, 50) * 1000:.1f} | {pct(values, 95) * 1000:.1f} | "
              f"{max(values) * 1000:.1f} | {sum(v >= TIMEOUT for v in values)} |")
    print("\nWhat the flood got:")
    for key, value in flood.counts.items():
        print(f"  {key}: {value}")
    goal = pct(flooded, 95) < 0.200
    print(f"\nGoal: flooded p95 under 200 ms: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
