"""The production server: waitress, on Windows and Linux alike (never Flask's dev server).

``kiosk.serve.run`` runs a whole node with it; the worker processes
(``kiosk.workers``) make theirs here too.

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
import threading

try:
    import resource  # POSIX only: the limit of open files
except ImportError:  # Windows
    resource = None

from flask import Flask
from jinja2 import TemplateError
from waitress import create_server
from waitress.channel import HTTPChannel

from kiosk.core import events
from kiosk.db import connected
from kiosk.services import api_keys

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
    config = app.config  # the caps below: kiosk.core.config
    app.config["SERVER_THREADS"] = threads  # the live-update streams leave some of them free
    limit = config["CONNECTION_LIMIT"]
    _allow_open_files(limit + 64)
    server = create_server(
        app,
        **where,
        threads=threads,
        connection_limit=limit,
        # An open stream sends a keep-alive every few seconds; a connection that
        # says nothing for this long (one opened and left, a slow drip of a
        # request) is closed, looked for every few seconds.
        channel_timeout=config["IDLE_CONNECTION_SECONDS"],
        cleanup_interval=max(1, min(5, config["IDLE_CONNECTION_SECONDS"] // 2)),
        ident="bayflow",
        clear_untrusted_proxy_headers=True,
    )
    limit_connections_per_client(server, config["MAX_CONNECTIONS_PER_CLIENT"])
    _wake_the_last_idle_thread(server.task_dispatcher)
    return server


class _LastInFirstOut(threading.Condition):
    """A condition whose ``notify`` wakes the thread that went idle last, not first.

    Each server thread keeps its own SQLite connection, with its own page cache
    (kiosk.db). waitress wakes its idle threads in turn, so every one of the 32
    soon held a connection and a cache (about 1.6 MB each, 50 MB a process);
    woken last-in-first-out, the few threads a kiosk's load needs do the work and
    the others stay idle without growing.
    """

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        while waiters and n > 0:
            waiter = waiters.pop()
            try:
                waiter.release()
            except RuntimeError:  # released already (see threading.Condition.notify)
                continue
            n -= 1


def _wake_the_last_idle_thread(dispatcher) -> None:
    """Give waitress's task queue a ``_LastInFirstOut`` condition on the same lock."""
    with dispatcher.lock:
        old, dispatcher.queue_cv = dispatcher.queue_cv, _LastInFirstOut(dispatcher.lock)
        old.notify_all()  # threads already waiting on the old one go round and wait on the new


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
    if resource is None:  # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def start_audit_flusher(app: Flask) -> threading.Event:
    """Write the API's waiting audit rows every second (kiosk.services.api_keys); set the
    returned event to write the last ones and stop."""
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
    with desks already open) compile the same templates side by side. Pages
    use each template compiled for their language (kiosk.template_cache): those
    of the store's default language are the ones made here.
    """
    with app.test_request_context():
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
