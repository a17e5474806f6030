"""Each node's log file: rotating, size-capped, in the instance folder, a request id on every line.

``start(app)`` (the server and each of its worker processes) writes to
``<instance>/logs/<database name>.log`` — e.g. ``instance/logs/hub.log`` for
``--db /var/lib/bayflow/hub.sqlite`` — rotated at 5 MB, five old files kept
(``hub.log.1`` …), so a node never fills its disk with logs. The handler is
``concurrent_log_handler``'s: the server's processes write and rotate the one
file safely, on Linux and Windows.

Each line: time (the store's wall time with its offset), level, ``[request id]``,
logger, message. A request's id is
taken from an ``X-Request-Id`` header (a proxy's, or a test's) or made, sent
back in the answer's ``X-Request-Id``, and carried by every line logged while
the request runs; lines from background work say ``-``. Every request but the
static files and the live-update streams gets one line (method, path, status,
milliseconds).

Request threads only put their lines on a queue; one thread per process writes
them (``QueuedLog``): writing a line takes a lock between the processes on the
file, and with ten screens loading at once the request threads queued on it
(a fifth of a page's time under load, see the README's Benchmarks).

The last warning or error is also kept in ``<name>-last-error.json`` beside
the log: a kiosk reports it to the hub in each hello (the hub's kiosk list).
"""
from __future__ import annotations

import datetime as dt
import atexit
import json
import logging
import logging.handlers
import os
import queue
import re
import sys
import threading
import time
import uuid
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request

from kiosk.core import times
from kiosk.version import app_version

MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_state = {"last_error_file": None, "started": None}
_lock = threading.Lock()
_seconds: dict = {}  # the last second stamped (_stamp)
# The most lines one write takes (_BatchedListener): a busy minute's lines go out in a few writes.
BATCH = 256
GATHER_SECONDS = 0.05  # how long a line may wait for others to be written with it


def _stamp(created: float, timespec: str = "seconds") -> str:
    """A log record's time as the store's wall time with its offset (kiosk.core.times), not the PC's zone.

    Every request logs a line; the zone conversion is done once a second, the milliseconds added to it.
    """
    second, zone = int(created), times.store_zone()
    cached = _seconds.get("stamp")
    if cached is None or cached[0] != (second, zone):
        text = dt.datetime.fromtimestamp(second, zone).isoformat()
        cached = _seconds["stamp"] = ((second, zone), text[:19], text[19:])  # "YYYY-MM-DDTHH:MM:SS", "+08:00"
    if timespec == "milliseconds":
        return f"{cached[1]}.{int((created - second) * 1000):03d}{cached[2]}"
    return cached[1] + cached[2]


class StoreTimeFormatter(logging.Formatter):
    """Log lines stamped in the store's zone with its offset, whatever zone the PC runs in."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _stamp(record.created, "milliseconds")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or ``-``) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # set already in the request's thread (QueuedLog)
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class LastErrorHandler(logging.Handler):
    """Keeps the newest warning or error in a small JSON file (replaced atomically)."""

    def __init__(self, path: Path):
        super().__init__(level=logging.WARNING)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # With the store's offset: the hub shows it in the store's zone, whatever this PC's is.
            text = json.dumps({"at": _stamp(record.created), "level": record.levelname,
                               "message": record.getMessage()[:500]}, ensure_ascii=False)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except Exception:  # never let logging break the request that logged
            self.handleError(record)


class _BatchedListener(logging.handlers.QueueListener):
    """Writes the lines queued meanwhile together: under load ten or twenty lines wait while one
    is written, and each write takes the file's lock between processes, checks the rotation and
    flushes — once per batch instead of once per line."""

    def _monitor(self) -> None:
        while True:
            batch = [self.dequeue(True)]
            if batch[0] is not self._sentinel:
                # Gather what the next moments bring: a request thread putting a line on the
                # queue then wakes no one (the writer is not waiting), and the writer takes the
                # interpreter a few times a second instead of once per request.
                time.sleep(GATHER_SECONDS)
            try:
                while len(batch) < BATCH and batch[-1] is not self._sentinel:
                    batch.append(self.queue.get_nowait())
            except queue.Empty:
                pass
            stop = batch[-1] is self._sentinel
            self.handle_many([r for r in batch if r is not self._sentinel])
            if stop:
                break

    def handle_many(self, records: list) -> None:
        for handler in self.handlers:
            kept = [self.prepare(r) for r in records if r.levelno >= handler.level]
            if not kept:
                continue
            if isinstance(handler, _RotatingFile):
                handler.handle_many(kept)
            else:
                for record in kept:
                    handler.handle(record)


def _rotating_file_class():
    """The rotating file handler that writes a batch under one lock (``concurrent_log_handler``,
    imported when a server starts logging: it costs 40 ms a command would pay for nothing)."""
    from concurrent_log_handler import ConcurrentRotatingFileHandler

    class RotatingFile(ConcurrentRotatingFileHandler, _RotatingFile):
        def handle_many(self, records: list) -> None:
            lines = [self.format(r) + self.terminator for r in records if self.filter(r)]
            # The size cap holds within an eighth of it: the rotation is checked between chunks.
            chunk = max(1024, min(64 * 1024, self.maxBytes // 8)) if self.maxBytes else 1 << 30
            try:
                self._do_lock()
                try:
                    self._check_stream()
                    while lines:
                        size, end = 0, 0
                        while end < len(lines) and (end == 0 or size + len(lines[end]) <= chunk):
                            size += len(lines[end])
                            end += 1
                        try:
                            if self.shouldRollover(records[0]):
                                self.doRollover()
                        except Exception as error:  # the lines are still written (as emit does)
                            self._console_log(f"Unable to do rollover: {error}")
                        self.do_write("".join(lines[:end])[:-len(self.terminator)])
                        del lines[:end]
                finally:
                    self._do_unlock()
            except Exception:  # never let logging stop the writer thread
                self.handleError(records[0])

    return RotatingFile


class _RotatingFile:
    """Marks the handler that takes a whole batch (``handle_many``)."""


class QueuedLog(logging.handlers.QueueHandler):
    """Hands records to a thread that writes them to ``handlers``, so a request never waits on
    the log file's lock. Closing it writes what is still queued, then closes the handlers."""

    def __init__(self, handlers: list[logging.Handler]):
        super().__init__(queue.SimpleQueue())
        self.addFilter(RequestIdFilter())  # the request's id is read in the request's thread
        self.listener = _BatchedListener(self.queue, *handlers, respect_handler_level=True)
        self.listener.start()
        atexit.register(self.close)  # the lines still queued when the process ends are written

    def close(self) -> None:
        if self.listener is not None:
            listener, self.listener = self.listener, None
            listener.stop()  # writes every line queued so far
            for handler in listener.handlers:
                handler.close()
        super().close()


def log_name(app: Flask) -> str:
    """The log file's name: the database file's (``hub.sqlite`` → ``hub``), or ``hub`` on PostgreSQL."""
    target = str(app.config["DATABASE"] or "bayflow")
    if target.startswith("postgres"):
        return "hub"
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", Path(target).stem) or "bayflow"


def log_folder(app: Flask) -> Path:
    return Path(app.config["LOG_FOLDER"] or Path(app.instance_path) / "logs")


def start(app: Flask) -> Path:
    """Write this process's logs to the node's rotating file; return its path. Once per process."""
    folder = log_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{log_name(app)}.log"
    with _lock:
        if _state["started"] == path:
            return path
        root = logging.getLogger()
        handler = _rotating_file_class()(str(path), maxBytes=app.config["LOG_MAX_BYTES"],
                                                backupCount=BACKUPS,
                                                encoding="utf-8", use_gzip=False)
        handler.setFormatter(StoreTimeFormatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        last = LastErrorHandler(folder / f"{log_name(app)}-last-error.json")
        # Warnings and errors still go to stderr as before (the service's journal, a terminal).
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        console.addFilter(RequestIdFilter())
        root.addHandler(QueuedLog([handler, last, console]))
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        _state.update(started=path, last_error_file=last.path)
    logging.getLogger("kiosk").info("bayflow %s started (%s, pid %s)", _version(), app.config["ROLE"],
                                    os.getpid())
    return path


def _version() -> str:
    return app_version()


def last_error(app: Flask | None = None) -> dict:
    """The newest warning or error logged by this node ({} when none): {"at", "level", "message"}."""
    path = _state["last_error_file"]
    if path is None and app is not None:
        path = log_folder(app) / f"{log_name(app)}-last-error.json"
    if path is None:
        try:
            path = log_folder(current_app) / f"{log_name(current_app)}-last-error.json"
        except RuntimeError:
            return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def init_app(app: Flask) -> None:
    """Give every request an id and one log line."""
    access = logging.getLogger("kiosk.requests")

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _ID.match(given) else uuid.uuid4().hex[:12]
        g.request_began = time.perf_counter()

    @app.after_request
    def _log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-Id"] = request_id
            path = request.path
            if not path.startswith("/static/") and path != "/events":
                ms = (time.perf_counter() - g.get("request_began", time.perf_counter())) * 1000
                access.info("%s %s %s %.1f ms", request.method, path, response.status_code, ms)
        return response
