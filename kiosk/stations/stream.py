"""Server-sent events: pages subscribe with htmx's SSE extension and refresh
the parts that changed. Each open stream holds one server thread, so the
WSGI server runs with many threads (see kiosk.server)."""
from __future__ import annotations

import queue

from flask import Blueprint, Response, current_app

from kiosk.core import events

bp = Blueprint("stream", __name__)

# A page that was left is noticed at the next write: keep the beat short so its
# thread comes back soon (kiosks scan a lot and move between pages).
HEARTBEAT_SECONDS = 5


@bp.get("/events", endpoint="events")
def events_stream():
    max_seconds = current_app.config["SSE_MAX_SECONDS"]

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
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response

