"""Server-sent events: pages subscribe with htmx's SSE extension and refresh
the parts that changed. Each open stream holds one server thread, so the
WSGI server runs with many threads (see kiosk.server).

Streams are capped, so that no client can take every thread: at most
``SSE_MAX_PER_CLIENT`` per client address, and in all at most the server's
threads less ``SSE_RESERVED_THREADS``, which stay free for ordinary pages. A
stream over a cap is answered at once with 429 or 503, ``Retry-After`` and a
sentence saying so; the page then refreshes its live parts on a timer instead
(static/kiosk.js) and tries the stream again later.
"""
from __future__ import annotations

import collections
import queue
import threading

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from kiosk import events

bp = Blueprint("stream", __name__)

# A page that was left is noticed at the next write: keep the beat short so its
# thread comes back soon (kiosks scan a lot and move between pages).
HEARTBEAT_SECONDS = 5
SSE_MAX_PER_CLIENT = 8     # a page opens one or two; a kiosk PC a few pages
SSE_RESERVED_THREADS = 8   # server threads no stream may take
RETRY_AFTER_SECONDS = 30

_lock = threading.Lock()


def _counts() -> collections.Counter:
    """Open streams per client address, for this app in this process."""
    return current_app.extensions.setdefault("bayflow_streams", collections.Counter())


def _total_cap() -> int:
    threads = current_app.config.get("SERVER_THREADS")
    reserved = int(current_app.config.get("SSE_RESERVED_THREADS", SSE_RESERVED_THREADS))
    default = max(1, threads - reserved) if threads else 10_000  # no thread pool known: not capped here
    return int(current_app.config.get("SSE_MAX_TOTAL", default))


def _take_slot(client: str) -> int:
    """Count a new stream for ``client``; 0 when it may open, else the status to refuse it with."""
    per_client = int(current_app.config.get("SSE_MAX_PER_CLIENT", SSE_MAX_PER_CLIENT))
    total = _total_cap()
    counts = _counts()
    with _lock:
        if counts[client] >= per_client:
            return 429
        if sum(counts.values()) >= total:
            return 503
        counts[client] += 1
    return 0


def _free_slot(counts: collections.Counter, client: str) -> None:
    with _lock:
        counts[client] -= 1
        if counts[client] <= 0:
            del counts[client]


def open_streams() -> dict[str, int]:
    """Open streams per client address in this process (for the tests and support)."""
    with _lock:
        return dict(_counts())


@bp.get("/events", endpoint="events")
def events_stream():
    max_seconds = current_app.config.get("SSE_MAX_SECONDS", 300)
    client = request.remote_addr or ""
    refused = _take_slot(client)
    if refused:
        message = (_("Too many live-update streams from this computer.") if refused == 429
                   else _("This kiosk serves as many live-update streams as it can."))
        instead = _("The page refreshes every few seconds instead and tries again later.")
        body = f"{message} {instead}\n"
        return Response(body, status=refused, mimetype="text/plain",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})

    def generate(q):
        try:
            yield "retry: 2000\n\n"
            waited = 0.0
            while waited < max_seconds:
                try:
                    name, data = q.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    waited += HEARTBEAT_SECONDS
                    yield ": keep-alive\n\n"
                    continue
                if (name, data) == events.END:
                    return  # the server is stopping; the page reconnects by itself
                yield f"event: {name}\ndata: {data or name}\n\n"
        finally:
            events.unsubscribe(q)

    q = events.subscribe()
    response = Response(generate(q), mimetype="text/event-stream")
    # Freed when the server closes the answer, even one never read (a generator that
    # never started runs no ``finally``).
    counts = _counts()
    response.call_on_close(lambda: (events.unsubscribe(q), _free_slot(counts, client)))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response

