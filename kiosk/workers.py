"""More server processes on the same listening socket, so every core answers pages.

One Python process runs Python code on one core at a time, and a busy desk
(ten screens refreshing, a wall board, the API) keeps it busy. ``bayflow serve
--workers N`` starts N-1 worker processes beside the main one. The main process
binds the address and does what a node does once (the sync worker, cameras,
the shift-end timer, the mDNS advert); every process, the main one included,
accepts connections on the one socket and answers them from the same database
(SQLite's write lock already queues writers from several processes).

What lives in one process's memory is carried to the others through the main
process, over a pipe per worker: the live-update events pages listen to
(``kiosk.events``) and the notes shared through it (the scan cool-down). The
change log's clock is read from the log itself in each write
(``sync.changelog``), so no process hands out a stamp behind another's.

Browsers keep their connections open, so whichever process accepts a
connection answers everything on it for minutes. Each process therefore
accepts new connections only while it has no more open than the least busy
process (``Balancer``), so ten screens end up five and five, not eight and two.

A worker that dies is started again (sooner or later, by how soon it died); a
worker whose main process is gone ends itself, so it never keeps the port.
Processes are started with ``spawn``, the only start method Windows has, so
Linux runs the same path.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from multiprocessing.connection import Connection, wait

from kiosk import events

log = logging.getLogger(__name__)

MAX_AUTO_WORKERS = 4
RESTART_DELAYS = (1, 2, 5, 10, 30)  # seconds before starting a worker that died soon after its start
STEADY_SECONDS = 30  # a worker that lived this long had a crash, not a broken start: restart at once


def auto_count() -> int:
    """One process per core, at most four (a kiosk PC has two or four)."""
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS))


STALE_SECONDS = 2.0  # a process not heard from for this long (hung, dead, starting) is left out
LOOP_SECONDS = 0.25  # how often an idle process looks at the others' counts again


class Balancer:
    """Least connections: the processes' open connections in shared memory.

    Each process writes its count and the time each turn of its server loop and
    listens for new connections only while no live process has fewer. The
    process with the fewest always listens; a view gone stale by another's
    accepts is fresh again within ``LOOP_SECONDS``.
    """

    def __init__(self, size: int, context):
        self.counts = context.Array("i", size, lock=False)
        self.beats = context.Array("d", size, lock=False)  # time.monotonic(): one clock per machine

    def attach(self, server, index: int) -> None:
        """Make ``server`` (waitress) take part as process ``index``."""
        listening = server.readable  # waitress's own rule (the connection limit) still applies
        counts, beats = self.counts, self.beats

        def readable() -> bool:
            if not listening():
                return False
            now = time.monotonic()
            # Its connections that sent a request (kiosk.server counts them; a server without
            # that count: every connection, plus two sockets every process has).
            load = getattr(server, "balanced_load", None)
            mine = counts[index] = load() if load is not None else len(server._map)
            beats[index] = now
            if not beats[0]:
                return False  # the main process is still starting: the first screens are shared out once it serves
            return all(mine <= count for count, beat in zip(counts, beats) if now - beat < STALE_SECONDS)

        server.readable = readable
        server.adj.asyncore_loop_timeout = LOOP_SECONDS

    def leave(self, index: int) -> None:
        """Process ``index`` ended: the others stop counting it at once, not after ``STALE_SECONDS``
        (a dead worker with fewer connections would hold every other process back meanwhile)."""
        self.beats[index] = 0.0

    def ready(self, size: int, timeout: float) -> bool:
        """Wait until the workers (processes 1 to ``size`` - 1) serve, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            if all(now - beat < STALE_SECONDS for beat in self.beats[1:size]):
                return True
            time.sleep(0.05)
        return False


class _Worker:
    """One worker process seen from the main one: its process, its pipe end, its history."""

    def __init__(self, index: int):
        self.index = index
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.started_at = 0.0
        self.quick_deaths = 0


class WorkerPool:
    """The main process's side: starts the workers, relays between them, restarts the fallen."""

    def __init__(self, count: int, server, build: tuple[str | None, dict], threads: int):
        self._context = multiprocessing.get_context("spawn")
        self._sock, self._build, self._threads = server.socket, build, threads
        self.balancer = Balancer(count, self._context)
        self.balancer.attach(server, 0)
        self._workers = [_Worker(index) for index in range(1, count)]
        self._outbox: queue.Queue = queue.Queue()  # (origin index or 0, message) to pass on
        self._stopping = threading.Event()
        self._changed = threading.Event()  # a worker (re)started: the reader waits on new pipes

    def start(self) -> "WorkerPool":
        for worker in self._workers:
            self._spawn(worker)
        events.connect_relay(lambda message: self._outbox.put((0, message)))
        for target in (self._read, self._send, self._supervise):
            threading.Thread(target=target, name=f"workers-{target.__name__.strip('_')}", daemon=True).start()
        return self

    def terminate(self) -> None:
        """Tell every worker to stop (SIGTERM: waitress stops like on Ctrl-C); ``stop`` waits for them."""
        if self._stopping.is_set():
            return  # told once: a second SIGTERM would cut a worker's own shutdown short
        self._stopping.set()
        for worker in self._workers:
            if worker.process is not None and worker.process.is_alive():
                worker.process.terminate()

    def stop(self, timeout: float = 10) -> None:
        """End every worker and the relay, killing a worker still there after ``timeout`` seconds."""
        self.terminate()
        events.connect_relay(None)
        self._outbox.put(None)
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            if worker.process is not None:
                worker.process.join(max(0.1, deadline - time.monotonic()))
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join(1)
            if worker.conn is not None:
                worker.conn.close()

    def _spawn(self, worker: _Worker) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        target, config = self._build
        process = self._context.Process(
            target=serve_worker, name=f"bayflow-worker-{worker.index}", daemon=True,
            args=(worker.index, self._sock, theirs, self.balancer, target, config, self._threads))
        process.start()
        theirs.close()  # the child has its own copy; ours sees EOF when the child ends
        worker.process, worker.conn, worker.started_at = process, ours, time.monotonic()
        self._changed.set()

    def _read(self) -> None:
        """Messages from the workers: handled here, then passed on to the other workers."""
        while not self._stopping.is_set():
            self._changed.clear()
            conns = {w.conn: w for w in self._workers if w.conn is not None and not w.conn.closed}
            for conn in wait(list(conns), timeout=0.5) if conns else ():
                worker = conns[conn]
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    conn.close()  # the worker ended; the supervisor starts another
                    self.balancer.leave(worker.index)
                    continue
                events.received(message)
                self._outbox.put((worker.index, message))
            if not conns:
                self._changed.wait(0.5)

    def _send(self) -> None:
        """Pass each message to every worker but the one it came from."""
        while True:
            item = self._outbox.get()
            if item is None:
                return
            origin, message = item
            for worker in self._workers:
                if worker.index == origin or worker.conn is None or worker.conn.closed:
                    continue
                try:
                    worker.conn.send(message)  # only this thread sends to the workers
                except (OSError, EOFError, ValueError):
                    pass  # ending or ended: the supervisor sees to it

    def _supervise(self) -> None:
        """Start again any worker that died, waiting longer each time one dies right away."""
        while not self._stopping.wait(0.5):
            for worker in self._workers:
                process = worker.process
                if process is None or process.is_alive() or self._stopping.is_set():
                    continue
                lived = time.monotonic() - worker.started_at
                worker.quick_deaths = 0 if lived > STEADY_SECONDS else worker.quick_deaths + 1
                delay = 0 if worker.quick_deaths == 0 else RESTART_DELAYS[
                    min(worker.quick_deaths, len(RESTART_DELAYS)) - 1]
                self.balancer.leave(worker.index)
                log.warning("server worker %d ended (exit code %s); starting it again in %d s",
                            worker.index, process.exitcode, delay)
                worker.process = None
                if self._stopping.wait(delay):
                    return
                self._spawn(worker)


def serve_worker(index: int, sock, conn: Connection, balancer: Balancer, target: str | None, config: dict,
                 threads: int) -> None:
    """A worker process: the same app on the main process's socket, requests only."""
    from kiosk.cli import build_app
    from kiosk.server import make_server, serve_until_stopped, start_audit_flusher, warm_templates

    app = build_app(target, **config)
    app.config["SERVER_PROCESS"] = index
    from kiosk import logs

    logs.start(app)
    send_lock = threading.Lock()

    def relay(message: tuple) -> None:
        try:
            with send_lock:
                conn.send(message)
        except (OSError, EOFError, ValueError):
            pass  # the main process is gone; the reader below ends this one

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                # The main process ended (even killed): end at once, so the port is
                # free for the next start and no page talks to an orphan.
                os._exit(0)
            events.received(message)

    threading.Thread(target=read, name="workers-read", daemon=True).start()
    events.connect_relay(relay)
    server = make_server(app, sockets=[sock], threads=threads)
    warm_templates(app)
    balancer.attach(server, index)
    flusher = start_audit_flusher(app)
    try:
        serve_until_stopped(server)
    finally:
        flusher.set()
        flusher.thread.join(timeout=5)
