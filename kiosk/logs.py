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


def _stamp(created: float, timespec: str = "seconds") -> str:
    """A log record's time as the store's wall time with its offset (kiosk.core.times), not the PC's zone."""
    return dt.datetime.fromtimestamp(created, times.store_zone()).isoformat(timespec=timespec)


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


class QueuedLog(logging.handlers.QueueHandler):
    """Hands records to a thread that writes them to ``handlers``, so a request never waits on
    the log file's lock. Closing it writes what is still queued, then closes the handlers."""

    def __init__(self, handlers: list[logging.Handler]):
        super().__init__(queue.SimpleQueue())
        self.addFilter(RequestIdFilter())  # the request's id is read in the request's thread
        self.listener = logging.handlers.QueueListener(self.queue, *handlers, respect_handler_level=True)
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
    # Lazily: the rotating handler (and its file locking) costs 40 ms, which only a serving node needs.
    from concurrent_log_handler import ConcurrentRotatingFileHandler

    folder = log_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{log_name(app)}.log"
    with _lock:
        if _state["started"] == path:
            return path
        root = logging.getLogger()
        handler = ConcurrentRotatingFileHandler(str(path), maxBytes=app.config["LOG_MAX_BYTES"],
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
