"""The production server: waitress, on Windows and Linux alike (never Flask's dev server).

Every page keeps one server-sent-event stream (/events) open, and each open
stream holds a worker thread for its whole life, so the pool is sized for the
streams plus the ordinary requests beside them. waitress 3 hands each chunk the
app yields straight to the socket (its ``send_bytes`` is 1), so an event goes
out as soon as it is published; ``tests/test_server.py`` checks this on a real
socket.

One laptop on the shop LAN must not freeze a kiosk: each client address may
hold at most ``MAX_CONNECTIONS_PER_CLIENT`` connections (more are answered 503
and closed at once), a connection that says nothing for ``IDLE_CONNECTION_SECONDS``
is closed, and live-update streams are capped per client and in total so that
``SSE_RESERVED_THREADS`` threads always remain for ordinary pages
(kiosk.stations.stream). ``benchmarks/flood_login.py`` measures it.
"""
from __future__ import annotations

import collections
import signal
import sys
import threading

from flask import Flask
from waitress import create_server
from waitress.channel import HTTPChannel

DEFAULT_THREADS = 32
MAX_CONNECTIONS_PER_CLIENT = 48  # a browser opens six per host; a kiosk PC a few browsers at most
IDLE_CONNECTION_SECONDS = 30     # a connection without a request for this long is closed
CONNECTION_LIMIT = 1000          # all clients together (file handles are raised to allow it)


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
    config = app.config
    app.config["SERVER_THREADS"] = threads  # the live-update streams leave some of them free
    limit = int(config.get("CONNECTION_LIMIT", CONNECTION_LIMIT))
    _allow_open_files(limit + 64)
    server = create_server(
        app,
        **where,
        threads=threads,
        connection_limit=limit,
        # An open stream sends a keep-alive every few seconds; a connection that
        # says nothing for this long (one opened and left, a slow drip of a
        # request) is closed, looked for every few seconds.
        channel_timeout=int(config.get("IDLE_CONNECTION_SECONDS", IDLE_CONNECTION_SECONDS)),
        cleanup_interval=max(1, min(5, int(config.get("IDLE_CONNECTION_SECONDS", IDLE_CONNECTION_SECONDS)) // 2)),
        ident="bayflow",
        clear_untrusted_proxy_headers=True,
    )
    limit_connections_per_client(server, int(config.get("MAX_CONNECTIONS_PER_CLIENT", MAX_CONNECTIONS_PER_CLIENT)))
    return server


_REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 10\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 44\r\n\r\n"
            b"Too many connections from this address.\r\n\r\n")


def limit_connections_per_client(server, cap: int) -> None:
    """Let each client address hold at most ``cap`` connections to ``server`` (waitress);
    one more is answered 503 and closed on the spot, so it holds nothing."""
    counts: collections.Counter = collections.Counter()
    spoke = [0]  # connections that sent something: what the process balancer weighs (kiosk.workers)
    lock = threading.Lock()

    class Channel(HTTPChannel):
        counted: str | None = None
        has_spoken = False

        def received(self, data):
            if not self.has_spoken and data:
                self.has_spoken = True
                with lock:
                    spoke[0] += 1
            return super().received(data)

        def del_channel(self, map=None):
            super().del_channel(map)
            with lock:
                if self.counted is not None:
                    counts[self.counted] -= 1
                    if counts[self.counted] <= 0:
                        del counts[self.counted]
                    self.counted = None
                if self.has_spoken:
                    spoke[0] -= 1
                    self.has_spoken = False

    def make_channel(owner, conn, addr, adj, map=None):
        client = addr[0] if isinstance(addr, tuple) else str(addr)
        with lock:
            refused = counts[client] >= cap
            if not refused:
                counts[client] += 1
        if refused:
            try:
                conn.setblocking(False)
                conn.send(_REFUSED)
            except OSError:
                pass
            conn.close()
            return None
        channel = Channel(owner, conn, addr, adj, map=map)
        channel.counted = client
        return channel

    server.channel_class = make_channel
    server.connections_per_client = counts  # for the tests
    # The balancer weighs connections that sent a request, not ones opened and left silent
    # (a flood of those would otherwise make the processes take turns accepting, slowly).
    server.balanced_load = lambda: spoke[0]


def _allow_open_files(wanted: int) -> None:
    """Raise this process's limit of open files towards ``wanted`` (each connection is one)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


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
    flusher = start_audit_flusher(app)
    try:
        # The workers are told first, so every process winds down at once.
        serve_until_stopped(server, before_close=lambda: (pool and pool.terminate(), cameras.stop()),
                            after_close=lambda: pool and pool.stop())
    finally:
        flusher.set()  # and the API audit rows still waiting are written
        flusher.thread.join(timeout=5)
        if advert is not None:
            advert.close()  # goodbye: kiosks drop this address at once


def start_audit_flusher(app: Flask) -> threading.Event:
    """Write the API's waiting audit rows every second (kiosk.services.api_keys); set the
    returned event to write the last ones and stop."""
    from kiosk.db import connected
    from kiosk.services import api_keys

    stop = threading.Event()

    def loop() -> None:
        while True:
            stopping = stop.wait(api_keys.FLUSH_SECONDS)
            try:
                with app.app_context(), connected():
                    api_keys.flush_uses()
            except Exception:  # a full disk, say: the rows wait for the next turn
                app.logger.exception("writing the API audit rows failed")
            if stopping:
                return

    thread = threading.Thread(target=loop, name="api-audit", daemon=True)
    thread.start()
    stop.thread = thread  # type: ignore[attr-defined]
    return stop


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
