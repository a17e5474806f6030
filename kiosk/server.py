"""The production server: waitress, on Windows and Linux alike (never Flask's dev server).

``kiosk.serve.run`` runs a whole node with it; the worker processes
(``kiosk.workers``) make theirs here too.

Every page keeps one server-sent-event stream (/events) open, and each open
stream holds a worker thread for its whole life, so the pool is sized for the
streams plus the ordinary requests beside them. waitress 3 hands each chunk the
app yields straight to the socket (its ``send_bytes`` is 1), so an event goes
out as soon as it is published; ``tests/test_server.py`` checks this on a real
socket.
"""
from __future__ import annotations

import signal
import threading

from flask import Flask
from jinja2 import TemplateError
from waitress import create_server

from kiosk.core import events

DEFAULT_THREADS = 32


def url_of(host: str, port: int) -> str:
    """The address a person types into the kiosk's browser."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
                sockets: list | None = None):
    """A waitress server bound to ``host:port`` (port 0: any free port), not yet running.

    With ``sockets`` it accepts on those instead (a worker process on the main one's socket).
    """
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    return create_server(
        app,
        **where,
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


def serve_until_stopped(server, before_close=lambda: None, after_close=lambda: None) -> None:
    """Run ``server`` until Ctrl-C or SIGTERM; then ``before_close()``, close it, ``after_close()``.

    """
    stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        before_close()
        server.close()
        after_close()


def warm_templates(app: Flask) -> None:
    """Compile every template before the first request (a third of a second).

    Jinja compiles a template on first use and keeps it; without this the
    first pages after a start each pay for it, and several at once (a start
    with desks already open) compile the same templates side by side.
    """
    for name in app.jinja_env.list_templates():
        try:
            app.jinja_env.get_template(name)
        except (TemplateError, UnicodeError, OSError):
            pass  # a broken or non-text file fails at its first use instead, as it would have


def stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker, tests) ends the server like Ctrl-C, so shutdown runs.

    Either signal first ends the open live-update streams: waitress, on its way
    out, waits for the threads they hold (five seconds each, at worst).
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        # Once: a second signal during the shutdown means "now" (SIGTERM kills, Ctrl-C interrupts).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        events.end_streams()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
