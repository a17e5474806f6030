"""The production server: waitress, on Windows and Linux alike (never Flask's dev server).

Every page keeps one server-sent-event stream (/events) open, and each open
stream holds a worker thread for its whole life, so the pool is sized for the
streams plus the ordinary requests beside them. waitress 3 hands each chunk the
app yields straight to the socket (its ``send_bytes`` is 1), so an event goes
out as soon as it is published; ``tests/test_server.py`` checks this on a real
socket.
"""
from __future__ import annotations

import sys

from flask import Flask
from waitress import create_server

DEFAULT_THREADS = 32


def url_of(host: str, port: int) -> str:
    """The address a person types into the kiosk's browser."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS):
    """A waitress server bound to ``host:port`` (port 0: any free port), not yet running."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        # Streams count as connections: leave room for them and for the
        # requests the same pages make.
        connection_limit=max(100, threads * 4),
        # A stream sends a keep-alive every 15 s; a connection that says
        # nothing for much longer than that is gone.
        channel_timeout=120,
        ident="bayflow",
        clear_untrusted_proxy_headers=True,
    )


def run(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
        out=None) -> None:
    """Serve ``app`` until interrupted, after printing where it can be reached."""
    server = make_server(app, host, port, threads)
    out = out or sys.stdout
    role, station = app.config["ROLE"], app.config["STATION"]
    print(f"bayflow {role} ({station}) serving on {url_of(host, server.effective_port)}", file=out, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
