"""Broadcast of "something changed" to the pages listening on /events.

Writes note which tables they touched; when the outermost transaction commits,
one event per table goes to every listener (``work_order`` → ``work_order-changed``).
Nothing here knows Flask, so sync and scanning can publish too.

A server with several processes (``bayflow serve --workers``) connects a relay
(``kiosk.workers``): what one process publishes reaches the pages listening on
every other, and ``share`` carries other small notes between them (the scan
cool-down's last codes), each handled by what ``on_shared`` registered.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_local = threading.local()
_listeners: set[queue.Queue] = set()
_lock = threading.Lock()
_relay: Callable[[tuple], None] | None = None  # sends (kind, args) to the other processes
_delivered = [0]  # page events delivered in this process so far (``delivered``)


def note(entity: str) -> None:
    """Remember that the current transaction touched ``entity``."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = set()
    pending.add(entity)


def discard_pending() -> None:
    _local.pending = set()


def flush_pending() -> None:
    """Called after a commit: announce what the transaction changed."""
    pending, _local.pending = getattr(_local, "pending", set()), set()
    for entity in sorted(pending):
        publish(f"{entity.replace('_', '')}-changed")


def publish(name: str, data: str = "") -> None:
    """Tell the pages listening here, and on the server's other processes."""
    _deliver(name, data)
    share("page", name, data)


def delivered() -> int:
    """How many page events this process has delivered: a part of a page kept while it is
    unchanged (kiosk.template_cache.kept_part) is made again once it grows."""
    return _delivered[0]


def _deliver(name: str, data: str = "") -> None:
    with _lock:
        _delivered[0] += 1
        listeners = list(_listeners)
    for q in listeners:
        try:
            q.put_nowait((name, data))
        except queue.Full:
            pass  # a stalled page misses a nudge; it refreshes on the next one


END = ("", "")  # what a listener gets when the server stops: its stream ends now


def end_streams() -> None:
    """Tell every listener the server is stopping (each open stream holds a
    server thread, which the server would otherwise wait for)."""
    with _lock:
        listeners = list(_listeners)
    for q in listeners:
        try:
            q.put_nowait(END)
        except queue.Full:
            pass  # a stalled page: its stream ends with the server


def subscribe(maxsize: int = 100) -> queue.Queue:
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    with _lock:
        _listeners.add(q)
    return q


def unsubscribe(q: queue.Queue) -> None:
    with _lock:
        _listeners.discard(q)


_handlers: dict[str, Callable] = {"page": _deliver}


def share(kind: str, *args) -> None:
    """Send a note to the server's other processes (nothing when it runs only one)."""
    if _relay is not None:
        _relay((kind, args))


def on_shared(kind: str, handler: Callable) -> None:
    """Call ``handler(*args)`` for each ``share(kind, *args)`` made in another process."""
    _handlers[kind] = handler


def received(message: tuple) -> None:
    """A note from another process (the relay calls this): handled here, never sent on."""
    kind, args = message
    handler = _handlers.get(kind)
    if handler is not None:
        handler(*args)


def connect_relay(send: Callable[[tuple], None] | None) -> None:
    """Start (or, with None, stop) sending shared notes to the other processes."""
    global _relay
    _relay = send
