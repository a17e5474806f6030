"""The production server: waitress, on Windows and Linux alike (never Flask's dev server).

Every page keeps one server-sent-event stream (/events) open, and each open
stream holds a worker thread for its whole life, so the pool is sized for the
streams plus the ordinary requests beside them. waitress 3 hands each chunk the
app yields straight to the socket (its ``send_bytes`` is 1), so an event goes
out as soon as it is published; ``tests/test_server.py`` checks this on a real
socket.
"""
from __future__ import annotations

import signal
import sys
import threading

from flask import Flask
from waitress import create_server

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


def run(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
        out=None, workers: int = 1, build: tuple[str | None, dict] | None = None) -> None:
    """Serve ``app`` until interrupted, after printing where it can be reached.

    ``workers`` > 1 starts that many processes in all on the one socket
    (kiosk.workers); each builds its app again from ``build`` (the database
    target and the settings ``app`` was made with).
    """
    from kiosk import logs

    logs.start(app)  # the node's rotating log file in its instance folder
    server = make_server(app, host, port, threads)
    warm_templates(app)
    pool = None
    if workers > 1:
        from kiosk.workers import WorkerPool

        app.config["SERVER_PROCESS"] = 0
        pool = WorkerPool(workers, server, build, threads).start()
        # Connections wait in the socket's backlog meanwhile: were the first
        # screens all taken by this process, they would stay with it.
        pool.balancer.ready(workers, timeout=30)
    out = out or sys.stdout
    role, station = app.config["ROLE"], app.config["STATION"]
    processes = f", {workers} processes" if workers > 1 else ""
    print(f"bayflow {role} ({station}) serving on {url_of(host, server.effective_port)}{processes}",
          file=out, flush=True)
    from sync.discovery import advertise_node

    advert = advertise_node(app, host, server.effective_port)  # a hub announces itself on mDNS
    from kiosk.services.dispatch import start_shift_end_timer

    start_shift_end_timer(app)  # clocks left running are closed at shift end, never overnight
    if role == "hub":
        from kiosk.services.backup_schedule import start_backup_timer

        start_backup_timer(app)  # the store's nightly backup, kept and pruned
    from kiosk import cameras

    cameras.start(app.config)  # the station's scanning cameras (config CAMERAS, serve --camera)
    try:
        # The workers are told first, so every process winds down at once.
        serve_until_stopped(server, before_close=lambda: (pool and pool.terminate(), cameras.stop()),
                            after_close=lambda: pool and pool.stop())
    finally:
        if advert is not None:
            advert.close()  # goodbye: kiosks drop this address at once


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
    from jinja2 import TemplateError

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
        from kiosk import events

        # Once: a second signal during the shutdown means "now" (SIGTERM kills, Ctrl-C interrupts).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        events.end_streams()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
