"""A network between a kiosk and its hub that loses, duplicates and delays
messages on purpose: an HTTP relay on loopback the kiosk is paired through.

Faults are scheduled per request (``plan``), so a test says exactly what the
network does: ``"ok"``, ``"lose-request"`` (never reaches the hub),
``"lose-answer"`` (the hub acts, the kiosk never hears), ``"duplicate"`` (the
hub gets the request twice), ``"delay"`` (a late answer).
"""
from __future__ import annotations

import http.client
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class FaultyLink:
    def __init__(self, hub_url: str):
        self.target = urlsplit(hub_url)
        self.plan: deque[str] = deque()
        self.log: list[tuple[str, str]] = []
        link = self

        class Relay(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = link.plan.popleft() if link.plan else "ok"
                link.log.append((self.path, fault))
                if fault == "lose-request":
                    self.close_connection = True
                    return
                status, headers, answer = link._forward(self.command, self.path, body, self.headers)
                if fault == "duplicate":
                    link._forward(self.command, self.path, body, self.headers)
                if fault == "delay":
                    time.sleep(0.5)
                if fault == "lose-answer":
                    self.close_connection = True
                    return
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _forward(self, method, path, body, headers):
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            conn.request(method, path, body, {k: v for k, v in headers.items() if k.lower() != "host"})
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        except OSError:
            return 502, [], b'{"error": "hub unreachable"}'
        finally:
            conn.close()

    def retarget(self, hub_url: str) -> None:
        self.target = urlsplit(hub_url)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
